/**
 * Keyboard-wedge scanners type the code as a fast burst of key presses ending
 * in Enter. A burst is read from `event.code` (the physical key, named after
 * the US layout a scanner emulates) and Shift, so the result does not depend
 * on the keyboard layout the OS has; slow human typing is never a scan.
 */

/** Longest pause between two keys of one scan. Scanners send a key every few ms; people need 80 ms or more. */
export const WEDGE_MAX_GAP_MS = 50;
/** Fewer characters than this ending in Enter is not a scan (a stray Enter, a person typing fast). */
export const WEDGE_MIN_LENGTH = 4;
/** Longer bursts are still sent on (main says UNREADABLE), but the buffer stops growing. */
export const WEDGE_MAX_LENGTH = 4096;

const US_SYMBOLS: Readonly<Record<string, readonly [string, string]>> = {
  Minus: ['-', '_'],
  Equal: ['=', '+'],
  BracketLeft: ['[', '{'],
  BracketRight: [']', '}'],
  Backslash: ['\\', '|'],
  IntlBackslash: ['\\', '|'],
  Semicolon: [';', ':'],
  Quote: ["'", '"'],
  Comma: [',', '<'],
  Period: ['.', '>'],
  Slash: ['/', '?'],
  Backquote: ['`', '~'],
  Space: [' ', ' '],
};
const SHIFTED_DIGITS = ')!@#$%^&*(';
const NUMPAD: Readonly<Record<string, string>> = {
  NumpadDecimal: '.',
  NumpadSubtract: '-',
  NumpadAdd: '+',
  NumpadMultiply: '*',
  NumpadDivide: '/',
  NumpadEqual: '=',
  NumpadComma: ',',
};
/** Keys that add nothing to a scan but do not break a burst. */
const SILENT = new Set(['ShiftLeft', 'ShiftRight', 'CapsLock', 'NumLock']);

export interface WedgeKey {
  code: string;
  shiftKey: boolean;
  capsLock?: boolean;
}

/**
 * The character a US-layout key makes: a string, '' for a key that adds
 * nothing (Shift), or null for a key a scanner never sends in a code.
 */
export function decodeKey({ code, shiftKey, capsLock = false }: WedgeKey): string | null {
  if (SILENT.has(code)) return '';
  let m = /^Digit([0-9])$/.exec(code);
  if (m) return shiftKey ? SHIFTED_DIGITS[Number(m[1])]! : m[1]!;
  m = /^Key([A-Z])$/.exec(code);
  if (m) return shiftKey !== capsLock ? m[1]! : m[1]!.toLowerCase();
  m = /^Numpad([0-9])$/.exec(code);
  if (m) return m[1]!;
  if (NUMPAD[code] !== undefined) return NUMPAD[code]!;
  const symbol = US_SYMBOLS[code];
  if (symbol) return symbol[shiftKey ? 1 : 0];
  return null;
}

export const isEnter = (code: string) => code === 'Enter' || code === 'NumpadEnter';

export type WedgeStep =
  /** Not part of a scan as far as we know. */
  | { kind: 'idle' }
  /** Continues a fast burst: the key should not act on the screen. */
  | { kind: 'burst' }
  /** A complete scan. */
  | { kind: 'scan'; code: string };

/** Feeds key presses (with their time in ms, monotonic) and recognises scans. */
export class WedgeReader {
  private buffer = '';
  private last = -Infinity;
  /** A key a scanner never sends broke this burst: it is still a scan, but not a ticket code. */
  private garbled = false;

  constructor(private readonly maxGapMs = WEDGE_MAX_GAP_MS, private readonly minLength = WEDGE_MIN_LENGTH) {}

  reset(): void {
    this.buffer = '';
    this.garbled = false;
    this.last = -Infinity;
  }

  key(key: WedgeKey, at: number): WedgeStep {
    const fast = at - this.last <= this.maxGapMs;
    this.last = at;
    if (!fast) {
      this.buffer = '';
      this.garbled = false;
    }
    const continuing = fast && (this.buffer.length > 0 || this.garbled);
    if (isEnter(key.code)) {
      const complete = continuing && this.buffer.length + (this.garbled ? 1 : 0) >= this.minLength;
      const code = this.garbled ? `${this.buffer}\uFFFD` : this.buffer;
      this.buffer = '';
      this.garbled = false;
      return complete ? { kind: 'scan', code } : { kind: 'idle' };
    }
    const ch = decodeKey(key);
    // A key a scanner never sends starts no burst: arrow keys and Tab pressed quickly are the page's.
    if (ch === null && !continuing) return { kind: 'idle' };
    if (ch === null) this.garbled = true;
    else if (this.buffer.length < WEDGE_MAX_LENGTH) this.buffer += ch;
    return continuing ? { kind: 'burst' } : { kind: 'idle' };
  }
}
