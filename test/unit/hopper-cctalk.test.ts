import { describe, expect, it } from 'vitest';
import {
  CcTalkReplyError,
  HEADER,
  classifyPayoutFault,
  createReplyReader,
  decodeFrame,
  encodeFrame,
  encodeTestFlags,
  hasValidChecksum,
  nextEventCounter,
  parseAck,
  parseDispenseAccepted,
  parseDispenseCount,
  parseEmergencyStop,
  parseHopperStatus,
  parseSerialNumber,
  parseTestFlags,
  replyData,
  simpleChecksum,
  type ReplyReaderEvent,
} from '../../main/hardware/hopper/cctalk';

const HOST = 1;
const HOPPER = 3;
const request = (header: number, data: number[] = []) => encodeFrame({ destination: HOPPER, source: HOST, header, data });
const reply = (data: number[] = [], header = 0) => encodeFrame({ destination: HOST, source: HOPPER, header, data });
const corrupt = (frame: Buffer) => {
  const copy = Buffer.from(frame);
  copy[copy.length - 1] = (copy[copy.length - 1]! + 1) & 0xff;
  return copy;
};
const replies = (events: ReplyReaderEvent[]) => events.flatMap((e) => (e.kind === 'reply' ? [[...e.frame.data]] : []));
const kinds = (events: ReplyReaderEvent[]) => events.map((e) => e.kind);

describe('ccTalk frames', () => {
  it('encodes [destination, length, source, header, data…, checksum] with all bytes summing to 0', () => {
    // Request hopper status from address 3, from host 1: the textbook frame 03 00 01 A6 56.
    expect([...request(HEADER.REQUEST_HOPPER_STATUS)]).toEqual([3, 0, 1, 166, 86]);
    // Enable hopper with 165: 03 01 01 A4 A5 B2.
    expect([...request(HEADER.ENABLE_HOPPER, [165])]).toEqual([3, 1, 1, 164, 165, 178]);
    const frame = encodeFrame({ destination: 3, source: 1, header: 167, data: [0x4e, 0x61, 0xbc, 20] });
    expect(frame.reduce((sum, b) => (sum + b) & 0xff, 0)).toBe(0);
    expect(hasValidChecksum(frame)).toBe(true);
    expect(simpleChecksum(Buffer.from([0]))).toBe(0);
    expect(simpleChecksum(Buffer.from([1, 0, 3, 0]))).toBe(252);
  });

  it('rejects values that do not fit a frame', () => {
    expect(() => encodeFrame({ destination: 256, source: 1, header: 0 })).toThrow(RangeError);
    expect(() => encodeFrame({ destination: 3, source: -1, header: 0 })).toThrow(RangeError);
    expect(() => encodeFrame({ destination: 3, source: 1, header: 1.5 })).toThrow(RangeError);
    expect(() => encodeFrame({ destination: 3, source: 1, header: 0, data: new Uint8Array(256) })).toThrow(RangeError);
  });

  it('decodes a frame, and refuses one with a wrong checksum or length', () => {
    expect(decodeFrame(reply([7, 0, 20, 0]))).toEqual({ destination: 1, source: 3, header: 0, data: Buffer.from([7, 0, 20, 0]) });
    expect(() => decodeFrame(corrupt(reply([7, 0, 20, 0])))).toThrow(/checksum/);
    expect(() => decodeFrame(reply([1, 2]).subarray(0, 6))).toThrow(/length/);
    expect(() => decodeFrame(Buffer.from([1, 0, 3]))).toThrow(/at least 5/);
  });
});

