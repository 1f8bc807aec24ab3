/**
 * Driver for a ccTalk coin hopper (headers 242, 163, 164, 166, 167, 168, 172),
 * in three parts:
 *  - the connection: main/hardware/reconnecting-device.ts keeps the port open
 *    (reconnect with backoff, presence watch); a missing hopper is a status
 *    for the attendant, never a crash;
 *  - the protocol: bus.ts sends one command at a time and reads its reply
 *    (framing and parsing in cctalk.ts);
 *  - the payout procedure: dispense.ts sends one motor command once and
 *    follows it through the counters.
 *
 * The payout ledger records each motor command before it calls dispense(),
 * with the counters read just before, and reconciles a lost outcome from the
 * counters afterwards (main/payout).
 */
import type { HopperErrorKind } from '../../../preload/contract';
import { createReconnectingDevice, describeOpenFailure, serialDeviceSettings, type SerialDeviceSettings } from '../reconnecting-device';
import { createCcTalkBus, HopperCommandError, type HopperDiagnostics } from './bus';
import {
  ENABLE_CODE,
  HEADER,
  MAX_COINS_PER_DISPENSE,
  parseAck,
  parseDispenseAccepted,
  parseDispenseCount,
  parseEmergencyStop,
  parseHopperStatus,
  parseSerialNumber,
  parseTestFlags,
} from './cctalk';
import { createDispenseProcedure, type DispenseResult, type HopperCommands } from './dispense';
import { openHopperSerialPort, type HopperPort, type OpenHopperPort } from './serial-port';

export * from './cctalk';
export { HopperCommandError, type HopperCommandProblem, type HopperDiagnostics } from './bus';
export type { DispenseOutcome, DispenseResult } from './dispense';
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

export interface HopperDriverStatus {
  /** false when no hopper path is configured. */
  configured: boolean;
  connected: boolean;
  path: string | null;
  /** The connection problem, else the last communication problem, else the last payout fault (the device's words). */
  lastError: string | null;
  /** Which of the three it is, for the screen's words above the device's. */
  lastErrorKind: HopperErrorKind | null;
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

const DEFAULT_POLL_INTERVAL_MS = 100;
const DEFAULT_STALL_TIMEOUT_MS = 10_000;
const DEFAULT_UNANSWERED_POLL_LIMIT = 5;

/** Turns an open failure into words an attendant can act on. */
export const describeHopperOpenFailure = (path: string, error: unknown): string => describeOpenFailure('hopper', path, error).message;

export function createCcTalkHopper(options: CcTalkHopperOptions): CcTalkHopper {
  const { path, address, hostAddress, log } = options;
  if (address === hostAddress) throw new RangeError('the hopper and the host need different ccTalk addresses');
  const notConnected = `the hopper is not connected${path ? ` (${path})` : ''}`;

  // ---- status -------------------------------------------------------------------------------
  let connectionProblem: string | null = null;
  let communicationProblem: string | null = null;
  let payoutFault: string | null = null;
  let current: HopperDriverStatus = { configured: path !== null, connected: false, path, lastError: null, lastErrorKind: null };

  const publishStatus = (connected: boolean): void => {
    const lastErrorKind: HopperErrorKind | null = connectionProblem !== null ? 'connection' : communicationProblem !== null ? 'communication' : payoutFault !== null ? 'payout' : null;
    const next: HopperDriverStatus = { configured: path !== null, connected, path, lastError: connectionProblem ?? communicationProblem ?? payoutFault, lastErrorKind };
    if (next.connected === current.connected && next.lastError === current.lastError) return;
    current = next;
    try {
      options.onStatus?.({ ...current });
    } catch (error) {
      log.error('hopper status listener failed:', error);
    }
  };

  // ---- the connection and the bus -----------------------------------------------------------
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
      bus.reset();
    },
    onData: (chunk) => bus.receive(chunk),
    onClose: (why) => {
      serialNumber = null;
      bus.abandon(why === 'lost' ? 'the connection was lost' : 'the driver was stopped');
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

  const bus = createCcTalkBus({
    address,
    hostAddress,
    replyTimeoutMs: options.replyTimeoutMs,
    port,
    notConnected,
    onCommunication(problem) {
      communicationProblem = problem;
      publishStatus(port() !== null);
    },
  });
  const { request } = bus;

  // ---- commands -----------------------------------------------------------------------------
  const commands: HopperCommands = {
    readStatus: () => request('request hopper status (166)', HEADER.REQUEST_HOPPER_STATUS, [], parseHopperStatus, true),
    readTestFlags: () => request('test hopper (163)', HEADER.TEST_HOPPER, [], parseTestFlags, true),
    async readSerialNumber() {
      if (serialNumber) return serialNumber;
      const askedOn = port();
      const read = await request('request serial number (242)', HEADER.REQUEST_SERIAL_NUMBER, [], parseSerialNumber, true);
      if (port() === askedOn) serialNumber = read; // not kept across a reconnect that happened meanwhile
      return read;
    },
    forgetSerialNumber: () => {
      serialNumber = null;
    },
    enable: () => request('enable hopper (164)', HEADER.ENABLE_HOPPER, [ENABLE_CODE], parseAck, true),
    // Never retried: the hopper may be paying even when its reply is lost.
    dispense: (data) => request('dispense hopper coins (167)', HEADER.DISPENSE_HOPPER_COINS, data, parseDispenseAccepted, false),
    emergencyStop: () => request('emergency stop (172)', HEADER.EMERGENCY_STOP, [], parseEmergencyStop, true),
  };

  async function readCounters(): Promise<HopperCounters> {
    const status = await commands.readStatus();
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
  const dispenseOnce = createDispenseProcedure({
    commands,
    serialNumberDispense: options.serialNumberDispense,
    connected: () => port() !== null,
    running: () => device.running(),
    notConnected,
    pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    stallTimeoutMs: options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
    unansweredPollLimit: options.unansweredPollLimit ?? DEFAULT_UNANSWERED_POLL_LIMIT,
    log,
    clock: options.clock,
  });
  let dispensing = false;

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

    test: commands.readTestFlags,

    emergencyStop: commands.emergencyStop,

    diagnostics: bus.diagnostics,
  };
}
