import { z } from 'zod';
import type { CodedReason } from './reasons';

/** Why a scanned line is not a ticket code. */
export type UnreadableReason = 'empty' | 'too-long' | 'control-bytes' | 'no-reference';

interface ScanBase {
  /** Identifies this scan for gate:admit / gate:cancel. */
  scanId: string;
  at: string;
  /** The clock is off against the cloud: a date-based decision may be wrong. */
  clockWarning: boolean;
}

export type ScanDecision =
  | { kind: 'valid'; reference: string; bookingDate: string; pax: number; left: number; test: boolean }
  | {
      kind: 'already-used';
      reference: string;
      pax: number;
      /** This gate's last admission on the ticket (time and this gate's name), if it made one. */
      lastUsedAt: string | null;
      lastUsedGate: string | null;
      /** The server's count shows persons this gate did not admit: some entered at another gate. */
      usedElsewhere: boolean;
    }
  | { kind: 'not-for-attraction'; reference: string; attraction: string }
  | { kind: 'wrong-day'; reference: string; bookingDate: string; today: string }
  | { kind: 'unknown'; reference: string; lastDownloadAt: string | null }
  | { kind: 'test-ticket'; reference: string }
  | { kind: 'withdrawn'; reference: string; withdrawnAt: string }
  | { kind: 'unreadable'; reason: UnreadableReason };

export type ScanResult = ScanBase & ScanDecision;
export type ScanKind = ScanDecision['kind'];

export type AdmitResult =
  | { status: 'admitted'; reference: string; persons: number; left: number; test: boolean }
  /** The admission could not be committed (disk full, I/O error): see the attendant. */
  | { status: 'cannot-record'; message: string }
  /** The scan is no longer pending (timed out, replaced or already used). */
  | { status: 'expired' }
  /** The ticket changed since the scan (another gate used it): here is the new decision. */
  | { status: 'changed'; result: ScanResult };

export interface ScannerStatus {
  configured: boolean;
  connected: boolean;
  path: string | null;
  lastScanAt: string | null;
  /** In English: the log, and a screen that does not know `errorCoded`. */
  error: string | null;
  /** Why it is not connected, for the screen's language (the OS's words in params.detail). */
  errorCoded: CodedReason | null;
}

export interface DownloadInfo {
  state: 'idle' | 'running' | 'done' | 'failed' | 'not-modified';
  startedAt: string | null;
  finishedAt: string | null;
  /** Records processed so far / in total (total known once the body is parsed). */
  processed: number;
  total: number | null;
  stored: number;
  skipped: number;
  withdrawn: number;
  durationMs: number | null;
  /** In English (the log; a download from an older kiosk has only this). */
  error: string | null;
  /** The same for the screen's language; the server's or the OS's words in params.detail. */
  errorCoded: CodedReason | null;
}

export interface GateStatus {
  attraction: string;
  testMode: boolean;
  lastDownloadAt: string | null;
  scanner: ScannerStatus;
}

export interface OutboxItemView {
  id: number;
  kind: string;
  key: string;
  state: 'pending' | 'dead' | 'done';
  attempts: number;
  createdAt: string;
  /** In English, as stored (the server's answer included). */
  lastError: string | null;
  /** The same for the screen's language; the server's words in params.detail. */
  lastErrorCoded: CodedReason | null;
  /** What the upload is, in English. */
  summary: string;
  /** The same for the screen's language. */
  summaryCoded: CodedReason | null;
}

export interface SyncStatus {
  pending: number;
  dead: number;
  lastUploadAt: string | null;
  lastError: string | null;
  /** The same for the screen's language; the server's or the network's words in params.detail. */
  lastErrorCoded: CodedReason | null;
}

/** The counts behind a flag, as the last download saw them (the page words them). */
export interface GateFlagFacts {
  pax: number;
  /** The server's count. */
  serverUsed: number;
  /** Persons this kiosk admitted that the server acknowledged and its count should include. */
  acknowledged: number;
  /** Persons this kiosk admitted that the server's count does not include yet. */
  pending: number;
  /** Count conflicts: the absolute count this kiosk sends again to restore the server, once queued. */
  resent: number | null;
}

