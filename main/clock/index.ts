/**
 * Time for the kiosk. A Pi has no real-time clock, so timeouts and intervals use
 * the monotonic clock; the wall clock is compared with the cloud's Date header.
 */
export interface Clock {
  /** Wall-clock time (may be wrong until the network sets it). */
  now(): Date;
  /** Milliseconds on a clock that never jumps; only differences mean anything. */
  monotonicMs(): number;
}

export const systemClock: Clock = {
  now: () => new Date(),
  monotonicMs: () => performance.now(),
};

/** A clock tests move by hand. */
export function manualClock(start = new Date('2026-01-15T03:00:00Z')): Clock & {
  advance(ms: number): void;
  setWall(date: Date): void;
} {
  let wall = start.getTime();
  let mono = 0;
  return {
    now: () => new Date(wall),
    monotonicMs: () => mono,
    advance(ms: number) {
      wall += ms;
      mono += ms;
    },
    setWall(date: Date) {
      wall = date.getTime();
    },
  };
}

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

// Building an Intl formatter costs far more than using one: keep one per zone.
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const hourFormats = new Map<string, Intl.DateTimeFormat>();

/** The date (YYYY-MM-DD) of `at` in the venue's time zone. */
export function venueDate(at: Date, timeZone: string): string {
  let format = dateFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormats.set(timeZone, format);
  }
  return format.format(at);
}

/** The hour (0–23) of `at` in the venue's time zone. */
export function venueHour(at: Date, timeZone: string): number {
  let format = hourFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' });
    hourFormats.set(timeZone, format);
  }
  return Number(format.format(at)) % 24;
}
