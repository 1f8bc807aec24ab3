/**
 * The money rule and the reconciliation of a motor command whose outcome was
 * lost (crash, power cut, silent hopper), as pure functions.
 */

/** Coins still to pay for a transaction: never negative, never more than owed. */
export function coinsToPay(owed: number, paid: number): number {
  return Math.max(0, owed - paid);
}

/** ccTalk hoppers accept at most 255 coins per dispense command. */
export const MAX_COINS_PER_COMMAND = 255;

/** Splits a payout into commands of at most 255 coins. */
export function commandSizes(coins: number): number[] {
  const sizes: number[] = [];
  for (let left = coins; left > 0; left -= MAX_COINS_PER_COMMAND) sizes.push(Math.min(left, MAX_COINS_PER_COMMAND));
  return sizes;
}

/** The event counter after one accepted dispense: 1..255, wrapping to 1 (0 only after a reset). */
export const nextEventCounter = (counter: number): number => (counter >= 255 ? 1 : counter + 1);

export interface HopperCounters {
  eventCounter: number;
  coinsRemaining: number;
  lastPaid: number;
  lastUnpaid: number;
  /** Lifetime coins paid (survives a power cut); null when the hopper cannot tell. */
  lifetime: number | null;
}

export interface RecordedIntent {
  coins: number;
  eventCounterBefore: number;
  lifetimeBefore: number | null;
}

export type Reconciliation =
  | { kind: 'known'; paid: number; how: string }
  | { kind: 'still-paying' }
  | { kind: 'mismatch'; detail: string };

/**
 * What a recorded command paid, from the hopper's counters read now. Never a
 * guess: when the counters cannot say, the answer is a mismatch for the attendant.
 */
export function reconcile(intent: RecordedIntent, now: HopperCounters): Reconciliation {
  if (now.eventCounter === 0) {
    // Reset (power cut, or a hopper that never paid): volatile counters say
    // nothing; the lifetime count survived.
    if (intent.lifetimeBefore === null || now.lifetime === null) {
      return { kind: 'mismatch', detail: 'the hopper was reset and has no lifetime count to tell what was paid' };
    }
    const paid = now.lifetime - intent.lifetimeBefore;
    if (paid < 0 || paid > intent.coins) {
      return { kind: 'mismatch', detail: `the lifetime count moved by ${paid} for a command of ${intent.coins}` };
    }
    return { kind: 'known', paid, how: `the hopper was reset; its lifetime count moved by ${paid}` };
  }
  if (now.eventCounter === intent.eventCounterBefore) {
    return { kind: 'known', paid: 0, how: 'the command never reached the hopper (event counter unchanged)' };
  }
  if (now.eventCounter === nextEventCounter(intent.eventCounterBefore)) {
    if (now.coinsRemaining > 0) return { kind: 'still-paying' };
    const paid = now.lastPaid;
    if (paid > intent.coins) return { kind: 'mismatch', detail: `the hopper reports ${paid} coins paid for a command of ${intent.coins}` };
    return { kind: 'known', paid, how: `the hopper reports ${paid} paid, ${now.lastUnpaid} unpaid for this command` };
  }
  return {
    kind: 'mismatch',
    detail: `the event counter is ${now.eventCounter}, expected ${intent.eventCounterBefore} or ${nextEventCounter(intent.eventCounterBefore)}`,
  };
}
