/**
 * The money rule as pure functions: what is still owed, and how a payout is
 * split into motor commands. The reconciliation of a lost outcome is in
 * reconciliation.ts.
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
