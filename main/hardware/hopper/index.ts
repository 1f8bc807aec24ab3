/**
 * Driver for a ccTalk coin hopper (headers 242, 163, 164, 166, 167, 168, 172).
 *
 * The payout ledger records each motor command before it calls dispense(),
 * with the counters read just before, and reconciles a lost outcome from the
 * counters afterwards. This driver's part of "never pay twice, never lose a
 * coin silently":
 *  - dispense() reads the status first and sends nothing unless the event
 *    counter is the one the ledger recorded and no payout is running;
 *  - it sends "dispense hopper coins" (167) exactly once: never retried, even
 *    when the reply is lost (the hopper may be paying);
 *  - it reports 'done', 'jam' or 'empty' only when the hopper's counters say
 *    so coherently (the event counter moved by exactly one); silence, a reset
 *    or numbers that do not add up are 'unknown', for the ledger to reconcile.
 *
 * Like the scanner, the port is kept open with reconnect and backoff; a
 * missing hopper is a status for the attendant, never a crash.
 */
import fs from 'node:fs';
import type { Clock } from '../../clock';
import type { ScopedLog } from '../../log';
import { reconnectDelayMs } from '../reconnect';
import { dispenseNakAdvice } from './advice';
import { watchDevicePresence } from '../serial-port';
import {
  CcTalkReplyError,
  ENABLE_CODE,
  HEADER,
  MAX_COINS_PER_DISPENSE,
  classifyPayoutFault,
  createReplyReader,
  encodeFrame,
  nextEventCounter,
  parseAck,
  parseDispenseAccepted,
  parseDispenseCount,
  parseEmergencyStop,
  parseHopperStatus,
  parseSerialNumber,
  parseTestFlags,
  replyData,
  type CcTalkFrame,
  type HopperStatusReply,
} from './cctalk';
import { openHopperSerialPort, type HopperPort, type OpenHopperPort } from './serial-port';

export * from './cctalk';
export { hopperStreamOpener, openHopperSerialPort, type HopperPort, type HopperSerialStream, type OpenHopperPort, type OpenHopperPortOptions } from './serial-port';

/** The hopper's counters, as the ledger records them before a command and reconciles from after. */
export interface HopperCounters {
  eventCounter: number;
  coinsRemaining: number;
  lastPaid: number;
  lastUnpaid: number;
  /** Lifetime coins paid (survives a power cut); null when the hopper does not support 168. */
  lifetime: number | null;
}

export type DispenseOutcome = 'done' | 'jam' | 'empty' | 'unknown' | 'refused' | 'state-changed';

export interface DispenseResult {
  /**
   * done: all coins paid. jam / empty: the hopper stopped and says how many it
   * paid. refused: nothing was paid (NAK, or the command was never sent).
   * state-changed: nothing was sent, the hopper is not in the state the caller
   * recorded. unknown: the outcome is not known (silence, reset, incoherent
   * counters): reconcile from readCounters() later, never pay again.
   */
  outcome: DispenseOutcome;
  /** Coins the hopper says it paid for this command; a lower bound when unknown. */
  paid: number;
  /** Coins the hopper says it did not pay; for unknown, the coins not known to be paid. */
  unpaid: number;
  /** The event counter last read coherently, null when none was read. */
  eventCounter: number | null;
  /** Whether 167 went out on the bus: false means no coin can have moved because of this call. */
  commandSent: boolean;
  /** What happened, in words for the log and the attendant. */
  detail: string;
}

export interface HopperDriverStatus {
  /** false when no hopper path is configured. */
  configured: boolean;
  connected: boolean;
  path: string | null;
  /** The connection problem, else the last communication problem, else the last payout fault. */
  lastError: string | null;
}

export interface HopperDiagnostics {
  echoes: number;
  replies: number;
  badChecksums: number;
  garbageBytes: number;
  /** Tries that ended without a usable reply (timeout, bad checksum, malformed). */
  unanswered: number;
  /** Valid replies that arrived while no command waited (late answers), dropped. */
  unsolicited: number;
}

