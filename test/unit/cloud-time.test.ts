import { describe, expect, it } from 'vitest';
import { cloudTimeMs } from '../../main/sessions/pull';

const iso = (text: string, zone = 'America/New_York') => {
  const ms = cloudTimeMs(text, zone);
  return Number.isNaN(ms) ? 'refused' : new Date(ms).toISOString();
};

describe('the times a pulled session carries', () => {
  it('reads an offset as written, in each of its ISO forms, with fractions of a second', () => {
    expect(iso('2026-03-08T10:00:00Z')).toBe('2026-03-08T10:00:00.000Z');
    expect(iso('2026-03-08t10:00:00.5z')).toBe('2026-03-08T10:00:00.500Z');
    expect(iso('2026-03-08T10:00:00.123456-03:00')).toBe('2026-03-08T13:00:00.123Z');
    expect(iso('2026-03-08 10:00+0530')).toBe('2026-03-08T04:30:00.000Z');
  });

  it('reads a time without an offset on the venue\'s clock, across its daylight-saving change', () => {
    // New York: EST (UTC-5) until 2 a.m. on 8 March 2026, EDT (UTC-4) after.
    expect(iso('2026-03-08T01:30:00')).toBe('2026-03-08T06:30:00.000Z');
    expect(iso('2026-03-08T03:30:00')).toBe('2026-03-08T07:30:00.000Z');
    expect(iso('2026-03-08T10:00:00', 'Asia/Jakarta')).toBe('2026-03-08T03:00:00.000Z');
  });

  it('refuses a date alone, other formats, impossible dates and times, and offsets that do not exist', () => {
    for (const text of ['2026-03-08', 'Mar 8 2026 10:00', '1772960400000', '2026-02-30T10:00:00Z', '2026-03-08T24:00:00Z', '2026-03-08T10:60:00Z', '2026-03-08T10:00:00+15:00', '2026-03-08T10:00:00+05:75', '']) {
      expect(iso(text), text).toBe('refused');
    }
  });
});
