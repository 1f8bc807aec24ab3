/**
 * The ccTalk hopper driver with the REAL serialport binding on a socat pty
 * pair, against the hopper simulator on the other end: the bytes cross the
 * kernel's tty layer as on a Pi with a USB ccTalk interface. Timeouts and
 * pay rates are shortened so the whole file runs in seconds.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../main/clock';
import { createCcTalkHopper, type CcTalkHopper, type CcTalkHopperOptions, type HopperDriverStatus } from '../../main/hardware';
import { HEADER } from '../../main/hardware/hopper/cctalk';
import { memoryLogger } from '../../main/log';
import { createPtyPair, type PtyPair } from '../sim/pty';
import { openHopperSimulator, type HopperSimulator, type HopperSimulatorOptions } from '../sim/hopper-sim';
import { killGroup, spawnInGroup } from '../support/process-group';
import { tempDir } from '../support/temp';

const root = path.resolve(import.meta.dirname, '../..');
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function pair(dir: string): Promise<PtyPair> {
  const p = await createPtyPair(dir);
  cleanups.push(p.close);
  return p;
}

async function simulator(p: PtyPair, options: HopperSimulatorOptions = {}): Promise<HopperSimulator> {
  const sim = await openHopperSimulator(p.simPath, { payMs: 20, ...options });
  cleanups.push(() => sim.close());
  return sim;
}

function driver(devicePath: string, extra: Partial<CcTalkHopperOptions> = {}) {
  const log = memoryLogger();
  const statuses: HopperDriverStatus[] = [];
  const hopper: CcTalkHopper = createCcTalkHopper({
    path: devicePath,
    baudRate: 9600,
    address: 3,
    hostAddress: 1,
    serialNumberDispense: true,
    replyTimeoutMs: 100,
    reconnectMaxSeconds: 0.2,
    reconnectInitialSeconds: 0.05,
    presenceCheckSeconds: 0.1,
    pollIntervalMs: 20,
    stallTimeoutMs: 1_000,
    unansweredPollLimit: 3,
    log,
    clock: systemClock,
    onStatus: (status) => statuses.push(status),
    ...extra,
  });
  hopper.start();
  cleanups.push(() => hopper.stop());
  return { hopper, log, statuses };
}

const until = (check: () => void, timeout = 5_000) => vi.waitFor(check, { timeout, interval: 10 });
const dispenses = (sim: HopperSimulator) => sim.received.filter((c) => c.header === HEADER.DISPENSE_HOPPER_COINS).length;

async function ready(options: HopperSimulatorOptions = {}, extra: Partial<CcTalkHopperOptions> = {}) {
  const p = await pair(tempDir());
  const sim = await simulator(p, options);
  const d = driver(p.devicePath, extra);
  await until(() => expect(d.hopper.status().connected).toBe(true));
  return { p, sim, ...d };
}

describe('ccTalk hopper on a pty (real serialport)', () => {
  it.each([
    { echo: false, dispenseReply: 'ack' as const },
    { echo: true, dispenseReply: 'event-counter' as const },
  ])('pays 20 coins with progress (echo $echo, dispense reply $dispenseReply)', async ({ echo, dispenseReply }) => {
    const { sim, hopper } = await ready({ coins: 100, echo, dispenseReply, lifetime: 5_000 });
    const before = await hopper.readCounters();
    expect(before).toEqual({ eventCounter: 0, coinsRemaining: 0, lastPaid: 0, lastUnpaid: 0, lifetime: 5_000 });

    const progress: number[] = [];
    const result = await hopper.dispense(20, { expectedEventCounter: before.eventCounter }, (paid) => progress.push(paid));
    expect(result).toMatchObject({ outcome: 'done', paid: 20, unpaid: 0, eventCounter: 1, commandSent: true });
    expect(sim.coinsPaidTotal).toBe(20);
    expect(sim.level).toBe(80);
    expect(dispenses(sim)).toBe(1);
    // Progress is seen along the way, in order, ending at 20.
    expect(progress.length).toBeGreaterThan(3);
    expect(progress.at(-1)).toBe(20);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    // The status was read before the motor command.
    expect(sim.received.findIndex((c) => c.header === HEADER.REQUEST_HOPPER_STATUS)).toBeLessThan(
      sim.received.findIndex((c) => c.header === HEADER.DISPENSE_HOPPER_COINS),
    );
    expect(await hopper.readCounters()).toEqual({ eventCounter: 1, coinsRemaining: 0, lastPaid: 20, lastUnpaid: 0, lifetime: 5_020 });
    const diagnostics = hopper.diagnostics();
    expect(diagnostics.badChecksums).toBe(0);
    if (echo) expect(diagnostics.echoes).toBeGreaterThan(10);
    else expect(diagnostics.echoes).toBe(0);
  });

  it('at most 255 coins per command: 256 is rejected before anything is sent; 255 is paid', async () => {
    const { sim, hopper } = await ready({ coins: 300, payMs: 1 }, { pollIntervalMs: 50 });
    await expect(hopper.dispense(256, { expectedEventCounter: 0 })).rejects.toThrow(RangeError);
    expect(sim.received).toEqual([]);
    expect(await hopper.dispense(255, { expectedEventCounter: 0 })).toMatchObject({ outcome: 'done', paid: 255 });
    expect(sim.coinsPaidTotal).toBe(255);
  });

  it('refuses to send when the event counter differs from the recorded one', async () => {
    const { sim, hopper } = await ready({ eventCounter: 42 });
    expect(await hopper.dispense(3, { expectedEventCounter: 41 })).toMatchObject({ outcome: 'state-changed', commandSent: false, eventCounter: 42 });
    expect(dispenses(sim)).toBe(0);
    expect(sim.coinsPaidTotal).toBe(0);
  });

  it('jam after k coins: jam with paid = k; empty: empty with what it paid', async () => {
    const { sim, hopper } = await ready({ coins: 10, echo: true });
    sim.jamAfter(4);
    expect(await hopper.dispense(8, { expectedEventCounter: 0 })).toMatchObject({ outcome: 'jam', paid: 4, unpaid: 4 });
    expect(sim.coinsPaidTotal).toBe(4);
    sim.clearFaults();
    expect(await hopper.dispense(8, { expectedEventCounter: 1 })).toMatchObject({ outcome: 'empty', paid: 6, unpaid: 2 });
    expect(sim.coinsPaidTotal).toBe(10);
    expect(await hopper.test()).toContain('payout-timeout');
    expect(dispenses(sim)).toBe(2);
  });

  it('power cut mid-payout: unknown, then counters show event counter 0 and the lifetime count of the coins that left', async () => {
    const { sim, hopper } = await ready({ coins: 100, lifetime: 1_234 });
    const before = await hopper.readCounters();
    const result = await hopper.dispense(30, { expectedEventCounter: before.eventCounter }, (paid) => {
      if (paid >= 5 && sim.paying) sim.powerCut({ offMs: 150 });
    });
    expect(result.outcome).toBe('unknown');
    expect(result.paid).toBeLessThanOrEqual(sim.coinsPaidTotal);
    expect(sim.coinsPaidTotal).toBeGreaterThanOrEqual(5);
    expect(sim.coinsPaidTotal).toBeLessThan(30);
    const after = await hopper.readCounters();
    expect(after).toMatchObject({ eventCounter: 0, coinsRemaining: 0, lastPaid: 0, lastUnpaid: 0 });
    // What the ledger reconciles from: the lifetime count survived the power cut.
    expect(after.lifetime! - before.lifetime!).toBe(sim.coinsPaidTotal);
    expect(dispenses(sim)).toBe(1);
    expect(await hopper.test()).toEqual(expect.arrayContaining(['power-up-detected', 'power-down-during-payout']));
  });

  it('power cut on a hopper whose counters restart at 0: the lifetime count restarts too, so it cannot tell what was paid', async () => {
    const { sim, hopper } = await ready({ coins: 100, lifetime: 0, countersRestartOnPowerUp: true });
    const seen: number[] = [];
    const result = await hopper.dispense(20, { expectedEventCounter: 0 }, (paid) => {
      seen.push(paid);
      if (paid >= 5 && sim.paying) sim.powerCut({ offMs: 150 });
    });
    expect(result.outcome).toBe('unknown');
    expect(result.paid).toBe(seen.at(-1));
    expect(sim.coinsPaidTotal).toBeGreaterThanOrEqual(5);
    // Exactly what a hopper that never paid would answer: only what the host saw tells otherwise.
    expect(await hopper.readCounters()).toEqual({ eventCounter: 0, coinsRemaining: 0, lastPaid: 0, lastUnpaid: 0, lifetime: 0 });
    expect(dispenses(sim)).toBe(1);
  });

  it('silent mid-payout: unknown within a bounded time, never a second dispense', async () => {
    const { sim, hopper } = await ready({ coins: 100, payMs: 30 });
    const started = Date.now();
    const result = await hopper.dispense(40, { expectedEventCounter: 0 }, (paid) => {
      if (paid >= 3) sim.silent = true;
    });
    expect(result.outcome).toBe('unknown');
    expect(result.paid).toBeGreaterThanOrEqual(3);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(dispenses(sim)).toBe(1);
    expect(hopper.status()).toMatchObject({ connected: true });
    expect(hopper.status().lastError).toMatch(/no reply/);
    expect(hopper.status().lastErrorKind).toBe('communication');
    // The silent hopper kept paying: the counters, once it answers again, say what really left.
    sim.silent = false;
    await until(() => expect(sim.paying).toBe(false));
    expect(await hopper.readCounters()).toMatchObject({ eventCounter: 1, lastPaid: 40, lastUnpaid: 0 });
  });

  it('silent from the start: nothing is sent, and readCounters rejects', async () => {
    const { sim, hopper } = await ready();
    sim.silent = true;
    await expect(hopper.readCounters()).rejects.toMatchObject({ problem: 'no-reply' });
    expect(await hopper.dispense(5, { expectedEventCounter: 0 })).toMatchObject({ outcome: 'refused', commandSent: false });
    expect(dispenses(sim)).toBe(0);
  });

  it('corrupted checksums: no false numbers; unknown mid-payout, rejects when reading', async () => {
    const { sim, hopper } = await ready({ coins: 100, echo: true, payMs: 30 });
    const seen: number[] = [];
    const result = await hopper.dispense(25, { expectedEventCounter: 0 }, (paid) => {
      seen.push(paid);
      if (paid >= 2) sim.corruptChecksums = true;
    });
    expect(result.outcome).toBe('unknown');
    expect(result.paid).toBe(seen.at(-1));
    expect(hopper.diagnostics().badChecksums).toBeGreaterThan(0);
    await expect(hopper.readCounters()).rejects.toMatchObject({ problem: 'no-reply' });
    await expect(hopper.test()).rejects.toMatchObject({ problem: 'no-reply' });
    expect(dispenses(sim)).toBe(1);
    sim.corruptChecksums = false;
    await until(() => expect(sim.paying).toBe(false));
    expect(await hopper.readCounters()).toMatchObject({ eventCounter: 1, lastPaid: 25, lifetime: 25 });
  });

  it('slow answers within the reply timeout: still works', async () => {
    const { sim, hopper } = await ready({ coins: 50 }, { replyTimeoutMs: 150 });
    sim.slowMs = 60;
    expect(await hopper.readCounters()).toMatchObject({ eventCounter: 0 });
    expect(await hopper.dispense(5, { expectedEventCounter: 0 })).toMatchObject({ outcome: 'done', paid: 5 });
    expect(hopper.diagnostics().unanswered).toBe(0);
  });

  it('a payout that stalls is halted with an emergency stop: jam with what was paid', async () => {
    const { sim, hopper } = await ready({ coins: 50 }, { stallTimeoutMs: 300 });
    sim.stallAfter(3);
    expect(await hopper.dispense(10, { expectedEventCounter: 0 })).toMatchObject({ outcome: 'jam', paid: 3, unpaid: 7 });
    expect(sim.received.some((c) => c.header === HEADER.EMERGENCY_STOP)).toBe(true);
    expect(sim.paying).toBe(false);
  });

  it('missing device: not connected with the reason, no crash; connects when it appears', async () => {
    const dir = tempDir();
    const devicePath = path.join(dir, 'device');
    const { hopper, log } = driver(devicePath);
    await until(() => expect(hopper.status()).toEqual({ configured: true, connected: false, path: devicePath, lastError: `hopper not found at ${devicePath}`, lastErrorKind: 'connection' }));
    expect(await hopper.dispense(1, { expectedEventCounter: 0 })).toMatchObject({ outcome: 'refused', commandSent: false });
    await expect(hopper.readCounters()).rejects.toMatchObject({ problem: 'not-connected' });
    await new Promise((r) => setTimeout(r, 300)); // several retries, one log line
    expect(log.lines.filter((l) => l.includes('not found'))).toHaveLength(1);

    const p = await pair(dir);
    await simulator(p, { eventCounter: 7 });
    await until(() => expect(hopper.status()).toMatchObject({ connected: true, lastError: null }));
    expect(await hopper.readCounters()).toMatchObject({ eventCounter: 7 });
  });

  it('unplug and replug: not connected with an error, then works again on the new pty', async () => {
    const dir = tempDir();
    let p = await pair(dir);
    let sim = await simulator(p, { lifetime: 10 });
    const { hopper, statuses } = driver(p.devicePath);
    await until(() => expect(hopper.status().connected).toBe(true));
    expect(await hopper.dispense(2, { expectedEventCounter: 0 })).toMatchObject({ outcome: 'done' });

    await sim.close();
    await p.close();
    expect(fs.existsSync(p.devicePath)).toBe(false);
    await until(() => expect(hopper.status()).toMatchObject({ connected: false, lastError: `hopper unplugged from ${p.devicePath}` }));
    await expect(hopper.readCounters()).rejects.toMatchObject({ problem: 'not-connected' });

    p = await pair(dir);
    sim = await simulator(p, { lifetime: 12, eventCounter: 1, serialNumber: [1, 2, 3] }); // another hopper, another serial number
    await until(() => expect(hopper.status()).toMatchObject({ connected: true, lastError: null }));
    expect(await hopper.readCounters()).toMatchObject({ eventCounter: 1, lifetime: 12 });
    // The serial number is read again after a reconnect: the new hopper accepts the dispense.
    expect(await hopper.dispense(2, { expectedEventCounter: 1 })).toMatchObject({ outcome: 'done', paid: 2 });
    expect(statuses.map((s) => s.connected).filter((c, i, all) => c !== all[i - 1])).toEqual([true, false, true]);
  });

  it('CLI: the simulator in its own process, its faults driven by JSON lines on stdin', async () => {
    const dir = tempDir();
    const child = spawnInGroup(process.execPath, ['--import', 'tsx', path.join(root, 'test/sim/hopper-sim.ts'), '--dir', dir, '--coins', '30', '--echo', '--lifetime', '900'], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    cleanups.push(async () => {
      killGroup(child);
    });
    const lines: string[] = [];
    readline.createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
    await until(() => expect(lines[0]).toMatch(/^hopper-sim: /), 15_000);
    const devicePath = lines[0]!.replace('hopper-sim: ', '');
    expect(devicePath).toBe(path.join(dir, 'device'));

    const { hopper } = driver(devicePath);
    await until(() => expect(hopper.status().connected).toBe(true));
    expect(await hopper.dispense(3, { expectedEventCounter: 0 })).toMatchObject({ outcome: 'done', paid: 3 });
    child.stdin!.write('{"cmd":"jamAfter","coins":2}\n');
    await until(() => expect(lines.at(-1)).toMatch(/"jamAfter":2/));
    expect(await hopper.dispense(5, { expectedEventCounter: 1 })).toMatchObject({ outcome: 'jam', paid: 2, unpaid: 3 });
    child.stdin!.write('{"cmd":"state"}\n{"cmd":"nonsense"}\n');
    await until(() => expect(lines.at(-1)).toMatch(/^hopper-sim: error /));
    const state = JSON.parse(lines.at(-2)!.replace('hopper-sim: state ', '')) as { coinsPaidTotal: number; level: number; lifetime: number; echo: boolean };
    expect(state).toMatchObject({ coinsPaidTotal: 5, level: 25, lifetime: 905, echo: true });
    expect(hopper.diagnostics().echoes).toBeGreaterThan(0);

    child.stdin!.end(); // EOF ends the simulator, which removes its pty links
    expect(await exited).toBe(0);
    expect(fs.existsSync(devicePath)).toBe(false);
  });
});
