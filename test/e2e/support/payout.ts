/**
 * A payout kiosk for e2e tests: the cloud simulator (payout API) in this
 * process, a socat pty pair with the ccTalk hopper simulator on its far end,
 * and the headless host driving the near end through the real serialport.
 */
import { startCloudSim, type CloudSim, type SimOptions } from '../../cloud-sim/server';
import { createPtyPair, type PtyPair } from '../../sim/pty';
import { openHopperSimulator, type HopperSimulator, type HopperSimulatorOptions } from '../../sim/hopper-sim';
import type { HostPool } from './fixtures';
import { kioskConfig, type Host } from './host';

export interface PayoutRig {
  sim: CloudSim;
  pty: PtyPair;
  hopper: HopperSimulator;
  host: Host;
  close(): Promise<void>;
}

const rigs = new Set<PayoutRig>();

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
function merge(base: Json, extra: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(extra)) out[k] = isObject(v) && isObject(out[k]) ? merge(out[k] as Json, v) : v;
  return out;
}

export async function startPayoutRig(
  hosts: HostPool,
  options: {
    sim?: Partial<SimOptions>;
    hopper?: HopperSimulatorOptions;
    payout?: Record<string, unknown>;
    /** Merged over the payout test config (screen settings, language…). */
    extra?: Record<string, unknown>;
    kioskName?: string;
  } = {},
): Promise<PayoutRig> {
  const sim = await startCloudSim({ initial: options.sim ?? {} });
  const pty = await createPtyPair(hosts.tempDir());
  const hopper = await openHopperSimulator(pty.simPath, { coins: 500, payMs: 60, ...options.hopper });
  const config = await kioskConfig({
    kioskName: options.kioskName ?? 'Coins East',
    extra: merge({
      modules: ['payout'],
      api: { baseUrl: sim.apiUrl, timeoutSeconds: 2, retryAttempts: 0, retryDelaySeconds: 0 },
      services: { fetchEnabled: false, syncEnabled: true, syncIntervalSeconds: 0.2, probeIntervalSeconds: 1 },
      sync: { backoffBaseSeconds: 0.05, backoffCapSeconds: 0.5 },
      payout: { amounts: [1, 5, 10], coinValue: 0.25, currency: 'USD', maxAmount: 10, pollIntervalSeconds: 0.3, activePollIntervalSeconds: 0.2, ...options.payout },
      devices: { hopper: { path: pty.devicePath } },
    }, options.extra ?? {}),
  });
  const host = await hosts.start({ config });
  const rig: PayoutRig = {
    sim,
    pty,
    hopper,
    host,
    async close() {
      rigs.delete(rig);
      await host.stop();
      await hopper.close();
      await pty.close();
      await sim.close();
    },
  };
  rigs.add(rig);
  return rig;
}

export async function closePayoutRigs(): Promise<void> {
  await Promise.all([...rigs].map((r) => r.close()));
}
