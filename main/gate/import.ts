/**
 * Applies one downloaded ticket list to the store, in short transactions so
 * that admissions written meanwhile (another connection) wait at most one
 * chunk. A malformed record is skipped and reported with its key; it never
 * aborts the batch. Runs in a worker thread (see import-worker.ts) with its
 * own connection; tests call it directly.
 */
import type Database from 'better-sqlite3';
import { recordKey, ticketRecordSchema } from './records';

export interface ImportOptions {
  downloadId: number;
  /** Sync sequence taken when the download began: acknowledgements before it are in the server's counts. */
  startedSeq: number;
  attraction: string;
  now: string;
  chunkSize?: number;
}

export interface SkippedRecord {
  key: string | null;
  index: number;
  reason: string;
}

export interface ImportProgress {
  processed: number;
  total: number;
  stored: number;
  skipped: number;
}

export interface ImportSummary extends ImportProgress {
  withdrawn: number;
  /** The first skipped records (up to 100), for the log. */
  skippedRecords: SkippedRecord[];
  flagsRaised: number;
}

export function importTickets(
  db: Database.Database,
  records: readonly unknown[],
  options: ImportOptions,
  onProgress?: (progress: ImportProgress) => void,
): ImportSummary {
  const chunkSize = options.chunkSize ?? 2_000;
  const { attraction, downloadId, startedSeq, now } = options;

  const upsert = db.prepare(
    `INSERT INTO tickets (reference, booking_date, raw_json, downloaded_at, last_download_id, withdrawn_at)
     VALUES (?, ?, ?, ?, ?, NULL)
     ON CONFLICT(reference) DO UPDATE SET booking_date = excluded.booking_date, raw_json = excluded.raw_json,
       downloaded_at = excluded.downloaded_at, last_download_id = excluded.last_download_id, withdrawn_at = NULL`,
  );
  // A malformed record of a known ticket still proves the ticket is there: not withdrawn.
  const touch = db.prepare('UPDATE tickets SET last_download_id = ? WHERE reference = ?');
  const markIncluded = db.prepare(
    'UPDATE admissions SET included = 1 WHERE reference = ? AND included = 0 AND acked_seq IS NOT NULL AND acked_seq < ?',
  );
  const localSums = db.prepare(
    `SELECT COALESCE(SUM(CASE WHEN included = 0 THEN persons END), 0) AS pending,
            COALESCE(SUM(CASE WHEN included = 1 THEN persons END), 0) AS included
     FROM admissions WHERE reference = ? AND attraction = ? AND test = 0`,
  );
  const flag = db.prepare(
    `INSERT OR IGNORE INTO gate_flags (reference, attraction, kind, detail, created_at) VALUES (?, ?, ?, ?, ?)`,
  );
  const withdraw = db.prepare('UPDATE tickets SET withdrawn_at = ? WHERE last_download_id < ? AND withdrawn_at IS NULL');

  const withAdmissions = new Set(
    (db.prepare('SELECT DISTINCT reference FROM admissions WHERE test = 0').all() as { reference: string }[]).map((r) => r.reference),
  );

  const progress: ImportProgress = { processed: 0, total: records.length, stored: 0, skipped: 0 };
  const skippedRecords: SkippedRecord[] = [];
  let flagsRaised = 0;

  const applyChunk = db.transaction((start: number, end: number) => {
    for (let index = start; index < end; index++) {
      const raw = records[index];
      const parsed = ticketRecordSchema.safeParse(raw);
      if (!parsed.success) {
        const key = recordKey(raw);
        if (key) touch.run(downloadId, key);
        progress.skipped++;
        if (skippedRecords.length < 100) {
          const issue = parsed.error.issues[0];
          skippedRecords.push({ key, index, reason: `${issue?.path.join('.') || 'record'}: ${issue?.message ?? 'invalid'}` });
        }
        continue;
      }
      const record = parsed.data;
      const reference = record.referenceNo;
      upsert.run(reference, record.bookingDate, JSON.stringify(raw), now, downloadId);
      progress.stored++;
      const allowance = record.attractions[attraction];
      if (withAdmissions.has(reference)) {
        markIncluded.run(reference, startedSeq);
        if (allowance) {
          const sums = localSums.get(reference, attraction) as { pending: number; included: number };
          if (allowance.used + sums.pending > allowance.pax) {
            flagsRaised += flag.run(reference, attraction, 'over-admission', `${allowance.used + sums.pending} persons admitted on ${allowance.pax} allowed`, now).changes;
          }
          if (sums.included > allowance.used) {
            flagsRaised += flag.run(
              reference,
              attraction,
              'count-conflict',
              `the server counts ${allowance.used} but acknowledged ${sums.included} from this kiosk: it lost a count`,
              now,
            ).changes;
          }
        }
      } else if (allowance && allowance.used > allowance.pax) {
        flagsRaised += flag.run(reference, attraction, 'over-admission', `${allowance.used} persons admitted on ${allowance.pax} allowed`, now).changes;
      }
    }
  });

  for (let start = 0; start < records.length; start += chunkSize) {
    const end = Math.min(records.length, start + chunkSize);
    applyChunk(start, end);
    progress.processed = end;
    onProgress?.({ ...progress });
  }
  // An empty or wholly malformed list is more likely a server fault than a
  // venue with no tickets: withdraw nothing on its word.
  const withdrawn = progress.stored > 0 ? withdraw.run(now, downloadId).changes : 0;
  return { ...progress, withdrawn, skippedRecords, flagsRaised };
}