export interface CcTalkHopperOptions {
  /** Device path (prefer /dev/booth-hopper); null: no hopper, nothing is opened. */
  path: string | null;
  baudRate: number;
  /** ccTalk address of the hopper (usually 3). */
  address: number;
  /** ccTalk address of the kiosk (usually 1). */
  hostAddress: number;
  /** Use the serial-number form of 167 ([serial ×3][count]); false: the plain form ([count]). */
  serialNumberDispense: boolean;
  /** How long one try waits for a reply. */
  replyTimeoutMs: number;
  reconnectMaxSeconds: number;
  /** First wait after a failed open or an unplug; doubles per failure. Default 0.5 s. */
  reconnectInitialSeconds?: number;
  /** How often an open port's device node is checked for existence (unplug detection). Default 1 s; 0: off. */
  presenceCheckSeconds?: number;
  /** Status polling during a payout. Default 100 ms. */
  pollIntervalMs?: number;
  /** A payout whose counters do not move for this long is halted with an emergency stop. Default 10 s. */
  stallTimeoutMs?: number;
  /** Consecutive status polls without a usable reply (each tried twice) before the outcome is unknown. Default 5. */
  unansweredPollLimit?: number;
  log: ScopedLog;
  clock: Clock;
  /** Called whenever status() changes. */
  onStatus?(status: HopperDriverStatus): void;
  /** Opens the port; default the real `serialport`. Tests inject fakes. */
  openPort?: OpenHopperPort;
  /** Whether the device node exists; default a stat of the path. */
  deviceExists?: (path: string) => Promise<boolean>;
}

export interface CcTalkHopper {
  /** Opens the port (or starts retrying). Does nothing when the path is null or it already runs. */
  start(): void;
  /** Closes the port and cancels every timer. Safe to call twice. */
  stop(): Promise<void>;
  status(): HopperDriverStatus;
  /** Status (166) and lifetime count (168). Rejects with HopperCommandError when the hopper cannot tell. */
  readCounters(): Promise<HopperCounters>;
  /** One motor command of 1..255 coins; see DispenseResult. Rejects only for an invalid count (RangeError). */
  dispense(coins: number, options: { expectedEventCounter: number }, onProgress?: (paidSoFar: number) => void): Promise<DispenseResult>;
  /** 163 "test hopper" flags as names (see HOPPER_TEST_FLAGS). */
  test(): Promise<string[]>;
  /** 172: halts a payout; resolves with the coins it left unpaid. */
  emergencyStop(): Promise<number>;
  diagnostics(): HopperDiagnostics;
}

export type HopperCommandProblem = 'not-connected' | 'no-reply' | 'malformed' | 'refused';

/** A command that got no trustworthy answer; never carries a number. */
export class HopperCommandError extends Error {
  constructor(
    readonly problem: HopperCommandProblem,
    message: string,
  ) {
    super(message);
    this.name = 'HopperCommandError';
  }
}

const DEFAULT_RECONNECT_INITIAL_SECONDS = 0.5;
const DEFAULT_PRESENCE_CHECK_SECONDS = 1;
const DEFAULT_POLL_INTERVAL_MS = 100;
const DEFAULT_STALL_TIMEOUT_MS = 10_000;
const DEFAULT_UNANSWERED_POLL_LIMIT = 5;
const STOP_WAIT_MS = 2_000;

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error)).replace(/^Error:?\s*/, '');

/** Turns an open failure into words an attendant can act on. */
export function describeHopperOpenFailure(path: string, error: unknown): string {
  const message = errorMessage(error);
  const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : '';
  if (code === 'ENOENT' || /no such file or directory/i.test(message)) return `hopper not found at ${path}`;
  if (code === 'EACCES' || /permission denied/i.test(message)) return `no permission to open the hopper at ${path} (is the kiosk user in the dialout group?)`;
  if (code === 'EBUSY' || /cannot lock port|resource busy|port is locked/i.test(message)) return `hopper at ${path} is in use by another program`;
  return `cannot open the hopper at ${path}: ${message}`;
}

