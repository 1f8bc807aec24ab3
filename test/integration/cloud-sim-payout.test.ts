/** The simulator's coin payout contract (CONTRACTS.md "Coin payout", seed 002): API, retries, hostile answers, faults, test control. */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PayoutJob, PayoutReport, PayoutTransaction } from '../cloud-sim/payout';
import { type CloudSim, type SimOptions, startCloudSim } from '../cloud-sim/server';
import { spawnInGroup, stopGroup } from '../support/process-group';

const sims: CloudSim[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  while (sims.length) await sims.pop()!.close();
  await Promise.all(children.splice(0).map((child) => stopGroup(child)));
});
async function sim(initial: Partial<SimOptions> = {}) {
  const s = await startCloudSim({ initial });
  sims.push(s);
  return s;
}

const KIOSK_A = '11111111-1111-4111-8111-111111111111';
const KIOSK_B = '22222222-2222-4222-8222-222222222222';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}
interface CallOptions {
  kiosk?: string | null;
  key?: string;
  body?: unknown;
  signal?: AbortSignal;
}

/** One request as Booth sends it: X-Kiosk-Id (kiosk A unless told), JSON body, Idempotency-Key on POSTs. */
async function call(base: string, method: 'GET' | 'POST', route: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'User-Agent': 'Booth/test' };
  const kiosk = options.kiosk === undefined ? KIOSK_A : options.kiosk;
  if (kiosk !== null) headers['X-Kiosk-Id'] = kiosk;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  if (method === 'POST') headers['Idempotency-Key'] = options.key ?? randomUUID();
  const response = await fetch(`${base}${route}`, { method, headers, body: body ?? null, signal: options.signal ?? null });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}
const v2 = (s: CloudSim) => `${s.apiUrl}v2/`;
const create = (s: CloudSim, amount: unknown = 5, options: CallOptions = {}) =>
  call(v2(s), 'POST', 'transaction/create', { body: { amount }, ...options });
const poll = (s: CloudSim, kiosk: string | null = KIOSK_A) => call(v2(s), 'GET', 'jobs/pending', { kiosk });
const report = (s: CloudSim, jobId: string, fields: Record<string, unknown> = {}, options: CallOptions = {}) =>
  call(v2(s), 'POST', `jobs/${jobId}/complete`, {
    body: { success: true, error: null, kioskId: KIOSK_A, timestamp: new Date().toISOString(), ...fields },
    ...options,
  });
const fail = (s: CloudSim, jobId: string, dispensed = 0, options: CallOptions = {}) =>
  report(s, jobId, { success: false, error: 'jam', dispensed }, options);
/** A transaction created by kiosk A and paid: its job id. */
async function paidTransaction(s: CloudSim, amount = 5) {
  const created = await create(s, amount);
  const transactionId = (created.json as { id: string }).id;
  const job = s.payout.pay(transactionId);
  return { transactionId, job };
}

