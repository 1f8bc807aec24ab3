/**
 * What a motor command paid when its outcome was lost (kiosk crash, hopper
 * power cut, silent hopper), from the hopper's counters read afterwards and
 * what the kiosk saw while the command ran. A pure function.
 *
 * Never a guess, and never "nothing paid" when the counters cannot show it:
 * a hopper may restart all its counters at 0 on power-up (the lifetime count
 * too), so after a reset the counters say nothing, and a count below what the
 * kiosk saw, or a counter that went backwards, is a mismatch for the
 * attendant's hand count.
 */
import { nextEventCounter, type HopperCounters } from './money';

export interface RecordedIntent {
  coins: number;
  eventCounterBefore: number;
  lifetimeBefore: number | null;
  /** The most coins the kiosk saw paid while the command ran (0 when none was seen): a lower bound. */
  coinsSeen: number;
}

export type Reconciliation =
  | { kind: 'known'; paid: number; how: string }
  | { kind: 'still-paying' }
  | { kind: 'mismatch'; detail: string };

export function reconcile(intent: RecordedIntent, now: HopperCounters): Reconciliation {
  const { coins, eventCounterBefore: before, coinsSeen: seen } = intent;
  const lifetimeMoved = intent.lifetimeBefore !== null && now.lifetime !== null ? now.lifetime - intent.lifetimeBefore : null;
  const mismatch = (why: string): Reconciliation => ({
    kind: 'mismatch',
    detail: `${why}; the kiosk saw at least ${seen} of ${coins} coins paid${lifetimeMoved === null ? '' : ` and the lifetime count moved by ${lifetimeMoved}`}`,
  });

  if (lifetimeMoved !== null && lifetimeMoved < 0) {
    return mismatch(`the hopper's lifetime count went back from ${intent.lifetimeBefore} to ${now.lifetime} (its counters restarted)`);
  }
  if (now.eventCounter === 0 && before !== 0) {
    return mismatch('the hopper was reset during the command (power cut?): its event counter restarted at 0');
  }
  if (now.eventCounter === before) {
    if (seen > 0) return mismatch(`the event counter is back at ${before} although coins were seen paid`);
    if (before === 0) {
      // 0 before and after: the command never arrived, or the hopper was reset.
      // Only a lifetime count that kept a non-zero value unchanged shows which
      // (a restarted one would read 0).
      if (lifetimeMoved === 0 && intent.lifetimeBefore! > 0) {
        return { kind: 'known', paid: 0, how: 'the command never reached the hopper (event and lifetime counters unchanged)' };
      }
      return mismatch('the event counter is 0 before and after: the command did not arrive, or the hopper was reset');
    }
    if (lifetimeMoved !== null && lifetimeMoved !== 0) return mismatch('the event counter did not move but the lifetime count did');
    return { kind: 'known', paid: 0, how: 'the command never reached the hopper (event counter unchanged)' };
  }
  if (now.eventCounter === nextEventCounter(before)) {
    if (now.coinsRemaining > 0) return { kind: 'still-paying' };
    const paid = now.lastPaid;
    if (paid > coins) return mismatch(`the hopper reports ${paid} coins paid for a command of ${coins}`);
    if (paid + now.lastUnpaid !== coins) return mismatch(`the hopper reports ${paid} paid and ${now.lastUnpaid} unpaid for a command of ${coins}`);
    if (paid < seen) return mismatch(`the hopper reports ${paid} paid, fewer than the kiosk saw`);
    return { kind: 'known', paid, how: `the hopper reports ${paid} paid, ${now.lastUnpaid} unpaid for this command` };
  }
  return mismatch(`the event counter is ${now.eventCounter}, expected ${before} or ${nextEventCounter(before)}`);
}
