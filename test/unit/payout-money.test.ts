import { describe, expect, it } from 'vitest';
import { coinsToPay, commandSizes, nextEventCounter, reconcile } from '../../main/payout/money';

const counters = (patch: Partial<Parameters<typeof reconcile>[1]>) => ({ eventCounter: 7, coinsRemaining: 0, lastPaid: 0, lastUnpaid: 0, lifetime: 1000, ...patch });
const intent = { coins: 20, eventCounterBefore: 7, lifetimeBefore: 1000 };

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
  });

  it('waits while the hopper is still paying', () => {
    expect(reconcile(intent, counters({ eventCounter: 8, coinsRemaining: 5 }))).toEqual({ kind: 'still-paying' });
  });

  it('uses the lifetime count after a power cut reset the volatile counters', () => {
    expect(reconcile(intent, counters({ eventCounter: 0, lifetime: 1011 }))).toMatchObject({ kind: 'known', paid: 11 });
    expect(reconcile(intent, counters({ eventCounter: 0, lifetime: 1000 }))).toMatchObject({ kind: 'known', paid: 0 });
  });

  it('never guesses: anything the counters cannot explain is a mismatch for the attendant', () => {
    expect(reconcile(intent, counters({ eventCounter: 9 })).kind).toBe('mismatch');
    expect(reconcile(intent, counters({ eventCounter: 8, lastPaid: 21 })).kind).toBe('mismatch');
    expect(reconcile(intent, counters({ eventCounter: 0, lifetime: null })).kind).toBe('mismatch');
    expect(reconcile({ ...intent, lifetimeBefore: null }, counters({ eventCounter: 0 })).kind).toBe('mismatch');
    expect(reconcile(intent, counters({ eventCounter: 0, lifetime: 1050 })).kind).toBe('mismatch');
  });
});
