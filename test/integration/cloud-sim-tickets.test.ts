/** The simulator's gate-ticket contract (CONTRACTS.md "Gate tickets"): download, upload, both server behaviours, test control. */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type CloudSim, startCloudSim } from '../cloud-sim/server';
import { TicketStore, ticketRecordSchema } from '../cloud-sim/tickets';

const sims: CloudSim[] = [];
afterEach(async () => {
  while (sims.length) await sims.pop()!.close();
});
async function sim(...args: Parameters<typeof startCloudSim>) {
  const s = await startCloudSim(...args);
  sims.push(s);
  return s;
}

const ticket = (referenceNo: string, attractions: Record<string, { pax: number; used?: number }>) => ({
  bookingDate: '2025-10-09',
  referenceNo,
  attractions,
});
const admission = (attraction: string, persons: number, id: string = randomUUID()) => ({
  id,
  attraction,
  persons,
  at: '2025-10-09T03:00:00.000Z',
});

async function upload(s: CloudSim, body: unknown, key: string = randomUUID(), path = 'bookings/update-used') {
  const response = await fetch(`${s.apiUrl}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Idempotency-Key': key, 'X-Kiosk-Id': 'kiosk-1' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}
const download = (s: CloudSim, headers: Record<string, string> = {}) => fetch(`${s.apiUrl}bookings/summary`, { headers });

describe('cloud-sim ticket download', () => {
  it('serves the contract shape, in seed order, open-ended attraction names included', async () => {
    const s = await sim({ tickets: [ticket('20251009-000001', { A: { pax: 1 }, B: { pax: 2 }, C: { pax: 3 } })] });
    s.tickets.seed([ticket('20251009-000002', { 'Sky Walk': { pax: 2, used: 1 } })]);
    const response = await download(s);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual([
      ticket('20251009-000001', { A: { pax: 1, used: 0 }, B: { pax: 2, used: 0 }, C: { pax: 3, used: 0 } }),
      ticket('20251009-000002', { 'Sky Walk': { pax: 2, used: 1 } }),
    ]);
  });

  it('answers 304 to a matching If-None-Match and a new ETag once the state changes', async () => {
    const s = await sim({ tickets: [ticket('20251009-000001', { A: { pax: 2 } })] });
    const first = await download(s);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    await first.arrayBuffer();

    const again = await download(s, { 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect((await download(s, { 'If-None-Match': `W/${etag}` })).status).toBe(304);

    await upload(s, { ...ticket('20251009-000001', { A: { pax: 2, used: 1 } }), admissions: [admission('A', 1)] });
    const changed = await download(s, { 'If-None-Match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(((await changed.json()) as { attractions: { A: { used: number } } }[])[0]!.attractions.A.used).toBe(1);
  });

  it('generates deterministic tickets: YYYYMMDD-000001…, pax in range, same seed same tickets', async () => {
    const a = new TicketStore();
    const b = new TicketStore();
    expect(a.generate({ count: 500, date: '2025-10-09', seed: 7 })).toEqual({ count: 500, first: '20251009-000001', last: '20251009-000500' });
    b.generate({ count: 500, date: '2025-10-09', seed: 7 });
    const c = new TicketStore();
    c.generate({ count: 500, date: '2025-10-09', seed: 8 });
    const all = (store: TicketStore) => store.references().map((ref) => store.get(ref));
    expect(all(a)).toEqual(all(b));
    expect(all(a)).not.toEqual(all(c));
    const pax = all(a).flatMap((t) => Object.values(t!.attractions).map((x) => x.pax));
    expect(Math.min(...pax)).toBe(1);
    expect(Math.max(...pax)).toBe(4);
    expect(Object.keys(a.get('20251009-000001')!.attractions)).toEqual(['A', 'B', 'C']);
    expect(a.totals()).toMatchObject({ tickets: 500, used: 0 });
  });

  it('answers a configured alternative endpoint path, and 404 on others', async () => {
    const s = await sim({ initial: { fetchEndpoint: 'v2/tickets', syncEndpoint: 'v2/usage' }, tickets: [ticket('R1', { A: { pax: 2 } })] });
    expect(((await (await fetch(`${s.apiUrl}v2/tickets?date=2025-10-09`)).json()) as unknown[]).length).toBe(1);
    expect((await download(s)).status).toBe(404);
    expect((await upload(s, { ...ticket('R1', { A: { pax: 2, used: 1 } }), admissions: [admission('A', 1)] }, undefined, 'v2/usage')).status).toBe(200);
  });
});

describe('cloud-sim usage upload, admissions mode (the default)', () => {
  it('sums admissions exactly and drops a repeated admission id', async () => {
    const s = await sim({ tickets: [ticket('R1', { A: { pax: 5, used: 1 }, B: { pax: 2 } })] });
    const first = admission('A', 2);
    const r1 = await upload(s, { ...ticket('R1', { A: { pax: 5, used: 3 } }), admissions: [first] });
    expect(r1.status).toBe(200);
    expect(r1.body).toMatchObject({ ok: true, attractions: { A: { pax: 5, used: 3 } }, admissions: { applied: 1, repeats: 0 } });
    // A second gate's upload carries a stale absolute count: only the admissions count.
    const r2 = await upload(s, { ...ticket('R1', { A: { pax: 5, used: 1 }, B: { pax: 2, used: 1 } }), admissions: [first, admission('A', 1), admission('B', 1)] });
    expect(r2.body).toMatchObject({ admissions: { applied: 2, repeats: 1 } });
    expect(s.tickets.get('R1')!.attractions).toEqual({ A: { pax: 5, used: 4 }, B: { pax: 2, used: 1 } });
    expect(s.tickets.get('R1')!.admissions.A!.map((a) => a.persons)).toEqual([2, 1]);
    expect(s.tickets.admissionArrivals(first.id)).toBe(2);
    expect(s.stats().admissions).toEqual({ arrivals: 4, distinct: 3, applied: 3, repeats: 1 });
  });

  it('replays the first answer for a repeated Idempotency-Key without applying again', async () => {
    const s = await sim({ tickets: [ticket('R1', { A: { pax: 5 } })] });
    const body = { ...ticket('R1', { A: { pax: 5, used: 2 } }), admissions: [admission('A', 2)] };
    const first = await upload(s, body, 'key-1');
    // The retry re-serializes the body in another key order: still the same request.
    const retried = await upload(s, JSON.stringify({ admissions: body.admissions, attractions: body.attractions, referenceNo: 'R1', bookingDate: '2025-10-09' }), 'key-1');
    expect(retried.status).toBe(200);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(retried.body).toEqual(first.body);
    expect(s.tickets.get('R1')!.attractions.A!.used).toBe(2);
    expect(s.stats().idempotency).toMatchObject({ keysApplied: 1, replays: 1 });
    expect(s.keyApplications('key-1')).toBe(1);
    expect(s.stats().admissions.arrivals).toBe(1); // the replay never reached the admissions

    const reused = await upload(s, { ...body, admissions: [admission('A', 1)] }, 'key-1');
    expect(reused.status).toBe(422);
    expect(s.tickets.get('R1')!.attractions.A!.used).toBe(2);
  });

  it('records each request: method, url, Idempotency-Key, X-Kiosk-Id, body, outcome', async () => {
    const s = await sim({ tickets: [ticket('R1', { A: { pax: 5 } })] });
    const body = { ...ticket('R1', { A: { pax: 5, used: 1 } }), admissions: [admission('A', 1)] };
    await upload(s, body, 'key-9');
    expect(s.received.at(-1)).toMatchObject({
      method: 'POST',
      url: '/api/bookings/update-used',
      idempotencyKey: 'key-9',
      kioskId: 'kiosk-1',
      headers: { 'idempotency-key': 'key-9', 'x-kiosk-id': 'kiosk-1' },
      body,
      outcome: 'applied',
      status: 200,
    });
    expect(Date.parse(s.received.at(-1)!.at)).toBeGreaterThan(Date.now() - 10_000);
  });

  it('answers 404 for an unknown reference, 400 for a malformed body, 422 for an attraction the ticket lacks, and applies none', async () => {
    const s = await sim({ tickets: [ticket('R1', { A: { pax: 5 } })] });
    const good = { ...ticket('R1', { A: { pax: 5, used: 1 } }), admissions: [admission('A', 1)] };
    expect((await upload(s, { ...good, referenceNo: 'NOPE' })).status).toBe(404);
    expect((await upload(s, '{"referenceNo": "R1", ')).status).toBe(400);
    expect(s.received.at(-1)!.body).toBe('{"referenceNo": "R1", ');
    const { referenceNo: _dropped, ...noReference } = good;
    expect((await upload(s, noReference)).status).toBe(400);
    expect((await upload(s, { ...good, attractions: { A: { pax: 5, used: -1 } } })).status).toBe(400);
    expect((await upload(s, { ...good, attractions: { A: { pax: 5, used: '1' } } })).status).toBe(400);
    expect((await upload(s, { ...good, admissions: [{ ...admission('A', 1), persons: 0 }] })).status).toBe(400);
    const unknown = await upload(s, { ...good, admissions: [admission('Z', 1)] });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ ok: false, details: { attractions: ['Z'] } });
    expect(s.tickets.get('R1')!.attractions.A!.used).toBe(0);
    expect(s.stats().requests.byOutcome).toMatchObject({ 'not-found': 1, 'bad-request': 5, unprocessable: 1 });
  });

  it('two gates uploading at once on one attraction: both counts kept', async () => {
    const s = await sim({ tickets: [ticket('R1', { A: { pax: 5 } })] });
    const gate = () => upload(s, { ...ticket('R1', { A: { pax: 5, used: 1 } }), admissions: [admission('A', 1)] });
    await Promise.all([gate(), gate()]);
    expect(s.tickets.get('R1')!.attractions.A!.used).toBe(2);
  });
});

describe('cloud-sim usage upload, absolute mode (the seed server)', () => {
  it('sets used to what was sent, so two gates uploading at once lose a count', async () => {
    const s = await sim({ initial: { usageMode: 'absolute' }, tickets: [ticket('R1', { A: { pax: 5 }, B: { pax: 2, used: 1 } })] });
    // Each gate saw used 0 and admitted one person: each sends used 1.
    const gate = () => upload(s, { ...ticket('R1', { A: { pax: 5, used: 1 } }), admissions: [admission('A', 1)] });
    const answers = await Promise.all([gate(), gate()]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(s.tickets.get('R1')!.attractions).toEqual({ A: { pax: 5, used: 1 }, B: { pax: 2, used: 1 } });
    // It overwrites downwards too, and ignores admissions and keys.
    await upload(s, { ...ticket('R1', { A: { pax: 5, used: 0 } }), admissions: [admission('A', 3)] }, 'k');
    await upload(s, { ...ticket('R1', { A: { pax: 5, used: 0 } }), admissions: [admission('A', 3)] }, 'k');
    expect(s.tickets.get('R1')!.attractions.A!.used).toBe(0);
    expect(s.stats().admissions.arrivals).toBe(0);
    expect(s.stats().idempotency).toMatchObject({ replays: 0, keysReapplied: 1 });
  });
});

describe('cloud-sim test control over HTTP', () => {
  it('seeds, reads back tickets and stats, and changes options without resetting the others', async () => {
    const s = await sim({ initial: { latencyMs: 5 } });
    const control = (path: string, init?: RequestInit) => fetch(`${s.url}/__sim/${path}`, init).then((r) => r.json() as Promise<Record<string, unknown>>);
    const post = (path: string, body: unknown) =>
      control(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

    expect(await post('tickets', [ticket('R1', { A: { pax: 2 } })])).toMatchObject({ ok: true, tickets: 1 });
    expect(await post('tickets', { generate: { count: 3, date: '2025-10-10' } })).toMatchObject({
      tickets: 4,
      generated: { first: '20251010-000001', last: '20251010-000003' },
    });
    expect(await control('tickets/R1')).toEqual({ ...ticket('R1', { A: { pax: 2, used: 0 } }), admissions: { A: [] } });
    expect((await fetch(`${s.url}/__sim/tickets/NOPE`)).status).toBe(404);

    expect(await post('options', { errorRate: 0.5 })).toMatchObject({ errorRate: 0.5, latencyMs: 5 });
    expect((await fetch(`${s.url}/__sim/options`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"errorRate":2}' })).status).toBe(400);
    expect(s.options.errorRate).toBe(0.5);

    // Control routes still answer while the API is "down", so another process can bring it back.
    await post('options', { down: true, errorRate: 0 });
    await expect(fetch(s.apiUrl)).rejects.toThrow();
    expect(await post('options', { down: false })).toMatchObject({ down: false });
    expect((await fetch(s.apiUrl)).status).toBe(200);

    await upload(s, { ...ticket('R1', { A: { pax: 2, used: 1 } }), admissions: [admission('A', 1, 'adm-1')] }, 'key-1');
    const stats = await control('stats?detail=1');
    expect(stats).toMatchObject({
      tickets: 4,
      idempotency: { keysApplied: 1 },
      admissions: { applied: 1 },
      arrivalsById: { 'adm-1': 1 },
    });
    expect(await control('totals')).toMatchObject({ tickets: 4, byAttraction: { A: { used: 1 } } });
    const log = (await fetch(`${s.url}/__sim/received`).then((r) => r.json())) as { url: string }[];
    expect(log.map((r) => r.url)).toEqual(['/api/', '/api/bookings/update-used']);
    expect(ticketRecordSchema.safeParse(await control('tickets/20251010-000002')).success).toBe(true);
  });
});
