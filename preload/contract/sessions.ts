import { z } from 'zod';

export type ResourceStatus = 'Available' | 'Active' | 'Maintenance';

/** The session a resource holds now. */
export interface ActiveSessionView {
  id: string;
  startedAt: string;
  endsAt: string;
  /** Planned length (ms), extensions included. */
  durationMs: number;
  /** Left when main answered, by the clock main trusts (monotonic while the wall clock is not trusted). */
  remainingMs: number;
  source: 'kiosk' | 'cloud';
}

export interface ResourceView {
  id: string;
  name: string;
  kind: string;
  status: ResourceStatus;
  session: ActiveSessionView | null;
  /** config: from sessions.resources (changed there); admin: added by the attendant, who renames and retires it. */
  origin: 'config' | 'admin';
}

/** The countdown board: every resource with its state. */
export interface SessionsBoard {
  resources: ResourceView[];
  /** Main's wall clock when it answered. */
  at: string;
  /** Minutes left at which the board warns (sessions.warningMinutes). */
  warningMinutes: number[];
  presetMinutes: number[];
  maxMinutes: number;
  /** False until the wall clock is trusted: sessions end by the monotonic clock, and end times are estimates. */
  clockTrusted: boolean;
}

export interface SessionHistoryItem {
  id: string;
  resourceId: string;
  resourceName: string;
  startedAt: string;
  endsAt: string;
  status: 'Active' | 'Completed' | 'Cancelled';
  endReason: string | null;
  completedAt: string | null;
}

export interface ResourceUse {
  resourceId: string;
  name: string;
  /** Minutes of sessions today (venue time zone), running ones up to now. */
  minutes: number;
  sessions: number;
}

export interface SessionsAdminSummary {
  board: SessionsBoard;
  today: SessionHistoryItem[];
  usePerResource: ResourceUse[];
  /** Status reports waiting in the outbox. */
  reportsWaiting: number;
  sweep: { lastRun: string | null; lastCompleted: number };
}

const id = z.string().min(1).max(100);
const minutes = z.number().int().min(1).max(10_080);
/** As sessions.resources takes them: a name on the board, and what it is. */
const resourceName = z.string().trim().min(1).max(40).regex(/^[^\p{Cc}]*$/u);
const resourceKind = z.string().trim().min(1).max(40).regex(/^[^\p{Cc}]*$/u);

export const sessionsHandlers = {
  'sessions:board': z.object({}).strict(),
  'sessions:admin-summary': z.object({}).strict(),
  'sessions:start': z.object({ resourceId: id, minutes }).strict(),
  'sessions:extend': z.object({ sessionId: id, minutes }).strict(),
  'sessions:end': z.object({ sessionId: id }).strict(),
  'sessions:move': z.object({ sessionId: id, resourceId: id }).strict(),
  'sessions:maintenance': z.object({ resourceId: id, on: z.boolean() }).strict(),
  'sessions:add-resource': z.object({ name: resourceName, kind: resourceKind }).strict(),
  'sessions:rename-resource': z.object({ resourceId: id, name: resourceName, kind: resourceKind }).strict(),
  'sessions:retire-resource': z.object({ resourceId: id }).strict(),
};

export interface SessionsValues {
  'sessions:board': SessionsBoard;
  'sessions:admin-summary': SessionsAdminSummary;
  'sessions:start': SessionsBoard;
  'sessions:extend': SessionsBoard;
  'sessions:end': SessionsBoard;
  'sessions:move': SessionsBoard;
  'sessions:maintenance': SessionsBoard;
  'sessions:add-resource': SessionsBoard;
  'sessions:rename-resource': SessionsBoard;
  'sessions:retire-resource': SessionsBoard;
}

export interface SessionsEvents {
  /** The board changed (a session started, ended, moved; a resource's status). */
  'sessions:board': SessionsBoard;
}
