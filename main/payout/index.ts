/**
 * The coin payout kiosk (seed 002): transactions with a QR code, dispense jobs
 * polled from the cloud, and a ledger that applies the money rule: per
 * transaction, never more coins than owed, each motor command recorded before
 * it is sent, and a lost outcome reconciled from the hopper's counters, never
 * by paying again. Coins go only to the customer on screen.
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import type { HopperStatus, OwedPayout, PayoutAdminSummary, PayoutSession, PayoutStatus } from '../../preload/contract';
import { venueDate } from '../clock';
import { CloudNetworkError } from '../cloud';
import { crashPoint } from '../crash-points';
import { HandlerError, type HandlerMap } from '../dispatch';
import type { KioskModule, ModuleContext } from '../kiosk';
import type { DispenseResult, PayoutHopper } from './hopper';
import { coinsToPay, commandSizes, reconcile } from './money';

export type { PayoutHopper } from './hopper';

export const REPORT_KIND = 'payout.report';
const OUT_OF_SERVICE_KEY = 'payout.outOfService';
const COINS_LEFT_KEY = 'payout.coinsLeft';

const transactionCreatedSchema = z.object({
  id: z.string().min(1).max(100),
  qrUrl: z.url({ protocol: /^https?$/ }),
  amount: z.number(),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});

/** A job as the cloud sends it; quarters is checked separately so a bad count is reported, not dropped. */
export const jobSchema = z.object({
  id: z.string().min(1).max(100),
  transactionId: z.string().min(1).max(100),
  quarters: z.number(),
  status: z.string().optional(),
  retryCount: z.number().int().min(0).default(0),
  maxRetries: z.number().int().optional(),
  createdAt: z.string().optional(),
});
export type Job = z.infer<typeof jobSchema>;

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

const outOfServiceSchema = z.object({ reason: z.string(), since: z.string() });

interface TransactionRow {
  id: string;
  reference: string;
  amount: number;
  created_here: number;
  created_at: string;
  expires_at: string | null;
  coins_owed: number | null;
  coins_paid: number;
  customer_present: number;
  owed_reason: OwedPayout['reason'] | null;
  owed_detail: string | null;
  resolved_at: string | null;
}

export interface PayoutOptions {
  /** The hopper; absent when none is configured. */
  hopper?: PayoutHopper;
}

