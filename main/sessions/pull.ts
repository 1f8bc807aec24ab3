/**
 * Optional: sessions booked in the cloud (the customer app), pulled from
 * `GET {base}{pullEndpoint}` (Booth adds; CONTRACTS.md names only the status
 * reports). The answer is a list, or `{"data": [...]}`, of bookings in the
 * seed's words: `{"id" (or "_id"),"systemId","sessionStartTime","sessionEndTime","status"}`.
 * A booking that does not parse is skipped and logged with its id, never
 * aborting the rest; one for a resource that is busy is skipped until it is
 * free. Status reports are uploaded first (the outbox), so the cloud sees the
 * kiosk's changes before the kiosk reads the cloud's.
 */
import { z } from 'zod';
import { readTextCapped, type CloudClient } from '../cloud';
import { venueTimeToUtc } from '../clock/venue-time';
import type { ScopedLog } from '../log';
import type { createSessionActions } from './actions';
import type { SessionRecords, SessionRow } from './records';

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * An ISO 8601 date and time as UTC ms: with its offset (or Z) as written;
 * without one, on the venue's wall clock (the cloud's Mongo dates carry Z,
 * but a local time must not be read in the Pi's own zone). NaN for anything
 * else: a date alone, "Jan 5 2026", 2026-02-30 (which Date.parse rolls over).
 */
export function cloudTimeMs(text: string, timeZone: string): number {
  const match = ISO_TIME.exec(text);
  if (!match) return Number.NaN;
  const [y, mo, d, h, mi, s] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const ms = match[7] ? Math.floor(Number(`0${match[7]}`) * 1000) : 0;
  const offset = match[8];
  const day = new Date(Date.UTC(y, mo - 1, d));
  if (day.getUTCFullYear() !== y || day.getUTCMonth() !== mo - 1 || day.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return Number.NaN;
  if (!offset) return venueTimeToUtc(match.slice(1, 4).join('-'), `${match[4]}:${match[5]}:${match[6] ?? '00'}`, timeZone).getTime() + ms;
  const wall = Date.UTC(y, mo - 1, d, h, mi, s) + ms;
  if (offset.toUpperCase() === 'Z') return wall;
  const digits = offset.slice(1).replace(':', '');
  const [oh, om] = [Number(digits.slice(0, 2)), Number(digits.slice(2))];
  if (oh > 14 || om > 59) return Number.NaN;
  return wall - (offset.startsWith('-') ? -1 : 1) * (oh * 60 + om) * 60_000;
}

const bookingSchemaIn = (timeZone: string) => {
  const isoTime = z
    .string()
    .max(40)
    .transform((s, ctx) => {
      const ms = cloudTimeMs(s, timeZone);
      if (!Number.isNaN(ms)) return new Date(ms).toISOString();
      ctx.addIssue({ code: 'custom', message: 'an ISO 8601 date and time' });
      return z.NEVER;
    });
  return z
    .object({
      id: z.string().min(1).max(100).optional(),
      _id: z.string().min(1).max(100).optional(),
      systemId: z.string().min(1).max(64),
      sessionStartTime: isoTime,
      sessionEndTime: isoTime,
      status: z.enum(['Active', 'Completed', 'Cancelled']),
    })
    .refine((b) => (b.id ?? b._id) !== undefined, { error: 'an id' })
    .refine((b) => Date.parse(b.sessionEndTime) > Date.parse(b.sessionStartTime), { error: 'sessionEndTime after sessionStartTime' });
};

const MAX_BOOKINGS = 5_000;
/** Far above 5,000 bookings; a longer answer is not read at all (a server gone wrong must not fill the kiosk's memory). */
export const MAX_PULL_BYTES = 4 * 1024 * 1024;

export interface PullOutcome {
  started: number;
  ended: number;
  updated: number;
  skipped: number;
}

export async function pullSessions(deps: {
  cloud: CloudClient;
  url: string;
  sql: SessionRecords;
  actions: ReturnType<typeof createSessionActions>;
  log: ScopedLog;
  /** The venue's zone: a time the cloud sends without an offset is its wall clock. */
  timeZone: string;
}): Promise<PullOutcome> {
  const { sql, actions, log } = deps;
  const bookingSchema = bookingSchemaIn(deps.timeZone);
  // The request's timeout (api.timeoutSeconds) covers the answer's body too: a server that trickles it is given up.
  const response = await deps.cloud.request(deps.url, { method: 'GET' });
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new Error(`sessions pull answered HTTP ${response.status}`);
  }
  let text: string;
  try {
    text = await readTextCapped(response, MAX_PULL_BYTES);
  } catch (error) {
    throw new Error(`sessions pull: ${(error as Error).name === 'TimeoutError' ? 'no whole answer within the timeout' : (error as Error).message}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`sessions pull: the answer is not JSON (${text.length} characters)`);
  }
  const list = Array.isArray(body) ? body : typeof body === 'object' && body !== null && Array.isArray((body as { data?: unknown }).data) ? (body as { data: unknown[] }).data : null;
  if (!list) throw new Error('sessions pull: the answer is neither a list nor {"data": [...]}');
  const outcome: PullOutcome = { started: 0, ended: 0, updated: 0, skipped: 0 };
  for (const raw of list.slice(0, MAX_BOOKINGS)) {
    const parsed = bookingSchema.safeParse(raw);
    if (!parsed.success) {
      const key = typeof raw === 'object' && raw !== null ? String((raw as { id?: unknown; _id?: unknown }).id ?? (raw as { _id?: unknown })._id ?? '?').slice(0, 100) : '?';
      log.warn(`pulled session ${key} skipped: ${parsed.error.issues[0]?.message ?? 'unreadable'}`);
      outcome.skipped++;
      continue;
    }
    const b = parsed.data;
    const id = (b.id ?? b._id)!;
    const local = sql.session.get(id) as SessionRow | undefined;
    const endsAt = b.sessionEndTime;
    try {
      if (!local) {
        if (b.status !== 'Active') continue;
        actions.startFromCloud({ id, resourceId: b.systemId, startedAt: b.sessionStartTime, endsAt });
        outcome.started++;
      } else if (local.status === 'Active' && b.status !== 'Active') {
        actions.end(id, b.status === 'Cancelled' ? 'cancelled-by-cloud' : 'completed-by-cloud');
        outcome.ended++;
      } else if (local.status === 'Active' && local.ends_at !== endsAt) {
        actions.setEndFromCloud(id, endsAt);
        outcome.updated++;
      }
    } catch (error) {
      log.warn(`pulled session ${id} not applied: ${(error as Error).message}`);
      outcome.skipped++;
    }
  }
  return outcome;
}
