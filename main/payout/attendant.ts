/**
 * The attendant's side of the ledger: the owed list, "Pay out now", the hand
 * count that settles what the hopper could not tell, and "Checked" for a
 * flag with nothing left to pay. Every action is audited and reported.
 */
import { codedReasonSchema, type CodedReason, type OwedPayout } from '../../preload/contract';
import type { Clock } from '../clock';
import { HandlerError } from '../dispatch';
import type { ScopedLog } from '../log';
import { settleByHandCount } from './hand-count';
import { codedDetail, coinsKnown, type Ledger, type PayoutFault, type TransactionRow } from './ledger';
import { coinsToPay } from './money';
import type Database from 'better-sqlite3';

export interface AttendantDeps {
  db: Database.Database;
  sql: Ledger;
  clock: Clock;
  log: ScopedLog;
  audit(action: string, detail: string, coded: CodedReason): void;
  maxCoinsPerTransaction: number;
  coinsSold(tx: TransactionRow): number | null;
  /** Runs after any payout in progress (one hopper, one payout at a time). */
  withHopper<T>(work: () => Promise<T>): Promise<T>;
  payRemainder(transactionId: string): Promise<PayoutFault | null>;
  settle(tx: TransactionRow): void;
  stopDetail(fault: PayoutFault, tx: TransactionRow): string;
  reportLatest(transactionId: string, success: boolean, error: string | null): void;
  stopParams(fault: PayoutFault, tx: TransactionRow): NonNullable<CodedReason['params']>;
  outOfServiceAfterStop(detail: string, tx: TransactionRow, fault: PayoutFault): void;
  backInServiceIfNothingToCount(): void;
  lowerCoinsLeft(coins: number): void;
  checkCoinReserve(): void;
  publishStatus(): void;
  wakeOutbox(): void;
}

