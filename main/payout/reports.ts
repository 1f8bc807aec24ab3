/**
 * The payout's reports to the cloud, through the outbox:
 * `POST {base}jobs/{id}/complete` `{"success","error","kioskId","timestamp"}`
 * (seed 002), with Booth's `"dispensed"`: the coins paid out for the
 * transaction so far, in total. Queued in the same transaction as the ledger
 * row they report, once per delivery of a job.
 */
import { z } from 'zod';
import type { CodedReason } from '../../preload/contract';
import type { Clock } from '../clock';
import type { Outbox } from '../sync';
import { askFlag } from './jobs';
import { coinsKnown, type Ledger, type TransactionRow } from './ledger';

export const REPORT_KIND = 'payout.report';

const reportPayloadSchema = z.object({
  url: z.string(),
  body: z.object({
    success: z.boolean(),
    error: z.string().nullable(),
    kioskId: z.string(),
    timestamp: z.string(),
    dispensed: z.number().int().min(0),
  }),
});

export interface PayoutReportsDeps {
  outbox: Outbox;
  sql: Ledger;
  kioskId: string;
  clock: Clock;
  endpoint(path: string): string;
  coinsSold(tx: TransactionRow): number | null;
}

export function createPayoutReports({ outbox, sql, kioskId, clock, endpoint, coinsSold }: PayoutReportsDeps) {
  outbox.registerKind({
    kind: REPORT_KIND,
    request(payload) {
      const parsed = reportPayloadSchema.parse(payload);
      return { endpoint: parsed.url, body: JSON.stringify(parsed.body) };
    },
    onAcknowledged() {
      /* the ledger already holds the outcome; the report only informs the cloud */
    },
    describe(payload) {
      const parsed = reportPayloadSchema.safeParse(payload);
      if (!parsed.success) return 'payout report (unreadable payload)';
      const b = parsed.data.body;
      return `payout report: ${b.success ? 'paid' : `not paid (${b.error})`}, ${b.dispensed} coins in total`;
    },
    summary(payload): CodedReason {
      const parsed = reportPayloadSchema.safeParse(payload);
      if (!parsed.success) return { code: 'outbox-unreadable', params: { kind: REPORT_KIND } };
      const b = parsed.data.body;
      return b.success
        ? { code: 'outbox-payout-paid', params: { count: b.dispensed } }
        : { code: 'outbox-payout-not-paid', params: { count: b.dispensed, fault: b.error ?? '' } };
    },
  });

  /** Coins paid out for a transaction so far, in total, as reported: known, plus what was seen on commands not counted yet. */
  const dispensedSoFar = (tx: TransactionRow | undefined) => (tx ? coinsKnown(sql, tx).atLeast : 0);

  function enqueueReport(jobId: string, transactionId: string | null, body: { success: boolean; error: string | null; dispensed: number }) {
    outbox.enqueue({
      kind: REPORT_KIND,
      orderKey: `payout:${transactionId ?? `job:${jobId}`}`,
      payload: {
        url: endpoint(`jobs/${encodeURIComponent(jobId)}/complete`),
        body: { success: body.success, error: body.error, kioskId, timestamp: clock.now().toISOString(), dispensed: body.dispensed },
      },
    });
  }

  /**
   * Queues the job's report once per delivery (`again`: once more, with the
   * transaction's outcome now); call inside a transaction. A success for a
   * count that differs from what this kiosk sold carries the flag as its error.
   */
  function queueReport(job: { id: string; retryCount: number; transactionId: string }, success: boolean, error: string | null, again = false) {
    if (again) sql.markUnreported.run(job.id, job.retryCount);
    const row = sql.job.get(job.id, job.retryCount) as { reported: number } | undefined;
    if (row?.reported) return;
    const tx = sql.transaction.get(job.transactionId) as TransactionRow | undefined;
    const flagged = success && error === null && tx ? (askFlag(tx.quarters_asked, coinsSold(tx))?.error ?? null) : error;
    enqueueReport(job.id, job.transactionId, { success, error: flagged, dispensed: dispensedSoFar(tx) });
    sql.markReported.run(job.id, job.retryCount);
  }

  /** Reports a transaction's outcome again on its latest job (after a reconciliation, an admin payout, a hand count). */
  function reportLatest(transactionId: string, success: boolean, error: string | null) {
    const job = sql.latestJob.get(transactionId) as { job_id: string; retry_count: number } | undefined;
    if (job) queueReport({ id: job.job_id, retryCount: job.retry_count, transactionId }, success, error, true);
  }

  return { enqueueReport, queueReport, reportLatest, dispensedSoFar };
}