describe('reading replies from the bus', () => {
  const reader = () => createReplyReader({ hostAddress: HOST, deviceAddress: HOPPER });

  it('skips the echo of the frame just sent on a single-wire bus, then reads the reply', () => {
    const r = reader();
    const sent = request(HEADER.REQUEST_HOPPER_STATUS);
    r.expectEcho(sent);
    const events = r.push(Buffer.concat([sent, reply([7, 0, 20, 0])]));
    expect(kinds(events)).toEqual(['echo', 'reply']);
    expect(replies(events)).toEqual([[7, 0, 20, 0]]);
    expect(r.counts).toMatchObject({ echoes: 1, replies: 1, badChecksums: 0, garbageBytes: 0 });
  });

  it('reads the reply when the bus does not echo', () => {
    const r = reader();
    r.expectEcho(request(HEADER.REQUEST_HOPPER_STATUS));
    const events = r.push(reply([7, 0, 20, 0]));
    expect(kinds(events)).toEqual(['reply']);
  });

  it('reassembles echo and reply arriving one byte at a time', () => {
    const r = reader();
    const sent = request(HEADER.DISPENSE_HOPPER_COINS, [0x4e, 0x61, 0xbc, 20]);
    r.expectEcho(sent);
    const events: ReplyReaderEvent[] = [];
    for (const byte of Buffer.concat([sent, reply([9])])) events.push(...r.push(Buffer.from([byte])));
    expect(kinds(events)).toEqual(['echo', 'reply']);
    expect(replies(events)).toEqual([[9]]);
  });

  it('an echo is never taken for a reply, even when no echo was expected', () => {
    const r = reader();
    const events = r.push(Buffer.concat([request(HEADER.REQUEST_HOPPER_STATUS), reply([1, 0, 0, 0])]));
    expect(replies(events)).toEqual([[1, 0, 0, 0]]);
  });

  it('skips garbage before and between frames', () => {
    const r = reader();
    const events = r.push(Buffer.concat([Buffer.from([0xff, 0x00, 0x42]), reply([5, 0, 10, 0]), Buffer.from([0x99]), reply([])]));
    expect(replies(events)).toEqual([[5, 0, 10, 0], []]);
    expect(r.counts.garbageBytes).toBe(4);
  });

  it('drops a frame with a bad checksum and counts it: never a reply', () => {
    const r = reader();
    const events = r.push(Buffer.concat([corrupt(reply([7, 0, 20, 0])), reply([8, 0, 20, 0])]));
    expect(kinds(events)).toEqual(['bad-checksum', 'reply']);
    expect(replies(events)).toEqual([[8, 0, 20, 0]]);
    expect(r.counts.badChecksums).toBe(1);
  });

  it('a frame from another address or to another address is not a reply', () => {
    const r = reader();
    const fromElsewhere = encodeFrame({ destination: HOST, source: 2, header: 0, data: [1, 2, 3, 4] });
    const toElsewhere = encodeFrame({ destination: 5, source: HOPPER, header: 0, data: [1, 2, 3, 4] });
    expect(replies(r.push(Buffer.concat([fromElsewhere, toElsewhere])))).toEqual([]);
  });

  it('waits for the rest of a frame, and reset() forgets it', () => {
    const r = reader();
    const frame = reply([7, 0, 20, 0]);
    expect(r.push(frame.subarray(0, 5))).toEqual([]);
    expect(r.pending).toBe(5);
    r.reset();
    expect(r.push(frame.subarray(5))).toEqual([{ kind: 'garbage', bytes: Buffer.from(frame.subarray(5)) }]);
  });
});

