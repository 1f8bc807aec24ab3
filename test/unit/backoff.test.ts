import { describe, expect, it } from 'vitest';
import { classifyStatus, fullJitterDelay, parseRetryAfter } from '../../main/sync';

describe('retry timing', () => {
  const policy = { baseMs: 1000, capMs: 60_000 };

  it('draws full jitter between 0 and the doubled ceiling, capped', () => {
    expect(fullJitterDelay(1, policy, () => 0.999)).toBe(999);
    expect(fullJitterDelay(3, policy, () => 0.5)).toBe(2000);
    expect(fullJitterDelay(30, policy, () => 0.999)).toBe(59_940);
    expect(fullJitterDelay(5, policy, () => 0)).toBe(0);
  });

  it('reads Retry-After in seconds or as a date', () => {
    expect(parseRetryAfter('7', 0)).toBe(7000);
    expect(parseRetryAfter(new Date(60_000).toUTCString(), 30_000)).toBe(30_000);
    expect(parseRetryAfter('soon', 0)).toBeNull();
    expect(parseRetryAfter(null, 0)).toBeNull();
  });

  it('retries transient failures and gives up only on a permanent rejection', () => {
    expect([200, 201, 204].map(classifyStatus)).toEqual(['acknowledged', 'acknowledged', 'acknowledged']);
    expect([408, 429, 500, 502, 503, 504].map(classifyStatus)).toEqual(Array(6).fill('transient'));
    expect([400, 401, 403, 404, 409, 422].map(classifyStatus)).toEqual(Array(6).fill('permanent'));
  });
});
