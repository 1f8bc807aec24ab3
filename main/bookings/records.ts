/**
 * Bookings as the platform sends them (CONTRACTS.md "Bookings and match
 * videos") and as the kiosk keeps them: the record's parse (a malformed one
 * is skipped with its key), the upsert with the raw JSON and last_sync_at
 * (the sync that created or changed the row: seen.ts for the last seen time),
 * the cancellation that stops the booking's videos in the same transaction,
 * and the retention.
 */
import type Database from 'better-sqlite3';
import { z } from 'zod';

export const knownStatuses = ['success', 'cancelled', 'pending', 'expired'] as const;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/;
const isRealDate = (s: string) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`));
const date = z.string().regex(DATE, { error: 'a date YYYY-MM-DD' }).refine(isRealDate, { error: 'a real date' });
const time = z.string().regex(TIME, { error: 'a time HH:MM[:SS]' });
const text = z.string().max(500).nullable().optional();
/** A numeric id as the seed's table keeps it (INTEGER, may be NULL): a number, its decimal string, null or absent. */
const NUMERIC_ID = /^-?\d{1,15}$/;
const optionalId = z
  .union([z.number().int().refine(Number.isSafeInteger), z.string().trim().regex(NUMERIC_ID).transform(Number)])
  .nullable()
  .optional()
  .transform((v) => v ?? null);

export const bookingRecordSchema = z.object({
  // A number is taken as its decimal string.
  booking_id: z.union([z.string().trim().min(1).max(100), z.number().int().nonnegative().transform(String)]),
  order_detail_id: optionalId,
  field_id: optionalId,
  date,
  start_time: time,
  end_time: time,
  status: z.string().min(1).max(40),
  field_name: text,
  user_name: text,
  user_phone: text,
});
export type BookingRecord = z.output<typeof bookingRecordSchema>;

const optionalText = (v: unknown): v is string | null | undefined => v === undefined || v === null || (typeof v === 'string' && v.length <= 500);
/** optionalId's reading without zod; undefined: not an id (the schema says why). */
const idOrNull = (v: unknown): number | null | undefined => {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : undefined;
  if (typeof v === 'string' && NUMERIC_ID.test(v.trim())) return Number(v.trim());
  return undefined;
};

/**
 * The same acceptance as bookingRecordSchema for a record that is plainly
 * well formed, without zod (a day of 10,000 bookings: a sixth of the sync's
 * time); null sends the record to the schema, which also says what is wrong.
 */
export function wellFormedRecord(raw: unknown): BookingRecord | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  const id = r.booking_id;
  let bookingId: string;
  if (typeof id === 'string' && id.length >= 1 && id.length <= 100 && id.trim() === id) bookingId = id;
  else if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) bookingId = String(id);
  else return null;
  const { order_detail_id: order, field_id: field, date: day, start_time: start, end_time: end, status, field_name: fieldName, user_name: userName, user_phone: userPhone } = r;
  const orderId = idOrNull(order);
  const fieldId = idOrNull(field);
  if (orderId === undefined || fieldId === undefined) return null;
  if (typeof day !== 'string' || !DATE.test(day) || !isRealDate(day)) return null;
  if (typeof start !== 'string' || !TIME.test(start) || typeof end !== 'string' || !TIME.test(end)) return null;
  if (typeof status !== 'string' || status.length < 1 || status.length > 40) return null;
  if (!optionalText(fieldName) || !optionalText(userName) || !optionalText(userPhone)) return null;
  return {
    booking_id: bookingId,
    order_detail_id: orderId,
    field_id: fieldId,
    date: day,
    start_time: start,
    end_time: end,
    status,
    ...(fieldName !== undefined ? { field_name: fieldName } : {}),
    ...(userName !== undefined ? { user_name: userName } : {}),
    ...(userPhone !== undefined ? { user_phone: userPhone } : {}),
  };
}

/** A booking row as stored. */
export interface BookingRow {
  id: number;
  booking_id: string;
  order_detail_id: number | null;
  field_id: number | null;
  date: string | null;
  start_time: string | null;
  end_time: string | null;
  status: string | null;
  field_name: string | null;
  user_name: string | null;
  user_phone: string | null;
  created_at: string;
  updated_at: string;
  raw_json: string | null;
  last_sync_at: string;
}

/** The key a log line names a record by, whatever shape it came in. */
export function recordKey(raw: unknown): string {
  if (typeof raw !== 'object' || raw === null) return '?';
  const id = (raw as { booking_id?: unknown }).booking_id;
  return typeof id === 'string' || typeof id === 'number' ? String(id).slice(0, 100) : '?';
}

/** Seconds dropped: "10:00" and "10:00:00" are one time. */
const normalTime = (t: string) => (t.length === 5 ? `${t}:00` : t);

export function prepareBookingSql(db: Database.Database) {
  return {
    byBookingId: db.prepare('SELECT * FROM bookings WHERE booking_id = ?'),
    countOfDate: db.prepare('SELECT COUNT(*) FROM bookings WHERE date = ?').pluck(),
    // Positional (insertBooking's order): a day's download binds 10,000 of these, and binding by name costs ~8% of the statement.
    insert: db.prepare(
      `INSERT INTO bookings (booking_id, order_detail_id, field_id, date, start_time, end_time, status, field_name, user_name, user_phone, raw_json, created_at, updated_at, last_sync_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (booking_id) DO NOTHING`,
    ),
    update: db.prepare(
      `UPDATE bookings SET order_detail_id = @order_detail_id, field_id = @field_id, date = @date, start_time = @start_time, end_time = @end_time,
         status = @status, field_name = @field_name, user_name = @user_name, user_phone = @user_phone, raw_json = @raw_json, updated_at = @at, last_sync_at = @at
       WHERE booking_id = @booking_id`,
    ),
    touch: db.prepare('UPDATE bookings SET last_sync_at = ? WHERE booking_id = ?'),
    cancelVideos: db.prepare(
      `UPDATE booking_videos SET state = 'cancelled', error = 'booking cancelled', updated_at = ?
       WHERE booking_id = ? AND state NOT IN ('cancelled', 'ready') RETURNING id`,
    ),
    expiredBookings: db.prepare('SELECT booking_id FROM bookings WHERE date < ?'),
    unfinishedVideos: db.prepare("SELECT COUNT(*) AS n FROM booking_videos WHERE booking_id = ? AND state IN ('processing', 'uploading', 'notifying')"),
    videosOf: db.prepare('SELECT id, local_dir FROM booking_videos WHERE booking_id = ?'),
    deleteVideos: db.prepare('DELETE FROM booking_videos WHERE booking_id = ?'),
    deleteBooking: db.prepare('DELETE FROM bookings WHERE booking_id = ?'),
  };
}
export type BookingSql = ReturnType<typeof prepareBookingSql>;

export type UpsertOutcome = 'created' | 'updated' | 'unchanged' | 'cancelled';

/**
 * Stores one parsed record; call inside the sync's transaction. A change to
 * `cancelled` cancels the booking's videos (returned, for their tasks). An
 * unchanged booking costs no write (the day's sync record says it was seen),
 * unless its record is of another date than the answer it came in (`day`):
 * no day's record covers it then, so its last_sync_at is moved.
 */
export function upsertBooking(sql: BookingSql, record: BookingRecord, rawJson: string, at: string, day: string): { outcome: UpsertOutcome; cancelledVideos: string[] } {
  const row = {
    booking_id: record.booking_id,
    order_detail_id: record.order_detail_id,
    field_id: record.field_id,
    date: record.date,
    start_time: normalTime(record.start_time),
    end_time: normalTime(record.end_time),
    status: record.status,
    field_name: record.field_name ?? null,
    user_name: record.user_name ?? null,
    user_phone: record.user_phone ?? null,
    raw_json: rawJson,
    at,
  };
  // A new booking in one statement (most of a first download); a known one is read and compared.
  const inserted = sql.insert.run(
    row.booking_id, row.order_detail_id, row.field_id, row.date, row.start_time, row.end_time, row.status, row.field_name, row.user_name, row.user_phone, row.raw_json, at, at, at,
  );
  if (inserted.changes > 0) return { outcome: 'created', cancelledVideos: [] };
  const existing = sql.byBookingId.get(record.booking_id) as BookingRow;
  const same =
    existing.raw_json === rawJson &&
    existing.status === row.status &&
    existing.date === row.date &&
    existing.start_time === row.start_time &&
    existing.end_time === row.end_time &&
    existing.field_id === row.field_id;
  if (same) {
    if (record.date !== day) sql.touch.run(at, record.booking_id);
    return { outcome: 'unchanged', cancelledVideos: [] };
  }
  sql.update.run(row);
  if (row.status === 'cancelled' && existing.status !== 'cancelled') {
    const cancelled = (sql.cancelVideos.all(at, record.booking_id) as { id: string }[]).map((v) => v.id);
    return { outcome: 'cancelled', cancelledVideos: cancelled };
  }
  return { outcome: 'updated', cancelledVideos: [] };
}
