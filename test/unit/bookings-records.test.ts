/**
 * The sync's quick check of a booking record accepts only what the schema
 * accepts, and gives the same record: a day of bookings stores the same rows
 * whichever of the two read them.
 */
import { describe, expect, it } from 'vitest';
import { bookingRecordSchema, wellFormedRecord } from '../../main/bookings/records';

const good = { booking_id: 'BK-123456', order_detail_id: 789, field_id: 1, date: '2025-01-23', start_time: '10:00:00', end_time: '12:00', status: 'success', field_name: 'Lapangan A', user_name: 'Ana', user_phone: '0812' };

describe('wellFormedRecord', () => {
  it('agrees with the schema on every record: the same result when it accepts, and never accepts what the schema refuses', () => {
    const variants: Record<string, unknown>[] = [
      good,
      { ...good, booking_id: 123456 },
      { ...good, booking_id: ' BK-1 ' },
      { ...good, booking_id: '' },
      { ...good, booking_id: 'x'.repeat(101) },
      { ...good, booking_id: -1 },
      { ...good, booking_id: 1.5 },
      { ...good, booking_id: null },
      { ...good, order_detail_id: '789' },
      { ...good, order_detail_id: 2 ** 60 },
      { ...good, field_id: 1.5 },
      { ...good, date: '2025-02-30' },
      { ...good, date: '2025-13-01' },
      { ...good, date: '25-01-23' },
      { ...good, start_time: '24:00' },
      { ...good, end_time: '9:00' },
      { ...good, status: '' },
      { ...good, status: 'x'.repeat(41) },
      { ...good, status: 7 },
      { ...good, field_name: null, user_name: undefined },
      { ...good, user_phone: 'x'.repeat(501) },
      { ...good, user_name: 42 },
      { ...good, extra: { nested: true } },
      Object.fromEntries(Object.entries(good).filter(([k]) => k !== 'field_name')),
      Object.fromEntries(Object.entries(good).filter(([k]) => k !== 'order_detail_id')),
    ];
    for (const raw of [...variants, null, 'text', 42, []]) {
      const quick = wellFormedRecord(raw);
      const schema = bookingRecordSchema.safeParse(raw);
      if (quick) expect(schema.success ? schema.data : 'refused', JSON.stringify(raw)).toEqual(quick);
    }
    // The plain ones are taken by the quick check.
    expect(wellFormedRecord(good)).not.toBeNull();
    expect(wellFormedRecord({ ...good, booking_id: 123456 })).toMatchObject({ booking_id: '123456' });
  });
});
