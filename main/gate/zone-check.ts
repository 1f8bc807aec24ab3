/**
 * Does the ticket server write dates in the venue's time zone? A kiosk whose
 * `timeZone` differs from the zone the server dates tickets in turns every
 * ticket into "Wrong day" for part of each day (Asia/Jakarta is the default).
 * After each download the dates of the tickets it brought are counted around
 * the venue's today: when most fall on yesterday or tomorrow and few on today,
 * the attendant is told (gate page and overview) to check the setting.
 */
import { z } from 'zod';
import type { TimeZoneHint } from '../../preload/contract';
import { venueDate } from '../clock';
import type { Clock } from '../clock';
import type { ScopedLog } from '../log';
import type { Store } from '../store';

/** Fewer tickets than this around today say nothing about a zone. */
export const ZONE_CHECK_MIN_TICKETS = 20;

const shiftDate = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

export type DateShift = Pick<TimeZoneHint, 'direction' | 'date' | 'tickets' | 'todayTickets' | 'around'>;

/**
 * Pure: from how many tickets carry each booking date, whether they look dated
 * in another time zone. "Most" is two thirds or more of the tickets dated
 * yesterday, today or tomorrow on one neighbouring day; "few" is a tenth or less
 * on today. Tickets further away (sold in advance, kept from past days) do not count.
 */
export function ticketDatesSuggestOtherZone(today: string, countsByDate: Readonly<Record<string, number>>): DateShift | null {
  const yesterday = shiftDate(today, -1);
  const tomorrow = shiftDate(today, 1);
  const count = (date: string) => countsByDate[date] ?? 0;
  const around = count(yesterday) + count(today) + count(tomorrow);
  if (around < ZONE_CHECK_MIN_TICKETS) return null;
  const todayTickets = count(today);
  const [direction, date] = count(yesterday) >= count(tomorrow) ? (['yesterday', yesterday] as const) : (['tomorrow', tomorrow] as const);
  const tickets = count(date);
  if (tickets * 3 < around * 2 || todayTickets * 10 > around) return null;
  return { direction, date, tickets, todayTickets, around };
}

const SETTING_KEY = 'gate.timeZoneHint';
const hintSchema = z.object({
  timeZone: z.string(),
  today: z.string(),
  direction: z.enum(['yesterday', 'tomorrow']),
  date: z.string(),
  tickets: z.number(),
  todayTickets: z.number(),
  around: z.number(),
  checkedAt: z.string(),
});

export interface ZoneCheck {
  /** After a successful download: counts the dates of the tickets it brought. Never throws. */
  afterDownload(): void;
  /** The warning standing since the last download, or null. */
  current(): TimeZoneHint | null;
}

export function createZoneCheck(deps: { store: Store; clock: Clock; timeZone: string; log: ScopedLog }): ZoneCheck {
  const { store, clock, timeZone, log } = deps;
  // The tickets of the newest download (a 304 keeps the previous one's), not those kept from past days.
  const countDates = store.db.prepare(
    `SELECT booking_date AS date, COUNT(*) AS n FROM tickets
      WHERE withdrawn_at IS NULL AND last_download_id = (SELECT MAX(last_download_id) FROM tickets)
      GROUP BY booking_date`,
  );
  let hint = store.getSetting(SETTING_KEY, hintSchema.nullable()) ?? null;
  // A config changed since (another zone) makes an old warning moot until the next download.
  if (hint && hint.timeZone !== timeZone) hint = null;

  return {
    afterDownload() {
      try {
        const now = clock.now();
        const today = venueDate(now, timeZone);
        const counts = Object.fromEntries((countDates.all() as { date: string; n: number }[]).map((r) => [r.date, r.n]));
        const shift = ticketDatesSuggestOtherZone(today, counts);
        const next: TimeZoneHint | null = shift ? { ...shift, timeZone, today, checkedAt: now.toISOString() } : null;
        if (next && !hint) {
          log.warn(
            `${next.tickets} of ${next.around} downloaded tickets around today are dated ${next.direction} (${next.date}) in ${timeZone}, ${next.todayTickets} today: does the ticket server date them in another time zone? (timeZone in the config)`,
          );
        }
        if (!next && hint) log.info('downloaded tickets are dated today again in the venue time zone');
        hint = next;
        store.setSetting(SETTING_KEY, next, now);
      } catch (error) {
        log.warn(`time zone check of the downloaded tickets failed: ${(error as Error).message}`);
      }
    },
    current: () => hint,
  };
}
