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
import type { ScopedLog } from '../log';
import type { createSessionActions } from './actions';
import type { SessionRecords, SessionRow } from './records';

const isoTime = z.string().max(40).refine((s) => !Number.isNaN(Date.parse(s)), { error: 'an ISO 8601 time' });

const bookingSchema = z
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
}): Promise<PullOutcome> {
  const { sql, actions, log } = deps;
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
    const endsAt = new Date(b.sessionEndTime).toISOString();
    try {
      if (!local) {
        if (b.status !== 'Active') continue;
        actions.startFromCloud({ id, resourceId: b.systemId, startedAt: new Date(b.sessionStartTime).toISOString(), endsAt });
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
