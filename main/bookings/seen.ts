/**
 * When each booking was last seen in the platform's answer (the query API's
 * `lastSyncAt`), without a write per unchanged booking: `bookings` is
 * replicated, so touching every row each sync would put a feed row per
 * booking in the change feed every few minutes. Instead:
 * - `bookings.last_sync_at` is the sync that created or last changed the row;
 * - `booking_day_syncs` holds, per date, the last sync that stored that day's
 *   answer: every row of that date that was in it was seen then;
 * - `bookings_unseen` holds the few rows of a synced date that were missing
 *   from its latest answer, with the time they were last seen.
 * Both tables are local bookkeeping, not replicated.
 */
import type Database from 'better-sqlite3';

export function prepareSeenSql(db: Database.Database) {
  return {
    daySync: db.prepare('SELECT synced_at FROM booking_day_syncs WHERE date = ?').pluck(),
    recordDaySync: db.prepare('INSERT INTO booking_day_syncs (date, synced_at) VALUES (?, ?) ON CONFLICT (date) DO UPDATE SET synced_at = excluded.synced_at'),
    unseenCount: db.prepare('SELECT COUNT(*) FROM bookings_unseen').pluck(),
    seenAgain: db.prepare('DELETE FROM bookings_unseen WHERE booking_id = ?'),
    presentOfDate: db.prepare('SELECT COUNT(*) FROM bookings b WHERE b.date = ? AND NOT EXISTS (SELECT 1 FROM bookings_unseen u WHERE u.booking_id = b.booking_id)').pluck(),
    rowsOfDate: db.prepare(
      'SELECT b.booking_id, b.last_sync_at FROM bookings b WHERE b.date = ? AND NOT EXISTS (SELECT 1 FROM bookings_unseen u WHERE u.booking_id = b.booking_id)',
    ),
    markUnseen: db.prepare('INSERT INTO bookings_unseen (booking_id, last_seen_at) VALUES (?, ?) ON CONFLICT (booking_id) DO NOTHING'),
    expireDaySyncs: db.prepare('DELETE FROM booking_day_syncs WHERE date < ?'),
    forgetUnseen: db.prepare('DELETE FROM bookings_unseen WHERE booking_id = ?'),
  };
}
export type SeenSql = ReturnType<typeof prepareSeenSql>;

/**
 * Records a stored answer for `date` at `at`; call inside the sync's
 * transaction, after the upserts. `seenOfDate` is the bookings of the answer
 * whose record carries that date.
 */
export function recordDaySeen(sql: SeenSql, date: string, seenOfDate: ReadonlySet<string>, seenAll: Iterable<string>, at: string): void {
  const previous = sql.daySync.get(date) as string | undefined;
  if ((sql.unseenCount.get() as number) > 0) for (const id of seenAll) sql.seenAgain.run(id);
  // Every seen row of the date is present (just upserted with that date): equal counts mean none is missing.
  if ((sql.presentOfDate.get(date) as number) !== seenOfDate.size) {
    for (const row of sql.rowsOfDate.all(date) as { booking_id: string; last_sync_at: string }[]) {
      if (seenOfDate.has(row.booking_id)) continue;
      const lastSeen = previous !== undefined && previous > row.last_sync_at ? previous : row.last_sync_at;
      sql.markUnseen.run(row.booking_id, lastSeen);
    }
  }
  sql.recordDaySync.run(date, at);
}

/**
 * The SQL of a booking's `lastSyncAt` over `bookings b`, with
 * `booking_day_syncs s` and `bookings_unseen u` left-joined as in SEEN_JOINS.
 */
export const SEEN_AT_SQL = `CASE
  WHEN u.last_seen_at IS NOT NULL THEN max(b.last_sync_at, u.last_seen_at)
  WHEN s.synced_at IS NOT NULL THEN max(b.last_sync_at, s.synced_at)
  ELSE b.last_sync_at END`;
export const SEEN_JOINS = 'LEFT JOIN booking_day_syncs s ON s.date = b.date LEFT JOIN bookings_unseen u ON u.booking_id = b.booking_id';
