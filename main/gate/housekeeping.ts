/**
 * The gate's bookkeeping away from the scan path: the attendant's chart of
 * admissions per hour, and retention (old tickets with their acknowledged
 * admissions, sent uploads).
 */
import type Database from 'better-sqlite3';
import { venueDate, venueHour, type Clock } from '../clock';
import type { ScopedLog } from '../log';
import { admissionIdFloor, isTimeOrderedId } from './admission-id';

/**
 * Today's admissions per venue hour. They are read by their ids, a range of the
 * primary key (the ids are time-ordered), not through an index on their time,
 * which every admission would pay a page for. Rows are counted by their `at`.
 */
export function createHourChart(db: Database.Database, options: { clock: Clock; timeZone: string; attraction: string }): () => number[] {
  const { clock, timeZone, attraction } = options;
  const admissionsBetween = db.prepare('SELECT id, at, persons FROM admissions WHERE id >= ? AND id < ? AND attraction = ? AND test = 0');
  // While the chart's window still reaches them, the admissions from before ids were time-ordered (migration 6).
  const admissionsSince = db.prepare('SELECT id, at, persons FROM admissions WHERE at >= ? AND attraction = ? AND test = 0');
  const randomIdsUntil =
    (db.prepare("SELECT value FROM meta WHERE key = 'gate.random-ids-until'").get() as { value: string } | undefined)?.value ?? null;

  return () => {
    const now = clock.now();
    const today = venueDate(now, timeZone);
    const since = new Date(now.getTime() - 30 * 3_600_000);
    const until = new Date(now.getTime() + 24 * 3_600_000);
    type Row = { id: string; at: string; persons: number };
    const rows = (admissionsBetween.all(admissionIdFloor(since), admissionIdFloor(until), attraction) as Row[]).filter((r) => isTimeOrderedId(r.id));
    if (randomIdsUntil !== null && randomIdsUntil >= since.toISOString()) {
      rows.push(...(admissionsSince.all(since.toISOString(), attraction) as Row[]).filter((r) => !isTimeOrderedId(r.id)));
    }
    const hours = Array.from({ length: 24 }, () => 0);
    for (const row of rows) {
      const at = new Date(row.at);
      if (venueDate(at, timeZone) === today) hours[venueHour(at, timeZone)]! += row.persons;
    }
    return hours;
  };
}

/** Deletes what is older than `retentionDays` (by the ticket's booking date) and is no longer needed. */
export function createRetention(
  db: Database.Database,
  options: { clock: Clock; timeZone: string; retentionDays: number; log: ScopedLog },
): () => void {
  const { clock, timeZone, retentionDays, log } = options;
  return () => {
    const today = venueDate(clock.now(), timeZone);
    const cutoff = new Date(Date.parse(`${today}T00:00:00Z`) - retentionDays * 86_400_000).toISOString().slice(0, 10);
    const removed = db.transaction(() => {
      // Acknowledged (or test) admissions of old tickets go; unacknowledged ones stay, and keep their ticket.
      const admissions = db
        .prepare(
          `DELETE FROM admissions WHERE (acked_seq IS NOT NULL OR test = 1)
             AND (reference IN (SELECT reference FROM tickets WHERE booking_date < ?)
                  OR (reference NOT IN (SELECT reference FROM tickets) AND at < ?))`,
        )
        .run(cutoff, `${cutoff}T00:00:00Z`).changes;
      const tickets = db
        .prepare(
          `DELETE FROM tickets WHERE booking_date < ?
             AND NOT EXISTS (SELECT 1 FROM admissions m WHERE m.reference = tickets.reference AND m.acked_seq IS NULL AND m.test = 0)`,
        )
        .run(cutoff).changes;
      // The newest row stays, so that outbox ids never repeat (the table has no AUTOINCREMENT).
      const uploads = db
        .prepare("DELETE FROM outbox WHERE state = 'done' AND done_at < ? AND id < (SELECT MAX(id) FROM outbox)")
        .run(`${cutoff}T00:00:00Z`).changes;
      return { admissions, tickets, uploads };
    })();
    if (removed.tickets + removed.admissions + removed.uploads > 0) {
      log.info(`retention (${retentionDays} days): removed ${removed.tickets} tickets, ${removed.admissions} admissions, ${removed.uploads} sent uploads`);
    }
  };
}
