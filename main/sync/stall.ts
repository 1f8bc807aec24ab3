/**
 * Stalled uploads: a server that accepts a request and never answers it must
 * not hold back the uploads of other keys until the request times out.
 *
 * - A request unanswered for `stallMs` is stalled.
 * - While every request in flight is stalled (at least `concurrency` of them),
 *   one more may go: a probe that shows when the server answers again. If the
 *   probe stalls too, it is given up (and sent again at once) so that a fresh
 *   one can go; the stalled requests in the slots keep their connections.
 * - When the server answers a request sent at least `stallMs` after another
 *   that is still unanswered, that one is presumed lost: it is given up and
 *   sent again at once (same Idempotency-Key; after the answer's Retry-After if
 *   it had one). An item presumed lost again waits twice as long the next time,
 *   so a server that is merely slow for it still gets to answer.
 *
 * The outbox owns the requests; this keeps their start times and decides.
 */
import type { Clock } from '../clock';

export interface Flight {
  readonly itemId: number;
  /** Monotonic time the request left. */
  readonly startedAt: number;
  readonly controller: AbortController;
  /** The server answered (status line and headers arrived). */
  answered: boolean;
  /** Set when the kiosk gave the request up: why, and when to send the item again. */
  givenUp: { why: string; resendAfterMs: number } | null;
}

export interface StallWatchOptions {
  stallMs: number;
  concurrency: number;
  clock: Clock;
}

/** Doubling stops here: a lost-again item never waits more than 2^10 × stallMs. */
const MAX_DOUBLINGS = 10;

export function createStallWatch(options: StallWatchOptions) {
  const { stallMs, concurrency, clock } = options;
  const flights = new Map<number, Flight>();
  /** Times an item was presumed lost (cleared when it is settled). */
  const lost = new Map<number, number>();

  const lostThreshold = (f: Flight) => stallMs * 2 ** Math.min(lost.get(f.itemId) ?? 0, MAX_DOUBLINGS);
  const isStalled = (f: Flight, now: number) => !f.answered && now - f.startedAt >= stallMs;
  const active = () => [...flights.values()].filter((f) => !f.givenUp);

  const giveUp = (flight: Flight, why: string, resendAfterMs: number) => {
    flight.givenUp = { why, resendAfterMs };
    flight.controller.abort();
  };

  return {
    /** A request leaves now. */
    begin(itemId: number): Flight {
      const flight: Flight = { itemId, startedAt: clock.monotonicMs(), controller: new AbortController(), answered: false, givenUp: null };
      flights.set(itemId, flight);
      return flight;
    },

    /** The request is over (answered, failed or given up). */
    end(flight: Flight): void {
      if (flights.get(flight.itemId) === flight) flights.delete(flight.itemId);
    },

    /** Requests in flight that were not given up. */
    activeCount(): number {
      return active().length;
    },

    /** The server answered `flight`: older requests it left unanswered are presumed lost. */
    answered(flight: Flight, retryAfterMs: number | null): void {
      flight.answered = true;
      for (const other of flights.values()) {
        if (other === flight || other.answered || other.givenUp) continue;
        const later = flight.startedAt - other.startedAt;
        if (later < lostThreshold(other)) continue;
        lost.set(other.itemId, (lost.get(other.itemId) ?? 0) + 1);
        giveUp(other, `no answer, while the server answered an upload sent ${Math.round(later / 1000)} s later; sent again`, retryAfterMs ?? 0);
      }
    },

    /**
     * How many requests may be in flight at `now`: the concurrency, or one more
     * while all of them are stalled. A probe that stalled too is given up here.
     * (One `now` for a round of decisions: a timer that fires a little early
     * then finds the same answer in nextCheckInMs and waits again.)
     */
    limit(now: number): number {
      let current = active();
      if (current.length > concurrency && current.every((f) => isStalled(f, now))) {
        const probe = current.reduce((a, f) => (f.startedAt > a.startedAt ? f : a));
        giveUp(probe, `no answer within ${stallMs / 1000} s while the server answered nothing; tried again`, 0);
        current = current.filter((f) => f !== probe);
      }
      return concurrency + (current.length >= concurrency && current.every((f) => isStalled(f, now)) ? 1 : 0);
    },

    /** Every request in flight is stalled (none is about to end by itself); true when there is none. */
    allStalled(now: number): boolean {
      return active().every((f) => isStalled(f, now));
    },

    /** Milliseconds until a request in flight becomes stalled (a decision may change then); null when none will. */
    nextCheckInMs(now: number): number | null {
      let soonest: number | null = null;
      for (const f of active()) {
        if (f.answered) continue;
        const at = f.startedAt + stallMs - now;
        if (at > 0) soonest = Math.min(soonest ?? at, at);
      }
      return soonest;
    },

    /** Gives up every request (the outbox stops); each is sent again after the next start. */
    giveUpAll(why: string): void {
      for (const f of active()) giveUp(f, why, 0);
    },

    /** The item is settled (acknowledged or dead): its history no longer matters. */
    forget(itemId: number): void {
      lost.delete(itemId);
    },
  };
}

export type StallWatch = ReturnType<typeof createStallWatch>;
