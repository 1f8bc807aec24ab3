import path from 'node:path';
import type { BoothConfigInput } from '../../main/config';
import type { Platform } from '../../main/platform';
import { hashPin } from '../../main/config';
import type { ScanResult } from '../../preload/contract';
import type { CloudSim } from '../cloud-sim/server';
import { testKiosk } from './kiosk';

// Cheap scrypt parameters: tests unlock admin often.
const testPinHash = await hashPin('2468', { N: 1024, r: 8, p: 1 });

export const TODAY = '2026-01-15'; // manualClock starts at 2026-01-15T03:00Z = 10:00 in Jakarta

export const ref = (n: number, date = TODAY) => `${date.replaceAll('-', '')}-${String(n).padStart(6, '0')}`;

export function gateConfig(sim: CloudSim, patch: BoothConfigInput = {}): BoothConfigInput {
  return {
    kioskName: 'Gate A',
    modules: ['gate'],
    timeZone: 'Asia/Jakarta',
    ...patch,
    api: { baseUrl: sim.apiUrl, timeoutSeconds: 2, retryAttempts: 0, retryDelaySeconds: 0, ...patch.api },
    services: { fetchIntervalSeconds: 3600, probeIntervalSeconds: 3600, syncIntervalSeconds: 3600, ...patch.services },
    sync: { backoffBaseSeconds: 0.05, backoffCapSeconds: 0.2, ...patch.sync },
    gate: { attraction: 'A', duplicateScanSeconds: 0, ...patch.gate },
    admin: { pinHash: testPinHash, ...patch.admin },
  };
}


/**
 * A gate kiosk in this process, on real fetch to the simulator, with a hand-moved
 * clock (unless `platform` gives another clock, or a fetch that cuts some requests).
 */
export async function gateKiosk(dir: string, sim: CloudSim, patch: BoothConfigInput = {}, platform: Partial<Platform> = {}) {
  const t = await testKiosk(path.join(dir), gateConfig(sim, patch), { fetch: (input, init) => fetch(input, init), ...platform });
  t.kiosk.start();
  const invoke = async <T>(name: Parameters<typeof t.kiosk.handlers.invoke>[0], args: unknown = {}): Promise<T> => {
    const result = await t.kiosk.handlers.invoke(name, args);
    if (!result.ok) throw new Error(`${String(name)}: ${result.error.code} ${result.error.message}`);
    return result.value as T;
  };
  const scan = (code: string) => invoke<ScanResult>('gate:scan', { code, source: 'keyboard' });
  const admit = async (code: string, persons?: number) => {
    const result = await scan(code);
    if (result.kind !== 'valid') throw new Error(`expected VALID for ${code}, got ${result.kind}`);
    return invoke<{ status: string; left?: number }>('gate:admit', { scanId: result.scanId, persons: persons ?? result.left });
  };
  /** Upload, then download (one sync cycle). */
  const sync = () => t.kiosk.runJob('gate.sync');
  const unlock = () => invoke('admin:unlock', { pin: '2468' });
  return { ...t, invoke, scan, admit, sync, unlock };
}
