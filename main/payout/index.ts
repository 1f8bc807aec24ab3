/**
 * The coin payout kiosk (seed 002): transactions with a QR code, dispense jobs
 * polled from the cloud, and a ledger that applies the money rule: per
 * transaction, never more coins than owed, each motor command recorded before
 * it is sent, and a lost outcome reconciled from the hopper's counters, never
 * by paying again. Coins go only to the customer on screen.
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import type { HopperStatus, PayoutAdminSummary, PayoutSession, PayoutStatus } from '../../preload/contract';
import { venueDate } from '../clock';
import { CloudNetworkError } from '../cloud';
import { crashPoint } from '../crash-points';
import { HandlerError, type HandlerMap } from '../dispatch';
import type { KioskModule, ModuleContext } from '../modules/module';
import { createAttendantActions } from './attendant';
import type { DispenseResult, PayoutHopper } from './hopper';
import { askFlag, boundCoinCount, readJobAnswer, type Job } from './jobs';
import { coinsKnown, prepareLedger, type PayoutFault, type StepRow, type TransactionRow } from './ledger';
import { coinsToPay, commandSizes } from './money';
import { reconcile } from './reconciliation';
import { createPayoutReports, REPORT_KIND } from './reports';
import { createUnreadableJobs, type UnreadableAnswer } from './unreadable-jobs';

export type { PayoutHopper } from './hopper';
export { jobSchema, type Job } from './jobs';

export { REPORT_KIND } from './reports';
const OUT_OF_SERVICE_KEY = 'payout.outOfService';
const COINS_LEFT_KEY = 'payout.coinsLeft';

const transactionCreatedSchema = z.object({
  id: z.string().min(1).max(100),
  qrUrl: z.url({ protocol: /^https?$/ }),
  amount: z.number(),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});

const outOfServiceSchema = z.object({ reason: z.string(), since: z.string() });

export interface PayoutOptions {
  /** The hopper; absent when none is configured. */
  hopper?: PayoutHopper;
}

/** A short code a customer can read out to the attendant. */
const referenceFor = (transactionId: string) =>
  crypto.createHash('sha256').update(transactionId).digest('hex').slice(0, 6).toUpperCase();

