/**
 * Time for the kiosk. A Pi has no real-time clock, so timeouts and intervals use
 * the monotonic clock; the wall clock is compared with the cloud's Date header,
 * and the OS may say it set the wall clock from the network (systemd-timesyncd).
 */
import fs from 'node:fs';

export interface Clock {
  /** Wall-clock time (may be wrong until the network sets it). */
  now(): Date;
  /** Milliseconds on a clock that never jumps; only differences mean anything. */
  monotonicMs(): number;
  /** The OS set the wall clock from a time server since boot; absent: the OS cannot say. */
  synchronized?(): boolean;
}

/** systemd-timesyncd creates it once it has set the clock (what systemd-time-wait-sync waits for); /run is empty at every boot. */
export const TIMESYNC_FLAG_FILE = '/run/systemd/timesync/synchronized';

/**
 * Whether `file` exists: once it does, true for the rest of the run (a
 * synchronized clock stays so); until then asked of the file system at most
 * once a second, as callers ask often.
 */
export function syncFlag(file: string, monotonicMs: () => number): () => boolean {
  let synced = false;
  let checkedAt = Number.NEGATIVE_INFINITY;
  return () => {
    if (synced) return true;
    const now = monotonicMs();
    if (now - checkedAt < 1_000) return false;
    checkedAt = now;
    synced = fs.existsSync(file);
    return synced;
  };
}

const monotonic = () => performance.now();

export const systemClock: Clock = {
  now: () => new Date(),
  monotonicMs: monotonic,
  synchronized: syncFlag(TIMESYNC_FLAG_FILE, monotonic),
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

export { isSkewWarning, skewFromDateHeader } from './skew';
export { createClockTrust, memoryTrustedTime, settingsTrustedTime, TRUSTED_TIME_SETTING, type ClockTrust, type ServerDate, type TrustedTimeStorage } from './trust';

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
