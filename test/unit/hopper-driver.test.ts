/**
 * The ccTalk hopper driver against an in-process bus: the simulator's device
 * logic on one side, the driver on the other, and filters in between that
 * lose or damage chosen frames. Fast (no pty), so the money-critical rules are
 * checked here in detail; test/integration/hopper-serial.test.ts repeats the
 * important ones over a real serial port.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../main/clock';
import {
  createCcTalkHopper,
  HopperCommandError,
  type CcTalkHopper,
  type CcTalkHopperOptions,
  type HopperDriverStatus,
  type HopperPort,
  type OpenHopperPort,
} from '../../main/hardware';
import { describeHopperOpenFailure } from '../../main/hardware/hopper';
import { HEADER } from '../../main/hardware/hopper/cctalk';
import { memoryLogger } from '../../main/log';
import type { PayoutHopper } from '../../main/payout/hopper';
import { createHopperDevice, type HopperSimulatorOptions } from '../sim/hopper-sim';

const HOPPER = 3;

interface BusFilters {
  /** The host's frame never reaches the hopper (a frame the hopper ignores). */
  loseRequest?(header: number, index: number): boolean;
  /** The hopper's reply to this header never reaches the host. */
  loseReply?(header: number): boolean;
  /** The hopper's reply to this header arrives with a wrong checksum. */
  damageReply?(header: number): boolean;
  /** Milliseconds the reply to the index-th frame with this header is held back. */
  delayReply?(header: number, index: number): number;
}

/** A bus between the driver and the simulated hopper logic, recording what the host wrote. */
function fakeBus(deviceOptions: HopperSimulatorOptions = {}) {
  const written: number[][] = [];
  const filters: BusFilters = {};
  let toHost: ((chunk: Buffer) => void) | null = null;
  let lastHeader = -1;
  let lastIndex = -1;
  const device = createHopperDevice({ payMs: 2, ...deviceOptions }, (bytes) => {
    const fromHopper = bytes[2] === HOPPER;
    if (fromHopper && filters.loseReply?.(lastHeader)) return;
    const out = Buffer.from(bytes);
    if (fromHopper && filters.damageReply?.(lastHeader)) out[out.length - 1] = (out[out.length - 1]! + 1) & 0xff;
    const delay = fromHopper ? (filters.delayReply?.(lastHeader, lastIndex) ?? 0) : 0;
    if (delay > 0) setTimeout(() => toHost?.(out), delay);
    else setImmediate(() => toHost?.(out));
  });
  const port: HopperPort = {
    onData(listener) {
      toHost = listener;
    },
    onLost() {},
    async write(bytes) {
      written.push([...bytes]);
      const header = bytes[3]!;
      const index = written.filter((w) => w[3] === header).length - 1;
      if (filters.loseRequest?.(header, index)) return;
      lastHeader = header;
      lastIndex = index;
      setImmediate(() => device.receive(Buffer.from(bytes)));
    },
    close: async () => undefined,
  };
  const open: OpenHopperPort = async () => port;
  const headersWritten = () => written.map((w) => w[3]);
  const count = (header: number) => headersWritten().filter((h) => h === header).length;
  return { device, filters, open, written, headersWritten, count };
}

const running: CcTalkHopper[] = [];
const devices: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.stop();
  while (devices.length) await devices.pop()!.close();
});

async function connected(bus: ReturnType<typeof fakeBus>, extra: Partial<CcTalkHopperOptions> = {}) {
  devices.push(bus.device);
  const log = memoryLogger();
  const statuses: HopperDriverStatus[] = [];
  const hopper = createCcTalkHopper({
    path: '/dev/booth-hopper',
    baudRate: 9600,
    address: HOPPER,
    hostAddress: 1,
    serialNumberDispense: true,
    replyTimeoutMs: 50,
    reconnectMaxSeconds: 1,
    pollIntervalMs: 5,
    stallTimeoutMs: 300,
    unansweredPollLimit: 3,
    presenceCheckSeconds: 0,
    log,
    clock: systemClock,
    onStatus: (s) => statuses.push(s),
    openPort: bus.open,
    ...extra,
  });
  running.push(hopper);
  hopper.start();
  for (let i = 0; i < 100 && !hopper.status().connected; i++) await new Promise((r) => setTimeout(r, 1));
  expect(hopper.status().connected).toBe(true);
  return { hopper, log, statuses };
}

