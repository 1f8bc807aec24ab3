/**
 * Dispense jobs from the cloud (seed 002): `GET {base}jobs/pending` polled
 * (faster while a customer waits for their payment, with backoff when it
 * fails), each delivery of a job recorded before anything is paid and
 * answered once through the outbox (reports.ts). A job is paid only to its
 * customer on screen, within the limits and what was sold; anything else is
 * kept for the attendant. Answers this kiosk cannot read are recorded and,
 * when they carry an id, reported failed so the cloud's queue moves on.
 */
import type Database from 'better-sqlite3';
import type { Clock } from '../clock';
import { readTextCapped, type CloudClient } from '../cloud';
import type { BoothConfig } from '../config';
import { crashPoint } from '../crash-points';
import type { ScopedLog } from '../log';
import { isStorageFailure } from '../store';
import type { Outbox } from '../sync';
import { boundCoinCount, MAX_ANSWER_BYTES, readJobAnswer, type Job } from './jobs';
import { codedDetail, coinsKnown, type Ledger, type TransactionRow } from './ledger';
import { coinsToPay } from './money';
import type { Payer } from './payer';
import type { createPayoutReports } from './reports';
import type { PayoutService } from './service';
import type { CustomerSession } from './session';
import type { createUnreadableJobs, UnreadableAnswer } from './unreadable-jobs';

export interface JobIntakeDeps {
  config: BoothConfig;
  db: Database.Database;
  sql: Ledger;
  cloud: CloudClient;
  outbox: Outbox;
  clock: Clock;
  log: ScopedLog;
  service: PayoutService;
  session: CustomerSession;
  payer: Payer;
  reports: ReturnType<typeof createPayoutReports>;
  unreadableJobs: ReturnType<typeof createUnreadableJobs>;
  endpoint(path: string): string;
  referenceFor(transactionId: string): string;
  coinsSold(tx: TransactionRow | undefined): number | null;
  maxCoinsPerTransaction: number;
}

