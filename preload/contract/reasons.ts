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
  // payout:start failing for a reason that is not the network
  'payout-start-failed',
  // a serial device not connected (params.device: scanner, hopper; params.path)
  'device-not-found',
  'device-unplugged',
  'device-lost',
  'device-permission',
  'device-busy',
  'device-failed',
  // a request to the cloud that got no usable answer (params.endpoint or params.target)
  'net-timeout',
  'net-unreachable',
  'net-given-up',
  'net-insecure',
  'net-redirect',
  // an upload (the outbox) not sent, or refused
  'upload-refused',
  'upload-server-error',
  'upload-unencodable',
  'upload-no-sender',
  'upload-no-answer',
  // a ticket download that failed or skipped records
  'download-interrupted',
  'download-http',
  'download-cut-off',
  'download-skipped',
  'download-failed',
  // an upload waiting, in the attendant's words (the outbox list)
  'outbox-usage',
  'outbox-usage-restore',
  'outbox-payout-paid',
  'outbox-payout-not-paid',
  'outbox-unreadable',
  // the gate's attendant actions
  'gate-flag-not-open',
  // audit details
  'audit-resolve-flag',
  'audit-pay-owed',
  'audit-hand-count',
  'audit-dismiss',
  'audit-job-run',
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
  // No longer given (the same number on both tags parses); kept so payloads failed with it before still show their reason.
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

/**
 * Values for the words: counts, amounts, references, a fault kind. Raw device
 * or server text goes in `detail` (shown beneath, as it came). An amount of
 * money is a number under `amount` or `coinValue`, with its
 * ISO code in `currency`: the screen writes it the venue's way ("Rp 5.000").
 * `fault`, `device`, `flagKind` and `owedReason` are words the screen
 * translates (renderer/components/ReasonText.tsx).
 */
export const reasonParamsSchema = z.record(z.string().max(100), z.union([z.string().max(2000), z.number()]));

export const codedReasonSchema = z.object({ code: reasonCodeSchema, params: reasonParamsSchema.optional() });
export type CodedReason = z.infer<typeof codedReasonSchema>;

/**
 * A coded reason stored as JSON (an audit detail, a download's error), checked
 * where it leaves the database: null for a row from an older kiosk (none) and
 * for one this version cannot read (a code from a newer one), so the row
 * shows its English.
 */
export function readStoredReason(text: string | null): CodedReason | null {
  if (text === null) return null;
  try {
    const parsed = codedReasonSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
