/**
 * The connection lifecycle every serial device shares (the scanner, the
 * hopper, the LoRa receiver next): the port is kept open for as long as the
 * device runs; one missing at start or unplugged later is retried with
 * backoff until stop(), and the attendant sees why it is not connected.
 * A driver adds only its protocol: what to do with the bytes of the current
 * port, and what to reset when a port comes or goes.
 *
 *  - generations: an open that completes after stop() (or after a stop and a
 *    new start) closes its port instead of adopting it;
 *  - bytes and losses of an old port never reach the driver;
 *  - presence: an open port's device node is watched, as the Linux binding
 *    may not notice a USB unplug (serialport/bindings-cpp#162);
 *  - one log line per change of state (opened, lost, a new reason for
 *    failing), never one per retry, so a device left unplugged for a week
 *    does not fill the log;
 *  - nothing throws to the caller or leaves an unhandled error.
 */
import fs from 'node:fs';
import type { CodedReason } from '../../preload/contract';
import type { Clock } from '../clock';
import type { ScopedLog } from '../log';
import { reconnectDelayMs } from './reconnect';
import type { OpenPortOptions } from './serial-port';

/** What the lifecycle needs of a port; a driver's port type may offer more (`write`). */
export interface DevicePort {
  /** Each chunk of bytes the device sends. */
  onData(listener: (chunk: Buffer) => void): void;
  /** Called at most once when the port goes away by itself (never because of `close()`). */
  onLost(listener: (reason: Error | null) => void): void;
  /** Resolves even if closing fails. */
  close(): Promise<void>;
}

/** Why a device is not connected, grouped so that repeated retries log only once. */
export interface DeviceProblem {
  kind: 'not-found' | 'unplugged' | 'lost' | 'permission' | 'busy' | 'failed';
  /** In English: the log, and a screen that does not know `reason`. */
  message: string;
  /** The same for the screen's language: `device-<kind>` with the device, its path and the OS's words (detail). */
  reason: CodedReason;
}

const problemOf = (kind: DeviceProblem['kind'], noun: string, path: string, message: string, detail?: string): DeviceProblem => ({
  kind,
  message,
  reason: { code: `device-${kind}`, params: { device: noun, path, ...(detail ? { detail } : {}) } },
});

export interface DeviceConnection {
  connected: boolean;
  /** Why it is not connected; null while connected, before start and after stop. */
  problem: DeviceProblem | null;
}

/** What a serial device's settings give every driver (the config's devices.<name>, plus test seams). */
export interface SerialDeviceSettings {
  /** Device path (prefer /dev/serial/by-id/... or a udev name); null: not configured, nothing is opened. */
  path: string | null;
  baudRate: number;
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
  /** Whether the device node exists; default a stat of the path. */
  deviceExists?: (path: string) => Promise<boolean>;
  log: ScopedLog;
  clock: Clock;
}

/** The settings alone, out of a driver's options (which carry its protocol's too). */
export const serialDeviceSettings = (options: SerialDeviceSettings): SerialDeviceSettings => ({
  path: options.path,
  baudRate: options.baudRate,
  reconnectMaxSeconds: options.reconnectMaxSeconds,
  reconnectInitialSeconds: options.reconnectInitialSeconds,
  presenceCheckSeconds: options.presenceCheckSeconds,
  deviceExists: options.deviceExists,
  log: options.log,
  clock: options.clock,
});

export interface ReconnectingDeviceOptions<Port extends DevicePort> extends SerialDeviceSettings {
  /** The device in the attendant's words: "scanner not found at …", "hopper unplugged from …". */
  noun: string;
  /** Opens the port, or rejects (or throws) with the reason it could not. */
  openPort(options: OpenPortOptions): Promise<Port>;
  /** Logged once when start() finds no path. */
  notConfiguredMessage: string;
  /** The log line for an opened port, e.g. "scanner connected at /dev/x, 9600 baud, CR". */
  openedMessage(devicePath: string): string;
  /** A port was opened: reset what belongs to one connection (a parser, a cached serial number). */
  onOpen?(port: Port): void;
  /** Bytes of the current port only. */
  onData(chunk: Buffer): void;
  /** The current port is gone (lost, or dropped by stop()): settle what waited on it. */
  onClose?(why: 'lost' | 'stopped'): void;
  /** stop() has closed the port; called before the last onChange. */
  onStopped?(): void;
  /** The connection or its problem changed (the driver publishes its status). */
  onChange(connection: DeviceConnection): void;
}