describe('hopper driver: dispense', () => {
  it('reads status first, then serial number, enable and one dispense, and follows the payout to done', async () => {
    const bus = fakeBus({ coins: 100 });
    const { hopper } = await connected(bus);
    const progress: number[] = [];
    const result = await hopper.dispense(20, { expectedEventCounter: 0 }, (paid) => progress.push(paid));

    expect(result).toMatchObject({ outcome: 'done', paid: 20, unpaid: 0, eventCounter: 1, commandSent: true });
    expect(bus.device.coinsPaidTotal).toBe(20);
    expect(bus.headersWritten().slice(0, 4)).toEqual([HEADER.REQUEST_HOPPER_STATUS, HEADER.REQUEST_SERIAL_NUMBER, HEADER.ENABLE_HOPPER, HEADER.DISPENSE_HOPPER_COINS]);
    const dispenseFrame = bus.written.find((w) => w[3] === HEADER.DISPENSE_HOPPER_COINS)!;
    expect(dispenseFrame.slice(4, 8)).toEqual([0x4e, 0x61, 0xbc, 20]); // serial-number form
    expect(progress.at(-1)).toBe(20);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(new Set(progress).size).toBe(progress.length);

    // The serial number is read once and cached.
    await hopper.dispense(3, { expectedEventCounter: 1 });
    expect(bus.count(HEADER.REQUEST_SERIAL_NUMBER)).toBe(1);
    expect(bus.count(HEADER.DISPENSE_HOPPER_COINS)).toBe(2);
    expect(await hopper.readCounters()).toEqual({ eventCounter: 2, coinsRemaining: 0, lastPaid: 3, lastUnpaid: 0, lifetime: 23 });
  });

  it('plain form: [count] only, no serial number read', async () => {
    const bus = fakeBus({ dispenseForm: 'plain', dispenseReply: 'event-counter' });
    const { hopper } = await connected(bus, { serialNumberDispense: false });
    expect(await hopper.dispense(4, { expectedEventCounter: 0 })).toMatchObject({ outcome: 'done', paid: 4 });
    expect(bus.count(HEADER.REQUEST_SERIAL_NUMBER)).toBe(0);
    expect(bus.written.find((w) => w[3] === HEADER.DISPENSE_HOPPER_COINS)!.slice(1, 5)).toEqual([1, 1, HEADER.DISPENSE_HOPPER_COINS, 4]);
  });

  it('refuses and sends nothing when the event counter is not the one the ledger recorded', async () => {
    const bus = fakeBus({ eventCounter: 9 });
    const { hopper } = await connected(bus);
    const result = await hopper.dispense(5, { expectedEventCounter: 8 });
    expect(result).toMatchObject({ outcome: 'state-changed', paid: 0, unpaid: 5, eventCounter: 9, commandSent: false });
    expect(bus.headersWritten()).toEqual([HEADER.REQUEST_HOPPER_STATUS]);
    expect(bus.device.coinsPaidTotal).toBe(0);
  });

  it('refuses and sends nothing while an earlier payout is still running', async () => {
    const bus = fakeBus({ payMs: 20 });
    const { hopper } = await connected(bus);
    // The first command's outcome is lost (the hopper went quiet) while its coins keep coming.
    const first = await hopper.dispense(40, { expectedEventCounter: 0 }, (paid) => {
      if (paid >= 1) bus.device.silent = true;
    });
    expect(first.outcome).toBe('unknown');
    bus.device.silent = false;
    expect(bus.device.paying).toBe(true);
    // A caller that takes counter 1 for idle: the hopper says it still has coins to pay.
    const second = await hopper.dispense(2, { expectedEventCounter: 1 });
    expect(second).toMatchObject({ outcome: 'state-changed', commandSent: false, eventCounter: 1 });
    expect(second.detail).toMatch(/still paying/);
    expect(bus.count(HEADER.DISPENSE_HOPPER_COINS)).toBe(1);
  });

  it('one dispense at a time: a second call while one runs sends nothing', async () => {
    const bus = fakeBus({ payMs: 10 });
    const { hopper } = await connected(bus);
    const first = hopper.dispense(10, { expectedEventCounter: 0 });
    const second = await hopper.dispense(10, { expectedEventCounter: 0 });
    expect(second).toMatchObject({ outcome: 'state-changed', commandSent: false });
    expect(await first).toMatchObject({ outcome: 'done', paid: 10 });
    expect(bus.count(HEADER.DISPENSE_HOPPER_COINS)).toBe(1);
  });

  it('checks the coin count before anything is sent: 1..255 only', async () => {
    const bus = fakeBus();
    const { hopper } = await connected(bus);
    for (const coins of [0, -1, 256, 2.5, Number.NaN]) {
      await expect(hopper.dispense(coins, { expectedEventCounter: 0 })).rejects.toThrow(RangeError);
    }
    await expect(hopper.dispense(1, { expectedEventCounter: 256 })).rejects.toThrow(RangeError);
    expect(bus.written).toEqual([]);
  });

  it('NAK to the dispense: refused, nothing paid, never sent again', async () => {
    const bus = fakeBus();
    bus.device.nakDispense = true;
    const { hopper } = await connected(bus);
    const result = await hopper.dispense(5, { expectedEventCounter: 0 });
    expect(result).toMatchObject({ outcome: 'refused', paid: 0, unpaid: 5, commandSent: true });
    expect(bus.count(HEADER.DISPENSE_HOPPER_COINS)).toBe(1);
    expect(bus.device.coinsPaidTotal).toBe(0);
  });

  it('silence after the dispense (the hopper ignored it): unknown, not "not paid", and never a second 167', async () => {
    const bus = fakeBus();
    bus.filters.loseRequest = (header) => header === HEADER.DISPENSE_HOPPER_COINS;
    const { hopper } = await connected(bus);
    const result = await hopper.dispense(5, { expectedEventCounter: 0 });
    expect(result).toMatchObject({ outcome: 'unknown', paid: 0, commandSent: true });
    expect(bus.count(HEADER.DISPENSE_HOPPER_COINS)).toBe(1);
    expect(bus.device.coinsPaidTotal).toBe(0);
  });

  it('the reply to the dispense is lost but the hopper pays: the counters show it, done, still one 167', async () => {
    const bus = fakeBus();
    bus.filters.loseReply = (header) => header === HEADER.DISPENSE_HOPPER_COINS;
    const { hopper } = await connected(bus);
    const result = await hopper.dispense(6, { expectedEventCounter: 0 });
    expect(result).toMatchObject({ outcome: 'done', paid: 6 });
    expect(bus.count(HEADER.DISPENSE_HOPPER_COINS)).toBe(1);
  });

  it('a damaged reply to the dispense is not trusted (treated as silence), still one 167', async () => {
    const bus = fakeBus();
    bus.filters.damageReply = (header) => header === HEADER.DISPENSE_HOPPER_COINS;
    const { hopper } = await connected(bus);
    const result = await hopper.dispense(6, { expectedEventCounter: 0 });
    expect(result).toMatchObject({ outcome: 'done', paid: 6 }); // known from the counters, not from the bad frame
    expect(bus.count(HEADER.DISPENSE_HOPPER_COINS)).toBe(1);
    expect(hopper.diagnostics().badChecksums).toBe(1);
  });

  it('the hopper goes silent mid-payout: unknown with what was seen paid as a lower bound, one 167', async () => {
    const bus = fakeBus({ payMs: 5 });
    const { hopper } = await connected(bus);
    const seen: number[] = [];
    const started = Date.now();
    const result = await hopper.dispense(40, { expectedEventCounter: 0 }, (paid) => {
      seen.push(paid);
      if (paid >= 3) bus.device.silent = true;
    });
    expect(result.outcome).toBe('unknown');
    expect(result.paid).toBe(seen.at(-1));
    expect(result.paid).toBeLessThanOrEqual(bus.device.coinsPaidTotal);
    expect(result.unpaid).toBe(40 - result.paid);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(bus.count(HEADER.DISPENSE_HOPPER_COINS)).toBe(1);
    expect(hopper.status().lastError).toMatch(/no reply/);
  });

  it('a power cut mid-payout (event counter back to 0): unknown, and the lifetime count tells what left', async () => {
    const bus = fakeBus({ payMs: 5, lifetime: 1000 });
    const { hopper } = await connected(bus);
    const before = await hopper.readCounters();
    const result = await hopper.dispense(30, { expectedEventCounter: before.eventCounter }, (paid) => {
      if (paid >= 4 && bus.device.paying) bus.device.powerCut();
    });
    expect(result).toMatchObject({ outcome: 'unknown', eventCounter: 0 });
    expect(result.detail).toMatch(/reset/);
    const after = await hopper.readCounters();
    expect(after).toMatchObject({ eventCounter: 0, lastPaid: 0, lastUnpaid: 0, coinsRemaining: 0 });
    expect(after.lifetime! - before.lifetime!).toBe(bus.device.coinsPaidTotal);
  });

  it('jam and empty: the hopper reports unpaid coins, told apart by the test flags', async () => {
    const bus = fakeBus({ coins: 12 });
    const { hopper } = await connected(bus);
    bus.device.jamAfter(3);
    expect(await hopper.dispense(10, { expectedEventCounter: 0 })).toMatchObject({ outcome: 'jam', paid: 3, unpaid: 7 });
    bus.device.clearFaults();
    expect(await hopper.dispense(10, { expectedEventCounter: 1 })).toMatchObject({ outcome: 'empty', paid: 9, unpaid: 1 });
    expect(bus.device.coinsPaidTotal).toBe(12);
    expect(hopper.status().lastError).toMatch(/ran empty/);
  });

  it('a payout that stops moving is halted with an emergency stop and reported as a jam', async () => {
    const bus = fakeBus();
    const { hopper } = await connected(bus);
    bus.device.stallAfter(2);
    const result = await hopper.dispense(10, { expectedEventCounter: 0 });
    expect(result).toMatchObject({ outcome: 'jam', paid: 2, unpaid: 8 });
    expect(bus.count(HEADER.EMERGENCY_STOP)).toBe(1);
    expect(bus.device.paying).toBe(false);
  });

  it('not connected: refused with nothing sent, and readCounters rejects', async () => {
    const hopper = createCcTalkHopper({
      path: null,
      baudRate: 9600,
      address: 3,
      hostAddress: 1,
      serialNumberDispense: true,
      replyTimeoutMs: 50,
      reconnectMaxSeconds: 1,
      log: memoryLogger(),
      clock: systemClock,
    });
    hopper.start();
    expect(hopper.status()).toEqual({ configured: false, connected: false, path: null, lastError: null, lastErrorKind: null });
    expect(await hopper.dispense(1, { expectedEventCounter: 0 })).toMatchObject({ outcome: 'refused', commandSent: false });
    await expect(hopper.readCounters()).rejects.toMatchObject({ problem: 'not-connected' });
  });
});

