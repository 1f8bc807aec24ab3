/** The pure check behind the time zone warning: do the downloaded tickets' dates fit the venue's today? */
import { describe, expect, it } from 'vitest';
import { venueDate } from '../../main/clock';
import { ticketDatesSuggestOtherZone, ZONE_CHECK_MIN_TICKETS } from '../../main/gate/zone-check';

const JAKARTA = 'Asia/Jakarta';

/** What a server in `serverZone` sends at `at`: `n` tickets for its today (and `ahead` for its tomorrow). */
function serverList(at: Date, serverZone: string, n: number, ahead = 0): Record<string, number> {
  const serverToday = venueDate(at, serverZone);
  const counts: Record<string, number> = { [serverToday]: n };
  if (ahead) counts[venueDate(new Date(at.getTime() + 86_400_000), serverZone)] = ahead;
  return counts;
}

describe('ticket dates and the venue time zone', () => {
  it('says nothing while the server and the kiosk share the day', () => {
    for (const hour of [0, 6, 12, 16, 23]) {
      const at = new Date(Date.UTC(2026, 0, 15, hour));
      expect(ticketDatesSuggestOtherZone(venueDate(at, JAKARTA), serverList(at, JAKARTA, 1000, 300)), `${hour}:00Z`).toBeNull();
    }
  });

  it('sees a server in Europe from Jakarta after midnight: the tickets fall on yesterday', () => {
    const at = new Date('2026-01-15T18:30:00Z'); // 19:30 in Amsterdam, 01:30 next day in Jakarta
    const today = venueDate(at, JAKARTA);
    expect(today).toBe('2026-01-16');
    expect(ticketDatesSuggestOtherZone(today, serverList(at, 'Europe/Amsterdam', 1000))).toEqual({
      direction: 'yesterday',
      date: '2026-01-15',
      tickets: 1000,
      todayTickets: 0,
      around: 1000,
    });
    // Earlier the same day both say 15 January: nothing to see yet.
    const morning = new Date('2026-01-15T08:00:00Z');
    expect(ticketDatesSuggestOtherZone(venueDate(morning, JAKARTA), serverList(morning, 'Europe/Amsterdam', 1000))).toBeNull();
  });

  it('sees a server ahead of the venue (Auckland): the tickets fall on tomorrow', () => {
    const at = new Date('2026-01-15T12:00:00Z'); // 19:00 in Jakarta, 01:00 next day in Auckland
    expect(ticketDatesSuggestOtherZone(venueDate(at, JAKARTA), serverList(at, 'Pacific/Auckland', 800, 40))).toMatchObject({
      direction: 'tomorrow',
      date: '2026-01-16',
      tickets: 800,
      todayTickets: 0,
    });
  });

  it('needs most tickets on one neighbouring day and few today, and enough tickets to tell', () => {
    const today = '2026-03-01';
    // Month and year boundaries: yesterday of 1 March is 28 February.
    expect(ticketDatesSuggestOtherZone(today, { '2026-02-28': 90, '2026-03-01': 10 })).toMatchObject({ direction: 'yesterday', date: '2026-02-28' });
    expect(ticketDatesSuggestOtherZone('2027-01-01', { '2026-12-31': 50 })).toMatchObject({ date: '2026-12-31' });
    // A real share today: a venue whose server also sends yesterday's list.
    expect(ticketDatesSuggestOtherZone(today, { '2026-02-28': 90, '2026-03-01': 11 })).toBeNull();
    // Not most: spread over the three days.
    expect(ticketDatesSuggestOtherZone(today, { '2026-02-28': 60, '2026-03-02': 40 })).toBeNull();
    // Too few to say anything.
    expect(ticketDatesSuggestOtherZone(today, { '2026-02-28': ZONE_CHECK_MIN_TICKETS - 1 })).toBeNull();
    // Tickets sold for next week are not a sign of anything.
    expect(ticketDatesSuggestOtherZone(today, { '2026-03-08': 5000, '2026-03-01': 5 })).toBeNull();
    expect(ticketDatesSuggestOtherZone(today, {})).toBeNull();
  });
});
