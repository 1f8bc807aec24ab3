/**
 * The coin payout kiosk (seed 002): transactions with a QR code, dispense jobs
 * polled from the cloud, and a ledger that applies the money rule: per
 * transaction, never more coins than owed, each motor command recorded before
 * it is sent, and a lost outcome reconciled from the hopper's counters, never
 * by paying again. Coins go only to the customer on screen.
 *
 * Where to look: session.ts (the customer on screen), intake.ts (jobs from
 * the cloud) and reports.ts (their answers), payer.ts (paying under the money
 * rule; ledger.ts its rows, money.ts and reconciliation.ts its pure rules),
 * service.ts (in or out of service, coins left, the status), attendant.ts
 * (the attendant's actions). This file wires them and lists the handlers.
 */
import crypto from 'node:crypto';
import type { HopperStatus, PayoutAdminSummary } from '../../preload/contract';
import { venueDate } from '../clock';
import { HandlerError, type HandlerMap } from '../dispatch';
import type { KioskModule, ModuleContext } from '../modules/module';
import { createAttendantActions } from './attendant';
import type { PayoutHopper } from './hopper';
import { createJobIntake } from './intake';
import { prepareLedger, type TransactionRow } from './ledger';
import { createPayer } from './payer';
import { createPayoutReports, REPORT_KIND } from './reports';
import { createPayoutService } from './service';
import { createCustomerSession } from './session';
import { createUnreadableJobs } from './unreadable-jobs';

export type { PayoutHopper } from './hopper';
export { jobSchema, type Job } from './jobs';

export { REPORT_KIND } from './reports';

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

  const service = createPayoutService({ config, store, sql, cloud, events, clock, log, hopper, maxCoinsPerTransaction, session: () => session.current() });
  const { outOfService, checkCoinReserve, publishStatus, status, hopperStatus } = service;
  const session = createCustomerSession({
    config,
    cloud,
    sql,
    events,
    clock,
    log,
    hopper,
    service,
    endpoint,
    coinsFor,
    referenceFor,
    onStarted: () => intake.schedulePoll(0),
  });
  const reports = createPayoutReports({ outbox, sql, kioskId: store.kioskId, clock, endpoint, coinsSold });
  const payer = createPayer({ db, sql, hopper, clock, log, service, session, coinsSold, reportLatest: reports.reportLatest, wakeOutbox: () => outbox.wake() });
  const { withHopper, payRemainder } = payer;
  const intake = createJobIntake({
    config,
    db,
    sql,
    cloud,
    outbox,
    clock,
    log,
    service,
    session,
    payer,
    reports,
    unreadableJobs,
    endpoint,
    referenceFor,
    coinsSold,
    maxCoinsPerTransaction,
  });

  // ---- admin ---------------------------------------------------------------------------------
  const attendant = createAttendantActions({
    db,
    sql,
    clock,
    log,
    audit: (action, detail, coded) => admin.audit(action, detail, coded),
    maxCoinsPerTransaction,
    coinsSold,
    withHopper,
    payRemainder: (transactionId) => payRemainder(transactionId, () => undefined),
    settle: payer.settle,
    stopDetail: payer.stopDetail,
    reportLatest: reports.reportLatest,
    stopParams: payer.stopParams,
    outOfServiceAfterStop: payer.outOfServiceAfterStop,
    backInServiceIfNothingToCount() {
      if (outOfService() && sql.needingHandCount.all().length === 0 && sql.openSteps.all().length === 0) {
        service.backInService();
        log.info('back in service (hand count recorded)');
      }
      checkCoinReserve();
      publishStatus();
    },
    lowerCoinsLeft: service.lowerCoinsLeft,
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
    if (fault) throw new HandlerError('failed', `Test dispense failed: ${fault.detail}`, { code: 'payout-test-dispense-failed', params: { fault: fault.kind, detail: fault.detail } });
    return hopperStatus();
  }

  const handlers: HandlerMap = {
    'payout:status': () => status(),
    'payout:start': ({ amount }) => session.start(amount),
    'payout:leave': ({ transactionId }) => {
      session.customerLeaves(transactionId, 'screen left');
      return null;
    },
    'payout:admin-summary': (): PayoutAdminSummary => {
      admin.requireSession({ activity: false });
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
      service.setCoinsLeft(coins);
      admin.audit('payout.refilled', String(coins));
      log.info(`hopper refilled: ${coins} coins`);
      publishStatus();
      return status();
    },
    'payout:back-in-service': () => {
      admin.requireSession();
      const was = service.backInService();
      // Why it was out of service, as its own code (oos-*) for the screen's language.
      admin.audit('payout.back-in-service', was?.reason ?? null, was?.coded ?? null);
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
    busy: () => {
      const reasons: string[] = [];
      const current = session.current();
      if (current && (current.state === 'waiting-payment' || current.state === 'paying-out')) reasons.push(`a customer's payout is on screen (${current.reference})`);
      if (sql.openSteps.all().length > 0) reasons.push('a payout is running or being counted');
      const owed = owedList().length;
      if (owed > 0) reasons.push(`${owed} payout(s) owed, waiting for the attendant`);
      return reasons;
    },
    jobs: [
      { name: 'payout.status', intervalMs: 5_000, run: () => publishStatus() },
      {
        // A command left open because the hopper was silent is counted once it answers again.
        name: 'payout.reconcile',
        intervalMs: 1_000,
        run: async () => {
          if (hopper?.status().connected && sql.openSteps.all().length > 0) await withHopper(() => payer.reconcileOpenSteps());
        },
      },
    ],
    start() {
      intake.start();
      // Whoever stood at the screen before the restart is gone.
      sql.everyoneGone.run();
      hopper?.start();
      void withHopper(() => payer.reconcileOpenSteps())
        .catch((error: unknown) => log.error('reconciliation failed:', error))
        .finally(() => {
          checkCoinReserve();
          publishStatus();
          intake.schedulePoll(0);
        });
    },
    async stop() {
      intake.stop();
      await payer.idle();
      await hopper?.stop();
    },
  };
}
