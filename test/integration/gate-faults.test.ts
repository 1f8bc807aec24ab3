import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startCloudSim, type CloudSim } from '../cloud-sim/server';
import { gateKiosk, ref, TODAY } from '../support/gate';
import { writeEndlessBody, type EndlessBody } from '../support/endless-body';
import { soakScale } from '../support/soak';
import { tempDir } from '../support/temp';

let cloud: CloudSim | null = null;
afterEach(async () => {
  await cloud?.close();
  cloud = null;
});

describe('gate uploads against a faulty cloud', () => {
  // npm test: 150 admissions; npm run soak -- gate: 2,000.
  const admissions = soakScale(150, 2_000);

  it(`delivers ${admissions} admissions through 30% errors, timeouts and lost responses: none missing, none twice`, async () => {
    const tickets = Math.max(10, Math.floor(admissions / 10));
    cloud = await startCloudSim({
      tickets: Array.from({ length: tickets }, (_, i) => ({ bookingDate: TODAY, referenceNo: ref(i + 1), attractions: { A: { pax: 1000, used: 0 } } })),
    });
    const g = await gateKiosk(tempDir(), cloud, { api: { timeoutSeconds: 1 }, sync: { concurrency: 8, backoffBaseSeconds: 0.05, backoffCapSeconds: 0.3 } });
    await g.sync();
    cloud.set({ errorRate: 0.1, timeoutRate: 0.1, lostResponseRate: 0.1, randomSeed: 7 });

    const expected = new Map<string, number>();
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < admissions; i++) {
      const n = 1 + Math.floor(random() * tickets);
      const persons = 1 + Math.floor(random() * 3);
      const outcome = await g.admit(ref(n), persons);
      expect(outcome.status).toBe('admitted');
      expected.set(ref(n), (expected.get(ref(n)) ?? 0) + persons);
    }
    const deadline = Date.now() + 240_000;
    while ((await g.invoke<{ pending: number; dead: number }>('sync:status')).pending > 0 && Date.now() < deadline) {
      g.clock.advance(500);
      await g.kiosk.runJob('gate.sync');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await g.invoke('sync:status')).toMatchObject({ pending: 0, dead: 0 });
    const stats = cloud.stats();
    expect(stats.requests.byOutcome['fault-error']).toBeGreaterThan(0);
    expect(stats.requests.byOutcome['fault-lost-response']).toBeGreaterThan(0);
    expect(stats.requests.byOutcome['fault-timeout']).toBeGreaterThan(0);
    expect(stats.admissions.applied).toBe(admissions);
    expect(stats.admissions.distinct).toBe(admissions);
    for (const [reference, persons] of expected) expect(cloud.tickets.get(reference)?.attractions.A?.used).toBe(persons);
    await g.kiosk.stop();
  }, 300_000);
});

describe('gate download against a broken server', () => {
  it('an error answer whose body has no end is given up after a small part, not read until the timeout', async () => {
    const responses: EndlessBody[] = [];
    const server = http.createServer((request, response) => {
      request.resume();
      if (request.method !== 'GET' || !request.url?.endsWith('/bookings/summary')) {
        response.writeHead(404).end();
        return;
      }
      responses.push(writeEndlessBody(response, { status: 503, contentType: 'text/html', fill: 0x41, everyMs: 5 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
    const g = await gateKiosk(tempDir(), { apiUrl } as CloudSim, { api: { timeoutSeconds: 40 } });
    try {
      await g.sync();
      await new Promise((r) => setTimeout(r, 100));
      expect(responses.length).toBeGreaterThan(0);
      expect(responses.every((r) => r.closed)).toBe(true);
      // The kiosk reads 64 KB of an error page (what the socket buffers took is on top).
      for (const r of responses) expect(r.written).toBeLessThan(16 * 1024 * 1024);
    } finally {
      await g.kiosk.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