async function statExists(path: string): Promise<boolean> {
  try {
    await fs.promises.stat(path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return !(code === 'ENOENT' || code === 'ENOTDIR');
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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

type TryResult = { kind: 'reply'; frame: CcTalkFrame } | { kind: 'no-reply'; reason: string };

interface PendingTry {
  settle(result: TryResult): void;
}

export function createCcTalkHopper(options: CcTalkHopperOptions): CcTalkHopper {
  const { path, baudRate, address, hostAddress, replyTimeoutMs, log, clock } = options;
  const openPort = options.openPort ?? openHopperSerialPort;
  const deviceExists = options.deviceExists ?? statExists;
  const initialDelayMs = (options.reconnectInitialSeconds ?? DEFAULT_RECONNECT_INITIAL_SECONDS) * 1000;
  const maxDelayMs = Math.max(initialDelayMs, options.reconnectMaxSeconds * 1000);
  const presenceCheckMs = (options.presenceCheckSeconds ?? DEFAULT_PRESENCE_CHECK_SECONDS) * 1000;
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  const unansweredPollLimit = options.unansweredPollLimit ?? DEFAULT_UNANSWERED_POLL_LIMIT;
  if (address === hostAddress) throw new RangeError('the hopper and the host need different ccTalk addresses');

  // ---- status -------------------------------------------------------------------------------
  let connectionProblem: string | null = null;
  let communicationProblem: string | null = null;
  let payoutFault: string | null = null;
  let current: HopperDriverStatus = { configured: path !== null, connected: false, path, lastError: null };

  const publishStatus = (connected: boolean): void => {
    const next: HopperDriverStatus = { configured: path !== null, connected, path, lastError: connectionProblem ?? communicationProblem ?? payoutFault };
    if (next.connected === current.connected && next.lastError === current.lastError) return;
    current = next;
    try {
      options.onStatus?.({ ...current });
    } catch (error) {
      log.error('hopper status listener failed:', error);
    }
  };

  // ---- connection (as the scanner: generations, backoff, presence check) --------------------
  let running = false;
  let generation = 0;
  let port: HopperPort | null = null;
  let openAttempt: Promise<void> | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let stopPresenceCheck: () => void = () => undefined;
  let failedAttempts = 0;
  let stopping: Promise<void> | null = null;
  /** Read from the hopper once per connection: a different hopper may be plugged in after an unplug. */
  let serialNumber: Buffer | null = null;

  const reportConnectionProblem = (message: string): void => {
    if (connectionProblem !== message) log.warn(`${message}; retrying (at most every ${maxDelayMs / 1000} s)`);
    connectionProblem = message;
    publishStatus(false);
  };

  const scheduleRetry = (): void => {
    if (!running) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      attemptOpen();
    }, reconnectDelayMs(Math.max(failedAttempts, 1), initialDelayMs, maxDelayMs));
    retryTimer.unref(); // a kiosk shutting down is not held alive by a reconnect
  };


  const portLost = (lostPort: HopperPort, message: string): void => {
    if (port !== lostPort) return;
    port = null;
    serialNumber = null;
    stopPresenceCheck();
    void lostPort.close().catch(() => undefined);
    pending?.settle({ kind: 'no-reply', reason: 'the connection was lost' });
    failedAttempts = 0;
    reportConnectionProblem(message);
    scheduleRetry();
  };

  const adopt = (opened: HopperPort, devicePath: string): void => {
    port = opened;
    failedAttempts = 0;
    serialNumber = null;
    reader.reset();
    opened.onData((chunk) => {
      if (port === opened) onBytes(chunk);
    });
    opened.onLost((reason) => {
      const unplugged = reason === null || (reason as { disconnected?: unknown }).disconnected === true;
      portLost(opened, unplugged ? `hopper unplugged from ${devicePath}` : `hopper connection lost at ${devicePath}: ${errorMessage(reason)}`);
    });
    log.info(`hopper port open at ${devicePath}, ${baudRate} baud, ccTalk address ${address}${connectionProblem ? ` (was: ${connectionProblem})` : ''}`);
    connectionProblem = null;
    publishStatus(true);
    stopPresenceCheck = watchDevicePresence(devicePath, presenceCheckMs, deviceExists, () =>
      portLost(opened, `hopper unplugged from ${devicePath}`),
    );
  };

  const attemptOpen = (): void => {
    if (!running || path === null) return;
    const devicePath = path;
    const attemptGeneration = generation;
    const attempt = (async () => {
      let opened: HopperPort;
      try {
        opened = await openPort({ path: devicePath, baudRate });
      } catch (error) {
        if (attemptGeneration !== generation) return;
        failedAttempts++;
        const message = describeHopperOpenFailure(devicePath, error);
        // After an unplug, "not found" on each retry is expected: keep saying "unplugged".
        if (!(connectionProblem?.startsWith('hopper unplugged') && message.startsWith('hopper not found'))) reportConnectionProblem(message);
        scheduleRetry();
        return;
      }
      if (attemptGeneration !== generation) {
        await opened.close().catch(() => undefined);
        return;
      }
      adopt(opened, devicePath);
    })().catch((error: unknown) => {
      log.error('hopper driver error:', error);
      if (attemptGeneration === generation && port === null) scheduleRetry();
    });
    openAttempt = attempt;
    void attempt.finally(() => {
      if (openAttempt === attempt) openAttempt = null;
    });
  };

  // ---- the bus: one command at a time -------------------------------------------------------
  const reader = createReplyReader({ hostAddress, deviceAddress: address });
  let pending: PendingTry | null = null;
  /**
   * Set when a try ended without its reply: the reply may still be on its
   * way. The next command waits one reply time and drops what arrived, so a
   * late ACK can never be read as the answer to the next command.
   */
  let busMayHaveLateReply = false;
  let unansweredTries = 0;
  let unsolicitedReplies = 0;

  function onBytes(chunk: Buffer): void {
    for (const event of reader.push(chunk)) {
      if (event.kind === 'reply') {
        if (pending) pending.settle({ kind: 'reply', frame: event.frame });
        else unsolicitedReplies++;
      } else if (event.kind === 'bad-checksum') {
        // The hopper's answer was damaged: for this try it is silence, never a number.
        pending?.settle({ kind: 'no-reply', reason: 'a reply with a bad checksum' });
      }
    }
  }

  let busTail: Promise<unknown> = Promise.resolve();
  const onBus = <T>(work: () => Promise<T>): Promise<T> => {
    const run = busTail.then(work, work);
    busTail = run.catch(() => undefined);
    return run;
  };

  async function sendOnce(header: number, data: readonly number[]): Promise<TryResult> {
    if (busMayHaveLateReply) {
      await sleep(replyTimeoutMs);
      busMayHaveLateReply = false;
    }
    const openNow = port;
    if (!openNow) return { kind: 'no-reply', reason: 'the hopper is not connected' };
    reader.reset(); // whatever arrived between commands answers nothing we asked
    const frame = encodeFrame({ destination: address, source: hostAddress, header, data });
    reader.expectEcho(frame);
    return new Promise<TryResult>((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const entry: PendingTry = {
        settle(result) {
          if (pending !== entry) return;
          pending = null;
          if (timer) clearTimeout(timer);
          if (result.kind === 'no-reply') {
            busMayHaveLateReply = true;
            unansweredTries++;
          }
          resolve(result);
        },
      };
      pending = entry;
      openNow.write(frame).then(
        () => {
          if (pending === entry) timer = setTimeout(() => entry.settle({ kind: 'no-reply', reason: `no reply within ${replyTimeoutMs} ms` }), replyTimeoutMs);
        },
        (error: unknown) => entry.settle({ kind: 'no-reply', reason: `write failed: ${errorMessage(error)}` }),
      );
    });
  }

  /**
   * One command with its reply parsed. `retryOnce`: a second try after
   * silence, a bad checksum or a malformed reply (only for commands that are
   * safe to repeat). A NAK or BUSY is an answer and is never retried.
   */
  function request<T>(label: string, header: number, data: readonly number[], parse: (data: Buffer) => T, retryOnce: boolean): Promise<T> {
    return onBus(async () => {
      let lastProblem: HopperCommandError | null = null;
      for (let attempt = 0; attempt < (retryOnce ? 2 : 1); attempt++) {
        if (!port) throw new HopperCommandError('not-connected', `the hopper is not connected${path ? ` (${path})` : ''}`);
        const result = await sendOnce(header, data);
        if (result.kind === 'no-reply') {
          lastProblem = new HopperCommandError(port ? 'no-reply' : 'not-connected', `${label}: ${result.reason}`);
          continue;
        }
        try {
          const parsed = parse(replyData(result.frame));
          communicationProblem = null;
          publishStatus(port !== null);
          return parsed;
        } catch (error) {
          if (error instanceof CcTalkReplyError && (error.problem === 'nak' || error.problem === 'busy')) {
            throw new HopperCommandError('refused', `${label}: ${error.message}`);
          }
          lastProblem = new HopperCommandError('malformed', `${label}: ${errorMessage(error)}`);
          busMayHaveLateReply = true;
        }
      }
      const problem = lastProblem ?? new HopperCommandError('no-reply', `${label}: no reply`);
      communicationProblem = problem.message;
      publishStatus(port !== null);
      throw problem;
    });
  }

  const readStatus = () => request('request hopper status (166)', HEADER.REQUEST_HOPPER_STATUS, [], parseHopperStatus, true);
  const readTestFlags = () => request('test hopper (163)', HEADER.TEST_HOPPER, [], parseTestFlags, true);

  async function readSerialNumber(): Promise<Buffer> {
    if (serialNumber) return serialNumber;
    const askedOn = port;
    const read = await request('request serial number (242)', HEADER.REQUEST_SERIAL_NUMBER, [], parseSerialNumber, true);
    if (port === askedOn) serialNumber = read; // not kept across a reconnect that happened meanwhile
    return read;
  }

  async function readCounters(): Promise<HopperCounters> {
    const status = await readStatus();
    let lifetime: number | null;
    try {
      lifetime = await request('request hopper dispense count (168)', HEADER.REQUEST_HOPPER_DISPENSE_COUNT, [], parseDispenseCount, true);
    } catch (error) {
      // A hopper without a lifetime count says so with a NAK; silence is not "no count".
      if (error instanceof HopperCommandError && error.problem === 'refused') lifetime = null;
      else throw error;
    }
    return { ...status, lifetime };
  }

  // ---- dispense ---------------------------------------------------------------------------
  let dispensing = false;

  const tryStatus = async (): Promise<HopperStatusReply | HopperCommandError> => {
    try {
      return await readStatus();
    } catch (error) {
      if (error instanceof HopperCommandError) return error;
      throw error;
    }
  };

  async function dispenseOnce(coins: number, expectedEventCounter: number, onProgress: (paidSoFar: number) => void): Promise<DispenseResult> {
    const notSent = (outcome: 'refused' | 'state-changed', detail: string, eventCounter: number | null = null): DispenseResult => ({
      outcome,
      paid: 0,
      unpaid: coins,
      eventCounter,
      commandSent: false,
      detail,
    });

    if (!port) return notSent('refused', `the hopper is not connected${path ? ` (${path})` : ''}; nothing was sent`);

    // 1. The state the ledger recorded must still be the hopper's state.
    const before = await tryStatus();
    if (before instanceof HopperCommandError) return notSent('refused', `${before.message}; nothing was sent`);
    if (before.eventCounter !== expectedEventCounter) {
      return notSent('state-changed', `event counter is ${before.eventCounter}, expected ${expectedEventCounter}; nothing was sent`, before.eventCounter);
    }
    if (before.coinsRemaining > 0) {
      return notSent('state-changed', `the hopper is still paying out ${before.coinsRemaining} coins of an earlier command; nothing was sent`, before.eventCounter);
    }

    // 2. Enable payout, and the security bytes of the serial-number form.
    let dispenseData: number[];
    try {
      dispenseData = options.serialNumberDispense ? [...(await readSerialNumber()), coins] : [coins];
      await request('enable hopper (164)', HEADER.ENABLE_HOPPER, [ENABLE_CODE], parseAck, true);
    } catch (error) {
      if (!(error instanceof HopperCommandError)) throw error;
      return notSent('refused', `${error.message}; nothing was sent`, before.eventCounter);
    }

    // 3. The motor command: once, whatever happens to its reply.
    const expectedAfter = nextEventCounter(expectedEventCounter);
    let acknowledged = false;
    try {
      const counterInReply = await request('dispense hopper coins (167)', HEADER.DISPENSE_HOPPER_COINS, dispenseData, parseDispenseAccepted, false);
      if (counterInReply !== null && counterInReply !== expectedAfter) {
        return unknown(`the hopper accepted the dispense with event counter ${counterInReply}, expected ${expectedAfter}`, 0, null);
      }
      acknowledged = true;
    } catch (error) {
      if (!(error instanceof HopperCommandError)) throw error;
      if (error.problem === 'refused') {
        // A wrong serial number is one reason for a NAK (another hopper on the same port): ask again next time.
        serialNumber = null;
        // A NAK is an answer; the counter confirms that nothing started.
        const after = await tryStatus();
        if (after instanceof HopperCommandError || after.eventCounter === expectedEventCounter) {
          // BUSY is a passing state; a NAK to a command the hopper was just enabled for is almost always the wrong form.
          const detail = /NAK/.test(error.message) ? `${dispenseNakAdvice(options.serialNumberDispense)} (${error.message})` : error.message;
          return { outcome: 'refused', paid: 0, unpaid: coins, eventCounter: expectedEventCounter, commandSent: true, detail };
        }
        return unknown(`${error.message}, yet the event counter moved to ${after.eventCounter}`, 0, after.eventCounter);
      }
      // Silence or a damaged reply: the hopper may be paying. Watch the counters, never re-send.
      log.warn(`${error.message}; following the hopper's counters to learn whether it started`);
    }

    // 4. Follow the payout through the counters.
    return followPayout(coins, expectedEventCounter, expectedAfter, acknowledged, onProgress);

    function unknown(detail: string, paid: number, eventCounter: number | null): DispenseResult {
      return { outcome: 'unknown', paid, unpaid: coins - paid, eventCounter, commandSent: true, detail };
    }
  }

  async function followPayout(
    coins: number,
    expectedBefore: number,
    expectedAfter: number,
    acknowledged: boolean,
    onProgress: (paidSoFar: number) => void,
  ): Promise<DispenseResult> {
    let paidSoFar = 0;
    let unansweredPolls = 0;
    let lastChangeMs = clock.monotonicMs();
    let lastSeen = '';
    /** Set once a status showed the event counter our command produced: after that, any other counter is a reset or a jump. */
    let countersShowedCommand = false;
    const unknown = (detail: string, eventCounter: number | null): DispenseResult => ({
      outcome: 'unknown',
      paid: paidSoFar,
      unpaid: coins - paidSoFar,
      eventCounter,
      commandSent: true,
      detail: `${detail}; ${paidSoFar} of ${coins} coins seen paid`,
    });

    /** A payout that ended by itself (or by an emergency stop), judged from its final counters. */
    const ended = async (status: HopperStatusReply): Promise<DispenseResult> => {
      if (status.lastPaid + status.lastUnpaid !== coins) {
        return unknown(`the hopper ended the payout with ${status.lastPaid} paid and ${status.lastUnpaid} unpaid for a command of ${coins}`, status.eventCounter);
      }
      if (status.lastUnpaid === 0) {
        return { outcome: 'done', paid: coins, unpaid: 0, eventCounter: status.eventCounter, commandSent: true, detail: `paid ${coins} coins` };
      }
      let flags: string[] = [];
      try {
        flags = await readTestFlags();
      } catch (error) {
        log.warn(`cannot read the hopper's fault flags: ${errorMessage(error)}`);
      }
      const outcome = classifyPayoutFault(flags);
      return {
        outcome,
        paid: status.lastPaid,
        unpaid: status.lastUnpaid,
        eventCounter: status.eventCounter,
        commandSent: true,
        detail: `${outcome === 'empty' ? 'the hopper ran empty' : 'the hopper jammed'} after ${status.lastPaid} of ${coins} coins${flags.length ? ` (${flags.join(', ')})` : ''}`,
      };
    };

    for (;;) {
      await sleep(pollIntervalMs);
      const status = await tryStatus();
      if (status instanceof HopperCommandError) {
        if (status.problem === 'not-connected' && !running) return unknown('the driver was stopped during the payout', null);
        unansweredPolls++;
        if (unansweredPolls >= unansweredPollLimit) return unknown(`the hopper stopped answering (${status.message})`, null);
        continue;
      }
      unansweredPolls = 0;

      if (status.eventCounter !== expectedAfter) {
        if (!countersShowedCommand && status.eventCounter === expectedBefore) {
          // The counter never moved: the command did not arrive or was ignored
          // (or, from 0, the hopper was reset at once: the ledger's lifetime check tells).
          return unknown(
            acknowledged
              ? 'the hopper acknowledged the dispense but its event counter did not move'
              : 'no reply to the dispense and the event counter did not move: it was probably not received',
            status.eventCounter,
          );
        }
        return unknown(
          status.eventCounter === 0
            ? 'the hopper was reset during the payout (power cut?): its volatile counters are gone'
            : `the event counter jumped to ${status.eventCounter}, expected ${expectedAfter}`,
          status.eventCounter,
        );
      }
      countersShowedCommand = true;
      if (status.lastPaid < paidSoFar) return unknown(`the hopper's paid count went back from ${paidSoFar} to ${status.lastPaid}`, status.eventCounter);
      if (status.lastPaid + status.coinsRemaining + status.lastUnpaid !== coins) {
        return unknown(
          `the counters do not add up to the command of ${coins}: paid ${status.lastPaid}, remaining ${status.coinsRemaining}, unpaid ${status.lastUnpaid}`,
          status.eventCounter,
        );
      }
      if (status.lastPaid > paidSoFar) {
        paidSoFar = status.lastPaid;
        try {
          onProgress(paidSoFar);
        } catch (error) {
          log.error('hopper progress listener failed:', error);
        }
      }
      if (status.coinsRemaining === 0) return ended(status);

      const seen = `${status.lastPaid}/${status.coinsRemaining}`;
      if (seen !== lastSeen) {
        lastSeen = seen;
        lastChangeMs = clock.monotonicMs();
      } else if (clock.monotonicMs() - lastChangeMs >= stallTimeoutMs) {
        // The hopper reports a payout that no longer moves: halt the motor, then read where it stopped.
        log.warn(`payout stalled at ${status.lastPaid} of ${coins} coins for ${stallTimeoutMs} ms: emergency stop`);
        try {
          await request('emergency stop (172)', HEADER.EMERGENCY_STOP, [], parseEmergencyStop, true);
        } catch (error) {
          return unknown(`the payout stalled and the emergency stop failed (${errorMessage(error)})`, status.eventCounter);
        }
        const stopped = await tryStatus();
        if (stopped instanceof HopperCommandError) return unknown(`the payout stalled; no status after the emergency stop (${stopped.message})`, status.eventCounter);
        if (stopped.eventCounter !== expectedAfter || stopped.coinsRemaining !== 0 || stopped.lastPaid < paidSoFar) {
          return unknown('the payout stalled and the counters after the emergency stop are not coherent', stopped.eventCounter);
        }
        paidSoFar = stopped.lastPaid;
        const result = await ended(stopped);
        // A stall is a jam whatever the flags say: coins were left in the hopper.
        return result.outcome === 'empty' || result.outcome === 'done' ? result : { ...result, outcome: 'jam' };
      }
    }
  }

  return {
    start() {
      if (path === null) {
        log.info('no coin hopper configured (devices.hopper.path is null)');
        return;
      }
      if (running) return;
      running = true;
      stopping = null;
      generation++;
      failedAttempts = 0;
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
      serialNumber = null;
      pending?.settle({ kind: 'no-reply', reason: 'the driver was stopped' });
      const pendingOpen = openAttempt;
      stopping = (async () => {
        if (pendingOpen) await settleWithin(pendingOpen, STOP_WAIT_MS);
        if (openPortNow) await settleWithin(openPortNow.close(), STOP_WAIT_MS);
        if (stopGeneration !== generation) return;
        connectionProblem = null;
        communicationProblem = null;
        publishStatus(false);
        log.info(`hopper stopped (${path})`);
      })();
      return stopping;
    },

    status: () => ({ ...current }),

    readCounters,

    async dispense(coins, { expectedEventCounter }, onProgress = () => undefined) {
      if (!Number.isInteger(coins) || coins < 1 || coins > MAX_COINS_PER_DISPENSE) {
        throw new RangeError(`a dispense command pays 1 to ${MAX_COINS_PER_DISPENSE} coins, got ${coins}`);
      }
      if (!Number.isInteger(expectedEventCounter) || expectedEventCounter < 0 || expectedEventCounter > 255) {
        throw new RangeError(`an event counter is 0 to 255, got ${expectedEventCounter}`);
      }
      if (dispensing) {
        return { outcome: 'state-changed', paid: 0, unpaid: coins, eventCounter: null, commandSent: false, detail: 'another dispense is running; nothing was sent' };
      }
      dispensing = true;
      try {
        log.info(`dispense ${coins} coins (event counter ${expectedEventCounter})`);
        const result = await dispenseOnce(coins, expectedEventCounter, onProgress);
        const line = `dispense ${coins}: ${result.outcome}, paid ${result.paid}, unpaid ${result.unpaid} (${result.detail})`;
        if (result.outcome === 'done') log.info(line);
        else log.warn(line);
        // A command that never went out leaves the hopper as it was: its reason is the connection's or the bus's.
        if (result.outcome === 'done') payoutFault = null;
        else if (result.commandSent) payoutFault = `last payout: ${result.detail}`;
        publishStatus(port !== null);
        return result;
      } finally {
        dispensing = false;
      }
    },

    test: readTestFlags,

    emergencyStop: () => request('emergency stop (172)', HEADER.EMERGENCY_STOP, [], parseEmergencyStop, true),

    diagnostics: () => ({ ...reader.counts, unanswered: unansweredTries, unsolicited: unsolicitedReplies }),
  };
}
