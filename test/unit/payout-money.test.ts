import { describe, expect, it } from 'vitest';
import { coinsToPay, commandSizes, nextEventCounter } from '../../main/payout/money';
import { reconcile } from '../../main/payout/reconciliation';

const counters = (patch: Partial<Parameters<typeof reconcile>[1]>) => ({ eventCounter: 7, coinsRemaining: 0, lastPaid: 0, lastUnpaid: 0, lifetime: 1000, ...patch });
const intent = { coins: 20, eventCounterBefore: 7, lifetimeBefore: 1000, coinsSeen: 0 };

describe('the money rule', () => {
  it('pays only what is still owed, never more, never negative', () => {
    expect(coinsToPay(20, 0)).toBe(20);
    expect(coinsToPay(20, 12)).toBe(8);
    expect(coinsToPay(20, 20)).toBe(0);
    expect(coinsToPay(20, 25)).toBe(0);
  });

  it('splits large payouts into commands of at most 255 coins', () => {
    expect(commandSizes(0)).toEqual([]);
    expect(commandSizes(255)).toEqual([255]);
    expect(commandSizes(600)).toEqual([255, 255, 90]);
  });

  it('wraps the event counter from 255 to 1, never to 0', () => {
    expect(nextEventCounter(7)).toBe(8);
    expect(nextEventCounter(255)).toBe(1);
    expect(nextEventCounter(0)).toBe(1);
  });
});

describe('reconciling a command whose outcome was lost', () => {
  it('knows nothing was paid when the event counter did not move', () => {
    expect(reconcile(intent, counters({}))).toMatchObject({ kind: 'known', paid: 0 });
  });

  it("takes the hopper's last payout when the counter moved by one", () => {
    expect(reconcile(intent, counters({ eventCounter: 8, lastPaid: 13, lastUnpaid: 7 }))).toMatchObject({ kind: 'known', paid: 13 });
    expect(reconcile({ ...intent, eventCounterBefore: 255 }, counters({ eventCounter: 1, lastPaid: 20 }))).toMatchObject({ kind: 'known', paid: 20 });
    expect(reconcile({ ...intent, coinsSeen: 13 }, counters({ eventCounter: 8, lastPaid: 13, lastUnpaid: 7 }))).toMatchObject({ kind: 'known', paid: 13 });
  });

  it('waits while the hopper is still paying', () => {
    expect(reconcile(intent, counters({ eventCounter: 8, coinsRemaining: 5 }))).toEqual({ kind: 'still-paying' });
  });

  it('knows nothing was paid from an event counter at 0 only when a non-zero lifetime count did not move either', () => {
    const fresh = { ...intent, eventCounterBefore: 0 };
    expect(reconcile(fresh, counters({ eventCounter: 0, lifetime: 1000 }))).toMatchObject({ kind: 'known', paid: 0 });
    // A hopper whose counters restart at 0 reads 0 whether it paid or not.
    expect(reconcile({ ...fresh, lifetimeBefore: 0 }, counters({ eventCounter: 0, lifetime: 0 })).kind).toBe('mismatch');
    expect(reconcile({ ...fresh, lifetimeBefore: null }, counters({ eventCounter: 0, lifetime: null })).kind).toBe('mismatch');
    expect(reconcile(fresh, counters({ eventCounter: 0, lifetime: 1006 })).kind).toBe('mismatch');
  });

  it('never reads a reset, a count below what was seen or a counter that went back as "nothing paid": a mismatch for a hand count', () => {
    // Power cut at 6 of 20 on a hopper whose counters (the lifetime count too) restart at 0.
    const cut = reconcile({ ...intent, lifetimeBefore: 0, coinsSeen: 5 }, counters({ eventCounter: 0, lifetime: 0 }));
    expect(cut).toMatchObject({ kind: 'mismatch', detail: expect.stringMatching(/at least 5 of 20/) });
    // A reset is a mismatch even when the lifetime count looks plausible: it may have restarted.
    expect(reconcile(intent, counters({ eventCounter: 0, lifetime: 1011 })).kind).toBe('mismatch');
    expect(reconcile(intent, counters({ eventCounter: 0, lifetime: 1000 })).kind).toBe('mismatch');
    expect(reconcile({ ...intent, coinsSeen: 6 }, counters({ eventCounter: 8, lastPaid: 4, lastUnpaid: 16 })).kind).toBe('mismatch');
    expect(reconcile(intent, counters({ eventCounter: 8, lastPaid: 20, lifetime: 990 })).kind).toBe('mismatch');
    expect(reconcile({ ...intent, coinsSeen: 2 }, counters({})).kind).toBe('mismatch');
    expect(reconcile(intent, counters({ lifetime: 1003 })).kind).toBe('mismatch');
  });

  it('never guesses: anything the counters cannot explain is a mismatch for the attendant', () => {
    expect(reconcile(intent, counters({ eventCounter: 9 })).kind).toBe('mismatch');
    expect(reconcile(intent, counters({ eventCounter: 8, lastPaid: 21 })).kind).toBe('mismatch');
    expect(reconcile(intent, counters({ eventCounter: 8, lastPaid: 12, lastUnpaid: 2 })).kind).toBe('mismatch');
    expect(reconcile(intent, counters({ eventCounter: 0, lifetime: null })).kind).toBe('mismatch');
    expect(reconcile({ ...intent, lifetimeBefore: null }, counters({ eventCounter: 0 })).kind).toBe('mismatch');
  });
});
