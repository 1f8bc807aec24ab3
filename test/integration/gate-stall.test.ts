/**
 * A stalled server (it accepts connections and never answers) against the
 * real outbox over HTTP, with the seed's retry settings and real time: the
 * uploads of other tickets must not wait on the unanswered ones.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../main/clock';
import { startCloudSim, type CloudSim } from '../cloud-sim/server';
import { gateKiosk, ref, TODAY } from '../support/gate';
import { tempDir } from '../support/temp';

let cloud: CloudSim | null = null;
afterEach(async () => {
  await cloud?.close();
  cloud = null;
});

/** Real elapsed time, on the test's venue day. */
function realClockOn(day: string): Clock {
  const startWall = Date.parse(`${day}T03:00:00Z`);
  const startMono = performance.now();
  return { now: () => new Date(startWall + performance.now() - startMono), monotonicMs: () => performance.now() };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('gate uploads against a stalled server', () => {
  it('keeps the stalled requests within the configured concurrency, and delivers every admission made meanwhile within seconds of the server answering again, in order per ticket', async () => {
    const tickets = 20;
    cloud = await startCloudSim({
      tickets: Array.from({ length: tickets }, (_, i) => ({ bookingDate: TODAY, referenceNo: ref(i + 1), attractions: { A: { pax: 4, used: 0 } } })),
    });
    // The seed's quick retries (3 × 5 s), the default concurrency (4) and backoff; a request
    // timeout long enough that only the kiosk's own handling of the stall can explain a quick recovery.
    const timeoutSeconds = 60;
    const g = await gateKiosk(
      tempDir(),
      cloud,
      {
        api: { timeoutSeconds, retryAttempts: 3, retryDelaySeconds: 5 },
        services: { syncIntervalSeconds: 1 },
        sync: { concurrency: 4, backoffBaseSeconds: 1, backoffCapSeconds: 300 },
      },
      { clock: realClockOn(TODAY) },
    );
    await g.sync();

    cloud.set({ timeoutRate: 1 }); // accepts every upload, answers none
    for (let round = 0; round < 2; round++) {
      for (let n = 1; n <= tickets; n++) expect(await g.admit(ref(n), 1)).toMatchObject({ status: 'admitted' });
    }
    await sleep(7_000);
    // Nothing arrived, and the kiosk did not pile requests on the stalled server.
    expect(cloud.stats().admissions.applied).toBe(0);
    expect(cloud.stats().heldRequests).toBeLessThanOrEqual(4 + 1);

    cloud.set({ timeoutRate: 0 });
    const answeringAgain = Date.now();
    while (cloud.stats().admissions.distinct < 2 * tickets && Date.now() - answeringAgain < timeoutSeconds * 1000) await sleep(100);
    const tookMs = Date.now() - answeringAgain;
    expect(cloud.stats().admissions).toMatchObject({ distinct: 2 * tickets, applied: 2 * tickets });
    // Within seconds, well before any stalled request's own timeout could have freed the queue.
    expect(tookMs).toBeLessThan(15_000);

    // In order per ticket: the absolute counts the server saw for each ticket never went down.
    for (let n = 1; n <= tickets; n++) {
      expect(cloud.tickets.get(ref(n))?.attractions.A?.used).toBe(2);
      const counts = cloud.received
        .filter((r) => r.method === 'POST' && r.status === 200 && (r.body as { referenceNo: string }).referenceNo === ref(n))
        .map((r) => (r.body as { attractions: { A: { used: number } } }).attractions.A.used);
      expect([...counts].sort()).toEqual(counts);
    }
    await g.kiosk.stop();
  }, 120_000);
});
