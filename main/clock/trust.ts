/**
 * What the kiosk knows of the time beyond its own clock: one mechanism, fed by
 * the cloud's `Date` header (every cloud response) and by times a signature
 * vouches for (a verified update manifest's `releasedAt`; not the update
 * host's `Date`: that host is trusted for delivery only). Two questions are asked of it:
 * - sessions: may the wall clock decide now? (configured as right from boot,
 *   or the cloud's Date agreed with it within the warning threshold);
 * - updates: what is the newest time the kiosk trusted? (CONTRACTS.md "Signed
 *   updates": the newest verified `releasedAt` and the cloud's Date of a
 *   verified TLS response, kept in the store), so a Pi that boots in 1970
 *   still refuses a manifest that expired before any time it trusted.
 */
import { z } from 'zod';
import type { Clock } from './index';
import { isSkewWarning, skewFromDateHeader } from './skew';

export interface TrustedTimeStorage {
  load(): Date | null;
  save(at: Date): void;
}

export interface ServerDate {
  /** The response's `Date` header (absent or unreadable: nothing is learnt). */
  header: string | null;
  /** Wall-clock times around the request, for the skew. */
  sentMs: number;
  receivedMs: number;
  /** The answer came over TLS whose certificate was verified: its Date may raise the trusted time. */
  verifiedTls: boolean;
}

export interface ClockTrust {
  /** A cloud response's Date: the clock's skew (local minus server, null when unknown) is updated and returned. */
  observeServerDate(observed: ServerDate): number | null;
  /** A time a verified source vouches for; the last trusted time never goes back. */
  trust(at: Date): void;
  /** The newest trusted time (kept in the store), or null. */
  lastTrustedTime(): Date | null;
  /** The later of the wall clock and the last trusted time: what an expiry is judged against. */
  judgedNow(): Date;
  /** The last skew the cloud's Date showed, or null before any. */
  skewMs(): number | null;
  /** The skew is beyond clock.skewWarningSeconds. */
  skewWarning(): boolean;
  /** Whether the wall clock may decide (sessions): right from boot, set by the OS's time sync, or confirmed by the cloud; never while the cloud's Date disagrees. */
  wallClockTrusted(): boolean;
}

/** A cloud Date that only moves the trusted time by less than this is kept in memory, not written (one write a second otherwise). */
const PERSIST_STEP_MS = 60_000;

export function createClockTrust(options: {
  clock: Clock;
  trustedAtBoot: boolean;
  skewWarningSeconds: number;
  storage?: TrustedTimeStorage;
}): ClockTrust {
  const storage = options.storage ?? memoryTrustedTime();
  let latest = storage.load();
  let persisted = latest;
  let skew: number | null = null;

  const raise = (at: Date, persistAlways: boolean) => {
    if (Number.isNaN(at.getTime())) return;
    if (latest && at.getTime() <= latest.getTime()) return;
    latest = at;
    if (persistAlways || !persisted || at.getTime() - persisted.getTime() >= PERSIST_STEP_MS) {
      storage.save(at);
      persisted = at;
    }
  };
  const warning = () => isSkewWarning(skew, options.skewWarningSeconds);

  return {
    observeServerDate(observed) {
      const measured = skewFromDateHeader(observed.header, observed.sentMs, observed.receivedMs);
      if (measured === null) return skew;
      skew = measured;
      if (observed.verifiedTls) raise(new Date(Date.parse(observed.header ?? '')), false);
      return skew;
    },
    trust: (at) => raise(at, true),
    lastTrustedTime: () => latest,
    judgedNow() {
      const now = options.clock.now();
      return latest && latest.getTime() > now.getTime() ? latest : now;
    },
    skewMs: () => skew,
    skewWarning: warning,
    wallClockTrusted: () => !warning() && (options.trustedAtBoot || skew !== null || (options.clock.synchronized?.() ?? false)),
  };
}

export function memoryTrustedTime(initial: Date | null = null): TrustedTimeStorage {
  let value = initial;
  return {
    load: () => value,
    save: (at) => {
      value = at;
    },
  };
}

export const TRUSTED_TIME_SETTING = 'clock.lastTrustedTime';

/** The store's settings table (core, every kiosk) as the trusted time's storage. */
export function settingsTrustedTime(
  settings: {
    getSetting<T>(key: string, schema: z.ZodType<T>): T | undefined;
    setSetting(key: string, value: unknown, at: Date): void;
  },
  clock: Clock,
): TrustedTimeStorage {
  return {
    load() {
      const text = settings.getSetting(TRUSTED_TIME_SETTING, z.string().max(64));
      const at = text === undefined ? Number.NaN : Date.parse(text);
      return Number.isNaN(at) ? null : new Date(at);
    },
    save: (at) => settings.setSetting(TRUSTED_TIME_SETTING, at.toISOString(), clock.now()),
  };
}
