/** The local clock against a server's `Date` header (pure). */

/**
 * Skew of the local clock against a server's `Date` header (local minus server),
 * corrected for half the round trip. Returns null when the header is absent or
 * unparseable.
 */
export function skewFromDateHeader(
  dateHeader: string | null,
  localSentMs: number,
  localReceivedMs: number,
): number | null {
  if (!dateHeader) return null;
  const server = Date.parse(dateHeader);
  if (Number.isNaN(server)) return null;
  const localMid = localSentMs + (localReceivedMs - localSentMs) / 2;
  // The Date header has one-second resolution: anything within it is no skew.
  const skew = localMid - server;
  return Math.abs(skew) < 1000 ? 0 : Math.round(skew);
}

export const isSkewWarning = (skewMs: number | null, thresholdSeconds: number): boolean =>
  skewMs !== null && Math.abs(skewMs) > thresholdSeconds * 1000;
