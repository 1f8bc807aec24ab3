/** The simulator's fault injection on the ticket endpoints. */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { BAD_JSON_FRACTION, recordFault } from '../cloud-sim/download';
import { type CloudSim, type SimOptions, startCloudSim } from '../cloud-sim/server';
import { ticketRecordSchema } from '../cloud-sim/tickets';

const sims: CloudSim[] = [];
afterEach(async () => {
  while (sims.length) await sims.pop()!.close();
});

/** A simulator with tickets R1…R9 (A: pax 9) and the given options. */
async function sim(initial: Partial<SimOptions> = {}) {
  const s = await startCloudSim({ initial });
  s.tickets.generate({ count: 9, date: '2025-10-09', pax: { min: 9, max: 9 }, attractions: ['A'] });
  sims.push(s);
  return s;
}
const REF = '20251009-000001';
const usedA = (s: CloudSim) => s.tickets.get(REF)!.attractions.A!.used;

const uploadRequest = (s: CloudSim, key: string = randomUUID(), signal?: AbortSignal) =>
  fetch(`${s.apiUrl}bookings/update-used`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key },
    body: JSON.stringify({
      bookingDate: '2025-10-09',
      referenceNo: REF,
      attractions: { A: { pax: 9, used: 1 } },
      admissions: [{ id: key, attraction: 'A', persons: 1, at: '2025-10-09T03:00:00Z' }],
    }),
    signal: signal ?? null,
  });

async function until(check: () => boolean, ms = 5_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('cloud-sim faults', () => {
  it('errorRate: answers 500 and applies nothing', async () => {
    const s = await sim({ errorRate: 1 });
    expect((await uploadRequest(s)).status).toBe(500);
    expect((await fetch(`${s.apiUrl}bookings/summary`)).status).toBe(500);
    expect(usedA(s)).toBe(0);
    expect(s.stats().idempotency.keysApplied).toBe(0);
    s.set({ errorRate: 0 });
    expect((await uploadRequest(s)).status).toBe(200);
    expect(usedA(s)).toBe(1);
  });

  it('rateLimitRate: answers 429 with Retry-After and applies nothing', async () => {
    const s = await sim({ rateLimitRate: 1, retryAfterSeconds: 7 });
    const response = await uploadRequest(s);
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(usedA(s)).toBe(0);
  });

  it('timeoutRate: never answers and applies nothing; the client gives up by itself', async () => {
    const s = await sim({ timeoutRate: 1 });
    const controller = new AbortController();
    const request = uploadRequest(s, undefined, controller.signal);
    const settled = request.then(
      () => 'answered',
      (error: Error) => error.name,
    );
    await until(() => s.stats().heldRequests === 1);
    // Far longer than any answer on loopback takes, and still nothing.
    expect(await Promise.race([settled, new Promise((r) => setTimeout(() => r('still waiting'), 500))])).toBe('still waiting');
    controller.abort();
    expect(await settled).toBe('AbortError');
    await until(() => s.stats().heldRequests === 0);
    expect(usedA(s)).toBe(0);
    expect(s.received.at(-1)).toMatchObject({ outcome: 'fault-timeout' });
    expect(s.received.at(-1)!.status).toBeUndefined();
  });

  it('timeoutRate: close() ends held requests at once', async () => {
    const s = await startCloudSim({ initial: { timeoutRate: 1 } });
    const request = fetch(`${s.apiUrl}bookings/summary`).then(
      () => 'answered',
      () => 'failed',
    );
    await until(() => s.stats().heldRequests === 1);
    const started = Date.now();
    await s.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await request).toBe('failed');
  });

  it('lostResponseRate: applies the upload, then drops the connection; a retry with the same key is not applied twice', async () => {
    const s = await sim({ lostResponseRate: 1 });
    await expect(uploadRequest(s, 'key-1')).rejects.toThrow(TypeError);
    expect(usedA(s)).toBe(1);
    expect(s.received.at(-1)).toMatchObject({ idempotencyKey: 'key-1', outcome: 'fault-lost-response' });
    s.set({ lostResponseRate: 0 });
    const retried = await uploadRequest(s, 'key-1');
    expect(retried.status).toBe(200);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(usedA(s)).toBe(1);
    expect(s.keyApplications('key-1')).toBe(1);
  });

  it('latencyMs delays answers; down drops them; the probe root honours only those two', async () => {
    const s = await sim({ errorRate: 1, timeoutRate: 0, malformedDownload: 'bad-json' });
    expect((await fetch(s.apiUrl)).status).toBe(200);
    s.set({ errorRate: 0, timeoutRate: 1 });
    expect((await fetch(s.apiUrl)).status).toBe(200);
    s.set({ latencyMs: 300 });
    const started = Date.now();
    await fetch(s.apiUrl);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    s.set({ down: true, latencyMs: 0 });
    await expect(fetch(s.apiUrl)).rejects.toThrow(TypeError);
  });

  it('the same randomSeed gives the same faults in the same order', async () => {
    const s = await sim({ errorRate: 0.3, rateLimitRate: 0.3, randomSeed: 42 });
    const run = async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await fetch(`${s.apiUrl}bookings/summary`)).status);
      return statuses;
    };
    const first = await run();
    s.set({ randomSeed: 42 });
    expect(await run()).toEqual(first);
    expect(new Set(first)).toEqual(new Set([200, 500, 429]));
    s.set({ randomSeed: 43 });
    expect(await run()).not.toEqual(first);
  });
});

