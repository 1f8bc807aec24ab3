/**
 * The ticket record of CONTRACTS.md ("Gate tickets"), validated where it
 * enters (download) and where it is read back (a row written by an older Booth).
 */
import { z } from 'zod';

export const allowanceSchema = z.object({
  pax: z.number().int().min(0).max(100_000),
  used: z.number().int().min(0).max(100_000),
});

export const ticketRecordSchema = z.looseObject({
  bookingDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'a date YYYY-MM-DD' }),
  referenceNo: z.string().min(1).max(64).regex(/^[\x21-\x7e]+$/, { error: 'printable ASCII' }),
  attractions: z.record(z.string().min(1).max(40), allowanceSchema),
});
export type TicketRecord = z.infer<typeof ticketRecordSchema>;

/** What a stored row's raw_json must hold for a decision. */
export const storedAttractionsSchema = z.object({ attractions: z.record(z.string(), allowanceSchema) });

/** The record's key for a log line, even when the record is malformed. */
export function recordKey(record: unknown): string | null {
  if (record && typeof record === 'object' && 'referenceNo' in record) {
    const ref = (record as { referenceNo: unknown }).referenceNo;
    if (typeof ref === 'string' && ref.length > 0 && ref.length <= 64) return ref;
  }
  return null;
}
