/**
 * The payout kiosk against a small payout server written here, not the cloud
 * simulator: it answers exactly the bytes a test gives it, and keeps the
 * seed's queue (the oldest pending job first; a failed report retries the
 * same job with retryCount + 1 until maxRetries, then it fails). The hopper
 * is the simulator on a pty, through the real ccTalk driver (item 8).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { PayoutAdminSummary, PayoutSession } from '../../preload/contract';
import { writeEndlessBody, type EndlessBody } from '../support/endless-body';
import { payoutKioskOnPty, until } from '../support/payout';
import { tempDir } from '../support/temp';

interface ServerJob {
  id: string | null;
  transactionId: string;
  status: 'pending' | 'completed' | 'failed';
  retryCount: number;
  maxRetries: number;
  /** The exact answer of jobs/pending for this job. */
  text(job: ServerJob): string;
}

interface Report {
  jobId: string;
  body: Record<string, unknown>;
}

/** A seed-like payout server (GET transaction/{id} is absent, as in the seed). */
async function seedLikeServer(createAnswer?: (id: string, amount: number) => Record<string, unknown>) {
  const jobs: ServerJob[] = [];
  const reports: Report[] = [];
  let polls = 0;
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const url = request.url ?? '';
      const send = (status: number, text: string) => {
        response.writeHead(status, { 'Content-Type': 'application/json' });
        response.end(text);
      };
      if (request.method === 'POST' && url === '/api/v2/transaction/create') {
        const id = randomUUID();
        const amount = (JSON.parse(body) as { amount: number }).amount;
        return send(200, JSON.stringify({ id, qrUrl: `https://pay.example.invalid/pay/${id}`, amount, ...createAnswer?.(id, amount) }));
      }
      if (request.method === 'GET' && url === '/api/v2/jobs/pending') {
        polls++;
        const job = jobs.find((j) => j.status === 'pending');
        return send(200, job ? job.text(job) : 'null');
      }
      const complete = /^\/api\/v2\/jobs\/([^/]+)\/complete$/.exec(url);
      if (request.method === 'POST' && complete) {
        const jobId = decodeURIComponent(complete[1]!);
        const report = JSON.parse(body) as Record<string, unknown>;
        reports.push({ jobId, body: report });
        const job = jobs.find((j) => j.id === jobId);
        if (!job) return send(404, '{"error":"unknown job"}');
        if (report.success === true) job.status = 'completed';
        else if (job.status === 'pending') {
          if (job.retryCount < job.maxRetries) job.retryCount++;
          else job.status = 'failed';
        }
        return send(200, '{"ok":true}');
      }
      return send(404, '{"error":"no such endpoint"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    jobs,
    reports,
    polls: () => polls,
    add(job: Omit<ServerJob, 'status' | 'retryCount' | 'maxRetries'>) {
      const full: ServerJob = { status: 'pending', retryCount: 0, maxRetries: 3, ...job };
      jobs.push(full);
      return full;
    },
    /** A well-formed job of 20 coins for a customer's transaction, as the seed's server sends it. */
    addJobFor(transactionId: string) {
      return this.add({
        id: randomUUID(),
        transactionId,
        text: (j) => JSON.stringify({ id: j.id, transactionId: j.transactionId, quarters: 20, status: 'pending', retryCount: j.retryCount, maxRetries: 3, createdAt: '2025-10-09T10:05:00Z' }),
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

describe('payout: a job that cannot be read (item 8)', () => {
  it('reports one with a readable id failed (unreadable_job), shows it to the attendant, and the next customer’s job comes', async () => {
    const server = await seedLikeServer();
    cleanups.push(server.close);
    const k = await payoutKioskOnPty(tempDir(), server);
    cleanups.push(k.close);

    // An older job whose count is a string: the server offers it first, every time.
    const stuckId = randomUUID();
    const stuckTransaction = randomUUID();
    server.add({
      id: stuckId,
      transactionId: stuckTransaction,
      text: (j) => `{"id":"${stuckId}","transactionId":"${stuckTransaction}","quarters":"20","status":"pending","retryCount":${j.retryCount},"maxRetries":3,"createdAt":"2025-10-09T10:00:00Z"}`,
    });
    const session = await k.start(5);
    const next = server.addJobFor(session.transactionId);

    const done = await until('the next customer paid', async () => {
      const s = (await k.status()).session;
      return s?.state === 'done' ? s : null;
    }, 20_000);
    expect(done).toMatchObject<Partial<PayoutSession>>({ transactionId: session.transactionId, coinsPaid: 20 });
    expect(k.device.coinsPaidTotal).toBe(20);

    // Each delivery of the unreadable job was answered once, as failed, until the server gave up on it.
    const stuckReports = server.reports.filter((r) => r.jobId === stuckId);
    expect(stuckReports).toHaveLength(4);
    for (const r of stuckReports) expect(r.body).toMatchObject({ success: false, error: 'unreadable_job', dispensed: 0, kioskId: k.kiosk.store.kioskId });
    expect(server.jobs[0]).toMatchObject({ status: 'failed', retryCount: 3 });
    await until('next reported', () => server.reports.some((r) => r.jobId === next.id) || null);
    expect(server.reports.filter((r) => r.jobId === next.id).map((r) => r.body)).toEqual([expect.objectContaining({ success: true, error: null, dispensed: 20 })]);

    const summary = await k.summary();
    expect(summary.unreadableJobs).toHaveLength(4);
    expect(summary.unreadableJobs[0]).toMatchObject<Partial<PayoutAdminSummary['unreadableJobs'][number]>>({
      jobId: stuckId,
      transactionId: stuckTransaction,
      reported: true,
      problem: expect.stringMatching(/^quarters: /),
      excerpt: expect.stringContaining('"quarters":"20"'),
    });
  });

  it('one without a readable id cannot be reported: it is logged once and shown, nothing crashes or spins, and polling goes on', async () => {
    const server = await seedLikeServer();
    cleanups.push(server.close);
    const k = await payoutKioskOnPty(tempDir(), server);
    cleanups.push(k.close);
    const headless = server.add({ id: null, transactionId: randomUUID(), text: (j) => `{"transactionId":"${j.transactionId}","quarters":20,"status":"pending"}` });

    const polled = server.polls();
    await until('polled on', () => server.polls() > polled + 10 || null);
    expect(server.reports).toEqual([]);
    expect(k.log.lines.filter((l) => l.includes('without a readable job id'))).toHaveLength(1);
    const summary = await k.summary();
    expect(summary.unreadableJobs).toEqual([expect.objectContaining({ jobId: null, transactionId: headless.transactionId, reported: false, problem: expect.stringMatching(/^id: /) })]);
    expect(summary.unreadableJobs[0]!.deliveries).toBeGreaterThan(10);

    // The server drops it: the kiosk works on.
    headless.status = 'failed';
    const session = await k.start(5);
    server.addJobFor(session.transactionId);
    await until('paid', async () => (await k.status()).session?.state === 'done', 15_000);
    expect(k.device.coinsPaidTotal).toBe(20);
  });
});

describe('payout: a created transaction as a differently written server sends it', () => {
  it.each([
    ['amount as a decimal string (Prisma, pg), expiresAt null', { amount: '5.00', expiresAt: null }],
    ['expiresAt without a time zone (Python isoformat)', { expiresAt: '2025-10-09T10:15:00.123456' }],
  ])('%s: the customer gets the QR for 15 minutes and is paid', async (_what, extra) => {
    const server = await seedLikeServer(() => extra);
    cleanups.push(server.close);
    const k = await payoutKioskOnPty(tempDir(), server);
    cleanups.push(k.close);
    const session = await k.start(5);
    expect(session.state).toBe('waiting-payment');
    expect(Math.abs(Date.parse(session.expiresAt) - (Date.now() + 15 * 60_000))).toBeLessThan(5_000);
    server.addJobFor(session.transactionId);
    await until('paid', async () => (await k.status()).session?.state === 'done', 15_000);
    expect(k.device.coinsPaidTotal).toBe(20);
  });
});

describe('payout: an answer without end', () => {
  it('jobs/pending sending a body without end is cut off after a small cap, not read until the timeout, and polling goes on', async () => {
    const responses: EndlessBody[] = [];
    const server = http.createServer((request, response) => {
      request.resume();
      if (request.url !== '/api/v2/jobs/pending') {
        response.writeHead(404).end();
        return;
      }
      responses.push(writeEndlessBody(response, { status: 200, contentType: 'application/json', prefix: '{"id":"j1","transactionId":"t1","quarters":20' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
    const k = await payoutKioskOnPty(tempDir(), { apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/` }, { api: { timeoutSeconds: 30 } });
    cleanups.push(k.close);

    await until('two polls cut off', () => responses.filter((r) => r.closed).length >= 2 || null, 20_000);
    // A job is well under 1 KB; the kiosk stops reading at 64 KB (what the socket buffers took is on top).
    for (const r of responses.filter((x) => x.closed)) expect(r.written).toBeLessThan(16 * 1024 * 1024);
    expect(k.device.coinsPaidTotal).toBe(0);
  });
});

describe('payout: a job with nulls where the seed has values', () => {
  it('a job whose status, retryCount, maxRetries and createdAt are null (nullable columns) is paid to the customer on screen', async () => {
    const server = await seedLikeServer();
    cleanups.push(server.close);
    const k = await payoutKioskOnPty(tempDir(), server);
    cleanups.push(k.close);
    const session = await k.start(5);
    const job = server.add({
      id: randomUUID(),
      transactionId: session.transactionId,
      text: (j) => JSON.stringify({ id: j.id, transactionId: j.transactionId, quarters: 20, status: null, retryCount: null, maxRetries: null, createdAt: null }),
    });
    await until('paid', async () => (await k.status()).session?.state === 'done', 15_000);
    expect(k.device.coinsPaidTotal).toBe(20);
    await until('reported', () => server.reports.some((r) => r.jobId === job.id) || null);
    expect(server.reports.filter((r) => r.jobId === job.id).map((r) => r.body)).toEqual([expect.objectContaining({ success: true, error: null, dispensed: 20 })]);
  });
});