describe('hopper driver: read-only commands', () => {
  it('are tried once more after silence, and reject after two silences', async () => {
    const bus = fakeBus({ lifetime: 77 });
    const { hopper } = await connected(bus);
    bus.filters.loseRequest = (header, index) => header === HEADER.REQUEST_HOPPER_STATUS && index === 0;
    expect(await hopper.readCounters()).toMatchObject({ eventCounter: 0, lifetime: 77 });
    expect(bus.count(HEADER.REQUEST_HOPPER_STATUS)).toBe(2);

    bus.filters.loseRequest = (header) => header === HEADER.REQUEST_HOPPER_DISPENSE_COUNT;
    const error = await hopper.readCounters().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HopperCommandError);
    expect(error).toMatchObject({ problem: 'no-reply' });
    expect(bus.count(HEADER.REQUEST_HOPPER_DISPENSE_COUNT)).toBe(3);
  });

  it('a late reply is never read as the answer to the next command', async () => {
    // The first "enable" ACK comes late; the dispense after it is lost. Were the
    // late ACK taken for the dispense's, the driver would believe the hopper
    // acknowledged a command it never received.
    const bus = fakeBus();
    bus.filters.delayReply = (header, index) => (header === HEADER.ENABLE_HOPPER && index === 0 ? 70 : 0);
    bus.filters.loseRequest = (header) => header === HEADER.DISPENSE_HOPPER_COINS;
    const { hopper } = await connected(bus);
    const result = await hopper.dispense(5, { expectedEventCounter: 0 });
    expect(bus.count(HEADER.ENABLE_HOPPER)).toBe(2);
    expect(result).toMatchObject({ outcome: 'unknown', paid: 0 });
    expect(result.detail).toMatch(/^no reply to the dispense/);
    expect(hopper.diagnostics().unsolicited + hopper.diagnostics().replies).toBeGreaterThan(0);
  });

  it('test() names the flags and emergencyStop() returns the coins left unpaid', async () => {
    const bus = fakeBus({ payMs: 30 });
    const { hopper } = await connected(bus);
    expect(await hopper.test()).toEqual(['power-up-detected']);
    void hopper.dispense(10, { expectedEventCounter: 0 });
    await bus.device.untilPaid(2);
    const left = await hopper.emergencyStop();
    expect(left).toBeGreaterThan(0);
    expect(left).toBe(10 - bus.device.coinsPaidTotal);
  });

  it('a lifetime count the hopper does not keep (NAK) is null, not 0; a silent one rejects', async () => {
    const bus = fakeBus({ keepsDispenseCount: false });
    const { hopper } = await connected(bus);
    expect(await hopper.readCounters()).toMatchObject({ eventCounter: 0, lifetime: null });
    bus.filters.loseReply = (header) => header === HEADER.REQUEST_HOPPER_DISPENSE_COUNT;
    await expect(hopper.readCounters()).rejects.toMatchObject({ problem: 'no-reply' });
  });
});

