/**
 * Paying through the hopper under the money rule: per transaction, never
 * more coins than owed; each motor command recorded (with the hopper's
 * counters) before it is sent; every coin seen written before it is shown;
 * a lost outcome reconciled from the counters, never by paying again. One
 * payout at a time. Commands left open by a crash are counted before
 * anything else is paid.
 */
import type Database from 'better-sqlite3';
import type { CodedReason } from '../../preload/contract';
import type { Clock } from '../clock';
import { crashPoint } from '../crash-points';
import type { ScopedLog } from '../log';
import type { DispenseResult, PayoutHopper } from './hopper';
import { askFlag } from './jobs';
import { codedDetail, coinsKnown, type Ledger, type PayoutFault, type StepRow, type TransactionRow } from './ledger';
import { coinsToPay, commandSizes } from './money';
import { reconcile } from './reconciliation';
import type { PayoutService } from './service';
import type { CustomerSession } from './session';

export interface PayerDeps {
  db: Database.Database;
  sql: Ledger;
  hopper: PayoutHopper | undefined;
  clock: Clock;
  log: ScopedLog;
  service: PayoutService;
  session: CustomerSession;
  coinsSold(tx: TransactionRow): number | null;
  /** Reports a transaction's outcome again on its latest job (reports.ts). */
  reportLatest(transactionId: string, success: boolean, error: string | null): void;
  wakeOutbox(): void;
}

export type Payer = ReturnType<typeof createPayer>;

export function createPayer(deps: PayerDeps) {
  const { db, sql, hopper, clock, log, service, session, coinsSold, reportLatest } = deps;

  /** Everything owed is paid: the attendant's entry is closed, unless the job's count differed from what was sold (still flagged). */
  function settle(tx: TransactionRow) {
    const flag = askFlag(tx.quarters_asked, coinsSold(tx));
    if (flag) sql.flag.run(flag.reason, flag.detail, codedDetail(flag.coded), tx.id);
    else sql.resolve.run(clock.now().toISOString(), tx.id);
  }

  /** Why a transaction's payout stopped, with its true total (never only the last command's). */
  function stopDetail(fault: PayoutFault, tx: TransactionRow): string {
    const known = coinsKnown(sql, tx);
    const paid = known.uncounted ? `at least ${known.atLeast}` : String(known.confirmed);
    const last = fault.command ? ` (last command: ${fault.command.paid} of ${fault.command.coins})` : '';
    return `${fault.detail}: ${paid} of ${tx.coins_owed ?? 0} coins paid${last}`;
  }

  /** The same as values for the screen's words; the hopper's own text stays raw in `detail`. */
  function stopParams(fault: PayoutFault, tx: TransactionRow): NonNullable<CodedReason['params']> {
    const known = coinsKnown(sql, tx);
    return { fault: fault.kind, paid: known.uncounted ? known.atLeast : known.confirmed, atLeast: known.uncounted ? 1 : 0, owed: tx.coins_owed ?? 0, detail: fault.detail };
  }

  /** Takes the kiosk out of service after a payout stopped, saying what the attendant must do. */
  function outOfServiceAfterStop(detail: string, tx: TransactionRow, fault: PayoutFault) {
    const known = coinsKnown(sql, tx);
    const stillOwed = coinsToPay(tx.coins_owed ?? 0, tx.coins_paid);
    if (known.needsHandCount || known.uncounted) {
      service.goOutOfService(`payout stopped (${detail}); count the coins paid to ${tx.reference} and record the hand count`, {
        code: 'oos-stopped-count',
        params: { fault: fault.kind, reference: tx.reference, detail: fault.detail },
      });
    } else {
      service.goOutOfService(`payout stopped (${detail}); ${stillOwed} coins owed to ${tx.reference}`, {
        code: 'oos-stopped-owed',
        params: { fault: fault.kind, count: stillOwed, reference: tx.reference, detail: fault.detail },
      });
    }
  }

  // ---- one payout at a time -------------------------------------------------------------------
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
      service.lowerCoinsLeft(paid);
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
          sql.flag.run('mismatch', `count the coins by hand: ${verdict.detail}`, codedDetail({ code: 'owed-count-by-hand', params: { detail: verdict.detail } }), step.transaction_id);
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
        service.goOutOfService(`an interrupted payout cannot be counted (${settled.detail}); count the coins paid to ${tx.reference} and record the hand count`, {
          code: 'oos-interrupted-uncountable',
          params: { reference: tx.reference, detail: settled.detail },
        });
        session.patchSession(tx.id, { coinsPaid: known.atLeast, paidIsLowerBound: true });
        continue;
      }
      if (known.uncounted) continue; // another command of it is still open or needs a hand count
      const stillOwed = coinsToPay(tx.coins_owed ?? 0, tx.coins_paid);
      db.transaction(() => {
        // The customer who was there before the restart is not assumed to be there now.
        if (stillOwed > 0) sql.flag.run('partial', `interrupted: ${tx.coins_paid} of ${tx.coins_owed} coins paid`, codedDetail({ code: 'owed-interrupted', params: { paid: tx.coins_paid, owed: tx.coins_owed ?? 0 } }), tx.id);
        else settle(tx);
        reportLatest(tx.id, stillOwed === 0, stillOwed === 0 ? null : 'interrupted');
      })();
      session.patchSession(tx.id, { coinsPaid: tx.coins_paid, paidIsLowerBound: false });
      if (stillOwed > 0) service.goOutOfService(`an interrupted payout left ${stillOwed} coins owed to ${tx.reference}; pay them from admin`, { code: 'oos-interrupted-owed', params: { count: stillOwed, reference: tx.reference } });
    }
    service.publishStatus();
    if (open.length > 0) deps.wakeOutbox();
  }

  /** Resolves when no payout runs or waits. */
  const idle = (): Promise<unknown> => hopperQueue;

  return { withHopper, idle, payRemainder, reconcileOpenSteps, settle, stopDetail, stopParams, outOfServiceAfterStop };
}
