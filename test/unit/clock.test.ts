import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSkewWarning, skewFromDateHeader, syncFlag, systemClock, TIMESYNC_FLAG_FILE, venueDate } from '../../main/clock';
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
