/**
 * ccTalk framing and the hopper's replies, as pure functions.
 *
 * A frame is [destination, data length, source, header, data…, checksum] and
 * all its bytes sum to 0 mod 256 (the "simple checksum"). A reply carries
 * header 0 (ACK, possibly with data), 5 (NAK) or 6 (BUSY).
 *
 * Everything here treats incoming bytes as hostile: a reply is turned into a
 * number only when its frame checksums, comes from the hopper's address to
 * ours, and has exactly the length and ranges the command defines. Anything
 * else is an error or is dropped and counted, never a guess: these numbers
 * decide how many coins a customer is owed.
 */

export const HEADER = {
  ACK: 0,
  NAK: 5,
  BUSY: 6,
  TEST_HOPPER: 163,
  ENABLE_HOPPER: 164,
  REQUEST_HOPPER_STATUS: 166,
  DISPENSE_HOPPER_COINS: 167,
  REQUEST_HOPPER_DISPENSE_COUNT: 168,
  EMERGENCY_STOP: 172,
  REQUEST_SERIAL_NUMBER: 242,
} as const;

/** Data byte of "enable hopper" (164) that enables payout; any other value disables it. */
export const ENABLE_CODE = 165;
/** One dispense command pays at most this many coins (the count is one byte). */
export const MAX_COINS_PER_DISPENSE = 255;
/** Header, addresses, length and checksum around the data. */
export const FRAME_OVERHEAD = 5;

export interface CcTalkFrame {
  destination: number;
  source: number;
  header: number;
  data: Buffer;
}

const isByte = (value: number): boolean => Number.isInteger(value) && value >= 0 && value <= 255;

/** The byte that makes all bytes of a frame sum to 0 mod 256. */
export function simpleChecksum(bytes: Uint8Array): number {
  let sum = 0;
  for (const byte of bytes) sum = (sum + byte) & 0xff;
  return (256 - sum) & 0xff;
}

/** Whether a complete frame's bytes (checksum included) sum to 0 mod 256. */
export function hasValidChecksum(frame: Uint8Array): boolean {
  let sum = 0;
  for (const byte of frame) sum = (sum + byte) & 0xff;
  return sum === 0;
}

export function encodeFrame(frame: { destination: number; source: number; header: number; data?: Uint8Array | readonly number[] }): Buffer {
  const data = Buffer.from(frame.data ?? []);
  for (const [name, value] of [
    ['destination', frame.destination],
    ['source', frame.source],
    ['header', frame.header],
  ] as const) {
    if (!isByte(value)) throw new RangeError(`ccTalk ${name} must be a byte, got ${value}`);
  }
  if (data.length > 255) throw new RangeError(`ccTalk data is at most 255 bytes, got ${data.length}`);
  const body = Buffer.from([frame.destination, data.length, frame.source, frame.header, ...data]);
  return Buffer.concat([body, Buffer.from([simpleChecksum(body)])]);
}

/** Decodes one complete frame; throws when the length or the checksum is wrong. */
export function decodeFrame(bytes: Uint8Array): CcTalkFrame {
  if (bytes.length < FRAME_OVERHEAD) throw new CcTalkReplyError('malformed', `a ccTalk frame has at least 5 bytes, got ${bytes.length}`);
  const dataLength = bytes[1]!;
  if (bytes.length !== dataLength + FRAME_OVERHEAD) {
    throw new CcTalkReplyError('malformed', `frame length ${bytes.length} does not match its data length ${dataLength}`);
  }
  if (!hasValidChecksum(bytes)) throw new CcTalkReplyError('bad-checksum', 'frame checksum does not add up');
  return { destination: bytes[0]!, source: bytes[2]!, header: bytes[3]!, data: Buffer.from(bytes.subarray(4, 4 + dataLength)) };
}

export type CcTalkReplyProblem = 'malformed' | 'bad-checksum' | 'nak' | 'busy';