describe('hopper driver: connection', () => {
  it('a missing device is a status with the path and the reason, never a crash; it connects when it appears', async () => {
    const bus = fakeBus();
    devices.push(bus.device);
    let present = false;
    const statuses: HopperDriverStatus[] = [];
    const hopper = createCcTalkHopper({
      path: '/dev/booth-hopper',
      baudRate: 9600,
      address: 3,
      hostAddress: 1,
      serialNumberDispense: true,
      replyTimeoutMs: 50,
      reconnectMaxSeconds: 0.05,
      reconnectInitialSeconds: 0.01,
      presenceCheckSeconds: 0,
      log: memoryLogger(),
      clock: systemClock,
      onStatus: (s) => statuses.push(s),
      openPort: async (options) => {
        if (!present) throw Object.assign(new Error(`Error: No such file or directory, cannot open ${options.path}`), { code: 'ENOENT' });
        return bus.open(options);
      },
    });
    running.push(hopper);
    hopper.start();
    await new Promise((r) => setTimeout(r, 50));
    expect(hopper.status()).toEqual({ configured: true, connected: false, path: '/dev/booth-hopper', lastError: 'hopper not found at /dev/booth-hopper', lastErrorKind: 'connection' });
    present = true;
    for (let i = 0; i < 100 && !hopper.status().connected; i++) await new Promise((r) => setTimeout(r, 5));
    expect(hopper.status()).toMatchObject({ connected: true, lastError: null });
    expect(statuses.map((s) => s.connected)).toEqual([false, true]);
  });

  it('describes open failures for the attendant', () => {
    expect(describeHopperOpenFailure('/dev/x', Object.assign(new Error('x'), { code: 'EACCES' }))).toMatch(/dialout/);
    expect(describeHopperOpenFailure('/dev/x', new Error('Error Resource busy, cannot open /dev/x'))).toMatch(/in use/);
    expect(describeHopperOpenFailure('/dev/x', new Error('weird'))).toBe('cannot open the hopper at /dev/x: weird');
  });

  it('is what the payout ledger expects of a hopper', () => {
    // Compile-time: the ccTalk driver satisfies main/payout's PayoutHopper.
    const asLedgerHopper = (hopper: CcTalkHopper): PayoutHopper => hopper;
    expect(typeof asLedgerHopper).toBe('function');
  });
});