export function createPayoutModule(ctx: ModuleContext, options: PayoutOptions = {}): KioskModule {
  const { config, platform, store, events, outbox, cloud, admin } = ctx;
  const db = store.db;
  const log = platform.log.scope('payout');
  const clock = platform.clock;
  const payout = config.payout;
  const hopper = options.hopper;
  const base = payout.baseUrl ?? new URL('v2/', config.api.baseUrl).toString();
  const endpoint = (path: string) => new URL(path, base).toString();
  const coinsFor = (amount: number) => Math.round(amount / payout.coinValue);
  const maxCoinsPerTransaction = coinsFor(payout.maxAmount);

  const sql = prepareLedger(db);
  const unreadableJobs = createUnreadableJobs(db);
  /** What this kiosk sold for a transaction it created (the most a job may ask); null for any other. */
  const coinsSold = (tx: TransactionRow | undefined): number | null => (tx && tx.created_here === 1 && tx.amount > 0 ? coinsFor(tx.amount) : null);

  // ---- state that must outlive a restart: out of service, coins left -------------------------
  const outOfService = () => store.getSetting(OUT_OF_SERVICE_KEY, outOfServiceSchema.nullable()) ?? null;
  const coinsLeft = () => store.getSetting(COINS_LEFT_KEY, z.number().int().nullable()) ?? null;

  function goOutOfService(reason: string) {
    if (outOfService()) return;
    store.setSetting(OUT_OF_SERVICE_KEY, { reason, since: clock.now().toISOString() }, clock.now());
    log.warn(`out of service: ${reason}`);
    publishStatus();
  }

  function hopperStatus(): HopperStatus {
    const device = hopper?.status();
    return {
      configured: Boolean(hopper),
      connected: device?.connected ?? false,
      path: device?.path ?? null,
      coinsLeft: coinsLeft(),
      lastError: device?.lastError ?? null,
    };
  }

  /**
   * Money committed today (venue time zone): coins already paid, plus what the
   * customer on screen may still be paid. An unpaid, abandoned QR counts for nothing.
   */
  function spentToday(): number {
    const now = clock.now();
    const today = venueDate(now, config.timeZone);
    const since = new Date(now.getTime() - 48 * 3_600_000).toISOString();
    const paid = (sql.recent.all(since) as { coins_paid: number; coins_overpaid: number; created_at: string }[])
      .filter((r) => venueDate(new Date(r.created_at), config.timeZone) === today)
      .reduce((sum, r) => sum + (r.coins_paid + r.coins_overpaid) * payout.coinValue, 0);
    const onScreen = session && (session.state === 'waiting-payment' || session.state === 'paying-out') ? session.amount - session.coinsPaid * payout.coinValue : 0;
    return paid + onScreen;
  }

  /** Takes the kiosk out of service before it would be unable to pay the largest amount. */
  function checkCoinReserve() {
    const left = coinsLeft();
    if (left !== null && left < maxCoinsPerTransaction + payout.lowCoinReserve) {
      goOutOfService(`coins low: ${left} left, ${maxCoinsPerTransaction + payout.lowCoinReserve} needed; refill the hopper`);
    }
  }

  // ---- the customer on screen ----------------------------------------------------------------
  let session: PayoutSession | null = null;
  let transactionStatusRoute = true;

  const setSession = (next: PayoutSession | null) => {
    session = next;
    if (next) events.emit('payout:progress', next);
    publishStatus();
  };
  const patchSession = (transactionId: string, patch: Partial<PayoutSession>) => {
    if (session?.transactionId === transactionId) setSession({ ...session, ...patch });
  };
  /** The payment arrived but the kiosk will not pay it by itself: the customer still waiting is told the attendant will. */
  const attendantWillPay = (transactionId: string) => {
    if (session?.transactionId === transactionId && session.state === 'waiting-payment') patchSession(transactionId, { state: 'failed', message: 'attendant' });
  };

  function status(): PayoutStatus {
    const oos = outOfService();
    return {
      inService: oos === null,
      outOfServiceReason: oos?.reason ?? null,
      amounts: payout.amounts,
      maxAmount: payout.maxAmount,
      coinValue: payout.coinValue,
      currency: payout.currency,
      remainingToday: Math.max(0, Math.round((payout.dailyCap - spentToday()) * 100) / 100),
      online: cloud.state().online,
      hopper: hopperStatus(),
      uncountedPayouts: sql.openSteps.all().length,
      session,
    };
  }
  let lastStatusJson = '';
  function publishStatus() {
    const next = status();
    const json = JSON.stringify(next);
    if (json !== lastStatusJson) {
      lastStatusJson = json;
      events.emit('payout:status', next);
    }
  }

  function customerLeaves(transactionId: string, why: string) {
    sql.customerGone.run(transactionId);
    if (session?.transactionId === transactionId) {
      log.info(`customer left transaction ${transactionId} (${why})`);
      setSession(null);
    }
  }

  async function start(amount: number): Promise<PayoutSession> {
    const oos = outOfService();
    if (oos) throw new HandlerError('unavailable', `This kiosk is out of service: ${oos.reason}`);
    if (!payout.amounts.includes(amount) || amount > payout.maxAmount) {
      throw new HandlerError('bad_arguments', `${amount} is not one of the amounts offered here.`);
    }
    const coins = coinsFor(amount);
    if (Math.abs(coins * payout.coinValue - amount) > 1e-9) throw new HandlerError('bad_arguments', `${amount} cannot be paid in coins of ${payout.coinValue}.`);
    if (!hopper || !hopper.status().connected) throw new HandlerError('unavailable', 'The coin hopper is not connected.');
    if (sql.openSteps.all().length > 0) throw new HandlerError('unavailable', 'An interrupted payout is being counted. Please wait a moment.');
    const left = coinsLeft();
    if (left !== null && left < coins) throw new HandlerError('unavailable', 'Not enough coins in the hopper for this amount.');
    if (session?.state === 'paying-out') throw new HandlerError('unavailable', 'A payout is in progress.');
    if (session) customerLeaves(session.transactionId, 'a new transaction started');
    if (spentToday() + amount > payout.dailyCap) throw new HandlerError('unavailable', 'The daily payout limit of this kiosk is reached.');

    let created: z.infer<typeof transactionCreatedSchema>;
    try {
      const response = await cloud.request(endpoint('transaction/create'), { method: 'POST', body: JSON.stringify({ amount }), idempotencyKey: crypto.randomUUID() });
      if (!response.ok) throw new HandlerError('unavailable', `The payment service answered ${response.status}. Please try again.`);
      const parsed = transactionCreatedSchema.safeParse(await response.json().catch(() => null));
      if (!parsed.success) throw new HandlerError('unavailable', 'The payment service sent an answer this kiosk cannot read.');
      created = parsed.data;
    } catch (error) {
      if (error instanceof HandlerError) throw error;
      throw new HandlerError('unavailable', error instanceof CloudNetworkError ? 'No connection to the payment service. Please try again later.' : (error as Error).message);
    }
    const now = clock.now();
    const expiresAt = created.expiresAt ?? new Date(now.getTime() + payout.qrLifetimeMinutes * 60_000).toISOString();
    const reference = referenceFor(created.id);
    sql.insertTransaction.run(created.id, reference, amount, 1, now.toISOString(), expiresAt, 1);
    log.info(`transaction ${created.id} (${reference}) for ${amount} ${payout.currency} created; QR until ${expiresAt}`);
    const next: PayoutSession = {
      transactionId: created.id,
      reference,
      amount,
      qrUrl: created.qrUrl,
      expiresAt,
      state: 'waiting-payment',
      coinsOwed: null,
      coinsPaid: 0,
      paidIsLowerBound: false,
      message: null,
    };
    setSession(next);
    schedulePoll(0);
    return next;
  }

  // ---- reporting through the outbox ----------------------------------------------------------
  const { enqueueReport, queueReport, reportLatest, dispensedSoFar } = createPayoutReports({ outbox, sql, kioskId: store.kioskId, clock, endpoint, coinsSold });

  /** Everything owed is paid: the attendant's entry is closed, unless the job's count differed from what was sold (still flagged). */
  function settle(tx: TransactionRow) {
    const flag = askFlag(tx.quarters_asked, coinsSold(tx));
    if (flag) sql.flag.run(flag.reason, flag.detail, tx.id);
    else sql.resolve.run(clock.now().toISOString(), tx.id);
  }

  /** Why a transaction's payout stopped, with its true total (never only the last command's). */
  function stopDetail(fault: PayoutFault, tx: TransactionRow): string {
    const known = coinsKnown(sql, tx);
    const paid = known.uncounted ? `at least ${known.atLeast}` : String(known.confirmed);
    const last = fault.command ? ` (last command: ${fault.command.paid} of ${fault.command.coins})` : '';
    return `${fault.detail}: ${paid} of ${tx.coins_owed ?? 0} coins paid${last}`;
  }

  /** Takes the kiosk out of service after a payout stopped, saying what the attendant must do. */
  function outOfServiceAfterStop(detail: string, tx: TransactionRow) {
    const known = coinsKnown(sql, tx);
    goOutOfService(
      known.needsHandCount || known.uncounted
        ? `payout stopped (${detail}); count the coins paid to ${tx.reference} and record the hand count`
        : `payout stopped (${detail}); ${coinsToPay(tx.coins_owed ?? 0, tx.coins_paid)} coins owed to ${tx.reference}`,
    );
  }

  // ---- the hopper: one payout at a time ------------------------------------------------------
  let hopperQueue: Promise<unknown> = Promise.resolve();
  const withHopper = <T>(work: () => Promise<T>): Promise<T> => {
    const run = hopperQueue.then(work, work);
    hopperQueue = run.catch(() => undefined);
    return run;
  };

  /**
   * Pays what a transaction is still owed, one recorded command at a time.
   * Returns the fault that stopped it, or null when everything owed was paid.
   */
  async function payRemainder(transactionId: string, onProgress: (paid: number) => void): Promise<PayoutFault | null> {
    if (!hopper) return { kind: 'silent', detail: 'no hopper configured' };
    const tx = sql.transaction.get(transactionId) as TransactionRow;
    if (coinsKnown(sql, tx).uncounted) return { kind: 'unknown', detail: 'an earlier command of this transaction is not counted' };
    const remainder = coinsToPay(tx.coins_owed ?? 0, tx.coins_paid);
    let paidBefore = tx.coins_paid;
    for (const coins of commandSizes(remainder)) {
      let counters;
      try {
        counters = await hopper.readCounters();
      } catch (error) {
        return { kind: 'silent', detail: `the hopper does not answer (${(error as Error).message}); nothing was sent` };
      }
      if (counters.coinsRemaining > 0) return { kind: 'unknown', detail: 'the hopper is still paying out an earlier command' };
      const stepId = Number(
        sql.insertStep.run(transactionId, coins, counters.eventCounter, counters.lifetime, clock.now().toISOString()).lastInsertRowid,
      );
      crashPoint('payout.after-intent');
      let seen = 0;
      // Every coin seen is in the ledger before it is on the screen: the lower bound outlives a crash or a reset hopper.
      const sawPaid = (paid: number) => {
        if (paid <= seen) return;
        seen = paid;
        sql.seen.run(paid, stepId, paid);
      };
      let result: DispenseResult;
      try {
        result = await hopper.dispense(coins, { expectedEventCounter: counters.eventCounter }, (paid) => {
          sawPaid(paid);
          if (paid > 0) crashPoint('payout.mid-dispense');
          onProgress(paidBefore + paid);
        });
      } catch (error) {
        result = { outcome: 'unknown', paid: 0, unpaid: coins };
        log.error(`dispense of ${coins} for ${transactionId} failed: ${(error as Error).message}`);
      }
      crashPoint('payout.after-motor');
      if (result.outcome === 'unknown') {
        sawPaid(result.paid);
        // The outcome is lost: read the counters again before saying anything.
        const settled = await settleStep(stepId);
        if (settled.kind === 'unreachable') return { kind: 'unknown', detail: 'the hopper stopped answering during the payout; its coins will be counted when it answers' };
        if (settled.kind === 'mismatch') return { kind: 'unknown', detail: `the hopper's counters cannot tell what it paid (${settled.detail})` };
        paidBefore += settled.paid;
        onProgress(paidBefore);
        if (settled.paid < coins) return { kind: 'jam', detail: 'the hopper stopped', command: { paid: settled.paid, coins } };
        continue;
      }
      const state = result.outcome === 'done' ? 'done' : result.outcome === 'refused' || result.outcome === 'state-changed' ? 'refused' : 'partial';
      recordStep(stepId, transactionId, state, result.paid, `${result.outcome}: paid ${result.paid}, unpaid ${result.unpaid}`);
      paidBefore += result.paid;
      onProgress(paidBefore);
      if (result.outcome === 'jam') return { kind: 'jam', detail: 'the hopper jammed', command: { paid: result.paid, coins } };
      if (result.outcome === 'empty') return { kind: 'empty', detail: 'the hopper ran empty', command: { paid: result.paid, coins } };
      if (result.outcome !== 'done') return { kind: 'refused', detail: result.detail ?? `the hopper did not take the command (${result.outcome})` };
    }
    return null;
  }

  function recordStep(stepId: number, transactionId: string, state: string, paid: number, detail: string) {
    db.transaction(() => {
      sql.finishStep.run(state, paid, clock.now().toISOString(), detail, stepId);
      if (paid > 0) sql.addPaid.run(paid, transactionId);
      const left = coinsLeft();
      if (left !== null && paid > 0) store.setSetting(COINS_LEFT_KEY, Math.max(0, left - paid), clock.now());
    })();
  }

  type Settled = { kind: 'paid'; paid: number } | { kind: 'unreachable' } | { kind: 'mismatch'; detail: string };

  /**
   * Completes a command whose outcome is not known, from the hopper's
   * counters and the coins seen while it ran. Unreachable: the step stays
   * open and is tried again when the hopper answers. Mismatch: the counters
   * cannot tell; the attendant counts by hand.
   */
  async function settleStep(stepId: number): Promise<Settled> {
    const step = sql.step.get(stepId) as StepRow;
    const intent = { coins: step.coins, eventCounterBefore: step.event_counter_before, lifetimeBefore: step.lifetime_before, coinsSeen: step.coins_seen };
    for (let attempt = 0; attempt < 300; attempt++) {
      let counters;
      try {
        counters = await hopper!.readCounters();
      } catch (error) {
        sql.stepUnknown.run(`not counted yet: ${(error as Error).message}`, stepId);
        return { kind: 'unreachable' };
      }
      const verdict = reconcile(intent, counters);
      if (verdict.kind === 'still-paying') {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      if (verdict.kind === 'mismatch') {
        db.transaction(() => {
          sql.stepMismatch.run(verdict.detail, stepId);
          sql.flag.run('mismatch', `count the coins by hand: ${verdict.detail}`, step.transaction_id);
        })();
        log.error(`payout step ${stepId} cannot be reconciled: ${verdict.detail}`);
        return { kind: 'mismatch', detail: verdict.detail };
      }
      recordStep(stepId, step.transaction_id, verdict.paid === intent.coins ? 'done' : 'partial', verdict.paid, `reconciled: ${verdict.how}`);
      log.info(`payout step ${stepId} reconciled: ${verdict.how}`);
      return { kind: 'paid', paid: verdict.paid };
    }
    return { kind: 'unreachable' };
  }

  /**
   * At start and whenever the hopper answers again: every command left open
   * by a crash is counted from the hopper's counters before anything else is
   * paid, and the cloud is told the outcome. Coins left unpaid or unknown take
   * the kiosk out of service until the attendant acts.
   */
  async function reconcileOpenSteps(): Promise<void> {
    const open = sql.openSteps.all() as StepRow[];
    for (const step of open) {
      if (!hopper?.status().connected) break;
      const settled = await settleStep(step.id);
      if (settled.kind === 'unreachable') break;
      const tx = sql.transaction.get(step.transaction_id) as TransactionRow;
      const known = coinsKnown(sql, tx);
      if (settled.kind === 'mismatch') {
        goOutOfService(`an interrupted payout cannot be counted (${settled.detail}); count the coins paid to ${tx.reference} and record the hand count`);
        patchSession(tx.id, { coinsPaid: known.atLeast, paidIsLowerBound: true });
        continue;
      }
      if (known.uncounted) continue; // another command of it is still open or needs a hand count
      const stillOwed = coinsToPay(tx.coins_owed ?? 0, tx.coins_paid);
      db.transaction(() => {
        // The customer who was there before the restart is not assumed to be there now.
        if (stillOwed > 0) sql.flag.run('partial', `interrupted: ${tx.coins_paid} of ${tx.coins_owed} coins paid`, tx.id);
        else settle(tx);
        reportLatest(tx.id, stillOwed === 0, stillOwed === 0 ? null : 'interrupted');
      })();
      patchSession(tx.id, { coinsPaid: tx.coins_paid, paidIsLowerBound: false });
      if (stillOwed > 0) goOutOfService(`an interrupted payout left ${stillOwed} coins owed to ${tx.reference}; pay them from admin`);
    }
    publishStatus();
    if (open.length > 0) outbox.wake();
  }

  // ---- job intake ----------------------------------------------------------------------------
  const inProgress = new Set<string>();

  async function handleJob(job: Job): Promise<void> {
    const deliveryKey = `${job.id}#${job.retryCount}`;
    if (inProgress.has(job.transactionId)) return;
    const known = sql.job.get(job.id, job.retryCount) as { reported: number } | undefined;
    if (known?.reported) return; // already answered; the cloud has not seen the report yet
    inProgress.add(job.transactionId);
    try {
      await withHopper(() => processJob(job));
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
        if (tx.owed_reason !== 'refused-job') sql.flagUnlessOpen.run('refused-job', verdict.detail, tx.id);
        queueReport(job, false, 'invalid_quarters');
      })();
      log.warn(`job ${job.id}: ${verdict.detail}; not paid, kept for the attendant`);
      attendantWillPay(tx.id);
      outbox.wake();
      return;
    }
    if (verdict.kind === 'over-limit') {
      db.transaction(() => {
        sql.setOwed.run(job.quarters, tx.id);
        sql.flag.run('over-limit', verdict.detail, tx.id);
        queueReport(job, false, 'over_limit');
      })();
      log.warn(`job ${job.id} asks ${job.quarters} coins, over the limit of ${maxCoinsPerTransaction}; kept for the attendant`);
      attendantWillPay(tx.id);
      outbox.wake();
      return;
    }
    if (verdict.flag) log.warn(`job ${job.id}: ${verdict.flag.detail}`);
    db.transaction(() => {
      sql.setOwed.run(verdict.coins, tx.id);
    })();
    const owedRow = sql.transaction.get(tx.id) as TransactionRow;
    if (owedRow.coins_owed !== verdict.coins) {
      db.transaction(() => sql.flag.run('mismatch', `job ${job.id} asks ${verdict.coins} coins; an earlier job asked ${owedRow.coins_owed}`, tx.id))();
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
        if (verdict.flag && owedRow.owed_reason !== verdict.flag.reason) sql.flagUnlessOpen.run(verdict.flag.reason, verdict.flag.detail, tx.id);
        queueReport(job, true, null);
      })();
      // Nothing to pay for a payment the customer made (a job asking 0): the attendant will see to it.
      if (verdict.flag) attendantWillPay(tx.id);
      log.info(`job ${job.id}: nothing owed for ${tx.id} (${owedRow.coins_paid} already paid); reported complete`);
      outbox.wake();
      return;
    }
    const present = owedRow.created_here === 1 && owedRow.customer_present === 1 && session?.transactionId === tx.id;
    if (!present) {
      db.transaction(() => {
        sql.flagUnlessOpen.run('customer-absent', owedRow.created_here ? 'the customer had left when the payment arrived' : 'a transaction this kiosk did not create', tx.id);
        queueReport(job, false, 'customer_absent');
      })();
      log.warn(`job ${job.id}: ${remainder} coins owed for ${tx.id}, but its customer is not here; kept for the attendant`);
      outbox.wake();
      return;
    }
    if (outOfService()) {
      db.transaction(() => {
        sql.flagUnlessOpen.run('customer-absent', 'the kiosk was out of service when the payment arrived', tx.id);
        queueReport(job, false, 'out_of_service');
      })();
      if (session?.state === 'waiting-payment') patchSession(tx.id, { state: 'failed', coinsOwed: owedRow.coins_owed, message: 'out-of-service' });
      outbox.wake();
      return;
    }

    patchSession(tx.id, { state: 'paying-out', coinsOwed: owedRow.coins_owed, coinsPaid: owedRow.coins_paid, paidIsLowerBound: false, message: null });
    log.info(`job ${job.id}: paying ${remainder} coins for ${tx.id}`);
    const fault = await payRemainder(tx.id, (paid) => patchSession(tx.id, { coinsPaid: paid }));
    const after = sql.transaction.get(tx.id) as TransactionRow;
    if (fault === null) {
      db.transaction(() => {
        settle(after);
        queueReport(job, true, null);
      })();
      patchSession(tx.id, { state: 'done', coinsPaid: after.coins_paid, message: verdict.flag?.reason === 'asked-less' ? 'asked-less' : null });
      log.info(`transaction ${tx.id} paid out: ${after.coins_paid} coins`);
      checkCoinReserve();
    } else {
      const known = coinsKnown(sql, after);
      const detail = stopDetail(fault, after);
      db.transaction(() => {
        sql.flag.run(known.needsHandCount ? 'mismatch' : fault.kind === 'unknown' ? 'unknown-outcome' : 'partial', detail, tx.id);
        queueReport(job, false, fault.kind);
      })();
      patchSession(tx.id, { state: 'partial', coinsPaid: known.atLeast, paidIsLowerBound: known.uncounted, message: fault.kind });
      outOfServiceAfterStop(detail, after);
    }
    crashPoint('payout.before-report');
    outbox.wake();
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
        if (tx?.created_here === 1 && tx.owed_reason !== 'refused-job') sql.flagUnlessOpen.run('refused-job', `the payment service sent a job this kiosk cannot read (${answer.problem})`, tx.id);
      }
      return true;
    })();
    if (!isNew) return;
    if (answer.jobId === null) {
      log.warn(`jobs/pending answered something this kiosk cannot read, without a readable job id to report it (${answer.problem}): ${answer.excerpt.slice(0, 80)}`);
    } else {
      log.warn(`job ${answer.jobId}: this kiosk cannot read it (${answer.problem}); reported failed (unreadable_job)`);
      if (tx) attendantWillPay(tx.id);
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
    const interval = (session?.state === 'waiting-payment' ? payout.activePollIntervalSeconds : payout.pollIntervalSeconds) * 1000;
    const backoff = failures > 0 ? Math.min(interval * 2 ** failures, 60_000) : interval;
    pollTimer = setTimeout(() => void poll(), delayMs ?? backoff);
    pollTimer.unref?.();
  }

  async function checkExpiry() {
    if (!session || session.state !== 'waiting-payment') return;
    const s = session;
    if (Date.parse(s.expiresAt) <= clock.now().getTime()) {
      setSession({ ...s, state: 'expired' });
      customerLeaves(s.transactionId, 'payment link expired');
      return;
    }
    if (!transactionStatusRoute) return;
    try {
      const response = await cloud.request(endpoint(`transaction/${encodeURIComponent(s.transactionId)}`), { method: 'GET' });
      if (response.status === 404) {
        // A server without the optional route: the job's arrival tells of the payment.
        transactionStatusRoute = false;
        await response.body?.cancel();
        return;
      }
      const parsed = z.object({ status: z.enum(['pending', 'paid', 'expired', 'cancelled']) }).safeParse(await response.json().catch(() => null));
      if (parsed.success && (parsed.data.status === 'expired' || parsed.data.status === 'cancelled') && session?.transactionId === s.transactionId) {
        setSession({ ...session, state: 'expired' });
        customerLeaves(s.transactionId, `transaction ${parsed.data.status}`);
      }
    } catch {
      /* offline: the poll's backoff covers it */
    }
  }

  async function poll(): Promise<void> {
    if (polling || !running) return;
    polling = true;
    try {
      await checkExpiry();
      const response = await cloud.request(endpoint('jobs/pending'), { method: 'GET' });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const text = await response.text();
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

  // ---- admin ---------------------------------------------------------------------------------
  const attendant = createAttendantActions({
    db,
    sql,
    clock,
    log,
    audit: (action, detail) => admin.audit(action, detail),
    maxCoinsPerTransaction,
    coinsSold,
    withHopper,
    payRemainder: (transactionId) => payRemainder(transactionId, () => undefined),
    settle,
    stopDetail,
    reportLatest,
    outOfServiceAfterStop,
    backInServiceIfNothingToCount() {
      if (outOfService() && sql.needingHandCount.all().length === 0 && sql.openSteps.all().length === 0) {
        store.setSetting(OUT_OF_SERVICE_KEY, null, clock.now());
        log.info('back in service (hand count recorded)');
      }
      checkCoinReserve();
      publishStatus();
    },
    lowerCoinsLeft(coins) {
      const left = coinsLeft();
      if (left !== null && coins > 0) store.setSetting(COINS_LEFT_KEY, Math.max(0, left - coins), clock.now());
    },
    checkCoinReserve,
    publishStatus,
    wakeOutbox: () => outbox.wake(),
  });
  const { owedList } = attendant;

  async function testDispense(): Promise<HopperStatus> {
    admin.audit('payout.test-dispense');
    const id = `test-${crypto.randomUUID()}`;
    db.transaction(() => {
      sql.insertTransaction.run(id, 'TEST', 0, 1, clock.now().toISOString(), null, 0);
      sql.setOwed.run(1, id);
    })();
    const fault = await withHopper(() => payRemainder(id, () => undefined));
    if (fault) throw new HandlerError('failed', `Test dispense failed: ${fault.detail}`);
    return hopperStatus();
  }

  const handlers: HandlerMap = {
    'payout:status': () => status(),
    'payout:start': ({ amount }) => start(amount),
    'payout:leave': ({ transactionId }) => {
      customerLeaves(transactionId, 'screen left');
      return null;
    },
    'payout:admin-summary': (): PayoutAdminSummary => {
      admin.requireSession();
      const today = venueDate(clock.now(), config.timeZone);
      const since = new Date(clock.now().getTime() - 48 * 3_600_000).toISOString();
      const rows = (sql.recent.all(since) as { amount: number; coins_paid: number; coins_overpaid: number; created_at: string }[])
        .map((r) => ({ ...r, coins_paid: r.coins_paid + r.coins_overpaid }))
        .filter((r) => r.coins_paid > 0 && venueDate(new Date(r.created_at), config.timeZone) === today);
      return {
        status: status(),
        payoutsToday: {
          count: rows.length,
          coins: rows.reduce((s, r) => s + r.coins_paid, 0),
          amount: Math.round(rows.reduce((s, r) => s + r.coins_paid * payout.coinValue, 0) * 100) / 100,
        },
        reportsWaiting: (db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE kind = ? AND state = 'pending'").get(REPORT_KIND) as { n: number }).n,
        owed: owedList(),
        unreadableJobs: unreadableJobs.list(),
      };
    },
    'payout:pay-owed': ({ transactionId }) => {
      admin.requireSession();
      return attendant.payOwed(transactionId);
    },
    'payout:record-hand-count': ({ transactionId, coins }) => {
      admin.requireSession();
      return attendant.recordHandCount(transactionId, coins);
    },
    'payout:dismiss': ({ transactionId }) => {
      admin.requireSession();
      return attendant.dismiss(transactionId);
    },
    'payout:test-dispense': () => {
      admin.requireSession();
      return testDispense();
    },
    'payout:refilled': ({ coins }) => {
      admin.requireSession();
      store.setSetting(COINS_LEFT_KEY, coins, clock.now());
      admin.audit('payout.refilled', String(coins));
      log.info(`hopper refilled: ${coins} coins`);
      publishStatus();
      return status();
    },
    'payout:back-in-service': () => {
      admin.requireSession();
      const oos = outOfService();
      store.setSetting(OUT_OF_SERVICE_KEY, null, clock.now());
      admin.audit('payout.back-in-service', oos?.reason ?? null);
      log.info('back in service (attendant)');
      checkCoinReserve();
      publishStatus();
      return status();
    },
  };

  return {
    id: 'payout',
    handlers,
    adminPage: { id: 'payout', title: 'Payout' },
    jobs: [
      { name: 'payout.status', intervalMs: 5_000, run: () => publishStatus() },
      {
        // A command left open because the hopper was silent is counted once it answers again.
        name: 'payout.reconcile',
        intervalMs: 1_000,
        run: async () => {
          if (hopper?.status().connected && sql.openSteps.all().length > 0) await withHopper(() => reconcileOpenSteps());
        },
      },
    ],
    start() {
      running = true;
      // Whoever stood at the screen before the restart is gone.
      sql.everyoneGone.run();
      hopper?.start();
      void withHopper(() => reconcileOpenSteps())
        .catch((error: unknown) => log.error('reconciliation failed:', error))
        .finally(() => {
          checkCoinReserve();
          publishStatus();
          schedulePoll(0);
        });
    },
    async stop() {
      running = false;
      if (pollTimer) clearTimeout(pollTimer);
      await hopperQueue;
      await hopper?.stop();
    },
  };
}
