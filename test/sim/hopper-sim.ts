/**
 * A ccTalk coin hopper, simulated on the far end of a pty pair: it speaks the
 * same bytes as a real hopper (address 3 by default) and pays "coins" at a
 * set rate, with the faults a kiosk meets in the field on demand.
 *
 * Library: `openHopperSimulator(simPath, options)` for tests.
 * CLI (demo, manual testing):
 *   node --import tsx test/sim/hopper-sim.ts --dir DIR [--coins 500] [--pay-ms 20] [--echo]
 *        [--address 3] [--baud 9600] [--plain] [--lifetime 0] [--counters-restart]
 * creates the pty pair in DIR, prints `hopper-sim: <devicePath>` when ready,
 * then reads one JSON command per line on stdin (see `simulatorCommand`), e.g.
 *   {"cmd":"jamAfter","coins":3}   {"cmd":"powerCut","offMs":500}   {"cmd":"set","silent":true}
 * and answers each with `hopper-sim: state {...}`. Ends on stdin EOF, SIGINT or SIGTERM.
 *
 * Behaviour worth knowing:
 *  - Frames from the host are framed by `@serialport/parser-cctalk` (as a
 *    device does: by the length byte, resynchronised by a pause); a frame with
 *    a bad checksum or for another address is ignored, as a real device does.
 *  - echo: every byte the host sends comes back first, as on a single-wire
 *    bus. The echo is the host's own transceiver, so it continues while the
 *    hopper is silent or powered off.
 *  - silent: the hopper still acts on commands but its answers never arrive
 *    (a broken TX line): the worst case for the money rule.
 *  - slow: commands take effect at once; the answer leaves after `slowMs`.
 *  - jamAfter(k) / stallAfter(k): after k more coins the hopper jams (stops and
 *    reports the rest unpaid) or stalls (keeps reporting coins remaining
 *    without paying, until an emergency stop). Both last until clearFaults().
 *  - powerCut(): the payout stops; the volatile counters (event counter, coins
 *    remaining, last paid/unpaid) reset to 0 like a real hopper's; the
 *    lifetime dispense count survives, unless `countersRestartOnPowerUp`:
 *    then it restarts at 0 too, as on hoppers that keep it only in RAM.
 */
import path from 'node:path';
import readline from 'node:readline';
import { pathToFileURL } from 'node:url';
import { CCTalkParser, SerialPort } from 'serialport';
import { z } from 'zod';
import { ENABLE_CODE, HEADER, encodeFrame, encodeTestFlags, hasValidChecksum, nextEventCounter } from '../../main/hardware/hopper/cctalk';
import { createPtyPair } from './pty';

export interface HopperSimulatorOptions {
  /** ccTalk address the simulator answers on. Default 3. */
  address?: number;
  baudRate?: number;
  /** Coins in the hopper. Default 500. */
  coins?: number;
  /** Milliseconds per coin paid. Default 20. */
  payMs?: number;
  echo?: boolean;
  /** Answer of 242; also the security bytes of the serial-number form of 167. */
  serialNumber?: readonly [number, number, number];
  /** Which form of 167 this hopper accepts; the other is answered with NAK. Default serial-number. */
  dispenseForm?: 'serial-number' | 'plain';
  /** What 167 answers when accepted: ACK (SCH1) or the new event counter (SCH2). Default ack. */
  dispenseReply?: 'ack' | 'event-counter';
  /** Lifetime dispense count at start (168). Default 0. */
  lifetime?: number;
  /** Event counter at start. Default 0 (just powered up). */
  eventCounter?: number;
  /** Whether the hopper keeps a lifetime dispense count (168); false: NAK. Default true. */
  keepsDispenseCount?: boolean;
  /** Every counter, the lifetime dispense count too, restarts at 0 at power-up. Default false. */
  countersRestartOnPowerUp?: boolean;
}

export interface ReceivedCommand {
  header: number;
  data: number[];
}

export interface HopperSimulatorState {
  level: number;
  coinsPaidTotal: number;
  eventCounter: number;
  coinsRemaining: number;
  lastPaid: number;
  lastUnpaid: number;
  lifetime: number;
  paying: boolean;
  enabled: boolean;
  echo: boolean;
  silent: boolean;
  slowMs: number;
  corruptChecksums: boolean;
  countersRestartOnPowerUp: boolean;
  flags: string[];
  /** Coins until the jam / the stall; null: no such fault armed. */
  jamAfter: number | null;
  stallAfter: number | null;
}

