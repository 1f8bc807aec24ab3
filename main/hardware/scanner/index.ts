/**
 * Driver for a line-based serial ticket scanner.
 *
 * It keeps the port open for as long as it runs: a scanner missing at start or
 * unplugged later is retried with exponential backoff until stop(), and the
 * attendant sees why it is not connected in status(). Nothing here throws to
 * the caller or leaves an unhandled error: a kiosk must keep admitting by
 * keyboard-wedge scanner while the serial one is away.
 *
 * Logs one line per change of state (opened, lost, a new reason for failing),
 * never one per retry, so a scanner left unplugged for a week does not fill
 * the log.
 */
import fs from 'node:fs';
import type { ScannerStatus } from '../../../preload/contract/gate';
import type { Clock } from '../../clock';
import type { ScopedLog } from '../../log';
import { reconnectDelayMs } from '../reconnect';
import { watchDevicePresence } from '../serial-port';
import { createLineSplitter, type LineTerminator, type ScannedLine } from './lines';
import { openSerialPort, type OpenScannerPort, type ScannerPort } from './serial-port';

export type { ScannerStatus } from '../../../preload/contract/gate';
export { createLineSplitter, hasControlCharacters, type LineSplitter, type LineSplitterOptions, type LineTerminator, type ScannedLine } from './lines';
export { reconnectDelayMs } from '../reconnect';
export { openSerialPort, serialStreamOpener, type OpenPortOptions, type OpenScannerPort, type ScannerPort, type SerialStream } from './serial-port';

export interface SerialScannerOptions {
  /** Device path (prefer /dev/serial/by-id/...); null: no serial scanner, nothing is opened. */
  path: string | null;
  baudRate: number;
  terminator: LineTerminator;
  /** Longest scan in bytes (gate.maxScanLength); longer lines arrive once with `tooLong`. */
  maxLength: number;
  /** Longest wait between reconnect attempts. */
  reconnectMaxSeconds: number;
  /** First wait after a failure or an unplug; doubles per failed attempt. Default 0.5 s. */
  reconnectInitialSeconds?: number;
  /**
   * How often an open port's device node is checked for existence. The Linux
   * binding may not notice a USB unplug (a hung-up tty reads 0 bytes forever,
   * serialport/bindings-cpp#162); udev removing the node is the reliable sign.
   * Default 1 s; 0 turns the check off.
   */
  presenceCheckSeconds?: number;
  log: ScopedLog;
  clock: Clock;
  /** Each complete line. Errors thrown (or rejected) here are logged, never fatal. */
  onLine(line: ScannedLine): void;
  /** Called whenever status() changes (connection, error, last scan). */
  onStatus(status: ScannerStatus): void;
  /** Opens the port; default the real `serialport`. Tests inject fakes or SerialPortMock. */
  openPort?: OpenScannerPort;
  /** Whether the device node exists; default a stat of the path. */
  deviceExists?: (path: string) => Promise<boolean>;
}

export interface SerialScanner {
  /** Opens the port (or starts retrying). Does nothing when the path is null or it already runs. */
  start(): void;
  /** Closes the port and cancels every timer; resolves when done. Safe to call twice. */
  stop(): Promise<void>;
  status(): ScannerStatus;
}

/** Why the scanner is not connected, grouped so that repeated retries log only once. */
export interface ScannerProblem {
  kind: 'not-found' | 'lost' | 'permission' | 'busy' | 'failed';
  /** Shown to the attendant as the status error. */
  message: string;
}

const DEFAULT_RECONNECT_INITIAL_SECONDS = 0.5;
const DEFAULT_PRESENCE_CHECK_SECONDS = 1;
/** stop() never waits longer than this on a port that does not answer. */
const STOP_WAIT_MS = 2_000;

const errorMessage = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).replace(/^Error:?\s*/, '');