export function createAttendantActions(deps: AttendantDeps) {
  /** Coins "Pay out now" may pay: none while a count is pending, over the kiosk limit, or nothing known to be owed. */
  function payableCoins(tx: TransactionRow): number {
    if (coinsKnown(deps.sql, tx).uncounted || tx.owed_reason === 'over-limit') return 0;
    // A refused job of a transaction this kiosk sold: what it sold is owed.
    const owed = tx.coins_owed ?? (tx.owed_reason === 'refused-job' ? deps.coinsSold(tx) : null) ?? 0;
    const left = coinsToPay(owed, tx.coins_paid);
    return left > deps.maxCoinsPerTransaction ? 0 : left;
  }

  /** Null for a row of an older version, or a code this version does not know: the English detail is shown. */
  function readCodedDetail(json: string | null): CodedReason | null {
    if (json === null) return null;
    try {
      const parsed = codedReasonSchema.safeParse(JSON.parse(json));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  function owedList(): OwedPayout[] {
    return (deps.sql.owed.all() as TransactionRow[]).map((t) => {
      const known = coinsKnown(deps.sql, t);
      const sold = deps.coinsSold(t);
      return {
        transactionId: t.id,
        reference: t.reference,
        coinsOwed: t.coins_owed ?? sold ?? 0,
        coinsPaid: known.confirmed,
        coinsPaidAtLeast: known.atLeast,
        needsHandCount: known.needsHandCount,
        coinsSold: sold,
        coinsAsked: t.quarters_asked,
        payable: payableCoins(t),
        reason: t.owed_reason!,
        detail: t.owed_detail ?? '',
        detailCoded: readCodedDetail(t.owed_detail_coded),
        createdAt: t.created_at,
      };
    });
  }

  function openEntry(transactionId: string): TransactionRow {
    const tx = deps.sql.transaction.get(transactionId) as TransactionRow | undefined;
    if (!tx || !tx.owed_reason || tx.resolved_at) throw new HandlerError('failed', 'Nothing is owed for this transaction.', { code: 'payout-nothing-owed' });
    return tx;
  }

  async function payOwed(transactionId: string): Promise<OwedPayout[]> {
    const tx = openEntry(transactionId);
    const known = coinsKnown(deps.sql, tx);
    // The kiosk does not know what the hopper paid: paying "the rest" could pay twice.
    if (known.needsHandCount) throw new HandlerError('failed', 'The hopper could not tell what it paid: count the coins the customer got and record the hand count.', { code: 'payout-needs-hand-count' });
    if (known.uncounted) throw new HandlerError('failed', 'An interrupted payout of this transaction is not counted yet: wait until the hopper answers.', { code: 'payout-not-counted-yet' });
    if (tx.owed_reason === 'over-limit') throw new HandlerError('failed', 'This amount is over the kiosk limit: pay it by hand and record the hand count.', { code: 'payout-over-limit' });
    const payable = payableCoins(tx);
    if (payable === 0) throw new HandlerError('failed', 'The kiosk cannot pay this by itself: settle it by hand, or dismiss it once checked.', { code: 'payout-cannot-pay-itself' });
    deps.audit('payout.pay-owed', `${transactionId} (${tx.reference}): ${payable} coins`, { code: 'audit-pay-owed', params: { reference: tx.reference, count: payable } });
    if (tx.coins_owed === null) deps.sql.setOwed.run(deps.coinsSold(tx), transactionId);
    const fault = await deps.withHopper(() => deps.payRemainder(transactionId));
    const after = deps.sql.transaction.get(transactionId) as TransactionRow;
    const detail = fault ? deps.stopDetail(fault, after) : null;
    deps.db.transaction(() => {
      if (detail === null) deps.settle(after);
      else deps.sql.flag.run(coinsKnown(deps.sql, after).needsHandCount ? 'mismatch' : 'partial', detail, codedDetail({ code: 'owed-stopped', params: deps.stopParams(fault!, after) }), transactionId);
      deps.reportLatest(transactionId, fault === null, fault?.kind ?? null);
    })();
    deps.wakeOutbox();
    if (fault && detail !== null) {
      deps.outOfServiceAfterStop(detail, after, fault);
      throw new HandlerError('failed', `The hopper stopped: ${detail}.`, { code: 'payout-hopper-stopped', params: deps.stopParams(fault, after) });
    }
    deps.checkCoinReserve();
    return owedList();
  }

  /**
   * The attendant counted the coins the customer got for a transaction, in
   * total: it settles what the hopper could not tell. The remainder becomes
   * payable from admin; more than owed is recorded as overpaid. Audited,
   * reported, and the kiosk back in service when nothing else needs a count.
   */
  function recordHandCount(transactionId: string, counted: number): Promise<OwedPayout[]> {
    // After any running payout: the count is of coins that have stopped moving.
    return deps.withHopper(async () => {
      const tx = openEntry(transactionId);
      const owed = tx.coins_owed ?? deps.coinsSold(tx);
      if (owed === null) {
        throw new HandlerError('failed', 'This kiosk does not know how many coins this transaction is owed: settle it with the payment service, then dismiss it.', { code: 'payout-owed-unknown' });
      }
      const known = coinsKnown(deps.sql, tx);
      const verdict = settleByHandCount({ owed, atLeast: known.atLeast, counted });
      if (verdict.kind === 'refused') throw new HandlerError('failed', verdict.reason, verdict.coded);
      const now = deps.clock.now().toISOString();
      const summary = `counted by hand: ${counted} coins for ${owed} owed${verdict.overpaid > 0 ? `, ${verdict.overpaid} overpaid` : ''}${verdict.remainder > 0 ? `, ${verdict.remainder} still to pay` : ''}`;
      deps.db.transaction(() => {
        deps.sql.countByHand.run(now, tx.id);
        deps.sql.handCounted.run(counted, now, owed, verdict.coinsPaid, verdict.overpaid, tx.id);
        deps.lowerCoinsLeft(counted - known.confirmed);
        const reason = verdict.remainder === 0 ? tx.owed_reason! : tx.owed_reason === 'over-limit' ? 'over-limit' : 'partial';
        deps.sql.flag.run(reason, summary, codedDetail({ code: 'owed-hand-counted', params: { counted, owed, overpaid: verdict.overpaid, remainder: verdict.remainder } }), tx.id);
        if (verdict.remainder === 0) deps.sql.resolve.run(now, tx.id);
        deps.reportLatest(tx.id, verdict.remainder === 0, verdict.remainder > 0 ? 'hand_count' : verdict.overpaid > 0 ? 'overpaid' : null);
        deps.audit('payout.hand-count', `${tx.id} (${tx.reference}): ${summary}; the kiosk knew of at least ${known.atLeast}`, {
          code: 'audit-hand-count',
          params: { reference: tx.reference, counted, owed, overpaid: verdict.overpaid, remainder: verdict.remainder, known: known.atLeast },
        });
      })();
      deps.log.info(`transaction ${tx.id} (${tx.reference}) ${summary}`);
      deps.wakeOutbox();
      deps.backInServiceIfNothingToCount();
      return owedList();
    });
  }

  /** The attendant checked an entry with nothing the kiosk can pay (a differing count, a refused job). */
  function dismiss(transactionId: string): OwedPayout[] {
    const tx = openEntry(transactionId);
    if (coinsKnown(deps.sql, tx).uncounted) throw new HandlerError('failed', 'What the hopper paid is not counted: record the hand count first.', { code: 'payout-count-first' });
    const payable = payableCoins(tx);
    if (payable > 0) throw new HandlerError('failed', `${payable} coins are still owed: pay them out, or record a hand count.`, { code: 'payout-coins-still-owed', params: { count: payable } });
    deps.db.transaction(() => {
      deps.sql.resolve.run(deps.clock.now().toISOString(), tx.id);
      deps.audit('payout.dismiss', `${tx.id} (${tx.reference}): ${tx.owed_reason}: ${tx.owed_detail ?? ''}`, {
        code: 'audit-dismiss',
        params: { reference: tx.reference, owedReason: tx.owed_reason ?? '' },
      });
    })();
    deps.publishStatus();
    return owedList();
  }

  return { owedList, payOwed, recordHandCount, dismiss };
}