export interface HopperSimulator {
  /** Echo every byte the host sends (single-wire bus). */
  echo: boolean;
  /** Answer nothing (commands still take effect). */
  silent: boolean;
  /** Delay before each answer; 0: at once. */
  slowMs: number;
  /** Send every answer with a wrong checksum. */
  corruptChecksums: boolean;
  /** Answer NAK to every dispense. */
  nakDispense: boolean;
  /** A power cut restarts every counter at 0, the lifetime dispense count too. */
  countersRestartOnPowerUp: boolean;
  /** Milliseconds per coin. */
  payMs: number;
  /** Coins in the hopper. */
  level: number;
  /** Coins that physically left the hopper since the simulator started. */
  readonly coinsPaidTotal: number;
  readonly eventCounter: number;
  readonly lifetime: number;
  readonly paying: boolean;
  /** Every well-formed frame addressed to the hopper, in order. */
  readonly received: readonly ReceivedCommand[];
  /** Frames ignored because their checksum was wrong. */
  readonly ignoredFrames: number;
  jamAfter(coins: number): void;
  stallAfter(coins: number): void;
  /** The hopper runs out: level 0. */
  empty(): void;
  /** Cuts the power: payout stops, volatile counters reset; `offMs`: no answers at all for that long. */
  powerCut(options?: { offMs?: number }): void;
  /** Clears jam and stall (the attendant cleared the coin path). */
  clearFaults(): void;
  state(): HopperSimulatorState;
  /** Resolves when `n` coins in total have left the hopper. */
  untilPaid(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_SERIAL_NUMBER = [0x4e, 0x61, 0xbc] as const;

/** The hopper's behaviour, independent of the port: bytes in, bytes out through `send`. */
export function createHopperDevice(options: HopperSimulatorOptions, send: (bytes: Buffer) => void): HopperSimulator & { receive(chunk: Buffer): void } {
  const address = options.address ?? 3;
  const serialNumber = options.serialNumber ?? DEFAULT_SERIAL_NUMBER;
  const dispenseForm = options.dispenseForm ?? 'serial-number';
  const dispenseReply = options.dispenseReply ?? 'ack';
  const parser = new CCTalkParser();

  let level = options.coins ?? 500;
  let eventCounter = options.eventCounter ?? 0;
  let coinsRemaining = 0;
  let lastPaid = 0;
  let lastUnpaid = 0;
  let lifetime = options.lifetime ?? 0;
  let coinsPaidTotal = 0;
  let enabled = false;
  let paying = false;
  let payTimer: NodeJS.Timeout | null = null;
  let offUntil = 0;
  let jamCountdown: number | null = null;
  let stallCountdown: number | null = null;
  let ignoredFrames = 0;
  const flags = new Set<string>(['power-up-detected']);
  const received: ReceivedCommand[] = [];
  const replyTimers = new Set<NodeJS.Timeout>();
  let closed = false;

  const device = {
    echo: options.echo ?? false,
    silent: false,
    slowMs: 0,
    corruptChecksums: false,
    nakDispense: false,
    countersRestartOnPowerUp: options.countersRestartOnPowerUp ?? false,
    payMs: options.payMs ?? 20,
  };

  const stopPayTimer = () => {
    if (payTimer) clearTimeout(payTimer);
    payTimer = null;
  };

  const endPayout = (fault: 'jam' | 'empty' | 'stopped') => {
    stopPayTimer();
    lastUnpaid += coinsRemaining;
    coinsRemaining = 0;
    paying = false;
    if (fault === 'jam') {
      flags.add('max-current-exceeded');
      flags.add('motor-reversed-to-clear-jam');
    } else if (fault === 'empty') {
      flags.add('payout-timeout');
    }
  };

  const payNextCoin = () => {
    payTimer = null;
    if (!paying || closed) return;
    if (stallCountdown === 0) return; // the motor hangs: coins remaining stay, nothing moves
    if (jamCountdown === 0) return endPayout('jam');
    if (level <= 0) return endPayout('empty');
    level--;
    coinsRemaining--;
    lastPaid++;
    lifetime = (lifetime + 1) % 16_777_216;
    coinsPaidTotal++;
    if (jamCountdown !== null) jamCountdown--;
    if (stallCountdown !== null) stallCountdown--;
    if (coinsRemaining === 0) {
      paying = false;
      return;
    }
    payTimer = setTimeout(payNextCoin, device.payMs);
  };

  const reply = (destination: number, header: number, data: readonly number[] = []) => {
    const frame = encodeFrame({ destination, source: address, header, data });
    if (device.corruptChecksums) frame[frame.length - 1] = (frame[frame.length - 1]! + 1) & 0xff;
    const deliver = () => {
      if (!closed && !device.silent && Date.now() >= offUntil) send(frame);
    };
    if (device.slowMs > 0) {
      const timer = setTimeout(() => {
        replyTimers.delete(timer);
        deliver();
      }, device.slowMs);
      replyTimers.add(timer);
    } else deliver();
  };

  const handle = (frame: Buffer) => {
    if (!hasValidChecksum(frame)) {
      ignoredFrames++; // a device ignores a damaged frame: the host hears silence
      return;
    }
    const [destination, , source, header] = [frame[0]!, frame[1]!, frame[2]!, frame[3]!];
    if (destination !== address) return;
    if (Date.now() < offUntil) return; // powered off
    const data = [...frame.subarray(4, frame.length - 1)];
    received.push({ header, data });
    const ack = (payload: readonly number[] = []) => reply(source, HEADER.ACK, payload);
    const nak = () => reply(source, HEADER.NAK);

    switch (header) {
      case 254: // simple poll
        return ack();
      case HEADER.REQUEST_SERIAL_NUMBER:
        return ack(serialNumber);
      case HEADER.TEST_HOPPER:
        return ack([...encodeTestFlags(flags, 3)]);
      case HEADER.ENABLE_HOPPER:
        if (data.length !== 1) return nak();
        enabled = data[0] === ENABLE_CODE;
        if (enabled) flags.delete('payout-disabled');
        else flags.add('payout-disabled');
        return ack();
      case HEADER.REQUEST_HOPPER_STATUS:
        return ack([eventCounter, coinsRemaining, lastPaid, lastUnpaid]);
      case HEADER.REQUEST_HOPPER_DISPENSE_COUNT:
        if (options.keepsDispenseCount === false) return nak();
        return ack([lifetime & 0xff, (lifetime >> 8) & 0xff, (lifetime >> 16) & 0xff]);
      case HEADER.EMERGENCY_STOP: {
        const unpaid = coinsRemaining;
        if (paying) endPayout('stopped');
        return ack([unpaid]);
      }
      case HEADER.DISPENSE_HOPPER_COINS: {
        const serialForm = data.length === 4;
        const formOk = dispenseForm === 'serial-number' ? serialForm && serialNumber.every((byte, i) => data[i] === byte) : data.length === 1;
        const coins = data.at(-1) ?? 0;
        if (!formOk || coins < 1 || !enabled || paying || device.nakDispense) return nak();
        eventCounter = nextEventCounter(eventCounter);
        coinsRemaining = coins;
        lastPaid = 0;
        lastUnpaid = 0;
        paying = true;
        for (const flag of ['max-current-exceeded', 'motor-reversed-to-clear-jam', 'payout-timeout', 'power-up-detected', 'power-down-during-payout']) flags.delete(flag);
        payTimer = setTimeout(payNextCoin, device.payMs);
        return dispenseReply === 'event-counter' ? ack([eventCounter]) : ack();
      }
      default:
        return nak();
    }
  };

  parser.on('data', (frame: Buffer) => handle(frame));

  const state = (): HopperSimulatorState => ({
    level,
    coinsPaidTotal,
    eventCounter,
    coinsRemaining,
    lastPaid,
    lastUnpaid,
    lifetime,
    paying,
    enabled,
    echo: device.echo,
    silent: device.silent,
    slowMs: device.slowMs,
    corruptChecksums: device.corruptChecksums,
    countersRestartOnPowerUp: device.countersRestartOnPowerUp,
    flags: [...flags],
    jamAfter: jamCountdown,
    stallAfter: stallCountdown,
  });

  const simulator: HopperSimulator & { receive(chunk: Buffer): void } = {
    receive(chunk: Buffer) {
      if (closed) return;
      if (device.echo) send(Buffer.from(chunk)); // the host's bytes come back before any answer
      parser.write(chunk);
    },
    get echo() {
      return device.echo;
    },
    set echo(on: boolean) {
      device.echo = on;
    },
    get silent() {
      return device.silent;
    },
    set silent(on: boolean) {
      device.silent = on;
    },
    get slowMs() {
      return device.slowMs;
    },
    set slowMs(ms: number) {
      device.slowMs = ms;
    },
    get corruptChecksums() {
      return device.corruptChecksums;
    },
    set corruptChecksums(on: boolean) {
      device.corruptChecksums = on;
    },
    get nakDispense() {
      return device.nakDispense;
    },
    set nakDispense(on: boolean) {
      device.nakDispense = on;
    },
    get countersRestartOnPowerUp() {
      return device.countersRestartOnPowerUp;
    },
    set countersRestartOnPowerUp(on: boolean) {
      device.countersRestartOnPowerUp = on;
    },
    get payMs() {
      return device.payMs;
    },
    set payMs(ms: number) {
      device.payMs = ms;
    },
    get level() {
      return level;
    },
    set level(coins: number) {
      level = coins;
    },
    get coinsPaidTotal() {
      return coinsPaidTotal;
    },
    get eventCounter() {
      return eventCounter;
    },
    get lifetime() {
      return lifetime;
    },
    get paying() {
      return paying;
    },
    get received() {
      return received;
    },
    get ignoredFrames() {
      return ignoredFrames;
    },
    jamAfter(coins: number) {
      jamCountdown = coins;
    },
    stallAfter(coins: number) {
      stallCountdown = coins;
    },
    empty() {
      level = 0;
    },
    powerCut({ offMs = 0 }: { offMs?: number } = {}) {
      const wasPaying = paying;
      stopPayTimer();
      paying = false;
      eventCounter = 0;
      coinsRemaining = 0;
      lastPaid = 0;
      lastUnpaid = 0;
      if (device.countersRestartOnPowerUp) lifetime = 0;
      enabled = false;
      flags.clear();
      flags.add('power-up-detected');
      flags.add('payout-disabled');
      if (wasPaying) flags.add('power-down-during-payout');
      for (const timer of replyTimers) clearTimeout(timer); // answers not yet sent die with the power
      replyTimers.clear();
      offUntil = Date.now() + offMs;
    },
    clearFaults() {
      jamCountdown = null;
      stallCountdown = null;
    },
    state,
    untilPaid(n: number, timeoutMs = 10_000) {
      return new Promise<void>((resolve, reject) => {
        const started = Date.now();
        const check = () => {
          if (coinsPaidTotal >= n) resolve();
          else if (Date.now() - started > timeoutMs) reject(new Error(`only ${coinsPaidTotal} of ${n} coins paid after ${timeoutMs} ms`));
          else setTimeout(check, 2);
        };
        check();
      });
    },
    close() {
      closed = true;
      stopPayTimer();
      for (const timer of replyTimers) clearTimeout(timer);
      replyTimers.clear();
      return Promise.resolve();
    },
  };
  return simulator;
}

/** The simulator on the `sim` end of a pty pair, through the real serialport binding. */
export async function openHopperSimulator(simPath: string, options: HopperSimulatorOptions = {}): Promise<HopperSimulator> {
  const port = new SerialPort({ path: simPath, baudRate: options.baudRate ?? 9600, autoOpen: false });
  // The pair may be closed under the simulator (an unplug test): that is not a crash.
  port.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
  const device = createHopperDevice(options, (bytes) => {
    if (port.isOpen) port.write(bytes);
  });
  port.on('data', (chunk: Buffer) => device.receive(chunk));
  let closing: Promise<void> | null = null;
  const closeDevice = device.close;
  // Replaces close() on the same object, so the getters and setters keep working.
  device.close = () => {
    closing ??= (async () => {
      await closeDevice();
      await new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
    })();
    return closing;
  };
  return device;
}

/** One line of stdin in CLI mode. */
export const simulatorCommand = z.discriminatedUnion('cmd', [
  z.strictObject({ cmd: z.literal('jamAfter'), coins: z.number().int().min(0).max(255) }),
  z.strictObject({ cmd: z.literal('stallAfter'), coins: z.number().int().min(0).max(255) }),
  z.strictObject({ cmd: z.literal('empty') }),
  z.strictObject({ cmd: z.literal('level'), coins: z.number().int().min(0).max(1_000_000) }),
  z.strictObject({ cmd: z.literal('powerCut'), offMs: z.number().int().min(0).max(600_000).optional() }),
  z.strictObject({ cmd: z.literal('clearFaults') }),
  z.strictObject({
    cmd: z.literal('set'),
    echo: z.boolean().optional(),
    silent: z.boolean().optional(),
    slowMs: z.number().int().min(0).max(60_000).optional(),
    corruptChecksums: z.boolean().optional(),
    nakDispense: z.boolean().optional(),
    countersRestartOnPowerUp: z.boolean().optional(),
    payMs: z.number().int().min(1).max(60_000).optional(),
  }),
  z.strictObject({ cmd: z.literal('state') }),
]);
export type SimulatorCommand = z.infer<typeof simulatorCommand>;

export function applySimulatorCommand(sim: HopperSimulator, command: SimulatorCommand): void {
  switch (command.cmd) {
    case 'jamAfter':
      return sim.jamAfter(command.coins);
    case 'stallAfter':
      return sim.stallAfter(command.coins);
    case 'empty':
      return sim.empty();
    case 'level':
      sim.level = command.coins;
      return;
    case 'powerCut':
      return sim.powerCut(command.offMs === undefined ? {} : { offMs: command.offMs });
    case 'clearFaults':
      return sim.clearFaults();
    case 'set': {
      const { cmd: _cmd, ...settings } = command;
      for (const [key, value] of Object.entries(settings)) {
        if (value !== undefined) Object.assign(sim, { [key]: value });
      }
      return;
    }
    case 'state':
      return;
  }
}

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const dir = argument('--dir');
  const numbers = {
    coins: Number(argument('--coins') ?? 500),
    payMs: Number(argument('--pay-ms') ?? 20),
    address: Number(argument('--address') ?? 3),
    baudRate: Number(argument('--baud') ?? 9600),
    lifetime: Number(argument('--lifetime') ?? 0),
  };
  if (!dir || !Object.values(numbers).every((n) => Number.isInteger(n) && n >= 0)) {
    process.stderr.write('usage: hopper-sim --dir DIR [--coins 500] [--pay-ms 20] [--echo] [--address 3] [--baud 9600] [--plain] [--lifetime 0] [--counters-restart]\n');
    process.exit(2);
  }
  const pair = await createPtyPair(path.resolve(dir));
  const sim = await openHopperSimulator(pair.simPath, {
    ...numbers,
    echo: process.argv.includes('--echo'),
    dispenseForm: process.argv.includes('--plain') ? 'plain' : 'serial-number',
    countersRestartOnPowerUp: process.argv.includes('--counters-restart'),
  });
  process.stdout.write(`hopper-sim: ${pair.devicePath}\n`);

  let ending = false;
  const end = async (code: number) => {
    if (ending) return;
    ending = true;
    await sim.close();
    await pair.close();
    process.exit(code);
  };
  process.on('SIGINT', () => void end(0));
  process.on('SIGTERM', () => void end(0));

  const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of input) {
    if (!line.trim()) continue;
    let parsed: SimulatorCommand;
    try {
      parsed = simulatorCommand.parse(JSON.parse(line));
    } catch (error) {
      const message = error instanceof z.ZodError ? error.issues.map((issue) => issue.message).join('; ') : error instanceof Error ? error.message : String(error);
      process.stdout.write(`hopper-sim: error ${JSON.stringify(message)}\n`);
      continue;
    }
    applySimulatorCommand(sim, parsed);
    process.stdout.write(`hopper-sim: state ${JSON.stringify(sim.state())}\n`);
  }
  await end(0);
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  main().catch((error: unknown) => {
    process.stderr.write(`hopper-sim: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
