/**
 * The attendant's hand count: how many coins the customer got for a
 * transaction in total. It settles what the hopper's counters could not tell.
 */

import type { CodedReason } from '../../preload/contract';

export type HandCountVerdict =
  | { kind: 'refused'; reason: string; coded: CodedReason }
  /** coinsPaid: what the ledger now holds as paid (never above owed); overpaid: beyond owed; remainder: still to pay. */
  | { kind: 'settled'; coinsPaid: number; overpaid: number; remainder: number };

export function settleByHandCount(input: { owed: number; atLeast: number; counted: number }): HandCountVerdict {
  const { owed, atLeast, counted } = input;
  if (!Number.isInteger(counted) || counted < 0) return { kind: 'refused', reason: 'A hand count is a whole number of coins.', coded: { code: 'payout-hand-count-not-whole' } };
  // What the hopper confirmed or the kiosk saw leave is a fact: counting below it would pay those coins twice.
  if (counted < atLeast) {
    return { kind: 'refused', reason: `The kiosk saw at least ${atLeast} coins paid for this transaction: a count below that cannot be recorded.`,
      coded: { code: 'payout-hand-count-below-seen', params: { atLeast } },
    };
  }
  return { kind: 'settled', coinsPaid: Math.min(counted, owed), overpaid: Math.max(0, counted - owed), remainder: Math.max(0, owed - counted) };
}