describe('reply parsers', () => {
  it('hopper status: four bytes, and the three coin counts fit one command', () => {
    expect(parseHopperStatus(Buffer.from([7, 5, 15, 0]))).toEqual({ eventCounter: 7, coinsRemaining: 5, lastPaid: 15, lastUnpaid: 0 });
    expect(parseHopperStatus(Buffer.from([0, 0, 0, 0]))).toEqual({ eventCounter: 0, coinsRemaining: 0, lastPaid: 0, lastUnpaid: 0 });
    expect(() => parseHopperStatus(Buffer.from([7, 5, 15]))).toThrow(CcTalkReplyError);
    expect(() => parseHopperStatus(Buffer.from([7, 5, 15, 0, 0]))).toThrow(/4 data bytes/);
    expect(() => parseHopperStatus(Buffer.from([7, 200, 100, 0]))).toThrow(/exceeds one command/);
  });

  it('serial number: three bytes, kept as they are', () => {
    expect([...parseSerialNumber(Buffer.from([0x4e, 0x61, 0xbc]))]).toEqual([0x4e, 0x61, 0xbc]);
    expect(() => parseSerialNumber(Buffer.from([1, 2]))).toThrow(CcTalkReplyError);
    expect(() => parseSerialNumber(Buffer.from([1, 2, 3, 4]))).toThrow(CcTalkReplyError);
  });

  it('lifetime dispense count: three bytes, least significant first', () => {
    expect(parseDispenseCount(Buffer.from([0x10, 0x27, 0x00]))).toBe(10_000);
    expect(parseDispenseCount(Buffer.from([0xff, 0xff, 0xff]))).toBe(16_777_215);
    expect(() => parseDispenseCount(Buffer.from([1, 2]))).toThrow(CcTalkReplyError);
  });

  it('test flags: one to three registers, as names', () => {
    expect(parseTestFlags(Buffer.from([0]))).toEqual([]);
    expect(parseTestFlags(Buffer.from([0b0100_0010]))).toEqual(['payout-timeout', 'power-up-detected']);
    expect(parseTestFlags(Buffer.from([0x01, 0x40, 0x01]))).toEqual(['max-current-exceeded', 'nv-memory-checksum-error', 'power-down-during-payout']);
    expect(parseTestFlags(Buffer.from([0, 0, 0x80]))).toEqual(['register-3-bit-7']);
    expect(() => parseTestFlags(Buffer.from([]))).toThrow(CcTalkReplyError);
    expect(() => parseTestFlags(Buffer.from([0, 0, 0, 0]))).toThrow(CcTalkReplyError);
    expect(parseTestFlags(encodeTestFlags(['payout-timeout', 'power-down-during-payout']))).toEqual(['payout-timeout', 'power-down-during-payout']);
  });

  it('dispense reply: a bare ACK or a non-zero event counter', () => {
    expect(parseDispenseAccepted(Buffer.alloc(0))).toBeNull();
    expect(parseDispenseAccepted(Buffer.from([8]))).toBe(8);
    expect(() => parseDispenseAccepted(Buffer.from([0]))).toThrow(/never 0/);
    expect(() => parseDispenseAccepted(Buffer.from([1, 2]))).toThrow(CcTalkReplyError);
  });

  it('emergency stop and plain ACK have exact lengths', () => {
    expect(parseEmergencyStop(Buffer.from([12]))).toBe(12);
    expect(() => parseEmergencyStop(Buffer.alloc(0))).toThrow(CcTalkReplyError);
    expect(() => parseAck(Buffer.alloc(0))).not.toThrow();
    expect(() => parseAck(Buffer.from([0]))).toThrow(CcTalkReplyError);
  });

  it('NAK and BUSY are refusals, other headers are malformed', () => {
    expect(() => replyData(decodeFrame(reply([], HEADER.NAK)))).toThrow(expect.objectContaining({ problem: 'nak' }));
    expect(() => replyData(decodeFrame(reply([], HEADER.BUSY)))).toThrow(expect.objectContaining({ problem: 'busy' }));
    expect(() => replyData(decodeFrame(reply([1], 42)))).toThrow(expect.objectContaining({ problem: 'malformed' }));
    expect([...replyData(decodeFrame(reply([1, 2])))]).toEqual([1, 2]);
  });

  it('event counter wraps from 255 to 1, and faults are told apart by the flags', () => {
    expect([0, 1, 254, 255].map(nextEventCounter)).toEqual([1, 2, 255, 1]);
    expect(classifyPayoutFault(['payout-timeout'])).toBe('empty');
    expect(classifyPayoutFault(['payout-timeout', 'max-current-exceeded'])).toBe('jam');
    expect(classifyPayoutFault(['opto-blocked-during-payout'])).toBe('jam');
    expect(classifyPayoutFault([])).toBe('jam');
  });
});
