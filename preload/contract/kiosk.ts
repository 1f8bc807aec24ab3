import { z } from 'zod';

/** What the host knows before the kiosk can run: ready, or why not. */
export type BootState = 'ready' | 'config-error' | 'not-configured' | 'store-error';

/**
 * One config error as the problem screen shows it: the field and what was
 * expected, never the value found (it may be a secret; it is in the log, masked).
 */
export interface ConfigIssueView {
  /** Dotted path of the field, e.g. `api.baseUrl`. */
  field: string;
  /** What was expected, in words. */
  expected: string;
}

/** What a boot problem is, so the screen words it in its language. */
export type BootProblemCode =
  | 'config-invalid'
  | 'config-missing'
  | 'data-folder'
  | 'store-newer'
  | 'store-corrupt'
  | 'store-backup'
  | 'store-io';

export interface BootProblem {
  /** Absent from an older host: the screen then shows the English texts below. */
  code?: BootProblemCode;
  /**
   * Values for the screen's words: paths, counts, an errno code, the user the
   * kiosk runs as. Never a value from the config.
   */
  params?: Record<string, string | number>;
  /** The same in English (logs, older screens). */
  title: string;
  message: string;
  /** The file the problem concerns (config or database). */
  file?: string;
  issues?: ConfigIssueView[];
  /** What an installer should do next. */
  howToFix: string;
}

export interface BootInfo {
  state: BootState;
  version: string;
  kioskName: string;
  kioskId: string | null;
  modules: string[];
  demo: boolean;
  defaultLanguage: 'en' | 'id';
  idleTimeoutSeconds: number;
  adminIdleTimeoutSeconds: number;
  /** How long a result stays on screen (screen.resultSeconds). */
  resultSeconds: number;
  /** An unanswered choice cancels after this (gate.choiceTimeoutSeconds). */
  choiceTimeoutSeconds: number;
  /** Only in the demo profile: the PIN printed in README. */
  demoPin?: string;
  problem?: BootProblem;
}

export interface KioskStatus {
  /** null while connectivity has not been probed yet. */
  online: boolean | null;
  lastOnlineAt: string | null;
  kioskName: string;
  /** Local clock minus the cloud's Date header, in ms; null before any response. */
  clockSkewMs: number | null;
  clockWarning: boolean;
  now: string;
  timeZone: string;
}

export const kioskHandlers = {
  'kiosk:boot': z.object({}).strict(),
  'kiosk:status': z.object({}).strict(),
};

export interface KioskValues {
  'kiosk:boot': BootInfo;
  'kiosk:status': KioskStatus;
}

export interface KioskEvents {
  'kiosk:status': KioskStatus;
}
