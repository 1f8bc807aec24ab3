import { describe, expect, it } from 'vitest';
import { systemClock } from '../../main/clock';
import { configSchema } from '../../main/config';
import { createCloudClient } from '../../main/cloud';
import { memoryLogger } from '../../main/log';
import { startCloudSim } from '../cloud-sim/server';

async function setup(initial = {}) {
  const sim = await startCloudSim({ initial });
  const config = configSchema.parse({ api: { baseUrl: sim.apiUrl, apiKey: 'k-123', timeoutSeconds: 2 }, clock: { skewWarningSeconds: 120 } });
  const cloud = createCloudClient(
    config,
    { version: '1.2.3', isPackaged: false, dataDir: '/tmp', clock: systemClock, fetch: (i, init) => fetch(i, init), log: memoryLogger() },
    'kiosk-uuid-1',
  );
  return { sim, cloud };
}

describe('cloud connectivity and clock', () => {
  it('is unknown until probed, then online, with the contract headers sent', async () => {
    const { sim, cloud } = await setup();
    expect(cloud.state().online).toBeNull();
    expect(await cloud.probe()).toBe(true);
    expect(cloud.state()).toMatchObject({ online: true, clockWarning: false, clockSkewMs: 0 });
    const probe = sim.received.at(-1)!;
    expect(probe.method).toBe('HEAD');
    expect(probe.headers['x-kiosk-id']).toBe('kiosk-uuid-1');
    expect(probe.headers['user-agent']).toBe('Booth/1.2.3');
    expect(probe.headers['x-api-key']).toBe('k-123');
    await sim.close();
  });

  it('goes offline at once when the network fails, and back online on the next answer', async () => {
    const { sim, cloud } = await setup();
    const changes: (boolean | null)[] = [];
    cloud.onChange((s) => changes.push(s.online));
    await cloud.probe();
    sim.set({ down: true });
    expect(await cloud.probe()).toBe(false);
    sim.set({ down: false });
    await cloud.probe();
    expect(changes).toEqual([true, false, true]);
    await sim.close();
  });

  it('warns when the local clock is off by more than the threshold', async () => {
    const { sim, cloud } = await setup({ clockOffsetMs: -10 * 60_000 });
    await cloud.probe();
    expect(cloud.state().clockWarning).toBe(true);
    expect(cloud.state().clockSkewMs).toBeGreaterThan(9 * 60_000);
    sim.set({ clockOffsetMs: 0 });
    await cloud.probe();
    expect(cloud.state().clockWarning).toBe(false);
    await sim.close();
  });

  it('treats a server that does not answer in time as offline', async () => {
    const { sim, cloud } = await setup();
    sim.set({ latencyMs: 3_000 });
    const request = cloud.request('', { timeoutMs: 200 });
    await expect(request).rejects.toThrow(/within the timeout/);
    expect(cloud.state().online).toBe(false);
    sim.set({ latencyMs: 0 });
    await sim.close();
  });
});