/** Turns an open failure into words an attendant can act on (the binding gives no error codes). */
export function describeOpenFailure(path: string, error: unknown): ScannerProblem {
  const message = errorMessage(error);
  const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : '';
  if (code === 'ENOENT' || /no such file or directory/i.test(message)) {
    return { kind: 'not-found', message: `scanner not found at ${path}` };
  }
  if (code === 'EACCES' || /permission denied/i.test(message)) {
    return { kind: 'permission', message: `no permission to open the scanner at ${path} (is the kiosk user in the dialout group?)` };
  }
  if (code === 'EBUSY' || /cannot lock port|resource busy|port is locked/i.test(message)) {
    return { kind: 'busy', message: `scanner at ${path} is in use by another program` };
  }
  return { kind: 'failed', message: `cannot open the scanner at ${path}: ${message}` };
}

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';

async function statExists(path: string): Promise<boolean> {
  try {
    await fs.promises.stat(path);
    return true;
  } catch (error) {
    // Only "it is gone" counts; any other stat failure is not evidence of an unplug.
    const code = (error as NodeJS.ErrnoException).code;
    return !(code === 'ENOENT' || code === 'ENOTDIR');
  }
}

/** Resolves when the promise settles or after `ms`, whichever is first; the timer never holds the process. */
function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    promise.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}

