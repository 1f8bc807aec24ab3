/**
 * Driver for a line-based serial ticket scanner: the lines of the port that
 * main/hardware/reconnecting-device.ts keeps open (reconnect with backoff,
 * presence watch, one log line per change). Nothing here throws to the
 * caller: a kiosk must keep admitting by keyboard-wedge scanner while the
 * serial one is away.
 */
import type { ScannerStatus } from '../../../preload/contract/gate';
import {
  createReconnectingDevice,
  describeOpenFailure as describeDeviceOpenFailure,
  serialDeviceSettings,
  type DeviceProblem,
  type SerialDeviceSettings,
} from '../reconnecting-device';
import { createLineSplitter, type LineTerminator, type ScannedLine } from './lines';
import { openSerialPort, type OpenScannerPort, type ScannerPort } from './serial-port';

export type { ScannerStatus } from '../../../preload/contract/gate';
export { createLineSplitter, hasControlCharacters, type LineSplitter, type LineSplitterOptions, type LineTerminator, type ScannedLine } from './lines';
export { reconnectDelayMs } from '../reconnect';
export { openSerialPort, serialStreamOpener, type OpenPortOptions, type OpenScannerPort, type ScannerPort, type SerialStream } from './serial-port';

export interface SerialScannerOptions extends SerialDeviceSettings {
  terminator: LineTerminator;
  /** Longest scan in bytes (gate.maxScanLength); longer lines arrive once with `tooLong`. */
  maxLength: number;
  /** Each complete line. Errors thrown (or rejected) here are logged, never fatal. */
  onLine(line: ScannedLine): void;
  /** Called whenever status() changes (connection, error, last scan). */
  onStatus(status: ScannerStatus): void;
  /** Opens the port; default the real `serialport`. Tests inject fakes or SerialPortMock. */
  openPort?: OpenScannerPort;
}

export interface SerialScanner {
  /** Opens the port (or starts retrying). Does nothing when the path is null or it already runs. */
  start(): void;
  /** Closes the port and cancels every timer; resolves when done. Safe to call twice. */
  stop(): Promise<void>;
  status(): ScannerStatus;
}

/** Why the scanner is not connected (see DeviceProblem). */
export type ScannerProblem = DeviceProblem;

/** Turns an open failure into words an attendant can act on. */
export const describeOpenFailure = (path: string, error: unknown): ScannerProblem => describeDeviceOpenFailure('scanner', path, error);

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';

export function createSerialScanner(options: SerialScannerOptions): SerialScanner {
  const { path, log, clock } = options;
  const splitter = createLineSplitter({ terminator: options.terminator, maxLength: options.maxLength });
  let current: ScannerStatus = { configured: path !== null, connected: false, path, lastScanAt: null, error: null, errorCoded: null };

  const setStatus = (patch: Partial<ScannerStatus>): void => {
    const next = { ...current, ...patch };
    if (
      next.configured === current.configured &&
      next.connected === current.connected &&
      next.path === current.path &&
      next.lastScanAt === current.lastScanAt &&
      next.error === current.error &&
      JSON.stringify(next.errorCoded) === JSON.stringify(current.errorCoded)
    ) {
      return;
    }
    current = next;
    try {
      options.onStatus({ ...current });
    } catch (error) {
      log.error('scanner status listener failed:', error);
    }
  };

  const deliver = (line: ScannedLine): void => {
    setStatus({ lastScanAt: clock.now().toISOString() });
    try {
      const result: unknown = options.onLine(line);
      if (isPromiseLike(result)) {
        result.then(undefined, (error: unknown) => log.error('scanner line handler failed:', error));
      }
    } catch (error) {
      log.error('scanner line handler failed:', error);
    }
  };

  const device = createReconnectingDevice<ScannerPort>({
    ...serialDeviceSettings(options),
    noun: 'scanner',
    openPort: options.openPort ?? openSerialPort,
    notConfiguredMessage: 'no serial scanner configured (devices.scanner.path is null): keyboard-wedge scanners only',
    openedMessage: (devicePath) => `scanner connected at ${devicePath}, ${options.baudRate} baud, ${options.terminator}`,
    // Half a scan must not join the first scan of another connection.
    onOpen: () => splitter.reset(),
    onData: (chunk) => {
      for (const line of splitter.push(chunk)) deliver(line);
    },
    onClose: () => splitter.reset(),
    onChange: ({ connected, problem }) => setStatus({ connected, error: problem?.message ?? null, errorCoded: problem?.reason ?? null }),
  });

  return {
    start: () => device.start(),
    stop: () => device.stop(),
    status: () => ({ ...current }),
  };
}
