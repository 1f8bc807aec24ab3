import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClockTrust, isSkewWarning, manualClock, skewFromDateHeader, syncFlag, systemClock, TIMESYNC_FLAG_FILE, venueDate, type ClockTrust } from '../../main/clock';
import { tempDir } from '../support/temp';

describe('clock', () => {
  it('measures the local clock against the Date header', () => {
    const server = Date.parse('2026-05-01T08:00:00Z');
    const header = new Date(server).toUTCString();
    expect(skewFromDateHeader(header, server + 600_000, server + 600_200)).toBe(600_100);
    expect(skewFromDateHeader(header, server - 300_000, server - 300_000)).toBe(-300_000);
  });

  it('treats a difference inside the header resolution as none', () => {
    const server = Date.parse('2026-05-01T08:00:00Z');
    expect(skewFromDateHeader(new Date(server).toUTCString(), server + 400, server + 600)).toBe(0);
  });

  it('ignores a missing or garbled Date header', () => {
    expect(skewFromDateHeader(null, 0, 0)).toBeNull();
    expect(skewFromDateHeader('yesterday-ish', 0, 0)).toBeNull();
  });

  it('warns beyond the threshold only', () => {
    expect(isSkewWarning(119_000, 120)).toBe(false);
    expect(isSkewWarning(-121_000, 120)).toBe(true);
    expect(isSkewWarning(null, 120)).toBe(false);
  });

  it("gives the venue's date, not UTC's", () => {
    const lateUtc = new Date('2026-05-01T20:00:00Z');
    expect(venueDate(lateUtc, 'Asia/Jakarta')).toBe('2026-05-02');
    expect(venueDate(lateUtc, 'UTC')).toBe('2026-05-01');
  });

  it("reads the OS's time sync from systemd-timesyncd's flag file: true once it exists, asked at most once a second until then", () => {
    const file = path.join(tempDir(), 'synchronized');
    let mono = 0;
    const synced = syncFlag(file, () => mono);
    expect(synced()).toBe(false);
    fs.writeFileSync(file, '');
    mono += 500;
    expect(synced()).toBe(false); // not asked again within the second
    mono += 600;
    expect(synced()).toBe(true);
    fs.rmSync(file);
    expect(synced()).toBe(true); // a clock once set stays set
    expect(TIMESYNC_FLAG_FILE).toBe('/run/systemd/timesync/synchronized');
    expect(systemClock.synchronized?.()).toBe(fs.existsSync(TIMESYNC_FLAG_FILE));
  });
});

describe('clock trust: one notion of trusted time for the kiosk', () => {
  const at = (iso: string) => new Date(iso);
  const observe = (trust: ClockTrust, iso: string, verifiedTls: boolean) =>
    trust.observeServerDate({ header: at(iso).toUTCString(), sentMs: Date.parse(iso), receivedMs: Date.parse(iso), verifiedTls });

  it('raises the last trusted time from verified TLS Dates and signed times only, and never lowers it', () => {
    const trust = createClockTrust({ clock: manualClock(at('1970-01-01T00:00:00Z')), trustedAtBoot: false, skewWarningSeconds: 120 });
    observe(trust, '2026-05-01T00:00:00Z', false);
    expect(trust.lastTrustedTime()).toBeNull();
    expect(trust.judgedNow()).toEqual(at('1970-01-01T00:00:00Z'));
    observe(trust, '2026-03-01T00:00:00Z', true);
    trust.trust(at('2026-02-01T00:00:00Z'));
    observe(trust, '2026-01-01T00:00:00Z', true);
    expect(trust.lastTrustedTime()).toEqual(at('2026-03-01T00:00:00Z'));
    expect(trust.judgedNow()).toEqual(at('2026-03-01T00:00:00Z'));
  });

  it('keeps it in its storage: a signed time at once, a cloud Date once it moved a minute', () => {
    const saved: string[] = [];
    const storage = { load: () => at('2026-03-01T00:00:00Z'), save: (d: Date) => void saved.push(d.toISOString()) };
    const trust = createClockTrust({ clock: manualClock(), trustedAtBoot: false, skewWarningSeconds: 120, storage });
    observe(trust, '2026-03-01T00:00:30Z', true);
    expect(saved).toEqual([]);
    observe(trust, '2026-03-01T00:01:00Z', true);
    trust.trust(at('2026-03-01T00:01:05Z'));
    expect(saved).toEqual(['2026-03-01T00:01:00.000Z', '2026-03-01T00:01:05.000Z']);
  });

  it('lets the wall clock decide once any cloud Date agreed with it, or from boot when configured, never against a warning', () => {
    const clock = manualClock(at('2026-01-15T03:00:00Z'));
    const trust = createClockTrust({ clock, trustedAtBoot: false, skewWarningSeconds: 120 });
    expect(trust.wallClockTrusted()).toBe(false);
    observe(trust, '2026-01-15T03:00:00Z', false);
    expect(trust.wallClockTrusted()).toBe(true);
    const atBoot = createClockTrust({ clock, trustedAtBoot: true, skewWarningSeconds: 120 });
    expect(atBoot.wallClockTrusted()).toBe(true);
    atBoot.observeServerDate({ header: at('2026-01-15T05:00:00Z').toUTCString(), sentMs: clock.now().getTime(), receivedMs: clock.now().getTime(), verifiedTls: true });
    expect(atBoot.skewWarning()).toBe(true);
    expect(atBoot.wallClockTrusted()).toBe(false);
  });
});
