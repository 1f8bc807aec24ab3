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
 * The port is kept open by main/hardware/reconnecting-device.ts (reconnect
 * with backoff, presence watch): a missing hopper is a status for the
 * attendant, never a crash.
 */
import { createReconnectingDevice, describeOpenFailure, errorMessage, serialDeviceSettings, type SerialDeviceSettings } from '../reconnecting-device';
import { dispenseNakAdvice } from './advice';
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

export interface CcTalkHopperOptions extends SerialDeviceSettings {
  /** ccTalk address of the hopper (usually 3). */
  address: number;
  /** ccTalk address of the kiosk (usually 1). */
  hostAddress: number;
  /** Use the serial-number form of 167 ([serial ×3][count]); false: the plain form ([count]). */
  serialNumberDispense: boolean;
  /** How long one try waits for a reply. */
  replyTimeoutMs: number;
  /** Status polling during a payout. Default 100 ms. */
  pollIntervalMs?: number;
  /** A payout whose counters do not move for this long is halted with an emergency stop. Default 10 s. */
  stallTimeoutMs?: number;
  /** Consecutive status polls without a usable reply (each tried twice) before the outcome is unknown. Default 5. */
  unansweredPollLimit?: number;
  /** Called whenever status() changes. */
  onStatus?(status: HopperDriverStatus): void;
  /** Opens the port; default the real `serialport`. Tests inject fakes. */
  openPort?: OpenHopperPort;
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

const DEFAULT_POLL_INTERVAL_MS = 100;
const DEFAULT_STALL_TIMEOUT_MS = 10_000;
const DEFAULT_UNANSWERED_POLL_LIMIT = 5;

/** Turns an open failure into words an attendant can act on. */
export const describeHopperOpenFailure = (path: string, error: unknown): string => describeOpenFailure('hopper', path, error).message;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type TryResult = { kind: 'reply'; frame: CcTalkFrame } | { kind: 'no-reply'; reason: string };

interface PendingTry {
  settle(result: TryResult): void;
}

export function createCcTalkHopper(options: CcTalkHopperOptions): CcTalkHopper {
  const { path, address, hostAddress, replyTimeoutMs, log, clock } = options;
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

  // ---- the connection -------------------------------------------------------------------------
  /** Read from the hopper once per connection: a different hopper may be plugged in after an unplug. */
  let serialNumber: Buffer | null = null;

  const device = createReconnectingDevice<HopperPort>({
    ...serialDeviceSettings(options),
    noun: 'hopper',
    openPort: options.openPort ?? openHopperSerialPort,
    notConfiguredMessage: 'no coin hopper configured (devices.hopper.path is null)',
    openedMessage: (devicePath) => `hopper port open at ${devicePath}, ${options.baudRate} baud, ccTalk address ${address}`,
    onOpen: () => {
      serialNumber = null;
      reader.reset();
    },
    onData: (chunk) => onBytes(chunk),
    onClose: (why) => {
      serialNumber = null;
      pending?.settle({ kind: 'no-reply', reason: why === 'lost' ? 'the connection was lost' : 'the driver was stopped' });
    },
    onStopped: () => {
      communicationProblem = null;
    },
    onChange: ({ connected, problem }) => {
      connectionProblem = problem?.message ?? null;
      publishStatus(connected);
    },
  });
  const port = () => device.port();

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
    const openNow = port();
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
        if (!port()) throw new HopperCommandError('not-connected', `the hopper is not connected${path ? ` (${path})` : ''}`);
        const result = await sendOnce(header, data);
        if (result.kind === 'no-reply') {
          lastProblem = new HopperCommandError(port() ? 'no-reply' : 'not-connected', `${label}: ${result.reason}`);
          continue;
        }
        try {
          const parsed = parse(replyData(result.frame));
          communicationProblem = null;
          publishStatus(port() !== null);
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
      publishStatus(port() !== null);
      throw problem;
    });
  }

  const readStatus = () => request('request hopper status (166)', HEADER.REQUEST_HOPPER_STATUS, [], parseHopperStatus, true);
  const readTestFlags = () => request('test hopper (163)', HEADER.TEST_HOPPER, [], parseTestFlags, true);

  async function readSerialNumber(): Promise<Buffer> {
    if (serialNumber) return serialNumber;
    const askedOn = port();
    const read = await request('request serial number (242)', HEADER.REQUEST_SERIAL_NUMBER, [], parseSerialNumber, true);
    if (port() === askedOn) serialNumber = read; // not kept across a reconnect that happened meanwhile
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

    if (!port()) return notSent('refused', `the hopper is not connected${path ? ` (${path})` : ''}; nothing was sent`);

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
        if (status.problem === 'not-connected' && !device.running()) return unknown('the driver was stopped during the payout', null);
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
    start: () => device.start(),
    stop: () => device.stop(),

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
        publishStatus(port() !== null);
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
