/**
 * PIN lockout as a pure function of the stored state: after `maxTries` wrong
 * PINs the next wrong PIN locks for base × 2^(extra failures), up to a maximum.
 * The state lives in the store so a restart does not reset it.
 */
import { z } from 'zod';

export const lockoutStateSchema = z.object({
  failures: z.number().int().min(0),
  lockedUntil: z.string().nullable(),
  lockedForMs: z.number().min(0),
});
export type LockoutState = z.infer<typeof lockoutStateSchema>;

export const initialLockout: LockoutState = { failures: 0, lockedUntil: null, lockedForMs: 0 };

export interface LockoutPolicy {
  maxTries: number;
  lockoutBaseSeconds: number;
  lockoutMaxSeconds: number;
}

/** Milliseconds left in a lockout. A clock set backwards cannot make it longer than it was given. */
export function remainingLockMs(state: LockoutState, now: Date): number {
  if (!state.lockedUntil) return 0;
  const left = Date.parse(state.lockedUntil) - now.getTime();
  if (Number.isNaN(left) || left <= 0) return 0;
  return Math.min(left, state.lockedForMs);
}

export function afterWrongPin(state: LockoutState, now: Date, policy: LockoutPolicy): LockoutState {
  const failures = state.failures + 1;
  if (failures < policy.maxTries) return { failures, lockedUntil: null, lockedForMs: 0 };
  const extra = failures - policy.maxTries;
  const seconds = Math.min(policy.lockoutBaseSeconds * 2 ** Math.min(extra, 30), policy.lockoutMaxSeconds);
  const ms = Math.round(seconds * 1000);
  return { failures, lockedUntil: new Date(now.getTime() + ms).toISOString(), lockedForMs: ms };
}

export const triesLeft = (state: LockoutState, policy: LockoutPolicy): number =>
  Math.max(policy.maxTries - state.failures, 0);
