/**
 * Retry timing, as pure functions. Full-jitter exponential backoff (a random
 * delay between 0 and base × 2^(attempt-1), capped) spreads many kiosks that
 * failed together; a server's Retry-After is a floor.
 */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export function fullJitterDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 40)));
  return Math.floor(random() * ceiling);
}

/** Retry-After as seconds or an HTTP date; null when absent or unparseable. */
export function parseRetryAfter(header: string | null, nowMs: number): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

export type HttpOutcome = 'acknowledged' | 'transient' | 'permanent';

/** 2xx: done. 408, 429, 5xx (and anything odd): try again later. Other 4xx: the server refuses this item. */
export function classifyStatus(status: number): HttpOutcome {
  if (status >= 200 && status < 300) return 'acknowledged';
  if (status === 408 || status === 429 || status >= 500) return 'transient';
  if (status >= 400 && status < 500) return 'permanent';
  return 'transient';
}