/** A reply that cannot be trusted or was a refusal; never carries a number. */
export class CcTalkReplyError extends Error {
  constructor(
    readonly problem: CcTalkReplyProblem,
    message: string,
  ) {
    super(message);
    this.name = 'CcTalkReplyError';
  }
}

// ---- reading replies out of the byte stream ------------------------------------------------

export type ReplyReaderEvent =
  /** The host's own frame, read back from a single-wire bus. */
  | { kind: 'echo' }
  /** A complete frame from the hopper to the host with a valid checksum. */
  | { kind: 'reply'; frame: CcTalkFrame }
  /** A frame-shaped run of bytes whose checksum is wrong: dropped, never trusted. */
  | { kind: 'bad-checksum'; bytes: Buffer }
  /** Bytes that cannot start a reply to the host (noise, a frame for someone else). */
  | { kind: 'garbage'; bytes: Buffer };

export interface ReplyReaderCounts {
  echoes: number;
  replies: number;
  badChecksums: number;
  garbageBytes: number;
}

export interface ReplyReader {
  /**
   * The frame just sent: if the bus echoes, these exact bytes come back first
   * and are skipped. When the first byte that arrives is not the frame's first
   * byte, the bus does not echo and the expectation is dropped.
   */
  expectEcho(frame: Uint8Array): void;
  /** Bytes from the port; returns what they completed, in order. */
  push(chunk: Uint8Array): ReplyReaderEvent[];
  /** Forgets buffered bytes and any expected echo (a new command starts clean). */
  reset(): void;
  /** Bytes waiting for the rest of a frame. */
  readonly pending: number;
  readonly counts: Readonly<ReplyReaderCounts>;
}

/**
 * Splits the incoming bytes into echo, replies, bad frames and garbage.
 *
 * `@serialport/parser-cctalk` frames by the length byte alone: one noise byte
 * shifts every later frame until a pause, it does not check checksums, and it
 * cannot tell our own echo from a reply. This reader resynchronises on the
 * addresses instead: a reply starts with our address and has the hopper's
 * address as source; anything else is skipped a byte at a time. A frame with a
 * bad checksum is dropped whole (its length byte may be the corrupted one, so
 * bytes after it may be skipped as garbage: a missed reply is silence, which
 * callers handle; a misread one would be a false number).
 */
export function createReplyReader(options: { hostAddress: number; deviceAddress: number }): ReplyReader {
  const { hostAddress, deviceAddress } = options;
  let buffer = Buffer.alloc(0);
  let echo: Buffer | null = null;
  const counts: ReplyReaderCounts = { echoes: 0, replies: 0, badChecksums: 0, garbageBytes: 0 };

  const take = (length: number): Buffer => {
    const taken = buffer.subarray(0, length);
    buffer = buffer.subarray(length);
    return Buffer.from(taken);
  };

  const garbage = (events: ReplyReaderEvent[], length: number): void => {
    const bytes = take(length);
    counts.garbageBytes += bytes.length;
    // Consecutive garbage bytes are reported as one run.
    const last = events.at(-1);
    if (last?.kind === 'garbage') last.bytes = Buffer.concat([last.bytes, bytes]);
    else events.push({ kind: 'garbage', bytes });
  };

  /** Returns false when more bytes are needed. */
  const step = (events: ReplyReaderEvent[]): boolean => {
    if (echo) {
      const expected: Buffer = echo;
      const compared = Math.min(buffer.length, expected.length);
      let matching = 0;
      while (matching < compared && buffer[matching] === expected[matching]) matching++;
      if (matching === expected.length) {
        take(expected.length);
        echo = null;
        counts.echoes++;
        events.push({ kind: 'echo' });
        return true;
      }
      if (matching === compared) return false; // a prefix of the echo so far
      // Not our echo: either the bus does not echo (the reply starts with our
      // address, never with the hopper's) or the echo was damaged in transit.
      echo = null;
      if (matching > 0) garbage(events, matching);
      return true;
    }
    if (buffer[0] !== hostAddress) {
      garbage(events, 1);
      return true;
    }
    if (buffer.length < 3) return false;
    if (buffer[2] !== deviceAddress) {
      garbage(events, 1);
      return true;
    }
    const total = buffer[1]! + FRAME_OVERHEAD;
    if (buffer.length < total) return false;
    const bytes = take(total);
    if (!hasValidChecksum(bytes)) {
      counts.badChecksums++;
      events.push({ kind: 'bad-checksum', bytes });
      return true;
    }
    counts.replies++;
    events.push({ kind: 'reply', frame: decodeFrame(bytes) });
    return true;
  };

  return {
    expectEcho(frame) {
      echo = Buffer.from(frame);
    },
    push(chunk) {
      buffer = Buffer.concat([buffer, chunk]);
      const events: ReplyReaderEvent[] = [];
      while (buffer.length > 0 && step(events));
      return events;
    },
    reset() {
      buffer = Buffer.alloc(0);
      echo = null;
    },
    get pending() {
      return buffer.length;
    },
    counts,
  };
}