describe('cloud-sim malformed downloads', () => {
  const body = async (s: CloudSim) => {
    const response = await fetch(`${s.apiUrl}bookings/summary`);
    expect(response.status).toBe(200);
    return response.text();
  };

  it("'bad-json': a truncated body that does not parse", async () => {
    const s = await sim();
    const good = await body(s);
    s.set({ malformedDownload: 'bad-json' });
    const bad = await body(s);
    expect(bad.length).toBe(Math.floor(good.length * BAD_JSON_FRACTION));
    expect(good.startsWith(bad)).toBe(true);
    expect(() => JSON.parse(bad)).toThrow(SyntaxError);
  });

  it("'wrong-types': pax as a word, no referenceNo and negative pax on the odd records, the even ones good", async () => {
    const s = await sim({ malformedDownload: 'wrong-types' });
    const records = JSON.parse(await body(s)) as Record<string, unknown>[];
    expect(records).toHaveLength(9);
    const valid = records.map((r) => ticketRecordSchema.safeParse(r).success);
    expect(valid).toEqual([true, false, true, false, true, false, true, false, true]);
    expect(records.map((_r, i) => recordFault('wrong-types', i, 9))).toEqual([
      null, 'pax-as-string', null, 'missing-referenceNo', null, 'negative-pax', null, 'pax-as-string', null,
    ]);
    expect(records[1]).toMatchObject({ referenceNo: '20251009-000002', attractions: { A: { pax: 'nine' } } });
    expect(records[3]).not.toHaveProperty('referenceNo');
    expect(records[5]).toMatchObject({ referenceNo: '20251009-000006', attractions: { A: { pax: -10 } } });
    expect(s.stats().lastDownload!.faults.map((f) => f.index)).toEqual([1, 3, 5, 7]);
  });

  it("'one-bad-record': exactly one bad record, the middle one, among good ones", async () => {
    const s = await sim({ malformedDownload: 'one-bad-record' });
    const records = JSON.parse(await body(s)) as unknown[];
    const bad = records.flatMap((r, i) => (ticketRecordSchema.safeParse(r).success ? [] : [i]));
    expect(bad).toEqual([4]);
    expect(records[4]).toMatchObject({ referenceNo: '20251009-000005' });
  });

  it('each kind has its own ETag, so a kiosk never gets a 304 for a different body', async () => {
    const s = await sim();
    const etags = new Set<string | null>();
    for (const kind of ['none', 'bad-json', 'wrong-types', 'one-bad-record'] as const) {
      s.set({ malformedDownload: kind });
      etags.add((await fetch(`${s.apiUrl}bookings/summary`)).headers.get('etag'));
    }
    expect(etags.size).toBe(4);
  });
});
