/**
 * The booking download (CONTRACTS.md "Bookings and match videos"):
 * `GET {base}{listEndpoint}?date=YYYY-MM-DD` → `{"data":[...]}`, for the
 * venue's today. Every record that parses is upserted with its raw JSON in
 * one transaction, with the day's sync record (seen.ts: an unchanged booking
 * is not written); one that does not is skipped and logged
 * with its key, never aborting the rest. A change to `cancelled` cancels the
 * booking's videos and their tasks in that same transaction. Retention:
 * bookings older than retentionDays go with their finished videos (rows and
 * local files).
 */
import fs from 'node:fs';
import type Database from 'better-sqlite3';
import { readTextCapped, type CloudClient } from '../cloud';
import type { ScopedLog } from '../log';
import type { Pipeline } from '../pipeline';
import { bookingRecordSchema, knownStatuses, recordKey, upsertBooking, wellFormedRecord, type BookingSql } from './records';
import { recordDaySeen, type SeenSql } from './seen';

/** From this many bookings more in the answer than stored for its day, the sync writes their feed rows in bulk. */
const BULK_FEED_MIN_NEW = 200;

/** A platform that sends more than this in one day's answer is cut off here (and logged). */
export const MAX_RECORDS = 100_000;
/** Room for MAX_RECORDS plain records; a longer answer is not read at all (a platform gone wrong must not fill the kiosk's memory). */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

export interface SyncOutcome {
  date: string;
  received: number;
  created: number;
  updated: number;
  cancelled: number;
  skipped: number;
}

export async function downloadBookings(cloud: CloudClient, url: string, date: string): Promise<unknown[]> {
  const target = new URL(url);
  target.searchParams.set('date', date);
  const response = await cloud.request(target.toString(), { method: 'GET' });
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new Error(`the booking platform answered HTTP ${response.status}`);
  }
  let text: string;
  try {
    text = await readTextCapped(response, MAX_ANSWER_BYTES);
  } catch (error) {
    throw new Error(`the booking platform's answer: ${(error as Error).name === 'TimeoutError' ? 'not whole within the timeout' : (error as Error).message}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error('the booking platform\'s answer is not JSON');
  }
  const data = typeof body === 'object' && body !== null ? (body as { data?: unknown }).data : undefined;
  // An empty day may come as null.
  if (data === null) return [];
  if (!Array.isArray(data)) throw new Error('the booking platform\'s answer has no "data" list');
  return data;
}

/** Stores a downloaded day in one transaction. */
export function storeBookings(
  deps: { db: Database.Database; sql: BookingSql; seenSql: SeenSql; pipeline: Pipeline; log: ScopedLog; insertInBulk: <T>(table: string, insert: () => T) => T },
  date: string,
  records: readonly unknown[],
  at: string,
): SyncOutcome {
  const { db, sql, pipeline, log } = deps;
  const seenOfDate = new Set<string>();
  const seenAll = new Set<string>();
  const outcome: SyncOutcome = { date, received: records.length, created: 0, updated: 0, cancelled: 0, skipped: 0 };
  const cancelledLog: string[] = [];
  // A day's first download: new bookings' feed rows in one statement after the loop (Store.insertInBulk).
  // A routine sync of a known day (a few new, if any) keeps the per-row trigger: lifting it rewrites the schema.
  const likelyNew = records.length - (sql.countOfDate.get(date) as number);
  const inserting = likelyNew >= BULK_FEED_MIN_NEW ? <T>(fn: () => T) => deps.insertInBulk('bookings', fn) : <T>(fn: () => T) => fn();
  db.transaction(() => inserting(() => {
    for (const raw of records.slice(0, MAX_RECORDS)) {
      const quick = wellFormedRecord(raw);
      const parsed = quick ? ({ success: true, data: quick } as const) : bookingRecordSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        log.warn(`booking ${recordKey(raw)} skipped: ${issue ? `${issue.path.join('.') || 'record'}: ${issue.message}` : 'unreadable'}`);
        outcome.skipped++;
        continue;
      }
      const record = parsed.data;
      if (!(knownStatuses as readonly string[]).includes(record.status)) log.warn(`booking ${record.booking_id}: unknown status "${record.status.slice(0, 40)}", kept as it is`);
      const { outcome: result, cancelledVideos } = upsertBooking(sql, record, JSON.stringify(raw), at, date);
      seenAll.add(record.booking_id);
      if (record.date === date) seenOfDate.add(record.booking_id);
      if (result === 'created') outcome.created++;
      else if (result === 'updated') outcome.updated++;
      else if (result === 'cancelled') {
        outcome.cancelled++;
        pipeline.cancel(cancelledVideos);
        cancelledLog.push(`${record.booking_id}${cancelledVideos.length ? ` (${cancelledVideos.length} video${cancelledVideos.length === 1 ? '' : 's'} cancelled)` : ''}`);
      }
    }
    recordDaySeen(deps.seenSql, date, seenOfDate, seenAll, at);
  }))();
  if (records.length > MAX_RECORDS) log.warn(`the booking platform sent ${records.length} bookings for ${date}; only the first ${MAX_RECORDS} were read`);
  for (const line of cancelledLog) log.info(`booking ${line} cancelled by the platform`);
  return outcome;
}

/** Deletes bookings dated before `cutoff` (YYYY-MM-DD) with their videos, unless a video is still under way. */
export function applyRetention(deps: { db: Database.Database; sql: BookingSql; seenSql: SeenSql; log: ScopedLog; deleteTasks: (subjects: string[]) => void }, cutoff: string): number {
  const { db, sql, seenSql, log } = deps;
  const dirs: string[] = [];
  let deleted = 0;
  db.transaction(() => {
    for (const { booking_id } of sql.expiredBookings.all(cutoff) as { booking_id: string }[]) {
      if ((sql.unfinishedVideos.get(booking_id) as { n: number }).n > 0) continue;
      const videos = sql.videosOf.all(booking_id) as { id: string; local_dir: string | null }[];
      deps.deleteTasks(videos.map((v) => v.id));
      for (const v of videos) if (v.local_dir) dirs.push(v.local_dir);
      sql.deleteVideos.run(booking_id);
      sql.deleteBooking.run(booking_id);
      seenSql.forgetUnseen.run(booking_id);
      deleted++;
    }
    seenSql.expireDaySyncs.run(cutoff);
  })();
  // Files after the commit: a crash in between leaves a folder, never a row without its files.
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  if (deleted > 0) log.info(`retention: ${deleted} booking${deleted === 1 ? '' : 's'} before ${cutoff} deleted with their videos`);
  return deleted;
}
