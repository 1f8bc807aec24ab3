/**
 * The simulator serves a large download quickly (benchmarks download 100k and
 * 1M tickets). 200k here to keep `npm test` quick on a Pi-class machine;
 * CLOUD_SIM_TICKETS=1000000 runs the full size.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CloudSim, startCloudSim } from '../cloud-sim/server';

const COUNT = Number(process.env.CLOUD_SIM_TICKETS ?? 200_000);

describe(`cloud-sim download of ${COUNT} tickets`, () => {
  let sim: CloudSim;
  beforeAll(async () => {
    sim = await startCloudSim();
    sim.tickets.generate({ count: COUNT, date: '2025-10-09' });
  });
  afterAll(() => sim.close());

  it('is generated, served and parses with every ticket, and after one upload only the changed part is rebuilt', async () => {
    const started = performance.now();
    const response = await fetch(`${sim.apiUrl}bookings/summary`);
    expect(Number(response.headers.get('content-length'))).toBe(sim.stats().lastDownload!.bytes);
    const records = JSON.parse(await response.text()) as { referenceNo: string; attractions: Record<string, { used: number }> }[];
    const firstMs = performance.now() - started;
    expect(records).toHaveLength(COUNT);
    expect(records[0]!.referenceNo).toBe('20251009-000001');
    expect(records.at(-1)!.referenceNo).toBe(`20251009-${String(COUNT).padStart(6, '0')}`);
    const firstBuildMs = sim.stats().lastDownload!.buildMs;
    console.log(`cloud-sim: ${COUNT} tickets, ${sim.stats().lastDownload!.bytes} bytes, built in ${firstBuildMs.toFixed(0)} ms, fetched and parsed in ${firstMs.toFixed(0)} ms`);

    const ref = records[COUNT - 10]!.referenceNo;
    const upload = await fetch(`${sim.apiUrl}bookings/update-used`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'big-1' },
      body: JSON.stringify({
        bookingDate: '2025-10-09',
        referenceNo: ref,
        attractions: { B: { used: 1 } },
        admissions: [{ id: 'adm-big-1', attraction: 'B', persons: 1, at: '2025-10-09T03:00:00Z' }],
      }),
    });
    expect(upload.status).toBe(200);
    const again = JSON.parse(await (await fetch(`${sim.apiUrl}bookings/summary`)).text()) as typeof records;
    expect(again).toHaveLength(COUNT);
    expect(again[COUNT - 10]!.attractions.B!.used).toBe(1);
    // Only one block of 4096 tickets was serialized again.
    expect(sim.stats().lastDownload!.buildMs).toBeLessThan(firstBuildMs / 3);
  });
});