export function createSerialScanner(options: SerialScannerOptions): SerialScanner {
  const { path, baudRate, log, clock } = options;
  const openPort = options.openPort ?? openSerialPort;
  const deviceExists = options.deviceExists ?? statExists;
  const initialDelayMs = (options.reconnectInitialSeconds ?? DEFAULT_RECONNECT_INITIAL_SECONDS) * 1000;
  const maxDelayMs = Math.max(initialDelayMs, options.reconnectMaxSeconds * 1000);
  const presenceCheckMs = (options.presenceCheckSeconds ?? DEFAULT_PRESENCE_CHECK_SECONDS) * 1000;
  const splitter = createLineSplitter({ terminator: options.terminator, maxLength: options.maxLength });

  let current: ScannerStatus = { configured: path !== null, connected: false, path, lastScanAt: null, error: null };
  let running = false;
  /**
   * Bumped by start() and stop(): an open that completes after stop() (or
   * after a stop and a new start) sees a different number and closes its port.
   */
  let generation = 0;
  let port: ScannerPort | null = null;
  let openAttempt: Promise<void> | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let stopPresenceCheck: () => void = () => undefined;
  let failedAttempts = 0;
  /** What the status and the log currently say is wrong; null while connected. */
  let problem: ScannerProblem | null = null;
  /** Monotonic time the scanner became unavailable, for "back after N s" in the log. */
  let unavailableSinceMs: number | null = null;
  let stopping: Promise<void> | null = null;
  let reportedUnconfigured = false;

  const setStatus = (patch: Partial<ScannerStatus>): void => {
    const next = { ...current, ...patch };
    if (
      next.configured === current.configured &&
      next.connected === current.connected &&
      next.path === current.path &&
      next.lastScanAt === current.lastScanAt &&
      next.error === current.error
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

  /** Records a reason for being unavailable; logs it only when it differs from the last one. */
  const reportProblem = (next: ScannerProblem): void => {
    // After an unplug, "not found" on each retry is the expected consequence, not news:
    // keep saying "unplugged" so the attendant sees what happened.
    if (problem?.kind === 'lost' && next.kind === 'not-found') return;
    if (problem?.message !== next.message) {
      log.warn(`${next.message}; retrying (at most every ${maxDelayMs / 1000} s)`);
    }
    problem = next;
    setStatus({ connected: false, error: next.message });
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

  const scheduleRetry = (): void => {
    if (!running) return;
    const delay = reconnectDelayMs(Math.max(failedAttempts, 1), initialDelayMs, maxDelayMs);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      attemptOpen();
    }, delay);
    // A kiosk that is shutting down must not be held alive by a reconnect timer.
    retryTimer.unref();
  };


  const portLost = (lostPort: ScannerPort, message: string): void => {
    if (port !== lostPort) return; // already handled (a close event and an error, or the presence check)
    port = null;
    stopPresenceCheck();
    // Releases the file descriptor and the exclusive lock, so the replugged device can be opened.
    void lostPort.close().catch(() => undefined);
    splitter.reset(); // half a scan must not join the first scan after the replug
    unavailableSinceMs = clock.monotonicMs();
    failedAttempts = 0;
    reportProblem({ kind: 'lost', message });
    scheduleRetry();
  };

  const adopt = (opened: ScannerPort, devicePath: string): void => {
    port = opened;
    failedAttempts = 0;
    splitter.reset();
    opened.onData((chunk) => {
      if (port !== opened) return;
      for (const line of splitter.push(chunk)) deliver(line);
    });
    opened.onLost((reason) => {
      const disconnected = reason === null || (reason as { disconnected?: unknown }).disconnected === true;
      portLost(
        opened,
        disconnected ? `scanner unplugged from ${devicePath}` : `scanner connection lost at ${devicePath}: ${errorMessage(reason)}`,
      );
    });
    const downFor = unavailableSinceMs === null ? null : clock.monotonicMs() - unavailableSinceMs;
    const after = problem && downFor !== null ? ` (${(downFor / 1000).toFixed(1)} s after: ${problem.message})` : '';
    log.info(`scanner connected at ${devicePath}, ${baudRate} baud, ${options.terminator}${after}`);
    problem = null;
    unavailableSinceMs = null;
    setStatus({ connected: true, error: null });
    stopPresenceCheck = watchDevicePresence(devicePath, presenceCheckMs, deviceExists, () =>
      portLost(opened, `scanner unplugged from ${devicePath}`),
    );
  };

  const attemptOpen = (): void => {
    if (!running || path === null) return;
    const devicePath = path;
    const attemptGeneration = generation;
    const attempt = (async () => {
      let opened: ScannerPort;
      try {
        opened = await openPort({ path: devicePath, baudRate });
      } catch (error) {
        if (attemptGeneration !== generation) return;
        failedAttempts++;
        reportProblem(describeOpenFailure(devicePath, error));
        scheduleRetry();
        return;
      }
      if (attemptGeneration !== generation) {
        await opened.close().catch(() => undefined); // stopped while opening
        return;
      }
      adopt(opened, devicePath);
    })().catch((error: unknown) => {
      // Only a bug in this file gets here; keep the kiosk alive and keep trying.
      log.error('scanner driver error:', error);
      if (attemptGeneration === generation && port === null) scheduleRetry();
    });
    openAttempt = attempt;
    void attempt.finally(() => {
      if (openAttempt === attempt) openAttempt = null;
    });
  };

  return {
    start() {
      if (path === null) {
        if (!reportedUnconfigured) log.info('no serial scanner configured (devices.scanner.path is null): keyboard-wedge scanners only');
        reportedUnconfigured = true;
        return;
      }
      if (running) return;
      running = true;
      stopping = null;
      generation++;
      failedAttempts = 0;
      unavailableSinceMs = clock.monotonicMs();
      attemptOpen();
    },

    stop() {
      if (!running) return stopping ?? Promise.resolve();
      running = false;
      generation++;
      const stopGeneration = generation;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      stopPresenceCheck();
      const openPortNow = port;
      port = null;
      const pendingOpen = openAttempt;
      stopping = (async () => {
        // An open in flight closes its own port when it completes (its generation is stale).
        if (pendingOpen) await settleWithin(pendingOpen, STOP_WAIT_MS);
        if (openPortNow) await settleWithin(openPortNow.close(), STOP_WAIT_MS);
        if (stopGeneration !== generation) return; // started again meanwhile
        splitter.reset();
        problem = null;
        unavailableSinceMs = null;
        setStatus({ connected: false, error: null });
        log.info(`scanner stopped (${path})`);
      })();
      return stopping;
    },

    status: () => ({ ...current }),
  };
}
