/**
 * Why a release was not taken. `refused` codes are decisions about a signed
 * (or forged) release: the same manifest is refused again on the next check.
 * `failed` codes are the way there (network, server): tried again later.
 */
export const refusalCodes = [
  'manifest-too-large',
  'malformed',
  'unpinned-key',
  'bad-signature',
  'wrong-product',
  'wrong-channel',
  'wrong-arch',
  'expired',
  'older-than-running',
  'below-high-water',
  'reverted-before',
  'size-mismatch',
  'hash-mismatch',
  'too-large',
] as const;
export type RefusalCode = (typeof refusalCodes)[number];

export const failureCodes = ['insecure-url', 'redirect-refused', 'timeout', 'stalled', 'http-status', 'network', 'disk'] as const;
export type FailureCode = (typeof failureCodes)[number];

export interface Refusal {
  code: RefusalCode;
  /** One line for the log and the attendant (English; the screen translates the code). */
  message: string;
}

export function refuse(code: RefusalCode, message: string): { ok: false; refusal: Refusal } {
  return { ok: false, refusal: { code, message } };
}
