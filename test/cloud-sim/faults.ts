/**
 * Which fault (if any) hits one request to a ticket endpoint. One draw per
 * request from the seeded generator, so a run with the same seed and the same
 * request order sees the same faults.
 */
import type { Random } from './random';

export type Fault = 'timeout' | 'lost-response' | 'error' | 'rate-limit';

export interface FaultRates {
  timeoutRate: number;
  lostResponseRate: number;
  errorRate: number;
  rateLimitRate: number;
}

/**
 * The rates are consecutive slices of [0, 1) in this order, so each keeps its
 * own probability while they sum to at most 1 (beyond that, later slices shrink).
 */
export function drawFault(random: Random, rates: FaultRates): Fault | null {
  const slices: [Fault, number][] = [
    ['timeout', rates.timeoutRate],
    ['lost-response', rates.lostResponseRate],
    ['error', rates.errorRate],
    ['rate-limit', rates.rateLimitRate],
  ];
  if (slices.every(([, rate]) => rate <= 0)) return null; // no draw: keeps the sequence unchanged while faults are off
  let r = random.next();
  for (const [fault, rate] of slices) {
    if (r < rate) return fault;
    r -= rate;
  }
  return null;
}
