/**
 * Delay before the next attempt to open a device that is missing or was
 * unplugged: doubles from `initialMs` up to `maxMs`. No jitter: one kiosk
 * retries one local device, there is no crowd of clients to spread out.
 */
export function reconnectDelayMs(failedAttempts: number, initialMs: number, maxMs: number): number {
  const doublings = Math.min(Math.max(failedAttempts - 1, 0), 30); // 2**30 overflows any sane cap already
  return Math.min(maxMs, initialMs * 2 ** doublings);
}
