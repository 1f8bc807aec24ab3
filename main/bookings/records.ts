/**
 * Bookings as the platform sends them (CONTRACTS.md "Bookings and match
 * videos") and as the kiosk keeps them: the record's parse (a malformed one
 * is skipped with its key), the upsert with the raw JSON and last_sync_at,
 * the cancellation that stops the booking's videos in the same transaction,
 * and the retention.
 */
import type Database from 'better-sqlite3';
import { z } from 'zod';

export const knownStatuses = ['success', 'cancelled', 'pending', 'expired'] as const;

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'a date YYYY-MM-DD' }).refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), { error: 'a real date' });
const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/, { error: 'a time HH:MM[:SS]' });
const text = z.string().max(500).nullable().optional();

export const bookingRecordSchema = z.object({
  // A number is taken as its decimal string.
  booking_id: z.union([z.string().trim().min(1).max(100), z.number().int().nonnegative().transform(String)]),
  order_detail_id: z.number().int(),
  field_id: z.number().int(),
  date,
  start_time: time,
  end_time: time,
  status: z.string().min(1).max(40),
  field_name: text,
  user_name: text,
  user_phone: text,
});
export type BookingRecord = z.output<typeof bookingRecordSchema>;

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
    insert: db.prepare(
      `INSERT INTO bookings (booking_id, order_detail_id, field_id, date, start_time, end_time, status, field_name, user_name, user_phone, created_at, updated_at, raw_json, last_sync_at)
       VALUES (@booking_id, @order_detail_id, @field_id, @date, @start_time, @end_time, @status, @field_name, @user_name, @user_phone, @at, @at, @raw_json, @at)`,
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
 * `cancelled` cancels the booking's videos (returned, for their tasks).
 */
export function upsertBooking(sql: BookingSql, record: BookingRecord, rawJson: string, at: string): { outcome: UpsertOutcome; cancelledVideos: string[] } {
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
  const existing = sql.byBookingId.get(record.booking_id) as BookingRow | undefined;
  if (!existing) {
    sql.insert.run(row);
    return { outcome: 'created', cancelledVideos: [] };
  }
  const same =
    existing.raw_json === rawJson &&
    existing.status === row.status &&
    existing.date === row.date &&
    existing.start_time === row.start_time &&
    existing.end_time === row.end_time &&
    existing.field_id === row.field_id;
  if (same) {
    sql.touch.run(at, record.booking_id);
    return { outcome: 'unchanged', cancelledVideos: [] };
  }
  sql.update.run(row);
  if (row.status === 'cancelled' && existing.status !== 'cancelled') {
    const cancelled = (sql.cancelVideos.all(at, record.booking_id) as { id: string }[]).map((v) => v.id);
    return { outcome: 'cancelled', cancelledVideos: cancelled };
  }
  return { outcome: 'updated', cancelledVideos: [] };
}
