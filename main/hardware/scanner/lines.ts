/**
 * Splits the byte stream of a line-based serial scanner into scans.
 *
 * Pure: no I/O and no timers. The driver feeds it chunks as they arrive (a
 * code may come one byte at a time, or several codes in one chunk) and gets
 * whole lines back. Memory is fixed: the line buffer is allocated once at the
 * cap, and a longer line is reported once as too long and then skipped up to
 * its terminator, so a babbling or hostile device cannot grow it.
 *
 * Lines are returned as raw bytes plus their UTF-8 text and flags, so the gate
 * can decide UNREADABLE (too long, control bytes) without looking at bytes.
 */
import { isUtf8 } from 'node:buffer';

export type LineTerminator = 'CR' | 'LF' | 'CRLF';

export interface ScannedLine {
  /** The line as UTF-8 text; invalid sequences become U+FFFD (see `validUtf8`). */
  text: string;
  /** The raw bytes without the terminator. For a too-long line: its first `maxLength` bytes. */
  bytes: Buffer;
  /** The line had more than `maxLength` bytes (UNREADABLE, reason "too-long"). */
  tooLong: boolean;
  /**
   * The text holds a control character (C0 such as NUL, ESC, a stray CR or LF,
   * DEL, or C1): not something a ticket code contains (UNREADABLE, "control-bytes").
   */
  controlBytes: boolean;
  /** The bytes are valid UTF-8 (binary noise usually is not). */
  validUtf8: boolean;
}

export interface LineSplitterOptions {
  /**
   * What ends a line. CR: a CR, and an LF right after it is swallowed (so a
   * CRLF scanner works too). LF: an LF only; a CR is data. CRLF: CR LF, and a
   * lone LF also ends a line (scanners differ); a CR not followed by LF is data.
   */
  terminator: LineTerminator;
  /** Longest line in bytes; longer lines are reported once with `tooLong`. */
  maxLength: number;
}

export interface LineSplitter {
  /** Feeds a chunk; returns the lines it completed (possibly none). Never throws. */
  push(chunk: Uint8Array): ScannedLine[];
  /** Forgets a partial line (after a disconnect, so half a scan never joins the next one). */
  reset(): void;
  /** Bytes of the partial line held now; never more than `maxLength`. */
  readonly bufferedBytes: number;
}

const CR = 0x0d;
const LF = 0x0a;
// C0 controls, DEL and C1 controls, as code points of the decoded text.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/** True when the text holds a control character (the same rule the splitter flags). */
export const hasControlCharacters = (text: string): boolean => CONTROL_CHARACTER.test(text);

export function createLineSplitter(options: LineSplitterOptions): LineSplitter {
  const { terminator } = options;
  if (!Number.isInteger(options.maxLength) || options.maxLength < 1) {
    throw new RangeError(`maxLength must be a positive integer, got ${options.maxLength}`);
  }
  const maxLength = options.maxLength;
  const buffer = Buffer.alloc(maxLength);
  let length = 0;
  /** The current line went over the cap and was reported: skip to its terminator. */
  let skippingTooLong = false;
  /** CR mode: the previous byte was a terminating CR, so one LF right after it belongs to it. */
  let swallowNextLf = false;
  /** CRLF mode: a CR waits for the next byte to tell a terminator from data. */
  let pendingCr = false;

  const makeLine = (bytes: Buffer, tooLong: boolean): ScannedLine => {
    const text = bytes.toString('utf8');
    return { text, bytes, tooLong, controlBytes: CONTROL_CHARACTER.test(text), validUtf8: isUtf8(bytes) };
  };

  const append = (byte: number, out: ScannedLine[]): void => {
    if (skippingTooLong) return;
    if (length === maxLength) {
      // Report now rather than at the terminator: a device that never sends one
      // still produces one visible UNREADABLE instead of silence.
      out.push(makeLine(Buffer.from(buffer.subarray(0, length)), true));
      skippingTooLong = true;
      length = 0;
      return;
    }
    buffer[length++] = byte;
  };

  const endLine = (out: ScannedLine[]): void => {
    if (skippingTooLong) {
      skippingTooLong = false; // already reported when it went over the cap
    } else if (length > 0) {
      out.push(makeLine(Buffer.from(buffer.subarray(0, length)), false));
    }
    length = 0;
  };

  const push = (chunk: Uint8Array): ScannedLine[] => {
    const out: ScannedLine[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      switch (terminator) {
        case 'CR':
          if (swallowNextLf) {
            swallowNextLf = false;
            if (byte === LF) continue;
          }
          if (byte === CR) {
            endLine(out);
            swallowNextLf = true;
          } else {
            append(byte, out);
          }
          break;
        case 'LF':
          if (byte === LF) endLine(out);
          else append(byte, out);
          break;
        case 'CRLF':
          if (pendingCr) {
            pendingCr = false;
            if (byte === LF) {
              endLine(out);
              continue;
            }
            append(CR, out); // a CR inside a line is data (and flags control bytes)
          }
          if (byte === CR) pendingCr = true;
          else if (byte === LF) endLine(out);
          else append(byte, out);
          break;
      }
    }
    return out;
  };

  return {
    push,
    reset() {
      length = 0;
      skippingTooLong = false;
      swallowNextLf = false;
      pendingCr = false;
    },
    get bufferedBytes() {
      return length;
    },
  };
}
