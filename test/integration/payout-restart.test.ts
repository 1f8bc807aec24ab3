/**
 * A payout interrupted by kill -9 (and, for the whole booth, a hopper power
 * cut) is reconciled at the next start: the real headless host, the hopper
 * simulator on a pty, the payout API over HTTP (issue 7, items 6 and 10).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import type { PayoutSession, PayoutStatus } from '../../preload/contract';
import { startCloudSim, type CloudSim } from '../cloud-sim/server';
import { startHeadless, type HeadlessHost } from '../support/headless';
import { until } from '../support/payout';
import { tempDir } from '../support/temp';
import { openHopperSimulator, type HopperSimulator, type HopperSimulatorOptions } from '../sim/hopper-sim';
import { createPtyPair } from '../sim/pty';

beforeAll(() => {
  if (!fs.existsSync(path.resolve(import.meta.dirname, '../../dist/main/headless.cjs'))) throw new Error('run `node scripts/build.mjs` first');
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function booth(hopperOptions: HopperSimulatorOptions) {
  const cloud: CloudSim = await startCloudSim();
  cleanups.push(() => cloud.close());
  const dataDir = tempDir();
  fs.mkdirSync(path.join(dataDir, 'pty'));
  const pty = await createPtyPair(path.join(dataDir, 'pty'));
  const hopper: HopperSimulator = await openHopperSimulator(pty.simPath, { coins: 1_000, ...hopperOptions });
  cleanups.push(async () => {
    await hopper.close();
    await pty.close();
  });
  const config = path.join(dataDir, 'config.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      kioskName: 'Restart payout',
      modules: ['payout'],
      api: { baseUrl: cloud.apiUrl, timeoutSeconds: 2, retryAttempts: 0 },
      services: { probeIntervalSeconds: 3600, syncIntervalSeconds: 0.1 },
      sync: { backoffBaseSeconds: 0.05, backoffCapSeconds: 0.3 },
      payout: { amounts: [5], maxAmount: 5, pollIntervalSeconds: 0.05, activePollIntervalSeconds: 0.05 },
      devices: { hopper: { path: pty.devicePath, replyTimeoutMs: 100, reconnectMaxSeconds: 1 } },
      logging: { level: 'warn' },
    }),
  );
  const hosts: HeadlessHost[] = [];
  cleanups.push(async () => {
    for (const h of hosts) if (h.child.exitCode === null && h.child.signalCode === null) await h.stop();
  });
  const start = async () => {
    const host = await startHeadless({ dataDir, config });
    hosts.push(host);
    return host;
  };
  const value = async <T>(host: HeadlessHost, name: string, args: unknown = {}): Promise<T> => {
    const r = await host.invoke<T>(name, args);
    if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
    return r.value;
  };
  /** Started, hopper connected, interrupted commands counted. */
  const counted = async (host: HeadlessHost) =>
    until('counted', async () => {
      const s = await value<PayoutStatus>(host, 'payout:status');
      return s.hopper.connected && s.uncountedPayouts === 0 ? s : null;
    }, 15_000);
  return { cloud, hopper, dataDir, start, value, counted };
}

/** Starts a payout of 20 coins and kills the host with -9 once the screen has shown `atLeast` coins; returns the most it showed. */
async function killMidPayout(b: Awaited<ReturnType<typeof booth>>, host: HeadlessHost, atLeast: number, beforeKill: () => void = () => undefined) {
  const session = await b.value<PayoutSession>(host, 'payout:start', { amount: 5 });
  b.cloud.payout.pay(session.transactionId);
  const shown = await until('coins shown', async () => {
    const s = (await b.value<PayoutStatus>(host, 'payout:status')).session;
    return s && s.coinsPaid >= atLeast ? s.coinsPaid : null;
  });
  beforeKill();
  host.child.kill('SIGKILL');
  await host.exited;
  return { transactionId: session.transactionId, shown };
}

describe('payout: reconciled at start (item 10)', () => {
  it('a payout the hopper ended with coins unpaid while the kiosk was down puts the kiosk out of service, and keeps it so across restarts', async () => {
    const b = await booth({ payMs: 60 });
    b.hopper.jamAfter(8);
    const first = await b.start();
    await b.counted(first);
    const { transactionId } = await killMidPayout(b, first, 3);
    await until('jammed', () => (!b.hopper.paying ? true : null));
    expect(b.hopper.coinsPaidTotal).toBe(8);

    const second = await b.start();
    const status = await b.counted(second);
    expect(status.inService).toBe(false);
    expect(status.outOfServiceReason).toMatch(/12 coins owed/);
    const refused = await second.invoke('payout:start', { amount: 5 });
    expect(refused).toMatchObject({ ok: false, error: { message: expect.stringMatching(/out of service/) } });
    await second.stop();

    const third = await b.start();
    expect(await b.counted(third)).toMatchObject({ inService: false });
    expect(b.hopper.coinsPaidTotal).toBe(8);
    expect(b.cloud.payout.jobs().find((j) => j.transactionId === transactionId)).toBeDefined();
  });

  it('a whole-booth power cut (kiosk killed, hopper counters restarting at 0): out of service with what was seen, never "0 of 20 paid"', async () => {
    const b = await booth({ payMs: 60, countersRestartOnPowerUp: true });
    const first = await b.start();
    await b.counted(first);
    const { transactionId, shown } = await killMidPayout(b, first, 4, () => b.hopper.powerCut());
    const truth = b.hopper.coinsPaidTotal;
    expect(truth).toBeGreaterThanOrEqual(shown);

    const second = await b.start();
    const status = await b.counted(second);
    expect(status).toMatchObject({ inService: false, outOfServiceReason: expect.stringMatching(/hand count/) });
    const refused = await second.invoke('payout:start', { amount: 5 });
    expect(refused).toMatchObject({ ok: false });
    await second.stop();
    expect(b.hopper.coinsPaidTotal).toBe(truth);
    // The ledger kept what the screen showed before the cut, as a lower bound for the hand count.
    const db = new Database(path.join(b.dataDir, 'booth.db'), { readonly: true });
    const step = db.prepare('SELECT state, coins_seen FROM payout_steps WHERE transaction_id = ?').get(transactionId) as { state: string; coins_seen: number };
    const tx = db.prepare('SELECT coins_paid, owed_reason FROM payout_transactions WHERE id = ?').get(transactionId);
    db.close();
    expect(step.state).toBe('mismatch');
    expect(step.coins_seen).toBeGreaterThanOrEqual(shown);
    expect(tx).toEqual({ coins_paid: 0, owed_reason: 'mismatch' });
  });
});
