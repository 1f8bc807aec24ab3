import { z } from 'zod';

/**
 * Why main refused something or what state it is in, as a code with values,
 * so the screen says it in its language (renderer/i18n: `reason.<code>`).
 * The English text travels beside it for logs and for a screen that does not
 * know the code yet.
 */
export const reasonCodeSchema = z.enum([
  // payout actions the attendant asked for
  'payout-nothing-owed',
  'payout-needs-hand-count',
  'payout-not-counted-yet',
  'payout-over-limit',
  'payout-cannot-pay-itself',
  'payout-hopper-stopped',
  'payout-owed-unknown',
  'payout-hand-count-not-whole',
  'payout-hand-count-below-seen',
  'payout-count-first',
  'payout-coins-still-owed',
  'payout-test-dispense-failed',
  // payout:start
  'payout-out-of-service',
  'payout-amount-not-offered',
  'payout-amount-not-coins',
  'payout-hopper-not-connected',
  'payout-interrupted-counting',
  'payout-not-enough-coins',
  'payout-in-progress',
  'payout-daily-limit',
  'payout-service-answered',
  'payout-service-unreadable',
  'payout-service-offline',
  // why the payout kiosk is out of service
  'oos-coins-low',
  'oos-stopped-count',
  'oos-stopped-owed',
  'oos-interrupted-uncountable',
  'oos-interrupted-owed',
  // why coins are owed (the owed list's detail)
  'owed-stopped',
  'owed-hand-counted',
  'owed-not-a-count',
  'owed-over-limit',
  'owed-job-differs',
  'owed-asked-more',
  'owed-asked-less',
  'owed-customer-left',
  'owed-not-created-here',
  'owed-paid-while-out-of-service',
  'owed-job-unreadable',
  'owed-interrupted',
  'owed-count-by-hand',
  // sessions actions the attendant asked for
  'sessions-no-resource',
  'sessions-resource-busy',
  'sessions-no-session',
  'sessions-too-long',
  'sessions-resource-active',
  'sessions-name-taken',
  'sessions-from-config',
  // why a LoRa payload failed (intake: lora_payload_buffer.error_reason)
  'intake-empty',
  'intake-too-long',
  'intake-not-ascii',
  'intake-parts',
  'intake-source-empty',
  'intake-batch-empty',
  'intake-lf-empty',
  'intake-uhf-empty',
  'intake-same-tags',
  'intake-unknown-source',
  'intake-length',
  'intake-batch-source',
  'intake-tags-elsewhere',
  'intake-tag-taken',
  // intake actions
  'intake-no-animal',
  'intake-no-pen',
  'intake-not-failed',
]);
export type ReasonCode = z.infer<typeof reasonCodeSchema>;

/** Values for the words: counts, amounts, references, a fault kind. Raw device text goes in `detail`. */
export const reasonParamsSchema = z.record(z.string().max(100), z.union([z.string().max(2000), z.number()]));

export const codedReasonSchema = z.object({ code: reasonCodeSchema, params: reasonParamsSchema.optional() });
export type CodedReason = z.infer<typeof codedReasonSchema>;