export function createJobIntake(deps: JobIntakeDeps) {
  const { config, db, sql, cloud, outbox, clock, log, service, session, payer, unreadableJobs, endpoint, referenceFor, coinsSold, maxCoinsPerTransaction } = deps;
  const { enqueueReport, queueReport, dispensedSoFar } = deps.reports;
  const payout = config.payout;

  const inProgress = new Set<string>();

  async function handleJob(job: Job): Promise<void> {
    const deliveryKey = `${job.id}#${job.retryCount}`;
    if (inProgress.has(job.transactionId)) return;
    const known = sql.job.get(job.id, job.retryCount) as { reported: number } | undefined;
    if (known?.reported) return; // already answered; the cloud has not seen the report yet
    inProgress.add(job.transactionId);
    try {
      await payer.withHopper(() => processJob(job));
    } finally {
      inProgress.delete(job.transactionId);
    }
    log.debug(`job ${deliveryKey} handled`);
  }

  async function processJob(job: Job): Promise<void> {
    const now = clock.now().toISOString();
    const verdict = boundCoinCount(job.quarters, coinsSold(sql.transaction.get(job.transactionId) as TransactionRow | undefined), maxCoinsPerTransaction);
    const count = verdict.kind === 'invalid' ? null : job.quarters;
    db.transaction(() => {
      sql.insertTransaction.run(job.transactionId, referenceFor(job.transactionId), count === null ? 0 : count * payout.coinValue, 0, now, null, 0);
      sql.setAsked.run(job.quarters, job.transactionId);
      sql.insertJob.run(job.id, job.retryCount, job.transactionId, count ?? -1, now);
    })();
    crashPoint('payout.after-job-recorded');
    const tx = sql.transaction.get(job.transactionId) as TransactionRow;

    if (verdict.kind === 'invalid') {
      db.transaction(() => {
        // The cloud retries a refused job: once the attendant has seen to it, it stays closed.
        if (tx.owed_reason !== 'refused-job') sql.flagUnlessOpen.run('refused-job', verdict.detail, codedDetail(verdict.coded), tx.id);
        queueReport(job, false, 'invalid_quarters');
      })();
      log.warn(`job ${job.id}: ${verdict.detail}; not paid, kept for the attendant`);
      session.attendantWillPay(tx.id);
      outbox.wake();
      return;
    }
    if (verdict.kind === 'over-limit') {
      db.transaction(() => {
        sql.setOwed.run(job.quarters, tx.id);
        sql.flag.run('over-limit', verdict.detail, codedDetail(verdict.coded), tx.id);
        queueReport(job, false, 'over_limit');
      })();
      log.warn(`job ${job.id} asks ${job.quarters} coins, over the limit of ${maxCoinsPerTransaction}; kept for the attendant`);
      session.attendantWillPay(tx.id);
      outbox.wake();
      return;
    }
    if (verdict.flag) log.warn(`job ${job.id}: ${verdict.flag.detail}`);
    db.transaction(() => {
      sql.setOwed.run(verdict.coins, tx.id);
    })();
    const owedRow = sql.transaction.get(tx.id) as TransactionRow;
    if (owedRow.coins_owed !== verdict.coins) {
      const earlier = owedRow.coins_owed ?? 0;
      const coded = codedDetail({ code: 'owed-job-differs', params: { job: job.id, asked: verdict.coins, earlier } });
      db.transaction(() => sql.flag.run('mismatch', `job ${job.id} asks ${verdict.coins} coins; an earlier job asked ${owedRow.coins_owed}`, coded, tx.id))();
    }
    const known = coinsKnown(sql, owedRow);
    if (known.uncounted) {
      // What the hopper paid is not known yet: paying "the rest" could pay twice.
      db.transaction(() => queueReport(job, false, 'unknown'))();
      log.warn(`job ${job.id}: a payout of ${tx.id} is not counted yet; nothing paid`);
      outbox.wake();
      return;
    }
    const remainder = coinsToPay(owedRow.coins_owed ?? 0, owedRow.coins_paid);
    if (remainder === 0) {
      db.transaction(() => {
        if (verdict.flag && owedRow.owed_reason !== verdict.flag.reason) sql.flagUnlessOpen.run(verdict.flag.reason, verdict.flag.detail, codedDetail(verdict.flag.coded), tx.id);
        queueReport(job, true, null);
      })();
      // Nothing to pay for a payment the customer made (a job asking 0): the attendant will see to it.
      if (verdict.flag) session.attendantWillPay(tx.id);
      log.info(`job ${job.id}: nothing owed for ${tx.id} (${owedRow.coins_paid} already paid); reported complete`);
      outbox.wake();
      return;
    }
    const present = owedRow.created_here === 1 && owedRow.customer_present === 1 && session.current()?.transactionId === tx.id;
    if (!present) {
      db.transaction(() => {
        sql.flagUnlessOpen.run(
          'customer-absent',
          owedRow.created_here ? 'the customer had left when the payment arrived' : 'a transaction this kiosk did not create',
          codedDetail({ code: owedRow.created_here ? 'owed-customer-left' : 'owed-not-created-here' }),
          tx.id,
        );
        queueReport(job, false, 'customer_absent');
      })();
      log.warn(`job ${job.id}: ${remainder} coins owed for ${tx.id}, but its customer is not here; kept for the attendant`);
      outbox.wake();
      return;
    }
    if (service.outOfService()) {
      db.transaction(() => {
        sql.flagUnlessOpen.run('customer-absent', 'the kiosk was out of service when the payment arrived', codedDetail({ code: 'owed-paid-while-out-of-service' }), tx.id);
        queueReport(job, false, 'out_of_service');
      })();
      if (session.current()?.state === 'waiting-payment') session.patchSession(tx.id, { state: 'failed', coinsOwed: owedRow.coins_owed, message: 'out-of-service' });
      outbox.wake();
      return;
    }

    session.patchSession(tx.id, { state: 'paying-out', coinsOwed: owedRow.coins_owed, coinsPaid: owedRow.coins_paid, paidIsLowerBound: false, message: null });
    log.info(`job ${job.id}: paying ${remainder} coins for ${tx.id}`);
    let fault;
    try {
      fault = await payer.payRemainder(tx.id, (paid) => session.patchSession(tx.id, { coinsPaid: paid }));
    } catch (error) {
      if (!isStorageFailure(error)) throw error;
      stoppedUnrecorded(tx.id, error as Error);
      return;
    }
    const after = sql.transaction.get(tx.id) as TransactionRow;
    if (fault === null) {
      evenIfUnrecorded(`closing transaction ${tx.id}`, () =>
        db.transaction(() => {
          payer.settle(after);
          queueReport(job, true, null);
        })(),
      );
      session.patchSession(tx.id, { state: 'done', coinsPaid: after.coins_paid, message: verdict.flag?.reason === 'asked-less' ? 'asked-less' : null });
      log.info(`transaction ${tx.id} paid out: ${after.coins_paid} coins`);
      service.checkCoinReserve();
    } else {
      const known = coinsKnown(sql, after);
      const detail = payer.stopDetail(fault, after);
      evenIfUnrecorded(`the stop of transaction ${tx.id}`, () =>
        db.transaction(() => {
          sql.flag.run(known.needsHandCount ? 'mismatch' : fault.kind === 'unknown' ? 'unknown-outcome' : 'partial', detail, codedDetail({ code: 'owed-stopped', params: payer.stopParams(fault, after) }), tx.id);
          queueReport(job, false, fault.kind);
        })(),
      );
      session.patchSession(tx.id, { state: 'partial', coinsPaid: known.atLeast, paidIsLowerBound: known.uncounted, message: fault.kind });
      evenIfUnrecorded('out of service', () => payer.outOfServiceAfterStop(detail, after, fault));
    }
    crashPoint('payout.before-report');
    outbox.wake();
  }

  /**
   * A write after the coins were paid and recorded that the disk refuses: the
   * customer is still told what was paid. The job is not answered: it comes
   * again and is answered from the ledger then (nothing owed: complete; the
   * rest owed: paid to the customer still on screen, else kept as owed).
   */
  function evenIfUnrecorded(what: string, write: () => void): void {
    try {
      write();
    } catch (error) {
      if (!isStorageFailure(error)) throw error;
      log.error(`${what} could not be recorded (${(error as Error).message}); the job is answered when it comes again`);
    }
  }

  /**
   * The ledger could not be written mid-payout (a full disk): nothing more is
   * paid, and the customer is told the payout stopped rather than left on
   * "paying out". The job is not answered here: a command left open is counted
   * from the hopper's counters and reported by the payout.reconcile job once
   * the disk can be written again; one never sent leaves the job to come again.
   */
  function stoppedUnrecorded(transactionId: string, error: Error) {
    log.error(`payout of ${transactionId} stopped: the ledger cannot be written (${error.message}); its coins are counted from the hopper once it can`);
    const row = sql.transaction.get(transactionId) as TransactionRow;
    const known = coinsKnown(sql, row);
    session.patchSession(transactionId, { state: 'partial', coinsPaid: known.atLeast, paidIsLowerBound: known.uncounted, message: 'unknown' });
  }

  /** An answer of jobs/pending that is not a readable job: recorded for the attendant, reported failed when it has an id. */
  function handleUnreadable(answer: UnreadableAnswer) {
    const at = clock.now();
    const knownJob = answer.jobId === null ? undefined : (sql.transactionOfJob.get(answer.jobId) as { transaction_id: string } | undefined);
    const transactionId = answer.transactionId ?? knownJob?.transaction_id ?? null;
    const tx = transactionId === null ? undefined : (sql.transaction.get(transactionId) as TransactionRow | undefined);
    const isNew = db.transaction(() => {
      if (!unreadableJobs.record(answer, at)) return false;
      if (answer.jobId !== null) {
        enqueueReport(answer.jobId, tx?.id ?? null, { success: false, error: 'unreadable_job', dispensed: dispensedSoFar(tx) });
        unreadableJobs.markReported(answer.fingerprint);
        if (tx?.created_here === 1 && tx.owed_reason !== 'refused-job') sql.flagUnlessOpen.run(
            'refused-job',
            `the payment service sent a job this kiosk cannot read (${answer.problem})`,
            codedDetail({ code: 'owed-job-unreadable', params: { detail: answer.problem } }),
            tx.id,
          );
      }
      return true;
    })();
    if (!isNew) return;
    if (answer.jobId === null) {
      log.warn(`jobs/pending answered something this kiosk cannot read, without a readable job id to report it (${answer.problem}): ${answer.excerpt.slice(0, 80)}`);
    } else {
      log.warn(`job ${answer.jobId}: this kiosk cannot read it (${answer.problem}); reported failed (unreadable_job)`);
      if (tx) session.attendantWillPay(tx.id);
      outbox.wake();
    }
  }

  // ---- polling -------------------------------------------------------------------------------
  let pollTimer: NodeJS.Timeout | null = null;
  let polling = false;
  let running = false;
  let failures = 0;

  function schedulePoll(delayMs?: number) {
    if (!running) return;
    if (pollTimer) clearTimeout(pollTimer);
    const interval = (session.current()?.state === 'waiting-payment' ? payout.activePollIntervalSeconds : payout.pollIntervalSeconds) * 1000;
    const backoff = failures > 0 ? Math.min(interval * 2 ** failures, 60_000) : interval;
    pollTimer = setTimeout(() => void poll(), delayMs ?? backoff);
    pollTimer.unref?.();
  }

  async function poll(): Promise<void> {
    if (polling || !running) return;
    polling = true;
    try {
      await session.checkExpiry();
      const response = await cloud.request(endpoint('jobs/pending'), { method: 'GET' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const text = await readTextCapped(response, MAX_ANSWER_BYTES);
      failures = 0;
      const answer = readJobAnswer(text);
      if (answer.kind === 'none') return;
      if (answer.kind === 'unreadable') return handleUnreadable(answer);
      // Nothing is paid while an interrupted command is not counted: the job comes again.
      if (sql.openSteps.all().length === 0) await handleJob(answer.job);
    } catch (error) {
      failures = Math.min(failures + 1, 10);
      if (failures === 1) log.info(`job poll failed (${(error as Error).message}); backing off`);
    } finally {
      polling = false;
      schedulePoll();
    }
  }

  return {
    /** Polls from now on (the first poll is scheduled by schedulePoll). */
    start() {
      running = true;
    },
    stop() {
      running = false;
      if (pollTimer) clearTimeout(pollTimer);
    },
    /** The next poll after `delayMs`, else after the interval (with backoff after failures). */
    schedulePoll,
  };
}
