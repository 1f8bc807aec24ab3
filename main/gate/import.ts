/**
 * Applies one downloaded ticket list to the store, in short transactions so
 * that admissions written meanwhile (another connection) wait at most one
 * chunk. A malformed record is skipped and reported with its key; it never
 * aborts the batch. Runs in a worker thread (see import-worker.ts) with its
 * own connection; tests call it directly.
 */
import type Database from 'better-sqlite3';
import { createFlagWriter, type RaiseOutcome } from './flags';
import { recordKey, ticketRecordSchema, type TicketRecord } from './records';

export interface ImportOptions {
  downloadId: number;
  /** Sync sequence taken when the download began: acknowledgements before it are in the server's counts. */
  startedSeq: number;
  attraction: string;
  now: string;
  /** Records per transaction. Without it, each transaction ends after CHUNK_BUDGET_MS of work. */
  chunkSize?: number;
}

/**
 * Work per transaction when no chunk size is given: an admission (the main
 * connection) waits at most this long for the import's write lock, on any
 * hardware, while the commits stay few.
 */
const CHUNK_BUDGET_MS = 20;
/** Records between two looks at the clock. */
const CLOCK_STRIDE = 128;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

const isAllowance = (value: unknown): boolean => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { pax, used } = value as { pax?: unknown; used?: unknown };
  return Number.isSafeInteger(pax) && (pax as number) >= 0 && (pax as number) <= 100_000
    && Number.isSafeInteger(used) && (used as number) >= 0 && (used as number) <= 100_000;
};

/**
 * The common case, checked by hand: the rules of ticketRecordSchema
 * (records.ts, keep the two in step) at a tenth of its cost (zod took half of
 * an import). It only says yes where the schema does, and is stricter where
 * that is simpler (an unusual key): whatever it refuses goes to the schema,
 * which stays the validator of record and words the reason of a skip.
 */
export function isWellFormedTicket(record: unknown): record is TicketRecord {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return false;
  const { bookingDate, referenceNo, attractions } = record as { bookingDate?: unknown; referenceNo?: unknown; attractions?: unknown };
  if (typeof bookingDate !== 'string' || !DATE.test(bookingDate)) return false;
  if (typeof referenceNo !== 'string' || referenceNo.length < 1 || referenceNo.length > 64 || !PRINTABLE_ASCII.test(referenceNo)) return false;
  if (typeof attractions !== 'object' || attractions === null || Object.getPrototypeOf(attractions) !== Object.prototype) return false;
  for (const key of Object.keys(attractions)) {
    if (key.length < 1 || key.length > 40 || key === '__proto__') return false;
    if (!isAllowance((attractions as Record<string, unknown>)[key])) return false;
  }
  return true;
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

/** A ticket whose server count is below what the server acknowledged from this kiosk. */
export interface CountConflict {
  reference: string;
  attraction: string;
  serverUsed: number;
  acknowledged: number;
}

export interface ImportSummary extends ImportProgress {
  withdrawn: number;
  /** The hand check accepted a record the schema refused: it is out of step with records.ts. */
  handCheckOutOfStep: boolean;
  /** The first skipped records (up to 100), for the log. */
  skippedRecords: SkippedRecord[];
  /** New flags for the attendant (open ones brought up to date are not counted). */
  flagsRaised: number;
  /** Every count conflict seen, for the main thread to restore the server's count. */
  countConflicts: CountConflict[];
}

export function importTickets(
  db: Database.Database,
  records: readonly unknown[],
  options: ImportOptions,
  onProgress?: (progress: ImportProgress) => void,
): ImportSummary {
  const { attraction, downloadId, startedSeq, now, chunkSize } = options;

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
  const flags = createFlagWriter(db);
  const withdraw = db.prepare('UPDATE tickets SET withdrawn_at = ? WHERE last_download_id < ? AND withdrawn_at IS NULL');

  const withAdmissions = new Set(
    (db.prepare('SELECT DISTINCT reference FROM admissions WHERE test = 0').all() as { reference: string }[]).map((r) => r.reference),
  );

  const progress: ImportProgress = { processed: 0, total: records.length, stored: 0, skipped: 0 };
  const skippedRecords: SkippedRecord[] = [];
  let flagsRaised = 0;
  const raised = (outcome: RaiseOutcome) => (flagsRaised += outcome === 'raised' ? 1 : 0);
  const countConflicts: CountConflict[] = [];
  // The first record of each chunk that the hand check accepts is given to the
  // schema too; if they ever disagree, the schema alone validates the rest.
  let handCheckOutOfStep = false;

  /** Applies records from `start` on, in one transaction; returns where it stopped. */
  const applyChunk = db.transaction((start: number): number => {
    const end = chunkSize ? Math.min(records.length, start + chunkSize) : records.length;
    const deadline = chunkSize ? Infinity : performance.now() + CHUNK_BUDGET_MS;
    let spotChecked = false;
    let index = start;
    for (; index < end; index++) {
      if ((index - start) % CLOCK_STRIDE === CLOCK_STRIDE - 1 && performance.now() > deadline) break;
      const raw = records[index];
      let record: TicketRecord | undefined;
      if (!handCheckOutOfStep && isWellFormedTicket(raw)) {
        if (!spotChecked) {
          spotChecked = true;
          handCheckOutOfStep = !ticketRecordSchema.safeParse(raw).success;
        }
        if (!handCheckOutOfStep) record = raw;
      }
      if (!record) {
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
        record = parsed.data;
      }
      const reference = record.referenceNo;
      upsert.run(reference, record.bookingDate, JSON.stringify(raw), now, downloadId);
      progress.stored++;
      const allowance = Object.hasOwn(record.attractions, attraction) ? record.attractions[attraction] : undefined;
      if (withAdmissions.has(reference)) {
        markIncluded.run(reference, startedSeq);
        if (allowance) {
          const sums = localSums.get(reference, attraction) as { pending: number; included: number };
          const facts = { pax: allowance.pax, serverUsed: allowance.used, acknowledged: sums.included, pending: sums.pending };
          // The kiosk never counts fewer than it recorded itself, whatever the server says.
          if (Math.max(allowance.used, sums.included) + sums.pending > allowance.pax) {
            raised(flags.raise(reference, attraction, 'over-admission', facts, now));
          }
          if (sums.included > allowance.used) {
            raised(flags.raise(reference, attraction, 'count-conflict', facts, now));
            countConflicts.push({ reference, attraction, serverUsed: allowance.used, acknowledged: sums.included });
          }
        }
      } else if (allowance && allowance.used > allowance.pax) {
        const facts = { pax: allowance.pax, serverUsed: allowance.used, acknowledged: 0, pending: 0 };
        raised(flags.raise(reference, attraction, 'over-admission', facts, now));
      }
    }
    return index;
  });

  while (progress.processed < records.length) {
    progress.processed = applyChunk(progress.processed);
    onProgress?.({ ...progress });
  }
  // An empty or wholly malformed list is more likely a server fault than a
  // venue with no tickets: withdraw nothing on its word.
  const withdrawn = progress.stored > 0 ? withdraw.run(now, downloadId).changes : 0;
  return { ...progress, withdrawn, skippedRecords, flagsRaised, countConflicts, handCheckOutOfStep };
}
