/**
 * The usage upload of CONTRACTS.md ("Gate tickets"): the seed's shape plus
 * Booth's admission events, as the outbox keeps it and as it is sent.
 */
import { z } from 'zod';
import { allowanceSchema } from './records';

export const USAGE_KIND = 'gate.usage';

/** One outbox queue per ticket: its uploads reach the server in the order they were made. */
export const usageOrderKey = (reference: string): string => `ticket:${reference}`;

const admissionEventSchema = z.object({ id: z.string(), attraction: z.string(), persons: z.number().int().positive(), at: z.string() });
export type AdmissionEvent = z.infer<typeof admissionEventSchema>;

/** What the outbox keeps for one upload. */
export const usagePayloadSchema = z.object({
  bookingDate: z.string(),
  referenceNo: z.string(),
  attractions: z.record(z.string(), allowanceSchema),
  admissions: z.array(admissionEventSchema),
  /** Kept locally, never sent: this upload restores a count the server lost (one at a time per ticket). */
  restore: z.boolean().optional(),
});
export type UsagePayload = z.infer<typeof usagePayloadSchema>;

/** The request body: the contract's fields only. */
export function usageRequestBody(payload: unknown): string {
  const { restore: _local, ...body } = usagePayloadSchema.parse(payload);
  return JSON.stringify(body);
}