// ---- the hopper's replies ----------------------------------------------------------------

/**
 * Checks the reply header and returns its data: ACK (header 0) is the only
 * header that carries an answer; NAK and BUSY are refusals.
 */
export function replyData(frame: CcTalkFrame): Buffer {
  if (frame.header === HEADER.ACK) return frame.data;
  if (frame.header === HEADER.NAK) throw new CcTalkReplyError('nak', 'the hopper answered NAK');
  if (frame.header === HEADER.BUSY) throw new CcTalkReplyError('busy', 'the hopper answered BUSY');
  throw new CcTalkReplyError('malformed', `unexpected reply header ${frame.header}`);
}

function expectLength(data: Uint8Array, length: number, what: string): void {
  if (data.length !== length) throw new CcTalkReplyError('malformed', `${what}: expected ${length} data bytes, got ${data.length}`);
}

/** The event counter after one accepted dispense: 1..255, wrapping to 1 (0 only after a reset). */
export const nextEventCounter = (counter: number): number => (counter >= 255 ? 1 : counter + 1);

export interface HopperStatusReply {
  /** 0 after power-up or reset; 1..255 counting accepted dispense commands, wrapping to 1. */
  eventCounter: number;
  /** Coins of the current payout still to go; 0 when idle. */
  coinsRemaining: number;
  /** Coins paid by the last (or current) payout. */
  lastPaid: number;
  /** Coins the last payout failed to pay. */
  lastUnpaid: number;
}

/** 166 "request hopper status": [event counter][coins remaining][last paid][last unpaid]. */
export function parseHopperStatus(data: Uint8Array): HopperStatusReply {
  expectLength(data, 4, 'hopper status');
  const [eventCounter, coinsRemaining, lastPaid, lastUnpaid] = [data[0]!, data[1]!, data[2]!, data[3]!];
  // All three describe one command of at most 255 coins: paid + unpaid + remaining never exceeds it.
  if (coinsRemaining + lastPaid + lastUnpaid > MAX_COINS_PER_DISPENSE) {
    throw new CcTalkReplyError(
      'malformed',
      `hopper status: remaining ${coinsRemaining} + paid ${lastPaid} + unpaid ${lastUnpaid} exceeds one command of ${MAX_COINS_PER_DISPENSE}`,
    );
  }
  return { eventCounter, coinsRemaining, lastPaid, lastUnpaid };
}

/** 242 "request serial number": three bytes, LSB first; kept as bytes for the dispense command. */
export function parseSerialNumber(data: Uint8Array): Buffer {
  expectLength(data, 3, 'serial number');
  return Buffer.from(data);
}

