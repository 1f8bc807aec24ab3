import { describe, expect, it } from 'vitest';
import { afterWrongPin, initialLockout, remainingLockMs, triesLeft } from '../../main/admin/lockout';

const policy = { maxTries: 5, lockoutBaseSeconds: 30, lockoutMaxSeconds: 600 };
const t0 = new Date('2026-03-01T10:00:00Z');

describe('PIN lockout', () => {
  it('allows four wrong PINs and locks on the fifth', () => {
    let state = initialLockout;
    for (let i = 1; i <= 4; i++) {
      state = afterWrongPin(state, t0, policy);
      expect(remainingLockMs(state, t0)).toBe(0);
      expect(triesLeft(state, policy)).toBe(5 - i);
    }
    state = afterWrongPin(state, t0, policy);
    expect(remainingLockMs(state, t0)).toBe(30_000);
  });

  it('doubles the delay for each further wrong PIN, up to the maximum', () => {
    let state = initialLockout;
    const delays: number[] = [];
    for (let i = 0; i < 11; i++) {
      state = afterWrongPin(state, t0, policy);
      delays.push(remainingLockMs(state, t0) / 1000);
    }
    expect(delays.slice(4)).toEqual([30, 60, 120, 240, 480, 600, 600]);
  });

  it('ends when its time is up', () => {
    let state = initialLockout;
    for (let i = 0; i < 5; i++) state = afterWrongPin(state, t0, policy);
    expect(remainingLockMs(state, new Date(t0.getTime() + 29_000))).toBe(1_000);
    expect(remainingLockMs(state, new Date(t0.getTime() + 30_000))).toBe(0);
  });

  it('cannot be stretched by a clock set backwards', () => {
    let state = initialLockout;
    for (let i = 0; i < 5; i++) state = afterWrongPin(state, t0, policy);
    const yearEarlier = new Date(t0.getTime() - 365 * 86_400_000);
    expect(remainingLockMs(state, yearEarlier)).toBe(30_000);
  });
});
