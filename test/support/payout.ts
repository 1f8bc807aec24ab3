import fs from 'node:fs';
import path from 'node:path';
import { systemClock } from '../../main/clock';
import { hashPin, type BoothConfigInput } from '../../main/config';
import type { PayoutAdminSummary, PayoutSession, PayoutStatus } from '../../preload/contract';
import type { CloudSim } from '../cloud-sim/server';
import { openHopperSimulator, type HopperSimulatorOptions } from '../sim/hopper-sim';
import { createPtyPair } from '../sim/pty';
import { FakeHopper } from './fake-hopper';
import type { KioskOptions } from '../../main/kiosk';
import { testKiosk } from './kiosk';

const pinHash = await hashPin('2468', { N: 1024, r: 8, p: 1 });

export async function until<T>(what: string, check: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A payout kiosk in this process: real HTTP to the simulator, a fake hopper, the real clock. */
export async function payoutKiosk(dir: string, sim: CloudSim, patch: BoothConfigInput = {}, hopper = new FakeHopper()) {
  return { ...(await kioskWith(dir, sim, patch, hopper)), hopper };
}

/**
 * A payout kiosk in this process with the real ccTalk driver and serialport
 * on a socat pty pair, the hopper simulator on its far end (`device`), and
 * real HTTP to `sim` (the payout API at `sim.apiUrl` + "v2/").
 */
export async function payoutKioskOnPty(dir: string, sim: { apiUrl: string }, patch: BoothConfigInput = {}, hopperOptions: HopperSimulatorOptions = {}, options: Partial<KioskOptions> = {}) {
  fs.mkdirSync(path.join(dir, 'pty'), { recursive: true });
  const pty = await createPtyPair(path.join(dir, 'pty'));
  const device = await openHopperSimulator(pty.simPath, { coins: 1_000, payMs: 10, ...hopperOptions });
  const hopperConfig = { path: pty.devicePath, replyTimeoutMs: 100, reconnectMaxSeconds: 1, ...patch.devices?.hopper };
  const k = await kioskWith(dir, sim, { ...patch, devices: { ...patch.devices, hopper: hopperConfig } }, null, options);
  await until('hopper connected', async () => (await k.status()).hopper.connected);
  const close = async () => {
    await k.kiosk.stop();
    await device.close();
    await pty.close();
  };
  return { ...k, device, pty, close };
}

async function kioskWith(dir: string, sim: { apiUrl: string }, patch: BoothConfigInput, hopper: FakeHopper | null, options: Partial<KioskOptions> = {}) {
  const config: BoothConfigInput = {
    kioskName: 'Payout 1',
    modules: ['payout'],
    ...patch,
    api: { baseUrl: sim.apiUrl, timeoutSeconds: 2, retryAttempts: 0, ...patch.api },
    services: { probeIntervalSeconds: 3600, syncIntervalSeconds: 0.1, ...patch.services },
    sync: { backoffBaseSeconds: 0.05, backoffCapSeconds: 0.2, ...patch.sync },
    payout: { pollIntervalSeconds: 0.1, activePollIntervalSeconds: 0.05, amounts: [5, 10, 20], maxAmount: 100, ...patch.payout },
    admin: { pinHash, ...patch.admin },
  };
  const t = await testKiosk(dir, config, { clock: systemClock, fetch: (input, init) => fetch(input, init) }, hopper ? { ...options, payout: { hopper } } : options);
  t.kiosk.start();
  const invoke = async <T>(name: Parameters<typeof t.kiosk.handlers.invoke>[0], args: unknown = {}): Promise<T> => {
    const result = await t.kiosk.handlers.invoke(name, args);
    if (!result.ok) throw new Error(`${String(name)}: ${result.error.code} ${result.error.message}`);
    return result.value as T;
  };
  const status = () => invoke<PayoutStatus>('payout:status');
  const start = (amount: number) => invoke<PayoutSession>('payout:start', { amount });
  const summary = async () => {
    await invoke('admin:unlock', { pin: '2468' });
    return invoke<PayoutAdminSummary>('payout:admin-summary');
  };
  const reportsSent = () => until('reports sent', async () => (await t.kiosk.handlers.invoke('sync:status', {})).ok && ((await invoke<{ pending: number }>('sync:status')).pending === 0));
  return { ...t, invoke, status, start, summary, reportsSent };
}
