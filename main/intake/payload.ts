/**
 * The pure rules of a LoRa payload (CONTRACTS.md "LoRa intake"):
 * `<source_type>:<batch_number>:<lf_tag>:<uhf_tag>`. No I/O: the LAN API and
 * the worker share them (the receiver line's pattern is main/hardware/lora/).
 */

export interface ParsedPayload {
  sourceType: string;
  batchNumber: string;
  lfTag: string;
  uhfTag: string;
}

export type PayloadError = { code: 'parse'; message: string };

export const MAX_PAYLOAD_LENGTH = 256;
/** What the buffer keeps of a longer payload (it failed anyway; a hostile peer cannot fill the disk per row). */
export const STORED_PAYLOAD_LENGTH = 1024;

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const PARTS = ['source type', 'batch number', 'LF tag', 'UHF tag'] as const;

export function parsePayload(payload: string): { ok: true; value: ParsedPayload } | { ok: false; error: PayloadError } {
  const fail = (message: string) => ({ ok: false as const, error: { code: 'parse' as const, message } });
  if (payload.length === 0) return fail('empty payload');
  if (payload.length > MAX_PAYLOAD_LENGTH) return fail(`longer than ${MAX_PAYLOAD_LENGTH} characters (${payload.length})`);
  if (!PRINTABLE_ASCII.test(payload)) return fail('characters outside printable ASCII');
  const parts = payload.split(':');
  if (parts.length !== 4) return fail(`${parts.length} parts, expected 4 (source_type:batch_number:lf_tag:uhf_tag)`);
  const empty = parts.findIndex((p) => p.trim() === '');
  if (empty >= 0) return fail(`the ${PARTS[empty]} is empty`);
  const [sourceType, batchNumber, lfTag, uhfTag] = parts as [string, string, string, string];
  if (lfTag === uhfTag) return fail('the LF and UHF tags are the same');
  return { ok: true, value: { sourceType, batchNumber, lfTag, uhfTag } };
}
