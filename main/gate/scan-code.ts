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

export function readScanCode(raw: string, rules: ScanCodeRules): ScanCode {
  if (raw.length > rules.maxLength) return { ok: false, reason: 'too-long' };
  const text = raw.replace(/^[\s\r\n]+|[\s\r\n]+$/g, '');
  if (text.length === 0) return { ok: false, reason: 'empty' };
  if (CONTROL.test(text) || text.includes('\uFFFD')) return { ok: false, reason: 'control-bytes' };
  const match = rules.pattern.exec(text);
  const reference = match ? (match[1] ?? match[0]) : undefined;
  if (!reference) return { ok: false, reason: 'no-reference' };
  return { ok: true, reference, test: reference.endsWith('-dummy') };
}
