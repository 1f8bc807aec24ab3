import { z } from 'zod';
import type { CodedReason } from './reasons';
import type { TimeZoneHint } from './gate';

export type UnlockOutcome =
  | { status: 'unlocked' }
  | { status: 'wrong-pin'; triesLeft: number }
  | { status: 'locked'; retryInSeconds: number }
  | { status: 'no-pin'; howToSet: string };

export interface LockState {
  pinSet: boolean;
  locked: boolean;
  retryInSeconds: number;
  howToSet?: string;
}

export interface AdminPageInfo {
  /** Module id; the renderer has a screen for each known id. */
  id: string;
  title: string;
}

/** Something a module asks the attendant to look at, shown at the top of the overview. */
export type AdminWarning = { kind: 'gate.time-zone'; hint: TimeZoneHint } | { kind: 'sessions.clock-untrusted' } | { kind: 'bookings.disk-low' };

/** The kiosk's LAN API as the attendant sees it: whether it runs, where, and the fingerprint clients pin. */
export interface LanApiStatus {
  state: 'off' | 'starting' | 'listening' | 'failed';
  /** `https://host:port` while listening. */
  url: string | null;
  /** SHA-256 fingerprint of its certificate ("AB:CD:…"), once the certificate is there. */
  fingerprint: string | null;
  /** Why it is not running (state "failed"). */
  error: string | null;
}

export interface AdminOverview {
  kioskId: string;
  kioskName: string;
  version: string;
  modules: string[];
  configPath: string | null;
  /** The config in effect, secrets replaced by "••••". */
  config: unknown;
  dataDir: string;
  database: { path: string; sizeBytes: number; schemaVersion: number; appSchemaVersion: number };
  logPath: string;
  pages: AdminPageInfo[];
  /** Cloud URLs reached over plain http to another machine, each allowed by `setting` (a warning for the attendant). */
  insecureUrls: { url: string; setting: string }[];
  /** The modules' warnings for the attendant (e.g. ticket dates that suggest another time zone). */
  warnings: AdminWarning[];
  lanApi: LanApiStatus;
}

export interface AuditEntry {
  id: number;
  at: string;
  action: string;
  /** In English, as written (the only words a row from an older kiosk has). */
  detail: string | null;
  /** The same for the screen's language; attendant input (a note) in params.detail. */
  detailCoded: CodedReason | null;
}

export const adminHandlers = {
  'admin:lock-state': z.object({}).strict(),
  'admin:unlock': z.object({ pin: z.string().max(64) }).strict(),
  'admin:exit': z.object({ reason: z.enum(['user', 'idle']).default('user') }).strict(),
  /** The attendant is still there (touches on an admin page that load nothing). */
  'admin:touch': z.object({}).strict(),
  'admin:overview': z.object({}).strict(),
  'admin:logs': z.object({ lines: z.number().int().min(1).max(2000).default(200) }).strict(),
  'admin:audit': z.object({ limit: z.number().int().min(1).max(500).default(50) }).strict(),
};

export interface AdminValues {
  'admin:lock-state': LockState;
  'admin:unlock': UnlockOutcome;
  'admin:exit': null;
  'admin:touch': null;
  'admin:overview': AdminOverview;
  'admin:logs': { path: string; lines: string[] };
  'admin:audit': AuditEntry[];
}

export interface AdminEvents {
  'admin:session': { open: boolean; reason: 'unlock' | 'user' | 'idle' };
}
