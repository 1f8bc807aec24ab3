/**
 * Driver for a serial LoRa receiver (seed 001): one line per packet, e.g. a
 * REYAX module's `+RCV=<addr>,<len>,<data>,<rssi>,<snr>`. The connection is
 * the shared lifecycle (main/hardware/reconnecting-device.ts); this adds only
 * the protocol: lines (capped, so a babbling radio cannot grow memory), the
 * configured pattern that finds the packet in a line, and the counters the
 * attendant sees. Lines that are not packets (the module's +OK, +READY,
 * noise) are counted and dropped. Nothing here throws to the caller.
 */
import type { LoraReceiverStatus } from '../../../preload/contract/intake';
import { createReconnectingDevice, serialDeviceSettings, type SerialDeviceSettings } from '../reconnecting-device';
import { createLineSplitter, type LineTerminator } from '../scanner/lines';
import { openSerialPort, type OpenScannerPort } from '../scanner/serial-port';

export type { LoraReceiverStatus } from '../../../preload/contract/intake';

/** A receiver line that matched the pattern: the payload and what the radio said about it. */
export interface ReceivedPacket {
  payload: string;
  rssi: number | null;
  snr: number | null;
  /** The length the radio announced, when the pattern has a "len" group. */
  announcedLength: number | null;
}

export interface LineMatcher {
  /** The packet in a line, or null when the line is not one (the module's +OK, noise). */
  match(line: string): ReceivedPacket | null;
}

const numberOrNull = (text: string | undefined, integer: boolean): number | null => {
  if (text === undefined || text === '') return null;
  const n = Number(text);
  if (!Number.isFinite(n)) return null;
  return integer ? Math.trunc(n) : n;
};

/**
 * Compiles the configured pattern (validated as a regular expression by the
 * config). The payload is the group named "payload", else the first group,
 * else the whole match.
 */
export function createLineMatcher(pattern: string): LineMatcher {
  const regex = new RegExp(pattern);
  return {
    match(line) {
      const m = regex.exec(line);
      if (!m) return null;
      const groups = m.groups ?? {};
      const payload = groups.payload ?? m[1] ?? m[0];
      return {
        payload,
        rssi: numberOrNull(groups.rssi, true),
        snr: numberOrNull(groups.snr, false),
        announcedLength: numberOrNull(groups.len, true),
      };
    },
  };
}

export interface LoraReceiverOptions extends SerialDeviceSettings {
  /** The configured setting; lines end at CR or LF whatever it says (see endLinesAtCrOrLf). */
  terminator: LineTerminator;
  /** The configured pattern (intake.receiver.pattern). */
  pattern: string;
  /** Longer lines are noise. */
  maxLineLength: number;
  /** Each packet, in the order the lines came. Errors thrown here are logged, never fatal. */
  onPacket(packet: ReceivedPacket): void;
  /** The connection changed (packets and counters are read with status(), not pushed per line). */
  onConnectionChange(status: LoraReceiverStatus): void;
  openPort?: OpenScannerPort;
}

export interface LoraReceiver {
  start(): void;
  stop(): Promise<void>;
  status(): LoraReceiverStatus;
}

const CR = 0x0d;
const LF = 0x0a;

/**
 * A packet line never holds a CR or an LF (a payload is printable ASCII), so
 * each of them ends a line whatever the receiver sends (CR LF, LF, a lone CR,
 * LF CR) and whatever the terminator setting says: a receiver that ends lines
 * otherwise than configured must not glue two packets into one noise line.
 * Empty lines between them are skipped by the splitter.
 */
function endLinesAtCrOrLf(chunk: Uint8Array): Uint8Array {
  if (!chunk.includes(CR)) return chunk;
  return chunk.map((byte) => (byte === CR ? LF : byte));
}

/**
 * Blanks, control bytes and undecodable bytes at either end of a line: a
 * receiver that just reset sends junk before its first line, some pad theirs
 * with blanks. Stripped before the pattern sees the line, so the packet in it
 * is not lost as noise; inside the line they stay (and fail the payload).
 */
// eslint-disable-next-line no-control-regex
const LINE_EDGE_JUNK = /^[\s\u0000-\u001f\u007f-\u009f\ufffd]+|[\s\u0000-\u001f\u007f-\u009f\ufffd]+$/g;

export function createLoraReceiver(options: LoraReceiverOptions): LoraReceiver {
  const { path, log, clock } = options;
  const matcher = createLineMatcher(options.pattern);
  // LF mode on bytes whose CRs are LFs (see endLinesAtCrOrLf).
  const splitter = createLineSplitter({ terminator: 'LF', maxLength: options.maxLineLength });
  const current: LoraReceiverStatus = {
    configured: path !== null,
    connected: false,
    path,
    error: null,
    errorCoded: null,
    lastPacketAt: null,
    packets: 0,
    noiseLines: 0,
    lastRssi: null,
    lastSnr: null,
  };

  const onLine = (text: string, tooLong: boolean): void => {
    const packet = tooLong ? null : matcher.match(text.replace(LINE_EDGE_JUNK, ''));
    if (!packet) {
      current.noiseLines++;
      return;
    }
    current.packets++;
    current.lastPacketAt = clock.now().toISOString();
    if (packet.rssi !== null) current.lastRssi = packet.rssi;
    if (packet.snr !== null) current.lastSnr = packet.snr;
    try {
      options.onPacket(packet);
    } catch (error) {
      log.error('LoRa packet handler failed:', error);
    }
  };

  const device = createReconnectingDevice({
    ...serialDeviceSettings(options),
    noun: 'LoRa receiver',
    openPort: options.openPort ?? openSerialPort,
    notConfiguredMessage: 'no LoRa receiver configured (intake.receiver.path is null): payloads arrive only through the LAN API',
    openedMessage: (devicePath) => `LoRa receiver connected at ${devicePath}, ${options.baudRate} baud`,
    // Half a line of one connection must not join the first line of the next.
    onOpen: () => splitter.reset(),
    onData: (chunk) => {
      for (const line of splitter.push(endLinesAtCrOrLf(chunk))) onLine(line.text, line.tooLong);
    },
    onClose: () => splitter.reset(),
    onChange: ({ connected, problem }) => {
      current.connected = connected;
      current.error = problem?.message ?? null;
      current.errorCoded = problem?.reason ?? null;
      try {
        options.onConnectionChange({ ...current });
      } catch (error) {
        log.error('LoRa status listener failed:', error);
      }
    },
  });

  return {
    start: () => device.start(),
    stop: () => device.stop(),
    status: () => ({ ...current }),
  };
}
