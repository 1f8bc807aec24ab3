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
  /** What was expected, in English words (logs, the terminal, an older screen). */
  expected: string;
  /** The same for the screen's language: names and values from the schema stay literal. Absent from an older host. */
  expectedCoded?: ConfigExpectation;
}

/**
 * What a config field expects, as a shape the screen words in its language
 * (main/config/explain.ts writes the English from the same shape). Only the
 * schema's names, limits and choices: never a value from the file.
 */
export type ConfigExpectation = { orNull?: boolean } & (
  | { kind: 'one-of'; values: string[]; caseMatters?: boolean }
  | { kind: 'text'; min?: number; max?: number }
  | { kind: 'whole-number' | 'number'; low?: number; lowOpen?: boolean; high?: number }
  | { kind: 'true-false' }
  | { kind: 'section' }
  | { kind: 'list'; min?: number; max?: number; each?: ConfigExpectation }
  /** The file's top level is not { ... }. */
  | { kind: 'settings' }
  /** A check of Booth's own (a URL, a time zone, a header name...), by name. */
  | { kind: 'rule'; rule: ConfigRule }
  | { kind: 'no-such-setting'; suggestions: string[] }
  /** A seed setting Booth keeps elsewhere. */
  | { kind: 'not-a-setting'; why: 'kiosk-id' | 'pin' | 'self-signed-cert' }
  | { kind: 'json'; line?: number; column?: number }
  | { kind: 'readable-file'; errno: string }
  | { kind: 'valid' }
);

export type ConfigRule =
  | 'http-url'
  | 'url-slash'
  | 'https-url'
  | 'relative-path'
  | 'time-zone'
  | 'header-name'
  | 'pin-hash'
  | 'regex'
  | 'ip-address'
  | 'api-key-hash'
  | 'api-key-needed';

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
