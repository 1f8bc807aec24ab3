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

import type { CodedReason } from '../../preload/contract';

/** Why a payload does not parse: main's English (the replica's `error`) and the same as a code for the screen. */
export type PayloadError = { code: 'parse'; message: string; reason: CodedReason };

export const MAX_PAYLOAD_LENGTH = 256;
/** What the buffer keeps of a longer payload (it failed anyway; a hostile peer cannot fill the disk per row). */
export const STORED_PAYLOAD_LENGTH = 1024;

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const PARTS = ['source type', 'batch number', 'LF tag', 'UHF tag'] as const;
const EMPTY_PART_REASONS = ['intake-source-empty', 'intake-batch-empty', 'intake-lf-empty', 'intake-uhf-empty'] as const;

export function parsePayload(payload: string): { ok: true; value: ParsedPayload } | { ok: false; error: PayloadError } {
  const fail = (message: string, reason: CodedReason) => ({ ok: false as const, error: { code: 'parse' as const, message, reason } });
  if (payload.length === 0) return fail('empty payload', { code: 'intake-empty' });
  if (payload.length > MAX_PAYLOAD_LENGTH) {
    return fail(`longer than ${MAX_PAYLOAD_LENGTH} characters (${payload.length})`, { code: 'intake-too-long', params: { max: MAX_PAYLOAD_LENGTH, length: payload.length } });
  }
  if (!PRINTABLE_ASCII.test(payload)) return fail('characters outside printable ASCII', { code: 'intake-not-ascii' });
  const parts = payload.split(':');
  if (parts.length !== 4) return fail(`${parts.length} parts, expected 4 (source_type:batch_number:lf_tag:uhf_tag)`, { code: 'intake-parts', params: { parts: parts.length } });
  const empty = parts.findIndex((p) => p.trim() === '');
  if (empty >= 0) return fail(`the ${PARTS[empty]} is empty`, { code: EMPTY_PART_REASONS[empty]! });
  const [sourceType, batchNumber, lfTag, uhfTag] = parts as [string, string, string, string];
  return { ok: true, value: { sourceType, batchNumber, lfTag, uhfTag } };
}