/** 168 "request hopper dispense count": lifetime coins paid, 24 bits LSB first (survives power cuts). */
export function parseDispenseCount(data: Uint8Array): number {
  expectLength(data, 3, 'dispense count');
  return data[0]! + data[1]! * 256 + data[2]! * 65_536;
}

/** 172 "emergency stop": the coins of the stopped payout that were not paid. */
export function parseEmergencyStop(data: Uint8Array): number {
  expectLength(data, 1, 'emergency stop');
  return data[0]!;
}

/**
 * 167 "dispense hopper coins": ACK without data (SCH1 hoppers) or the
 * post-increment event counter (SCH2). Returns that counter, or null for a bare ACK.
 */
export function parseDispenseAccepted(data: Uint8Array): number | null {
  if (data.length === 0) return null;
  expectLength(data, 1, 'dispense reply');
  const counter = data[0]!;
  if (counter === 0) throw new CcTalkReplyError('malformed', 'dispense reply: an event counter after a dispense is never 0');
  return counter;
}

/** 164 "enable hopper" and other commands answered by a bare ACK. */
export function parseAck(data: Uint8Array): void {
  expectLength(data, 0, 'acknowledgement');
}

/** Names of the 163 "test hopper" flag bits, register by register, bit 0 first. */
export const HOPPER_TEST_FLAGS: readonly (readonly string[])[] = [
  [
    'max-current-exceeded',
    'payout-timeout',
    'motor-reversed-to-clear-jam',
    'opto-path-blocked-idle',
    'opto-short-circuit-idle',
    'opto-blocked-during-payout',
    'power-up-detected',
    'payout-disabled',
  ],
  [
    'opto-short-circuit-during-payout',
    'single-coin-mode',
    'use-other-hopper',
    'opto-finger-slider-mismatch',
    'motor-reverse-limit-reached',
    'inductive-coil-fault',
    'nv-memory-checksum-error',
    'pin-number-mechanism',
  ],
  ['power-down-during-payout', 'unknown-coin-type-paid', 'pin-number-incorrect', 'incorrect-cipher-key', 'encryption-enabled'],
];

/** 163 "test hopper": one to three flag registers (SCH1, SCH2, SCH3 hoppers) as flag names. */
export function parseTestFlags(data: Uint8Array): string[] {
  if (data.length < 1 || data.length > 3) throw new CcTalkReplyError('malformed', `test hopper: expected 1 to 3 flag bytes, got ${data.length}`);
  const names: string[] = [];
  data.forEach((register, index) => {
    for (let bit = 0; bit < 8; bit++) {
      if (register & (1 << bit)) names.push(HOPPER_TEST_FLAGS[index]?.[bit] ?? `register-${index + 1}-bit-${bit}`);
    }
  });
  return names;
}

/** Flag bytes for names (the simulator's side of parseTestFlags). */
export function encodeTestFlags(names: Iterable<string>, registers = 3): Buffer {
  const bytes = Buffer.alloc(registers);
  for (const name of names) {
    const index = HOPPER_TEST_FLAGS.findIndex((register) => register.includes(name));
    if (index < 0 || index >= registers) continue;
    bytes[index] = (bytes[index] ?? 0) | (1 << HOPPER_TEST_FLAGS[index]!.indexOf(name));
  }
  return bytes;
}

/** Flags that mean the coin path is blocked or the motor stalled, rather than the hopper ran dry. */
const JAM_FLAGS = new Set(['max-current-exceeded', 'opto-blocked-during-payout', 'motor-reverse-limit-reached']);

/**
 * Why a payout stopped with coins unpaid. A payout timeout (no coin seen while
 * the motor ran) without any sign of a blocked path is an empty hopper; every
 * other case is treated as a jam, which needs the attendant either way.
 */
export function classifyPayoutFault(flags: readonly string[]): 'jam' | 'empty' {
  if (flags.some((flag) => JAM_FLAGS.has(flag))) return 'jam';
  return flags.includes('payout-timeout') ? 'empty' : 'jam';
}