export interface ReconnectingDevice<Port extends DevicePort> {
  /** Opens the port (or starts retrying). Does nothing when the path is null or it already runs. */
  start(): void;
  /** Closes the port and cancels every timer; resolves when done. Safe to call twice. */
  stop(): Promise<void>;
  /** The open port; null while not connected. */
  port(): Port | null;
  /** Between start() and stop(). */
  running(): boolean;
  connection(): DeviceConnection;
}

const DEFAULT_RECONNECT_INITIAL_SECONDS = 0.5;
const DEFAULT_PRESENCE_CHECK_SECONDS = 1;
/** stop() never waits longer than this on a port that does not answer. */
const STOP_WAIT_MS = 2_000;

export const errorMessage = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).replace(/^Error:?\s*/, '');

/** Turns an open failure into words an attendant can act on (the binding gives no error codes). */
export function describeOpenFailure(noun: string, path: string, error: unknown): DeviceProblem {
  const message = errorMessage(error);
  const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : '';
  if (code === 'ENOENT' || /no such file or directory/i.test(message)) {
    return problemOf('not-found', noun, path, `${noun} not found at ${path}`);
  }
  if (code === 'EACCES' || /permission denied/i.test(message)) {
    return problemOf('permission', noun, path, `no permission to open the ${noun} at ${path} (is the kiosk user in the dialout group?)`);
  }
  if (code === 'EBUSY' || /cannot lock port|resource busy|port is locked/i.test(message)) {
    return problemOf('busy', noun, path, `${noun} at ${path} is in use by another program`);
  }
  return problemOf('failed', noun, path, `cannot open the ${noun} at ${path}: ${message}`, message);
}

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
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(done, done);
  });
}

/**
 * Watches that an open device's node still exists, every `intervalMs`.
 * Returns the function that stops watching.
 */
