/**
 * What a scanner line means, before any lookup: a reference number, a test
 * ticket, or UNREADABLE with the reason. Pure.
 */
import type { UnreadableReason } from '../../preload/contract';

export type ScanCode =
  | { ok: true; reference: string; test: boolean }
  | { ok: false; reason: UnreadableReason };

// C0 controls and DEL (tab included); CR/LF are trimmed before this check.
const CONTROL = /[\u0000-\u001f\u007f]/;

export interface ScanCodeRules {
  maxLength: number;
  /** Compiled gate.referencePattern. */
  pattern: RegExp;
}

export function compileReferencePattern(source: string): RegExp {
  return new RegExp(source);
}

const TEST_SUFFIX = '-dummy';

export function readScanCode(raw: string, rules: ScanCodeRules): ScanCode {
  if (raw.length > rules.maxLength) return { ok: false, reason: 'too-long' };
  const text = raw.replace(/^[\s\r\n]+|[\s\r\n]+$/g, '');
  if (text.length === 0) return { ok: false, reason: 'empty' };
  if (CONTROL.test(text) || text.includes('\uFFFD')) return { ok: false, reason: 'control-bytes' };
  const match = rules.pattern.exec(text);
  const found = match ? (match[1] ?? match[0]) : undefined;
  if (!found || !match) return { ok: false, reason: 'no-reference' };
  // A test ticket's suffix in any case; one the pattern left out still makes it the test
  // ticket (a pattern stopping at the live reference must never admit it from a test code).
  const live = found.toLowerCase().endsWith(TEST_SUFFIX) ? found.slice(0, -TEST_SUFFIX.length) : found;
  if (!live) return { ok: false, reason: 'no-reference' };
  const end = text.indexOf(found, match.index) + found.length;
  const test = live !== found || text.slice(end, end + TEST_SUFFIX.length).toLowerCase() === TEST_SUFFIX;
  return { ok: true, reference: test ? `${live}${TEST_SUFFIX}` : live, test };
}
