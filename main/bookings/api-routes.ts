/**
 * Seed 003's routes on the kiosk's LAN API (CONTRACTS.md "Bookings and match
 * videos"), its response shape and filters exactly:
 * `GET /api/bookings[?status=&date=&limit=]` (limit default 100),
 * `GET /api/bookings/:booking_id`, `GET /api/bookings/status/:status`,
 * `GET /api/bookings/date/:date` →
 * `{"status":"success","count":N,"data":[{"id","bookingId",...,"lastSyncAt"}]}`;
 * and `POST /api/request-booking-video {"field_id":1}`.
 * Errors answer `{"status":"error","message":"..."}` (400, 404).
 */
import type Database from 'better-sqlite3';
import { readBodiesAsText, type ApiRoutes } from '../api';
import type { BookingRow } from './records';
import { SEEN_AT_SQL, SEEN_JOINS } from './seen';

export interface BookingView {
  id: number;
  bookingId: string;
  orderDetailId: number | null;
  fieldId: number | null;
  date: string | null;
  startTime: string | null;
  endTime: string | null;
  status: string | null;
  fieldName: string | null;
  userName: string | null;
  userPhone: string | null;
  createdAt: string;
  updatedAt: string;
  rawJson: string | null;
  lastSyncAt: string;
}

/** A row as the query API reads it: with when it was last seen in the platform's answer (seen.ts). */
type QueriedBooking = BookingRow & { seen_at: string };

export const bookingView = (r: QueriedBooking): BookingView => ({
  id: r.id,
  bookingId: r.booking_id,
  orderDetailId: r.order_detail_id,
  fieldId: r.field_id,
  date: r.date,
  startTime: r.start_time,
  endTime: r.end_time,
  status: r.status,
  fieldName: r.field_name,
  userName: r.user_name,
  userPhone: r.user_phone,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  rawJson: r.raw_json,
  lastSyncAt: r.seen_at,
});

export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 10_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export type VideoRequestOutcome =
  | { ok: true; bookingId: string; videos: { uniqueId: string; camera: string }[] }
  | { ok: false; status: 404 | 409; message: string; code: 'no-camera' | 'not-playing' };

export function prepareQueries(db: Database.Database) {
  const list = db.prepare(
    `SELECT b.*, ${SEEN_AT_SQL} AS seen_at FROM bookings b ${SEEN_JOINS}
     WHERE (@status IS NULL OR b.status = @status) AND (@date IS NULL OR b.date = @date)
     ORDER BY b.date DESC, b.start_time DESC, b.id DESC LIMIT @limit`,
  );
  const one = db.prepare(`SELECT b.*, ${SEEN_AT_SQL} AS seen_at FROM bookings b ${SEEN_JOINS} WHERE b.booking_id = ?`);
  return {
    list: (filter: { status: string | null; date: string | null; limit: number }) => (list.all(filter) as QueriedBooking[]).map(bookingView),
    one: (bookingId: string) => {
      const row = one.get(bookingId) as QueriedBooking | undefined;
      return row ? bookingView(row) : null;
    },
  };
}

export function bookingsApiRoutes(deps: {
  db: Database.Database;
  requestVideo(fieldId: number, who: string): VideoRequestOutcome;
}): ApiRoutes {
  const q = prepareQueries(deps.db);
  const success = (data: BookingView[]) => ({ status: 'success', count: data.length, data });
  const error = (message: string) => ({ status: 'error', message });
  // A parameter given twice counts once, by its first value (as the seed's Go server reads it), never as no filter.
  const str = (v: unknown): string | null => (Array.isArray(v) ? str(v[0]) : typeof v === 'string' && v !== '' ? v : null);
  return (app) => {
    readBodiesAsText(app);
    app.get('/api/bookings', async (request, reply) => {
      const query = request.query as Record<string, unknown>;
      const status = str(query.status);
      const date = str(query.date);
      const limitText = str(query.limit);
      if (date !== null && !DATE.test(date)) return reply.code(400).send(error('date must be YYYY-MM-DD'));
      if (status !== null && status.length > 40) return reply.code(400).send(error('status is too long'));
      let limit = DEFAULT_LIMIT;
      if (limitText !== null) {
        if (!/^\d{1,6}$/.test(limitText) || Number(limitText) < 1) return reply.code(400).send(error(`limit must be a whole number from 1 to ${MAX_LIMIT}`));
        limit = Math.min(Number(limitText), MAX_LIMIT);
      }
      return success(q.list({ status, date, limit }));
    });
    app.get('/api/bookings/status/:status', async (request, reply) => {
      const { status } = request.params as { status: string };
      if (status.length > 40) return reply.code(400).send(error('status is too long'));
      return success(q.list({ status, date: null, limit: MAX_LIMIT }));
    });
    app.get('/api/bookings/date/:date', async (request, reply) => {
      const { date } = request.params as { date: string };
      if (!DATE.test(date)) return reply.code(400).send(error('date must be YYYY-MM-DD'));
      return success(q.list({ status: null, date, limit: MAX_LIMIT }));
    });
    app.get('/api/bookings/:booking_id', async (request, reply) => {
      const { booking_id } = request.params as { booking_id: string };
      const found = q.one(booking_id);
      if (!found) return reply.code(404).send(error(`booking ${booking_id.slice(0, 100)} not found`));
      return success([found]);
    });
    app.post('/api/request-booking-video', async (request, reply) => {
      let body: unknown = null;
      try {
        body = typeof request.body === 'string' ? (JSON.parse(request.body) as unknown) : null;
      } catch {
        return reply.code(400).send(error('the body must be JSON: {"field_id":<number>}'));
      }
      const raw = typeof body === 'object' && body !== null ? (body as { field_id?: unknown }).field_id : undefined;
      const fieldId = typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : raw;
      if (typeof fieldId !== 'number' || !Number.isInteger(fieldId) || fieldId < 0) return reply.code(400).send(error('field_id must be a whole number'));
      const outcome = deps.requestVideo(fieldId, `key ${request.apiKeyId ?? '?'}, from ${request.ip}`);
      if (!outcome.ok) return reply.code(outcome.status).send(error(outcome.message));
      return reply.code(202).send({
        status: 'success',
        message: `Video requested for booking ${outcome.bookingId}`,
        booking_id: outcome.bookingId,
        videos: outcome.videos.map((v) => ({ unique_id: v.uniqueId, camera: v.camera })),
      });
    });
  };
}