type Fault = { kind: 'jam' | 'empty' | 'unknown' | 'refused' | 'silent'; detail: string };

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

  const sql = {
    insertTransaction: db.prepare(
      `INSERT INTO payout_transactions (id, reference, amount, created_here, created_at, expires_at, customer_present)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO NOTHING`,
    ),
    transaction: db.prepare('SELECT * FROM payout_transactions WHERE id = ?'),
    setOwed: db.prepare('UPDATE payout_transactions SET coins_owed = ? WHERE id = ? AND coins_owed IS NULL'),
    addPaid: db.prepare('UPDATE payout_transactions SET coins_paid = coins_paid + ? WHERE id = ?'),
    flag: db.prepare('UPDATE payout_transactions SET owed_reason = ?, owed_detail = ?, resolved_at = NULL WHERE id = ?'),
    // A later "customer absent" must not hide why the coins are owed (a jam, a mismatch).
    flagUnlessOpen: db.prepare(
      'UPDATE payout_transactions SET owed_reason = ?, owed_detail = ?, resolved_at = NULL WHERE id = ? AND (owed_reason IS NULL OR resolved_at IS NOT NULL)',
    ),
    resolve: db.prepare('UPDATE payout_transactions SET resolved_at = ? WHERE id = ?'),
    customerGone: db.prepare('UPDATE payout_transactions SET customer_present = 0 WHERE id = ?'),
    everyoneGone: db.prepare('UPDATE payout_transactions SET customer_present = 0 WHERE customer_present = 1'),
    insertJob: db.prepare(
      'INSERT OR IGNORE INTO payout_jobs (job_id, retry_count, transaction_id, quarters, received_at) VALUES (?, ?, ?, ?, ?)',
    ),
    job: db.prepare('SELECT * FROM payout_jobs WHERE job_id = ? AND retry_count = ?'),
    markReported: db.prepare('UPDATE payout_jobs SET reported = 1 WHERE job_id = ? AND retry_count = ?'),
    latestJob: db.prepare('SELECT job_id, retry_count FROM payout_jobs WHERE transaction_id = ? ORDER BY received_at DESC, retry_count DESC LIMIT 1'),
    insertStep: db.prepare(
      `INSERT INTO payout_steps (transaction_id, coins, event_counter_before, lifetime_before, state, started_at)
       VALUES (?, ?, ?, ?, 'intent', ?)`,
    ),
    finishStep: db.prepare('UPDATE payout_steps SET state = ?, coins_paid = ?, finished_at = ?, detail = ? WHERE id = ?'),
    openSteps: db.prepare("SELECT * FROM payout_steps WHERE state IN ('intent', 'unknown') ORDER BY id"),
    owed: db.prepare(
      `SELECT * FROM payout_transactions WHERE owed_reason IS NOT NULL AND resolved_at IS NULL ORDER BY created_at`,
    ),
    recent: db.prepare('SELECT amount, coins_paid, created_at, created_here FROM payout_transactions WHERE created_at >= ?'),
  };

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
    const paid = (sql.recent.all(since) as { coins_paid: number; created_at: string }[])
      .filter((r) => venueDate(new Date(r.created_at), config.timeZone) === today)
      .reduce((sum, r) => sum + r.coins_paid * payout.coinValue, 0);
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
      message: null,
    };
    setSession(next);
    schedulePoll(0);
    return next;
  }

  // ---- reporting through the outbox ----------------------------------------------------------
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
  });

  /** Queues the job's report once per delivery; call inside a transaction. */
  function queueReport(job: { id: string; retryCount: number; transactionId: string }, success: boolean, error: string | null) {
    const row = sql.job.get(job.id, job.retryCount) as { reported: number } | undefined;
    if (row?.reported) return;
    const tx = sql.transaction.get(job.transactionId) as TransactionRow | undefined;
    outbox.enqueue({
      kind: REPORT_KIND,
      orderKey: `payout:${job.transactionId}`,
      payload: {
        url: endpoint(`jobs/${encodeURIComponent(job.id)}/complete`),
        body: { success, error, kioskId: store.kioskId, timestamp: clock.now().toISOString(), dispensed: tx?.coins_paid ?? 0 },
      },
    });
    sql.markReported.run(job.id, job.retryCount);
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
  async function payRemainder(transactionId: string, onProgress: (paid: number) => void): Promise<Fault | null> {
    if (!hopper) return { kind: 'silent', detail: 'no hopper configured' };
    const tx = sql.transaction.get(transactionId) as TransactionRow;
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
      let result: DispenseResult;
      try {
        result = await hopper.dispense(coins, { expectedEventCounter: counters.eventCounter }, (paid) => {
          if (paid > 0) crashPoint('payout.mid-dispense');
          onProgress(paidBefore + paid);
        });
      } catch (error) {
        result = { outcome: 'unknown', paid: 0, unpaid: coins };
        log.error(`dispense of ${coins} for ${transactionId} failed: ${(error as Error).message}`);
      }
      crashPoint('payout.after-motor');
      if (result.outcome === 'unknown') {
        // The outcome is lost: read the counters again before saying anything.
        const settled = await settleStep(stepId, { coins, eventCounterBefore: counters.eventCounter, lifetimeBefore: counters.lifetime });
        if (settled.kind === 'unreachable') return { kind: 'unknown', detail: 'the hopper stopped answering during the payout; its coins will be counted when it answers' };
        if (settled.kind === 'mismatch') return { kind: 'unknown', detail: `the hopper's counters cannot tell what it paid (${settled.detail})` };
        paidBefore += settled.paid;
        onProgress(paidBefore);
        if (settled.paid < coins) return { kind: 'jam', detail: `the hopper paid ${settled.paid} of ${coins} coins` };
        continue;
      }
      const state = result.outcome === 'done' ? 'done' : result.outcome === 'refused' || result.outcome === 'state-changed' ? 'refused' : 'partial';
      recordStep(stepId, transactionId, state, result.paid, `${result.outcome}: paid ${result.paid}, unpaid ${result.unpaid}`);
      paidBefore += result.paid;
      onProgress(paidBefore);
      if (result.outcome !== 'done') {
        const kind = result.outcome === 'empty' ? 'empty' : result.outcome === 'jam' ? 'jam' : 'refused';
        return { kind, detail: `${result.outcome} after ${result.paid} of ${coins} coins` };
      }
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
   * counters. Unreachable: the step stays open and is tried again when the
   * hopper answers. Mismatch: the counters cannot tell; the attendant is told.
   */
  async function settleStep(stepId: number, intent: { coins: number; eventCounterBefore: number; lifetimeBefore: number | null }): Promise<Settled> {
    const step = db.prepare('SELECT transaction_id FROM payout_steps WHERE id = ?').get(stepId) as { transaction_id: string };
    for (let attempt = 0; attempt < 300; attempt++) {
      let counters;
      try {
        counters = await hopper!.readCounters();
      } catch (error) {
        db.prepare("UPDATE payout_steps SET state = 'unknown', detail = ? WHERE id = ?").run(`not counted yet: ${(error as Error).message}`, stepId);
        return { kind: 'unreachable' };
      }
      const verdict = reconcile(intent, counters);
      if (verdict.kind === 'still-paying') {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      if (verdict.kind === 'mismatch') {
        db.transaction(() => {
          db.prepare("UPDATE payout_steps SET state = 'mismatch', detail = ? WHERE id = ?").run(verdict.detail, stepId);
          sql.flag.run('mismatch', `reconciliation: ${verdict.detail}`, step.transaction_id);
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
   * paid, and the cloud is told the outcome.
   */
  async function reconcileOpenSteps(): Promise<void> {
    const open = sql.openSteps.all() as { id: number; transaction_id: string; coins: number; event_counter_before: number; lifetime_before: number | null }[];
    for (const step of open) {
      if (!hopper?.status().connected) break;
      const settled = await settleStep(step.id, { coins: step.coins, eventCounterBefore: step.event_counter_before, lifetimeBefore: step.lifetime_before });
      if (settled.kind === 'unreachable') break;
      if (settled.kind === 'mismatch') {
        goOutOfService(`an interrupted payout cannot be counted (${settled.detail}); see owed payouts`);
        continue;
      }
      const tx = sql.transaction.get(step.transaction_id) as TransactionRow;
      const stillOwed = coinsToPay(tx.coins_owed ?? 0, tx.coins_paid);
      db.transaction(() => {
        // The customer who was there before the restart is not assumed to be there now.
        if (stillOwed > 0) sql.flag.run('partial', `interrupted: ${tx.coins_paid} of ${tx.coins_owed} coins paid`, tx.id);
        else if (tx.owed_reason) sql.resolve.run(clock.now().toISOString(), tx.id);
        const job = sql.latestJob.get(tx.id) as { job_id: string; retry_count: number } | undefined;
        if (job) {
          db.prepare('UPDATE payout_jobs SET reported = 0 WHERE job_id = ? AND retry_count = ?').run(job.job_id, job.retry_count);
          queueReport({ id: job.job_id, retryCount: job.retry_count, transactionId: tx.id }, stillOwed === 0, stillOwed === 0 ? null : 'interrupted');
        }
      })();
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
    const quarters = job.quarters;
    const validCount = Number.isInteger(quarters) && quarters >= 0;
    db.transaction(() => {
      sql.insertTransaction.run(job.transactionId, referenceFor(job.transactionId), validCount ? quarters * payout.coinValue : 0, 0, now, null, 0);
      sql.insertJob.run(job.id, job.retryCount, job.transactionId, validCount ? quarters : -1, now);
    })();
    crashPoint('payout.after-job-recorded');
    const tx = sql.transaction.get(job.transactionId) as TransactionRow;

    if (!validCount) {
      log.warn(`job ${job.id} has an impossible coin count (${quarters}); not paid`);
      db.transaction(() => queueReport(job, false, 'invalid_quarters'))();
      outbox.wake();
      return;
    }
    if (quarters > maxCoinsPerTransaction) {
      db.transaction(() => {
        sql.setOwed.run(quarters, tx.id);
        sql.flag.run('over-limit', `${quarters} coins asked; the most this kiosk pays at once is ${maxCoinsPerTransaction}`, tx.id);
        queueReport(job, false, 'over_limit');
      })();
      log.warn(`job ${job.id} asks ${quarters} coins, over the limit of ${maxCoinsPerTransaction}; kept for the attendant`);
      outbox.wake();
      return;
    }
    db.transaction(() => {
      sql.setOwed.run(quarters, tx.id);
    })();
    const owedRow = sql.transaction.get(tx.id) as TransactionRow;
    if (owedRow.coins_owed !== quarters) {
      db.transaction(() => sql.flag.run('mismatch', `job ${job.id} asks ${quarters} coins; an earlier job asked ${owedRow.coins_owed}`, tx.id))();
    }
    const remainder = coinsToPay(owedRow.coins_owed ?? 0, owedRow.coins_paid);
    if (remainder === 0) {
      db.transaction(() => queueReport(job, true, null))();
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
      patchSession(tx.id, { state: 'failed', coinsOwed: owedRow.coins_owed, message: 'out-of-service' });
      outbox.wake();
      return;
    }

    patchSession(tx.id, { state: 'paying-out', coinsOwed: owedRow.coins_owed, coinsPaid: owedRow.coins_paid });
    log.info(`job ${job.id}: paying ${remainder} coins for ${tx.id}`);
    const fault = await payRemainder(tx.id, (paid) => patchSession(tx.id, { coinsPaid: paid }));
    const after = sql.transaction.get(tx.id) as TransactionRow;
    if (fault === null) {
      db.transaction(() => {
        sql.resolve.run(clock.now().toISOString(), tx.id);
        queueReport(job, true, null);
      })();
      patchSession(tx.id, { state: 'done', coinsPaid: after.coins_paid });
      log.info(`transaction ${tx.id} paid out: ${after.coins_paid} coins`);
      checkCoinReserve();
    } else {
      db.transaction(() => {
        sql.flag.run(fault.kind === 'unknown' ? 'unknown-outcome' : 'partial', fault.detail, tx.id);
        queueReport(job, false, fault.kind);
      })();
      patchSession(tx.id, { state: 'partial', coinsPaid: after.coins_paid, message: fault.kind });
      goOutOfService(`payout stopped (${fault.detail}); ${coinsToPay(after.coins_owed ?? 0, after.coins_paid)} coins owed to ${after.reference}`);
    }
    crashPoint('payout.before-report');
    outbox.wake();
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
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        log.warn(`jobs/pending answered something that is not JSON (${text.slice(0, 80)}); ignored`);
        return;
      }
      if (raw === null) return;
      const job = jobSchema.safeParse(raw);
      if (!job.success) {
        log.warn(`jobs/pending answered a job this kiosk cannot read (${job.error.issues[0]?.message}); ignored`);
        return;
      }
      // Nothing is paid while an interrupted command is not counted: the job comes again.
      if (sql.openSteps.all().length === 0) await handleJob(job.data);
    } catch (error) {
      failures = Math.min(failures + 1, 10);
      if (failures === 1) log.info(`job poll failed (${(error as Error).message}); backing off`);
    } finally {
      polling = false;
      schedulePoll();
    }
  }

  // ---- admin ---------------------------------------------------------------------------------
  function owedList(): OwedPayout[] {
    return (sql.owed.all() as TransactionRow[]).map((t) => ({
      transactionId: t.id,
      reference: t.reference,
      coinsOwed: t.coins_owed ?? 0,
      coinsPaid: t.coins_paid,
      reason: t.owed_reason!,
      detail: t.owed_detail ?? '',
      createdAt: t.created_at,
    }));
  }

  async function payOwed(transactionId: string): Promise<OwedPayout[]> {
    const tx = sql.transaction.get(transactionId) as TransactionRow | undefined;
    if (!tx || !tx.owed_reason || tx.resolved_at) throw new HandlerError('failed', 'Nothing is owed for this transaction.');
    const open = sql.openSteps.all() as { transaction_id: string }[];
    if (open.some((s) => s.transaction_id === transactionId)) {
      throw new HandlerError('failed', 'An interrupted payout of this transaction is not counted yet: wait until the hopper answers.');
    }
    // The kiosk does not know what the hopper paid: paying "the rest" could pay twice.
    if (tx.owed_reason === 'mismatch') throw new HandlerError('failed', 'The hopper could not tell what it paid: count the coins and pay the rest by hand.');
    if (tx.owed_reason === 'over-limit') throw new HandlerError('failed', 'This amount is over the kiosk limit: pay it by hand.');
    admin.audit('payout.pay-owed', `${transactionId} (${tx.reference})`);
    const fault = await withHopper(() => payRemainder(transactionId, () => undefined));
    const after = sql.transaction.get(transactionId) as TransactionRow;
    const job = sql.latestJob.get(transactionId) as { job_id: string; retry_count: number } | undefined;
    db.transaction(() => {
      if (fault === null) sql.resolve.run(clock.now().toISOString(), transactionId);
      else sql.flag.run('partial', fault.detail, transactionId);
      if (job) {
        db.prepare('UPDATE payout_jobs SET reported = 0 WHERE job_id = ? AND retry_count = ?').run(job.job_id, job.retry_count);
        queueReport({ id: job.job_id, retryCount: job.retry_count, transactionId }, fault === null, fault?.kind ?? null);
      }
    })();
    outbox.wake();
    if (fault) {
      goOutOfService(`payout stopped (${fault.detail})`);
      throw new HandlerError('failed', `The hopper stopped: ${fault.detail}. ${coinsToPay(after.coins_owed ?? 0, after.coins_paid)} coins still owed.`);
    }
    checkCoinReserve();
    return owedList();
  }

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
      const rows = (sql.recent.all(since) as { amount: number; coins_paid: number; created_at: string }[]).filter(
        (r) => r.coins_paid > 0 && venueDate(new Date(r.created_at), config.timeZone) === today,
      );
      return {
        status: status(),
        payoutsToday: {
          count: rows.length,
          coins: rows.reduce((s, r) => s + r.coins_paid, 0),
          amount: Math.round(rows.reduce((s, r) => s + r.coins_paid * payout.coinValue, 0) * 100) / 100,
        },
        reportsWaiting: (db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE kind = ? AND state = 'pending'").get(REPORT_KIND) as { n: number }).n,
        owed: owedList(),
      };
    },
    'payout:pay-owed': ({ transactionId }) => {
      admin.requireSession();
      return payOwed(transactionId);
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
