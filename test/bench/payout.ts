/**
 * payout.pickup: ms from a dispense job created at the cloud simulator to the
 * hopper receiving the dispense command (p99), against the poll interval in
 * effect + 100 ms. payout.recovery: s from restarting a kiosk killed during a
 * payout to ready with that payout counted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { systemClock } from '../../main/clock';
import { configSchema } from '../../main/config';
import { createKiosk } from '../../main/kiosk';
import { createLogger } from '../../main/log';
import type { PayoutSession, PayoutStatus } from '../../preload/contract';
import { openHopperSimulator } from '../sim/hopper-sim';
import { createPtyPair } from '../sim/pty';
import { startHeadless } from '../support/headless';
import { withTeardown } from '../support/process-group';
import { benchLine, percentile, progress, quick, sleep, waitFor, withRef } from './format';
import { startSimProcess } from './sim-process';

const DISPENSE = 167;
const scratch = () => fs.mkdtempSync(path.join(os.tmpdir(), 'booth-bench-payout-'));

async function benchPickup() {
  await withTeardown(async (teardown) => {
    const runs = quick ? 5 : 60;
    const dir = scratch();
    teardown.add('scratch folder', () => fs.rmSync(dir, { recursive: true, force: true }));
    fs.mkdirSync(path.join(dir, 'pty'));
    const pty = await createPtyPair(path.join(dir, 'pty'));
    teardown.add('pty pair', () => pty.close());
    const hopper = await openHopperSimulator(pty.simPath, { coins: 100_000, payMs: 2 });
    teardown.add('hopper simulator', () => hopper.close());
    const sim = await startSimProcess();
    teardown.add('cloud simulator', () => sim.close());
    const config = configSchema.parse({
      modules: ['payout'],
      api: { baseUrl: sim.apiUrl },
      services: { probeIntervalSeconds: 3600 },
      payout: { amounts: [1], maxAmount: 1, dailyCap: 1_000_000 },
      devices: { hopper: { path: pty.devicePath } },
    });
    const kiosk = await createKiosk(
      config,
      {
        version: 'bench',
        isPackaged: false,
        dataDir: dir,
        clock: systemClock,
        fetch: (input, init) => fetch(input, init),
        log: createLogger({ file: path.join(dir, 'booth.log'), level: 'warn', maxSizeBytes: 10_000_000, backupCount: 1 }),
      },
      { configPath: null },
    );
    teardown.add('kiosk', () => kiosk.stop());
    kiosk.start();
    await waitFor(async () => {
      const s = await kiosk.handlers.invoke('payout:status', {});
      return s.ok && (s.value as PayoutStatus).hopper.connected;
    });
    progress(`payout.pickup: ${runs} payouts`);
    const pickups: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = await kiosk.handlers.invoke('payout:start', { amount: 1 });
      if (!started.ok) throw new Error(`payout:start: ${started.error.message}`);
      const session = started.value as PayoutSession;
      // The customer pays after a moment, at a random point of the poll cycle.
      await sleep(Math.random() * config.payout.activePollIntervalSeconds * 1000);
      const commandsBefore = hopper.received.filter((c) => c.header === DISPENSE).length;
      const t0 = performance.now();
      await sim.control(`/__sim/payout/transactions/${session.transactionId}/pay`, {});
      await waitFor(() => hopper.received.filter((c) => c.header === DISPENSE).length > commandsBefore);
      pickups.push(performance.now() - t0);
      await waitFor(async () => {
        const s = await kiosk.handlers.invoke('payout:status', {});
        return s.ok && (s.value as PayoutStatus).session?.state === 'done';
      });
      await kiosk.handlers.invoke('payout:leave', { transactionId: session.transactionId });
    }
    const sorted = [...pickups].sort((a, b) => a - b);
    const reference = config.payout.activePollIntervalSeconds * 1000 + 100;
    benchLine(withRef({ bench: 'payout.pickup.p99', value: Math.round(percentile(sorted, 99)), unit: 'ms', better: 'lower', ref: 'poll-interval+100ms', refValue: reference, n: runs }));
  });
}

async function benchRecovery() {
  const runs = quick ? 2 : 5;
  const root = path.resolve(import.meta.dirname, '../..');
  if (!fs.existsSync(path.join(root, 'dist/main/headless.cjs'))) throw new Error('dist/ is missing: run `node scripts/build.mjs` first');
  const times: number[] = [];
  progress(`payout.recovery: ${runs} kills mid-payout`);
  for (let i = 0; i < runs; i++) {
    await withTeardown(async (teardown) => {
      const dir = scratch();
      teardown.add('scratch folder', () => fs.rmSync(dir, { recursive: true, force: true }));
      fs.mkdirSync(path.join(dir, 'pty'));
      const pty = await createPtyPair(path.join(dir, 'pty'));
      teardown.add('pty pair', () => pty.close());
      // Slow coins, so the hopper is still paying when the kiosk comes back.
      const hopper = await openHopperSimulator(pty.simPath, { coins: 100_000, payMs: 30 });
      teardown.add('hopper simulator', () => hopper.close());
      const sim = await startSimProcess();
      teardown.add('cloud simulator', () => sim.close());
      const configFile = path.join(dir, 'config.json');
      fs.writeFileSync(
        configFile,
        JSON.stringify({
          modules: ['payout'],
          api: { baseUrl: sim.apiUrl },
          services: { probeIntervalSeconds: 3600 },
          payout: { amounts: [5], maxAmount: 5 },
          devices: { hopper: { path: pty.devicePath } },
          logging: { level: 'warn' },
        }),
      );
      const crashing = await startHeadless({ dataDir: dir, config: configFile, env: { BOOTH_CRASH_AT: 'payout.mid-dispense' } });
      teardown.add('crashing host', () => crashing.stop());
      await waitFor(async () => {
        const s = await crashing.invoke<PayoutStatus>('payout:status');
        return s.ok && s.value.hopper.connected;
      });
      const session = await crashing.invoke<PayoutSession>('payout:start', { amount: 5 });
      if (!session.ok) throw new Error(session.error.message);
      await sim.control(`/__sim/payout/transactions/${session.value.transactionId}/pay`, {});
      await crashing.exited;

      const t0 = performance.now();
      const host = await startHeadless({ dataDir: dir, config: configFile });
      teardown.add('headless host', () => host.stop());
      await waitFor(async () => {
        const s = await host.invoke<PayoutStatus>('payout:status');
        return s.ok && s.value.hopper.connected && s.value.uncountedPayouts === 0;
      }, 60_000);
      times.push((performance.now() - t0) / 1000);
    });
  }
  const worst = Math.max(...times);
  benchLine({ bench: 'payout.recovery', value: Math.round(worst * 100) / 100, unit: 's', better: 'lower', n: runs });
}

/** The payout's benches in the order the suite runs them, by the name of their figure. */
export const payoutBenches: Readonly<Record<string, () => Promise<void>>> = {
  'payout.pickup': benchPickup,
  'payout.recovery': benchRecovery,
};