async function until(check: () => boolean, ms = 5_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('cloud-sim payout: transactions', () => {
  it('create answers id, qrUrl, amount and expiresAt 15 minutes on, and records the creating kiosk', async () => {
    const s = await sim();
    const before = Date.now();
    const created = await create(s, 5.0);
    expect(created.status).toBe(200);
    const body = created.json as { id: string; qrUrl: string; amount: number; expiresAt: string };
    expect(Object.keys(body).sort()).toEqual(['amount', 'expiresAt', 'id', 'qrUrl']);
    expect(body.id).toMatch(UUID);
    expect(body.qrUrl).toMatch(new RegExp(`^https://.+/pay/${body.id}$`));
    expect(body.amount).toBe(5);
    const ttl = Date.parse(body.expiresAt) - before;
    expect(ttl).toBeGreaterThanOrEqual(15 * 60_000 - 1_000);
    expect(ttl).toBeLessThanOrEqual(15 * 60_000 + 1_000);
    expect(s.payout.transaction(body.id)).toMatchObject({ kioskId: KIOSK_A, amount: 5, status: 'pending', expiresAt: body.expiresAt });
    expect(s.received.at(-1)).toMatchObject({ kioskId: KIOSK_A, outcome: 'transaction-created', status: 200 });
  });

  it('transactionTtlSeconds sets the lifetime; omitExpiresAt leaves expiresAt out (the seed server)', async () => {
    const s = await sim({ transactionTtlSeconds: 60 });
    const before = Date.now();
    const short = (await create(s)).json as { expiresAt: string };
    expect(Math.abs(Date.parse(short.expiresAt) - before - 60_000)).toBeLessThan(1_000);
    s.set({ omitExpiresAt: true });
    const seedLike = await create(s);
    expect(Object.keys(seedLike.json as object).sort()).toEqual(['amount', 'id', 'qrUrl']);
    // The simulator still knows when it expires.
    expect(s.payout.transaction((seedLike.json as { id: string }).id)!.expiresAt).toMatch(/Z$/);
  });

  it('create refuses a malformed body with 400 and creates nothing', async () => {
    const s = await sim();
    for (const body of ['{"amount": 5', { amount: '5' }, { amount: -5 }, { amount: 0 }, {}]) {
      const answer = await call(v2(s), 'POST', 'transaction/create', { body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
    }
    expect(s.payout.transactions()).toEqual([]);
  });

  it('GET transaction/{id}: pending, paid, expired (by time or expire()), cancelled; unknown is 404', async () => {
    const s = await sim();
    const status = async (id: string) => (await call(v2(s), 'GET', `transaction/${id}`)).json;
    const { transactionId: paid } = await paidTransaction(s);
    expect(await status(paid)).toEqual({ id: paid, status: 'paid' });
    const pending = ((await create(s)).json as { id: string }).id;
    expect(await status(pending)).toEqual({ id: pending, status: 'pending' });
    s.payout.expire(pending);
    expect(await status(pending)).toEqual({ id: pending, status: 'expired' });
    const cancelled = ((await create(s)).json as { id: string }).id;
    s.payout.cancel(cancelled);
    expect(await status(cancelled)).toEqual({ id: cancelled, status: 'cancelled' });
    s.set({ transactionTtlSeconds: 0.2 });
    const short = ((await create(s)).json as { id: string }).id;
    expect(await status(short)).toEqual({ id: short, status: 'pending' });
    await new Promise((r) => setTimeout(r, 300));
    expect(await status(short)).toEqual({ id: short, status: 'expired' });
    expect((await call(v2(s), 'GET', `transaction/${randomUUID()}`)).status).toBe(404);
  });

  it('noTransactionStatus: the route answers 404 even for a known transaction (a server without it)', async () => {
    const s = await sim({ noTransactionStatus: true });
    const id = ((await create(s)).json as { id: string }).id;
    const answer = await call(v2(s), 'GET', `transaction/${id}`);
    expect(answer.status).toBe(404);
    expect(s.received.at(-1)).toMatchObject({ outcome: 'no-such-endpoint', status: 404 });
    s.set({ noTransactionStatus: false });
    expect((await call(v2(s), 'GET', `transaction/${id}`)).json).toEqual({ id, status: 'pending' });
  });

  it('a paid transaction cannot be paid again; a late payment of an expired one is allowed', async () => {
    const s = await sim();
    const { transactionId } = await paidTransaction(s);
    expect(() => s.payout.pay(transactionId)).toThrow(/is paid/);
    const late = ((await create(s)).json as { id: string }).id;
    s.payout.expire(late);
    expect(s.payout.pay(late)).toMatchObject({ transactionId: late, kioskId: KIOSK_A, status: 'pending' });
    expect(() => s.payout.pay(randomUUID())).toThrow(/unknown transaction/);
  });
});

describe('cloud-sim payout: jobs', () => {
  it('pay creates a job for the creating kiosk only, quarters = amount / coin value, in the contract shape', async () => {
    const s = await sim();
    const { transactionId, job } = await paidTransaction(s, 5);
    expect(job).toMatchObject({ transactionId, kioskId: KIOSK_A, quarters: 20, status: 'pending', retryCount: 0, maxRetries: 3 });
    expect((await poll(s, KIOSK_B)).json).toBeNull();
    expect((await poll(s, null)).json).toBeNull();
    const delivered = await poll(s, KIOSK_A);
    expect(delivered.status).toBe(200);
    expect(delivered.json).toEqual({
      id: job.id,
      transactionId,
      quarters: 20,
      status: 'pending',
      retryCount: 0,
      maxRetries: 3,
      createdAt: job.createdAt,
    });
    expect(s.received.at(-1)).toMatchObject({ outcome: 'job-delivered', kioskId: KIOSK_A });

    s.set({ coinValue: 1, jobMaxRetries: 5 });
    const other = await paidTransaction(s, 7.5);
    expect(other.job).toMatchObject({ quarters: 7, maxRetries: 5 });
    expect(s.payout.transaction(transactionId)).toMatchObject({ status: 'paid' });
  });

  it('a pending job is delivered again on every poll until it is reported; the oldest comes first', async () => {
    const s = await sim();
    const first = await paidTransaction(s);
    await new Promise((r) => setTimeout(r, 5));
    const second = await paidTransaction(s);
    for (let i = 0; i < 3; i++) expect((await poll(s)).json).toMatchObject({ id: first.job.id });
    expect(s.payout.job(first.job.id)!.deliveries).toBe(3);
    expect((await report(s, first.job.id, { dispensed: 20 })).status).toBe(200);
    expect(s.payout.job(first.job.id)).toMatchObject({ status: 'completed' });
    expect(s.payout.transaction(first.transactionId)!.paidOutAt).not.toBeNull();
    expect((await poll(s)).json).toMatchObject({ id: second.job.id });
    await report(s, second.job.id, { dispensed: 20 });
    expect((await poll(s)).json).toBeNull();
  });

  it('a failed report puts the same job back with retryCount + 1 up to maxRetries, then marks it failed; retryJob revives it', async () => {
    const s = await sim();
    const { transactionId, job } = await paidTransaction(s);
    for (let retry = 1; retry <= 3; retry++) {
      const answer = await fail(s, job.id, 4);
      expect(answer.status).toBe(200);
      expect(s.received.at(-1)).toMatchObject({ outcome: 'job-retry' });
      expect((await poll(s)).json).toMatchObject({ id: job.id, retryCount: retry, maxRetries: 3, status: 'pending' });
    }
    await fail(s, job.id, 4);
    expect(s.received.at(-1)).toMatchObject({ outcome: 'job-failed' });
    expect(s.payout.job(job.id)).toMatchObject({ status: 'failed', retryCount: 3, errorMessage: 'jam' });
    expect((await poll(s)).json).toBeNull();
    // A failure report on a failed job changes nothing.
    await fail(s, job.id, 4);
    expect(s.payout.job(job.id)).toMatchObject({ status: 'failed', retryCount: 3 });

    expect(s.payout.retryJob(job.id)).toMatchObject({ id: job.id, status: 'pending', retryCount: 4 });
    expect((await poll(s)).json).toMatchObject({ id: job.id, retryCount: 4 });
    await report(s, job.id, { dispensed: 20 });
    expect(s.payout.job(job.id)).toMatchObject({ status: 'completed' });
    expect(s.payout.dispensed(transactionId)).toEqual([4, 4, 4, 4, 4, 20]);
    expect(s.payout.reports(job.id).map((r) => r.outcome)).toEqual([
      'job-retry',
      'job-retry',
      'job-retry',
      'job-failed',
      'report-ignored',
      'job-completed',
    ]);
    expect(() => s.payout.retryJob(randomUUID())).toThrow(/unknown job/);
  });

  it('complete honours Idempotency-Key: the same key replays the first answer and applies nothing again', async () => {
    const s = await sim();
    const { transactionId, job } = await paidTransaction(s);
    const first = await fail(s, job.id, 3, { key: 'report-1' });
    const again = await fail(s, job.id, 3, { key: 'report-1' });
    expect(again.status).toBe(first.status);
    expect(again.json).toEqual(first.json);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(s.payout.job(job.id)!.retryCount).toBe(1);
    const reports: PayoutReport[] = s.payout.reports(job.id);
    expect(reports.map((r) => [r.idempotencyKey, r.outcome, r.dispensed])).toEqual([
      ['report-1', 'job-retry', 3],
      ['report-1', 'replayed', 3],
    ]);
    expect(reports[0]!.body).toMatchObject({ success: false, error: 'jam', kioskId: KIOSK_A, dispensed: 3 });
    expect(s.payout.dispensed(transactionId)).toEqual([3]);
    // A new key is a new report.
    await fail(s, job.id, 3, { key: 'report-2' });
    expect(s.payout.job(job.id)!.retryCount).toBe(2);
  });

  it('complete: unknown job 404, malformed body 400; both recorded, neither remembered under its key', async () => {
    const s = await sim();
    const { job } = await paidTransaction(s);
    expect((await report(s, randomUUID())).status).toBe(404);
    const malformed: unknown[] = [
      '{"success": tru',
      { success: 'yes', error: null, kioskId: KIOSK_A, timestamp: 'now' },
      { error: null, kioskId: KIOSK_A, timestamp: 'now' },
      { success: true, error: null, timestamp: 'now' },
      { success: true, error: null, kioskId: KIOSK_A, timestamp: 'now', dispensed: -1 },
      { success: true, error: null, kioskId: KIOSK_A, timestamp: 'now', dispensed: 2.5 },
    ];
    for (const body of malformed) {
      expect((await call(v2(s), 'POST', `jobs/${job.id}/complete`, { body, key: 'k' })).status, JSON.stringify(body)).toBe(400);
    }
    expect(s.payout.job(job.id)).toMatchObject({ status: 'pending', retryCount: 0 });
    expect(s.payout.reports(job.id)).toHaveLength(malformed.length);
    expect(s.payout.reports(job.id)[0]!.body).toBe('{"success": tru');
    // The key of a refused report is still free.
    expect((await report(s, job.id, { dispensed: 20 }, { key: 'k' })).status).toBe(200);
    expect(s.payout.job(job.id)!.status).toBe('completed');
  });

  it('a report without Booth\'s "dispensed" (the seed client) is accepted', async () => {
    const s = await sim();
    const { transactionId, job } = await paidTransaction(s);
    const answer = await call(v2(s), 'POST', `jobs/${job.id}/complete`, {
      body: { success: true, error: null, kioskId: KIOSK_A, timestamp: '2025-10-09T03:00:00.123456' },
    });
    expect(answer.status).toBe(200);
    expect(s.payout.job(job.id)!.status).toBe('completed');
    expect(s.payout.dispensed(transactionId)).toEqual([]);
  });

  it('records the last seen time of each kiosk on every poll', async () => {
    const s = await sim();
    expect(s.payout.lastSeen(KIOSK_A)).toBeNull();
    const before = new Date().toISOString();
    await poll(s, KIOSK_A);
    const first = s.payout.lastSeen(KIOSK_A)!;
    expect(first >= before).toBe(true);
    expect(s.payout.lastSeen(KIOSK_B)).toBeNull();
    await new Promise((r) => setTimeout(r, 15));
    await poll(s, KIOSK_A);
    await poll(s, KIOSK_B);
    expect(s.payout.lastSeen(KIOSK_A)! > first).toBe(true);
    expect(s.payout.kiosks()).toEqual([
      { kioskId: KIOSK_A, lastSeen: s.payout.lastSeen(KIOSK_A), polls: 2 },
      { kioskId: KIOSK_B, lastSeen: s.payout.lastSeen(KIOSK_B), polls: 1 },
    ]);
  });

  it('garbleNextJobs(n): the next n answers are invalid JSON or of wrong types; then the job comes through unharmed', async () => {
    const s = await sim();
    const { job } = await paidTransaction(s);
    s.payout.garbleNextJobs(3);
    expect(s.payout.garblesPending()).toBe(3);
    const badJson = await poll(s);
    expect(badJson.status).toBe(200);
    expect(badJson.headers.get('content-type')).toMatch(/^application\/json/);
    expect(() => JSON.parse(badJson.text)).toThrow(SyntaxError);
    const wrongTypes = (await poll(s)).json as Record<string, unknown>;
    expect(typeof wrongTypes.id).toBe('number');
    expect(wrongTypes.quarters).toBe('20');
    const missing = (await poll(s)).json as Record<string, unknown>;
    expect(missing).toEqual({ id: job.id, status: 'pending' });
    expect(s.received.slice(-3).map((r) => r.outcome)).toEqual(['job-garbled', 'job-garbled', 'job-garbled']);
    expect(s.payout.job(job.id)!.deliveries).toBe(0);
    expect((await poll(s)).json).toMatchObject({ id: job.id, quarters: 20 });

    s.payout.garbleNextJobs(2, 'wrong-types');
    // Garbled even when no job waits (kiosk B has none).
    expect(((await poll(s, KIOSK_B)).json as Record<string, unknown>).transactionId).toBe(false);
    expect(((await poll(s)).json as Record<string, unknown>).transactionId).toBe(false);
    expect((await poll(s, KIOSK_B)).json).toBeNull();
  });

  it('createJob: hostile coin counts and transactions created elsewhere are delivered as given', async () => {
    const s = await sim();
    const hostile = [-5, 0, 1e12, 2.5];
    const jobs: PayoutJob[] = [];
    for (const [i, quarters] of hostile.entries()) {
      jobs.push(s.payout.createJob({ kioskId: KIOSK_A, quarters, createdAt: `2025-10-09T03:00:0${i}.000Z` }));
    }
    for (const [i, quarters] of hostile.entries()) {
      const delivered = (await poll(s)).json as { id: string; transactionId: string; quarters: unknown };
      expect(delivered).toMatchObject({ id: jobs[i]!.id, quarters });
      // A transaction this simulator (and so this kiosk) never created.
      expect(delivered.transactionId).toMatch(UUID);
      expect(s.payout.transaction(delivered.transactionId)).toBeUndefined();
      expect((await report(s, delivered.id, { dispensed: 0 })).status).toBe(200);
    }
    expect((await poll(s)).json).toBeNull();
    // Another kiosk's transaction, delivered here; a completed job is never delivered; ids are unique.
    const created = await create(s, 5, { kiosk: KIOSK_B });
    s.payout.createJob({ id: 'done', kioskId: KIOSK_A, quarters: 1, status: 'completed', createdAt: '2000-01-01T00:00:00.000Z' });
    expect(() => s.payout.createJob({ id: 'done', kioskId: KIOSK_A, quarters: 1 })).toThrow(/exists/);
    const foreign = s.payout.createJob({ transactionId: (created.json as { id: string }).id, kioskId: KIOSK_A, quarters: 20, retryCount: 2 });
    expect((await poll(s)).json).toMatchObject({ id: foreign.id, retryCount: 2 });
    await report(s, foreign.id, { success: false, error: 'customer_absent', dispensed: 0 });
    expect(s.payout.job(foreign.id)).toMatchObject({ status: 'pending', retryCount: 3, errorMessage: 'customer_absent' });
    expect((await poll(s, KIOSK_B)).json).toBeNull();
  });

  it('autoPaySeconds: the customer pays by themselves after that long (the demo)', async () => {
    const s = await sim({ autoPaySeconds: 0.1 });
    const id = ((await create(s)).json as { id: string }).id;
    expect((await poll(s)).json).toBeNull();
    await new Promise((r) => setTimeout(r, 150));
    expect((await poll(s)).json).toMatchObject({ transactionId: id, quarters: 20 });
    expect(s.payout.transaction(id)!.status).toBe('paid');
  });
});

describe('cloud-sim payout: faults', () => {
  it('errorRate and rateLimitRate answer 500 / 429 on every payout route and apply nothing', async () => {
    const s = await sim();
    const { job } = await paidTransaction(s);
    s.set({ errorRate: 1 });
    expect((await create(s)).status).toBe(500);
    expect((await poll(s, KIOSK_B)).status).toBe(500);
    expect((await call(v2(s), 'GET', `transaction/${job.transactionId}`)).status).toBe(500);
    expect((await fail(s, job.id)).status).toBe(500);
    expect(s.payout.transactions()).toHaveLength(1);
    expect(s.payout.lastSeen(KIOSK_B)).toBeNull();
    expect(s.payout.job(job.id)).toMatchObject({ retryCount: 0, deliveries: 0 });
    expect(s.payout.reports()).toEqual([]);
    s.set({ errorRate: 0, rateLimitRate: 1, retryAfterSeconds: 3 });
    const limited = await fail(s, job.id);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(s.payout.job(job.id)!.retryCount).toBe(0);
    expect(s.received.slice(-2).map((r) => r.outcome)).toEqual(['fault-error', 'fault-rate-limit']);
  });

  it('lostResponseRate applies the report and drops the answer; the retry with the same key is a replay', async () => {
    const s = await sim();
    const { transactionId, job } = await paidTransaction(s);
    s.set({ lostResponseRate: 1 });
    await expect(fail(s, job.id, 5, { key: 'lost-1' })).rejects.toThrow(TypeError);
    expect(s.payout.job(job.id)!.retryCount).toBe(1);
    expect(s.received.at(-1)).toMatchObject({ idempotencyKey: 'lost-1', outcome: 'fault-lost-response' });
    expect(s.received.at(-1)!.status).toBeUndefined();
    // A lost poll answer still counts as seen and delivered.
    await expect(poll(s)).rejects.toThrow(TypeError);
    expect(s.payout.lastSeen(KIOSK_A)).not.toBeNull();
    s.set({ lostResponseRate: 0 });
    const retried = await fail(s, job.id, 5, { key: 'lost-1' });
    expect(retried.status).toBe(200);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(s.payout.job(job.id)!.retryCount).toBe(1);
    expect(s.payout.dispensed(transactionId)).toEqual([5]);
  });

  it('timeoutRate holds a poll unanswered; latencyMs delays it; down drops it; randomSeed replays the same faults', async () => {
    const s = await sim({ timeoutRate: 1 });
    const held = poll(s).then(
      () => 'answered',
      (error: Error) => error.name,
    );
    await until(() => s.stats().heldRequests === 1);
    expect(s.payout.lastSeen(KIOSK_A)).toBeNull();
    expect(s.received.at(-1)).toMatchObject({ outcome: 'fault-timeout' });
    s.set({ timeoutRate: 0, latencyMs: 250 });
    const started = Date.now();
    expect((await poll(s, KIOSK_B)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(230);
    s.set({ latencyMs: 0, down: true });
    await expect(poll(s)).rejects.toThrow(TypeError);
    s.set({ down: false, errorRate: 0.5, randomSeed: 7 });
    const run = async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await poll(s)).status);
      return statuses;
    };
    const first = await run();
    s.set({ randomSeed: 7 });
    expect(await run()).toEqual(first);
    expect(new Set(first)).toEqual(new Set([200, 500]));
    await sims.pop()!.close(); // ends the held poll
    expect(await held).not.toBe('answered');
  });
});

describe('cloud-sim payout: HTTP control from another process', () => {
  it('the CLI simulator is driven entirely over HTTP: options, pay, jobs, garble, retry, expire, reports, kiosks', async () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const child = spawnInGroup(process.execPath, ['--import', 'tsx', path.join(root, 'test/cloud-sim/cli.ts'), '--port', '0', '--coin-value', '1'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    const apiUrl = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /^cloud-sim: (\S+)/m.exec(out);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`cloud-sim exited ${code}`)));
    });
    const base = `${apiUrl}v2/`;
    const simUrl = new URL('/__sim/', apiUrl).href;
    const control = async (method: 'GET' | 'POST' | 'DELETE', route: string, body?: unknown) => {
      const response = await fetch(`${simUrl}${route}`, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? null : JSON.stringify(body),
      });
      return { status: response.status, json: (await response.json()) as unknown };
    };

    expect((await control('POST', 'options', { noTransactionStatus: true })).status).toBe(200);
    const id = ((await call(base, 'POST', 'transaction/create', { body: { amount: 5 } })).json as { id: string }).id;
    expect((await call(base, 'GET', `transaction/${id}`)).status).toBe(404);
    const paid = await control('POST', `payout/transactions/${id}/pay`);
    expect(paid.json).toMatchObject({ transactionId: id, kioskId: KIOSK_A, quarters: 5 }); // --coin-value 1
    const jobId = (paid.json as PayoutJob).id;
    expect((await control('POST', `payout/transactions/${id}/pay`)).status).toBe(409);
    expect((await control('POST', `payout/transactions/${randomUUID()}/pay`)).status).toBe(404);

    expect((await control('POST', 'payout/garble', { count: 1, kind: 'bad-json' })).json).toEqual({ ok: true, pending: 1 });
    expect((await call(base, 'GET', 'jobs/pending')).json).toBeUndefined(); // not JSON
    expect((await call(base, 'GET', 'jobs/pending')).json).toMatchObject({ id: jobId, quarters: 5 });
    expect((await control('GET', `payout/kiosks/${KIOSK_A}`)).json).toMatchObject({ kioskId: KIOSK_A, lastSeen: expect.any(String) });
    expect((await control('GET', 'payout/kiosks')).json).toMatchObject([{ kioskId: KIOSK_A, polls: 2 }]);

    const hostile = await control('POST', 'payout/jobs', { kioskId: KIOSK_B, quarters: -3 });
    expect(hostile.status).toBe(200);
    expect((await call(base, 'GET', 'jobs/pending', { kiosk: KIOSK_B })).json).toMatchObject({ id: (hostile.json as PayoutJob).id, quarters: -3 });
    expect((await control('POST', 'payout/jobs', { kioskId: KIOSK_B, quarters: '3' })).status).toBe(400);

    for (let i = 0; i < 4; i++) {
      await call(base, 'POST', `jobs/${jobId}/complete`, { body: { success: false, error: 'empty', kioskId: KIOSK_A, timestamp: 'now', dispensed: 2 } });
    }
    expect((await control('GET', `payout/jobs/${jobId}`)).json).toMatchObject({ status: 'failed', retryCount: 3 });
    expect((await control('POST', `payout/jobs/${jobId}/retry`)).json).toMatchObject({ status: 'pending', retryCount: 4 });
    expect((await control('POST', `payout/jobs/${randomUUID()}/retry`)).status).toBe(404);
    const reports = (await control('GET', `payout/reports?jobId=${jobId}`)).json as PayoutReport[];
    expect(reports.map((r) => r.outcome)).toEqual(['job-retry', 'job-retry', 'job-retry', 'job-failed']);
    expect(((await control('GET', 'payout/jobs')).json as PayoutJob[]).map((j) => j.id).sort()).toEqual(
      [jobId, (hostile.json as PayoutJob).id].sort(),
    );

    const other = ((await call(base, 'POST', 'transaction/create', { body: { amount: 2 } })).json as { id: string }).id;
    expect((await control('POST', `payout/transactions/${other}/expire`)).json).toMatchObject({ id: other, status: 'expired' });
    await control('POST', 'options', { noTransactionStatus: false });
    expect((await call(base, 'GET', `transaction/${other}`)).json).toEqual({ id: other, status: 'expired' });
    const transactions = (await control('GET', 'payout/transactions')).json as PayoutTransaction[];
    expect(transactions.find((t) => t.id === id)).toMatchObject({ status: 'paid', dispensedReports: [2, 2, 2, 2] });

    expect((await control('DELETE', 'payout')).json).toEqual({ ok: true });
    expect((await control('GET', 'payout/jobs')).json).toEqual([]);
  });
});
