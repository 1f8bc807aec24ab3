/**
 * When a session ends, decided without trusting the wall clock more than it
 * deserves (pure). A Pi has no real-time clock: until the clock is trusted
 * its wall time may be hours off, so a session is counted on the monotonic
 * clock from a point where its remaining time was known:
 *
 * - started on this boot: its full length, counted from its start;
 * - from an earlier boot, clock trusted: `endsAt - now`;
 * - from an earlier boot, clock not trusted ("provisional"): what was left at
 *   the last moment the kiosk was known alive (`lastAliveAt`, written by the
 *   sweep and by every expiry), so the time the kiosk was off is not counted
 *   until the clock is trusted. It may end late, never early.
 *
 * Once counted from a known point, a jump of the wall clock (forwards or
 * backwards) changes nothing.
 */

export interface Anchor {
  /** Monotonic time at which `remainingMs` was what was left. */
  mono: number;
  remainingMs: number;
  /** From an earlier boot while the clock was not trusted: re-anchored on the wall clock once it is. */
  provisional: boolean;
}

export interface SessionTimes {
  startedAt: string;
  endsAt: string;
}

export const lengthMs = (s: SessionTimes): number => Date.parse(s.endsAt) - Date.parse(s.startedAt);

/** A session started now, on this boot. */
export const anchorNew = (monoNow: number, durationMs: number): Anchor => ({ mono: monoNow, remainingMs: durationMs, provisional: false });

/** A session found in the database at start (or pulled from the cloud). */
export function anchorLoaded(
  s: SessionTimes,
  at: { trusted: boolean; wallNowMs: number; monoNow: number; lastAliveMs: number | null },
): Anchor {
  const ends = Date.parse(s.endsAt);
  if (at.trusted) return { mono: at.monoNow, remainingMs: ends - at.wallNowMs, provisional: false };
  const from = Math.max(Date.parse(s.startedAt), at.lastAliveMs ?? Number.NEGATIVE_INFINITY);
  return { mono: at.monoNow, remainingMs: ends - from, provisional: true };
}

export const remainingMs = (a: Anchor, monoNow: number): number => a.remainingMs - (monoNow - a.mono);

export const isDue = (a: Anchor, monoNow: number): boolean => remainingMs(a, monoNow) <= 0;

/** The clock became trusted: a provisional anchor now counts the time the kiosk was off. */
export function anchorOnTrust(a: Anchor, s: SessionTimes, wallNowMs: number, monoNow: number): Anchor {
  if (!a.provisional) return a;
  return { mono: monoNow, remainingMs: Date.parse(s.endsAt) - wallNowMs, provisional: false };
}

/**
 * How far the stored wall times are from the truth the anchor knows (ms to
 * add to both), or 0 when within `toleranceMs`. Only meaningful with a
 * trusted clock: the board's end time then matches the wall clock again after
 * the clock was set.
 */
export function wallCorrectionMs(a: Anchor, s: SessionTimes, wallNowMs: number, monoNow: number, toleranceMs = 2_000): number {
  if (a.provisional) return 0;
  const trueEnd = wallNowMs + remainingMs(a, monoNow);
  const delta = trueEnd - Date.parse(s.endsAt);
  return Math.abs(delta) > toleranceMs ? Math.round(delta) : 0;
}
