import { describe, expect, it } from 'vitest';
import { bookingSpan } from '../../main/bookings/venue-time';
import { venueTimeToUtc } from '../../main/clock/venue-time';

// The conversion is remembered per zone and wall-clock time (the board converts 10,000 bookings):
// asking again, or in another zone, must still give that zone's instant.
describe('venue wall-clock time to UTC', () => {
  it('gives each zone its own instant for the same wall-clock time, asked again and again', () => {
    for (let round = 0; round < 3; round++) {
      expect(venueTimeToUtc('2026-01-15', '10:00', 'Asia/Jakarta').toISOString()).toBe('2026-01-15T03:00:00.000Z');
      expect(venueTimeToUtc('2026-01-15', '10:00', 'UTC').toISOString()).toBe('2026-01-15T10:00:00.000Z');
      expect(venueTimeToUtc('2026-01-15', '10:00:00', 'Asia/Kolkata').toISOString()).toBe('2026-01-15T04:30:00.000Z');
    }
  });

  it('settles the offset across a daylight-saving change', () => {
    // Europe/Berlin: UTC+1 until 2026-03-29 02:00, UTC+2 after.
    expect(venueTimeToUtc('2026-03-28', '20:00', 'Europe/Berlin').toISOString()).toBe('2026-03-28T19:00:00.000Z');
    expect(venueTimeToUtc('2026-03-29', '20:00', 'Europe/Berlin').toISOString()).toBe('2026-03-29T18:00:00.000Z');
    expect(bookingSpan({ date: '2026-03-28', start_time: '23:00', end_time: '01:00' }, 'Europe/Berlin').end.toISOString()).toBe('2026-03-29T00:00:00.000Z');
  });

  it('stays right after many distinct times (the remembered ones are dropped, not mixed up)', () => {
    for (let day = 1; day <= 28; day++) {
      for (let hour = 0; hour < 24; hour++) {
        for (const minute of ['00', '15', '30', '45', '59']) {
          const time = `${String(hour).padStart(2, '0')}:${minute}`;
          const date = `2026-02-${String(day).padStart(2, '0')}`;
          expect(venueTimeToUtc(date, time, 'Asia/Jakarta').getTime()).toBe(Date.parse(`${date}T${time}:00Z`) - 7 * 3_600_000);
        }
      }
    }
  });
});