export interface GateFlag {
  id: number;
  reference: string;
  attraction: string;
  kind: 'over-admission' | 'count-conflict';
  /** The same in English (logs, older kiosks); the page words `facts` when present. */
  detail: string;
  facts: GateFlagFacts | null;
  createdAt: string;
  /** When its facts last changed (a later download saw other counts). */
  updatedAt: string | null;
}

/** One page of open flags, newest first. */
export interface GateFlagPage {
  flags: GateFlag[];
  /** Open flags in all. */
  total: number;
  /** Pass as `before` for the next page; null on the last page. */
  nextBefore: number | null;
}

/**
 * The tickets of the last download look dated in another time zone than the
 * kiosk's `timeZone`: most of those around today fall on `date` (the venue's
 * yesterday or tomorrow), few on `today`. A warning for the attendant.
 */
export interface TimeZoneHint {
  /** The config's time zone. */
  timeZone: string;
  /** The venue's date when the download finished. */
  today: string;
  direction: 'yesterday' | 'tomorrow';
  date: string;
  /** Tickets dated `date`, dated `today`, and dated yesterday, today or tomorrow together. */
  tickets: number;
  todayTickets: number;
  around: number;
  checkedAt: string;
}

export interface GateAdminSummary {
  attraction: string;
  testMode: boolean;
  ticketsStored: number;
  lastDownload: DownloadInfo;
  lastSuccessfulDownloadAt: string | null;
  /** Persons admitted today (venue time zone) per hour 0–23. */
  admissionsPerHour: number[];
  sync: SyncStatus;
  deadItems: OutboxItemView[];
  scanner: ScannerStatus;
  /** The first page of open flags (more with 'gate:flags'). */
  flags: GateFlagPage;
  /** Set when the last download's ticket dates suggest another time zone. */
  timeZoneHint: TimeZoneHint | null;
}

export const gateHandlers = {
  'gate:status': z.object({}).strict(),
  'gate:scan': z.object({ code: z.string().max(4096), source: z.enum(['keyboard', 'demo']) }).strict(),
  'gate:admit': z.object({ scanId: z.string().max(64), persons: z.number().int().min(1).max(1000) }).strict(),
  /** `timeout`: the choice was left unanswered (the screen's timer), for the log. */
  'gate:cancel': z.object({ scanId: z.string().max(64), reason: z.enum(['cancel', 'timeout']).optional() }).strict(),
  'gate:admin-summary': z.object({}).strict(),
  'gate:flags': z.object({ before: z.number().int().positive().optional(), limit: z.number().int().min(1).max(200).optional() }).strict(),
  'gate:resolve-flag': z.object({ id: z.number().int().positive(), note: z.string().max(500).optional() }).strict(),
  'gate:download-now': z.object({}).strict(),
  'gate:set-test-mode': z.object({ on: z.boolean() }).strict(),
  'sync:status': z.object({}).strict(),
  'sync:redrive': z.object({ id: z.number().int().positive() }).strict(),
  'demo:scan': z.object({ code: z.string().max(4096) }).strict(),
};

export interface GateValues {
  'gate:status': GateStatus;
  'gate:scan': ScanResult;
  'gate:admit': AdmitResult;
  'gate:cancel': null;
  'gate:admin-summary': GateAdminSummary;
  'gate:flags': GateFlagPage;
  'gate:resolve-flag': GateFlag;
  'gate:download-now': DownloadInfo;
  'gate:set-test-mode': GateStatus;
  'sync:status': SyncStatus;
  'sync:redrive': SyncStatus;
  'demo:scan': null;
}

export interface GateEvents {
  /** A scan from the serial scanner, decided in main. */
  'gate:scanned': ScanResult;
  'gate:download': DownloadInfo;
  'gate:status': GateStatus;
  'sync:status': SyncStatus;
}