export function watchDevicePresence(
  devicePath: string,
  intervalMs: number,
  deviceExists: (path: string) => Promise<boolean>,
  onGone: () => void,
): () => void {
  if (intervalMs <= 0) return () => undefined;
  let checking = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    deviceExists(devicePath)
      .then((exists) => {
        if (!exists) onGone();
      }, () => undefined)
      .finally(() => {
        checking = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

export function createReconnectingDevice<Port extends DevicePort>(options: ReconnectingDeviceOptions<Port>): ReconnectingDevice<Port> {
  const { noun, path, baudRate, log, clock } = options;
  const deviceExists = options.deviceExists ?? statExists;
  const initialDelayMs = (options.reconnectInitialSeconds ?? DEFAULT_RECONNECT_INITIAL_SECONDS) * 1000;
  const maxDelayMs = Math.max(initialDelayMs, options.reconnectMaxSeconds * 1000);
  const presenceCheckMs = (options.presenceCheckSeconds ?? DEFAULT_PRESENCE_CHECK_SECONDS) * 1000;

  let running = false;
  /** Bumped by start() and stop(): an open that completes under another number closes its port. */
  let generation = 0;
  let port: Port | null = null;
  let openAttempt: Promise<void> | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let stopPresenceCheck: () => void = () => undefined;
  let failedAttempts = 0;
  /** What the status and the log currently say is wrong; null while connected. */
  let problem: DeviceProblem | null = null;
  /** Monotonic time the device became unavailable, for "back after N s" in the log. */
  let unavailableSinceMs: number | null = null;
  let stopping: Promise<void> | null = null;
  let reportedUnconfigured = false;

  const changed = (): void => {
    try {
      options.onChange({ connected: port !== null, problem });
    } catch (error) {
      log.error(`${noun} status listener failed:`, error);
    }
  };

  /** Records a reason for being unavailable; logs it only when it differs from the last one. */
  const reportProblem = (next: DeviceProblem): void => {
    // After a loss, "not found" on each retry is the expected consequence, not news:
    // keep saying what happened so the attendant sees it.
    if ((problem?.kind === 'unplugged' || problem?.kind === 'lost') && next.kind === 'not-found') return;
    if (problem?.message !== next.message) log.warn(`${next.message}; retrying (at most every ${maxDelayMs / 1000} s)`);
    problem = next;
    changed();
  };

  const scheduleRetry = (): void => {
    if (!running) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      attemptOpen();
    }, reconnectDelayMs(Math.max(failedAttempts, 1), initialDelayMs, maxDelayMs));
    // A kiosk that is shutting down must not be held alive by a reconnect timer.
    retryTimer.unref();
  };

  const portLost = (lostPort: Port, lost: DeviceProblem): void => {
    if (port !== lostPort) return; // already handled (a close event and an error, or the presence check)
    port = null;
    stopPresenceCheck();
    // Releases the file descriptor and the exclusive lock, so the replugged device can be opened.
    void lostPort.close().catch(() => undefined);
    options.onClose?.('lost');
    unavailableSinceMs = clock.monotonicMs();
    failedAttempts = 0;
    reportProblem(lost);
    scheduleRetry();
  };

  const adopt = (opened: Port, devicePath: string): void => {
    port = opened;
    failedAttempts = 0;
    options.onOpen?.(opened);
    opened.onData((chunk) => {
      if (port === opened) options.onData(chunk);
    });
    opened.onLost((reason) => {
      const unplugged = reason === null || (reason as { disconnected?: unknown }).disconnected === true;
      portLost(
        opened,
        unplugged
          ? problemOf('unplugged', noun, devicePath, `${noun} unplugged from ${devicePath}`)
          : problemOf('lost', noun, devicePath, `${noun} connection lost at ${devicePath}: ${errorMessage(reason)}`, errorMessage(reason)),
      );
    });
    const downFor = unavailableSinceMs === null ? null : clock.monotonicMs() - unavailableSinceMs;
    const after = problem && downFor !== null ? ` (${(downFor / 1000).toFixed(1)} s after: ${problem.message})` : '';
    log.info(`${options.openedMessage(devicePath)}${after}`);
    problem = null;
    unavailableSinceMs = null;
    changed();
    stopPresenceCheck = watchDevicePresence(devicePath, presenceCheckMs, deviceExists, () =>
      portLost(opened, problemOf('unplugged', noun, devicePath, `${noun} unplugged from ${devicePath}`)),
    );
  };

  const attemptOpen = (): void => {
    if (!running || path === null) return;
    const devicePath = path;
    const attemptGeneration = generation;
    const attempt = (async () => {
      let opened: Port;
      try {
        opened = await options.openPort({ path: devicePath, baudRate });
      } catch (error) {
        if (attemptGeneration !== generation) return;
        failedAttempts++;
        reportProblem(describeOpenFailure(noun, devicePath, error));
        scheduleRetry();
        return;
      }
      if (attemptGeneration !== generation) {
        await opened.close().catch(() => undefined); // stopped while opening
        return;
      }
      adopt(opened, devicePath);
    })().catch((error: unknown) => {
      // Only a bug gets here; keep the kiosk alive and keep trying.
      log.error(`${noun} driver error:`, error);
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
        if (!reportedUnconfigured) log.info(options.notConfiguredMessage);
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
      options.onClose?.('stopped');
      const pendingOpen = openAttempt;
      stopping = (async () => {
        // An open in flight closes its own port when it completes (its generation is stale).
        if (pendingOpen) await settleWithin(pendingOpen, STOP_WAIT_MS);
        if (openPortNow) await settleWithin(openPortNow.close(), STOP_WAIT_MS);
        if (stopGeneration !== generation) return; // started again meanwhile
        problem = null;
        unavailableSinceMs = null;
        options.onStopped?.();
        changed();
        log.info(`${noun} stopped (${path})`);
      })();
      return stopping;
    },

    port: () => port,
    running: () => running,
    connection: () => ({ connected: port !== null, problem }),
  };
}
