/**
 * A venue's wall-clock date and time as a UTC instant: bookings carry the
 * venue's times (CONTRACTS.md), clips are cut and sessions end on UTC
 * instants. Pure functions.
 */
const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** The venue zone's offset from UTC at `at`, in ms (UTC+7 → 25 200 000). */
function zoneOffsetMs(at: number, timeZone: string): number {
  let format = offsetFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    offsetFormats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour) % 24, Number(parts.minute), Number(parts.second));
  return asUtc - Math.floor(at / 1000) * 1000;
}

/**
 * Wall-clock times already converted, by zone, date and time as written: a day's
 * board converts each booking's start and end, 10,000 bookings on a few dozen
 * distinct times, and formatToParts costs ~10 µs (the board took a second).
 * Exact, not an approximation: the same zone and wall-clock time always give
 * the same instant. Cleared when it grows past a few days' worth.
 */
const converted = new Map<string, number>();
const CONVERTED_MAX = 4096;

/** The UTC instant of a venue wall-clock time (`date` YYYY-MM-DD, `time` HH:MM[:SS]). */
export function venueTimeToUtc(date: string, time: string, timeZone: string): Date {
  const key = `${timeZone}\u0000${date}\u0000${time}`;
  const known = converted.get(key);
  if (known !== undefined) return new Date(known);
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hh, mm, ss = 0] = time.split(':').map(Number) as [number, number, number?];
  const naive = Date.UTC(y, m - 1, d, hh, mm, ss);
  // Two passes settle the offset across a daylight-saving change.
  let guess = naive - zoneOffsetMs(naive, timeZone);
  guess = naive - zoneOffsetMs(guess, timeZone);
  if (converted.size >= CONVERTED_MAX) converted.clear();
  converted.set(key, guess);
  return new Date(guess);
}
