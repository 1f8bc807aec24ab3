/**
 * Bookings carry the venue's wall-clock date and times (CONTRACTS.md:
 * "dates and times are the venue's time zone"); the clips are cut on UTC
 * instants (main/clock/venue-time.ts). Pure functions.
 */
import { venueTimeToUtc } from '../clock/venue-time';

/** The start and end of a booking as UTC instants; an end at or before the start is on the next day (a match past midnight). */
export function bookingSpan(b: { date: string; start_time: string; end_time: string }, timeZone: string): { start: Date; end: Date } {
  const start = venueTimeToUtc(b.date, b.start_time, timeZone);
  let end = venueTimeToUtc(b.date, b.end_time, timeZone);
  if (end.getTime() <= start.getTime()) end = new Date(end.getTime() + 24 * 3_600_000);
  return { start, end };
}
