/**
 * The kiosk's own LAN API over real HTTPS on loopback, called as an office
 * client would: pinning the certificate's SHA-256 fingerprint, sending the
 * key in X-API-Key. Every connection goes to 127.0.0.1.
 */
import fs from 'node:fs';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { certificateFiles, hashApiKey, readFingerprint } from '../../main/api';
import { hashPin, type BoothConfigInput } from '../../main/config';
import type { KioskModule } from '../../main/modules/module';
import type { ModuleFactory } from '../../main/modules/registry';
import type { AdminOverview, AuditEntry } from '../../preload/contract';
import { testKiosk } from '../support/kiosk';
import { callApi, PinMismatchError, type ApiRequest } from '../support/lan-api';
import { tempDir } from '../support/temp';

const KEY = 'test-key-0123456789abcdefghijklmnopqrstuvwxyz';
const OTHER_KEY = 'test-key-zyxwvutsrqponmlkjihgfedcba9876543210';
const pinHash = await hashPin('2468', { N: 1024, r: 8, p: 1 });

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.stop();
});

/** A module under a configured name with a route and jobs of the test's choosing. */
const standIn = (parts: Omit<KioskModule, 'id'>): ModuleFactory => () => ({ id: 'gate', ...parts });

async function apiKiosk(dir: string, patch: BoothConfigInput = {}, moduleFactories: Record<string, ModuleFactory> = {}) {
  const t = await testKiosk(
    dir,
    {
      kioskName: 'Gate A',
      admin: { pinHash },
      services: { probeIntervalSeconds: 3600 },
      ...patch,
      lanApi: { enabled: true, port: 0, apiKeyHashes: [hashApiKey(KEY)], ...patch.lanApi },
    },
    {},
    { moduleFactories },
  );
  running.push(t.kiosk);
  t.kiosk.start();
  await t.kiosk.lanApi!.start();
  const port = t.kiosk.lanApi!.address()!.port;
  const fingerprint = t.kiosk.lanApi!.status().fingerprint!;
  const call = (request: Omit<ApiRequest, 'port' | 'fingerprint'> & { fingerprint?: string }) =>
    callApi({ port, fingerprint, key: KEY, ...request });
  const health = async () => (await call({ path: '/health' })).body as { jobs: { name: string; isRunning: boolean; lastRun: string | null; lastError: string | null; nextRun: string | null }[] };
  const job = async (name: string) => (await health()).jobs.find((j) => j.name === name);
  const invoke = async (name: Parameters<typeof t.kiosk.handlers.invoke>[0], args: unknown = {}): Promise<unknown> => {
    const result = await t.kiosk.handlers.invoke(name, args);
    if (!result.ok) throw new Error(`${String(name)}: ${result.error.message}`);
    return result.value;
  };
  return { ...t, port, fingerprint, call, health, job, invoke };
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('LAN API', () => {
  it('answers GET /health over HTTPS, to a client pinning the kiosk-made certificate, in the contract\'s exact shape', async () => {
    const dir = tempDir();
    const k = await apiKiosk(dir, { modules: ['gate'] });
    // What `booth api-fingerprint` prints is what the server presents.
    expect(readFingerprint(dir)).toBe(k.fingerprint);
    expect(k.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    await k.kiosk.runJob('gate.retention'); // a run that has finished: lastRun set
    const response = await k.call({ path: '/health' });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const body = response.body as Record<string, unknown> & { cronJob: Record<string, unknown>; jobs: Record<string, unknown>[] };
    expect(Object.keys(body)).toEqual(['status', 'cronJob', 'jobs']);
    expect(body.status).toBe('OK');
    expect(Object.keys(body.cronJob)).toEqual(['isRunning', 'nextRun']);
    expect(body.cronJob.isRunning).toBe(true);
    expect(body.cronJob.nextRun).toMatch(ISO);
    expect(body.jobs.map((j) => j.name).sort()).toEqual(['admin.idle', 'cloud.probe', 'gate.retention', 'gate.sync', 'replication.retention']);
    for (const job of body.jobs) expect(Object.keys(job)).toEqual(['name', 'isRunning', 'lastRun', 'lastError', 'nextRun']);
    const retention = body.jobs.find((j) => j.name === 'gate.retention')!;
    expect(retention).toMatchObject({ isRunning: false, lastError: null });
    expect(retention.lastRun).toMatch(ISO);
    expect(retention.nextRun).toMatch(ISO);
    // The soonest job is the scheduler's next run.
    const soonest = body.jobs.map((j) => j.nextRun).filter((n): n is string => typeof n === 'string').sort()[0];
    expect(body.cronJob.nextRun).toBe(soonest);
  });

  it('refuses a request without a key and with a wrong key (401, JSON), on known and unknown paths alike', async () => {
    const k = await apiKiosk(tempDir(), { modules: ['gate'] }, { gate: standIn({ jobs: [{ name: 'test.counted', intervalMs: 3_600_000, run: () => undefined }] }) });
    for (const key of [undefined, OTHER_KEY, '', KEY.slice(0, -1)]) {
      for (const p of ['/health', '/api/jobs/test.counted/run', '/no/such/route']) {
        const response = await k.call({ path: p, key, method: p.includes('/run') ? 'POST' : 'GET' });
        expect(response.status, `${p} with key ${String(key)}`).toBe(401);
        expect(response.body).toEqual({ success: false, error: 'a valid X-API-Key header is required' });
      }
    }
    // The refused trigger ran nothing; the log has the first refusal, not one line per guess, and never the key sent.
    expect((await k.job('test.counted'))?.lastRun).toBeNull();
    const refusals = k.log.lines.filter((l) => l.includes('(lan-api) refused'));
    expect(refusals).toEqual(['[warn] (lan-api) refused GET /health from 127.0.0.1: no X-API-Key (further refusals of this address in the next minute are not logged)']);
    expect(k.log.lines.join('\n')).not.toContain(OTHER_KEY);
    // Any of several configured keys opens it.
    const two = await apiKiosk(tempDir(), { lanApi: { apiKeyHashes: [hashApiKey(OTHER_KEY), hashApiKey(KEY)] } });
    expect((await two.call({ path: '/health', key: OTHER_KEY })).status).toBe(200);
    expect((await two.call({ path: '/health', key: KEY })).status).toBe(200);
  });

  it('closes a refused client\'s connection after its 401, so keyless clients cannot hold the connection slots; a keyed one stays open', async () => {
    const k = await apiKiosk(tempDir());
    /** One HTTP/1.1 keep-alive request on a raw TLS connection: its status line, and whether the kiosk then closed it. */
    const ask = async (key: string | null) => {
      const socket = tls.connect({ host: '127.0.0.1', port: k.port, rejectUnauthorized: false });
      await once(socket, 'secureConnect');
      let text = '';
      socket.on('data', (d: Buffer) => (text += d.toString()));
      const closed = new Promise<boolean>((resolve) => {
        socket.on('end', () => resolve(true));
        setTimeout(() => resolve(false), 1_500);
      });
      socket.write(`GET /health HTTP/1.1\r\nHost: kiosk\r\nConnection: keep-alive\r\n${key ? `X-API-Key: ${key}\r\n` : ''}\r\n`);
      const wasClosed = await closed;
      socket.destroy();
      return { status: text.split('\r\n')[0], closed: wasClosed };
    };
    expect(await ask(null)).toEqual({ status: 'HTTP/1.1 401 Unauthorized', closed: true });
    expect(await ask(OTHER_KEY)).toEqual({ status: 'HTTP/1.1 401 Unauthorized', closed: true });
    expect(await ask(KEY)).toEqual({ status: 'HTTP/1.1 200 OK', closed: false });
  });

  it('a client pinning another fingerprint refuses the server before sending anything', async () => {
    const k = await apiKiosk(tempDir(), { modules: ['gate'] }, { gate: standIn({ jobs: [{ name: 'test.counted', intervalMs: 3_600_000, run: () => undefined }] }) });
    const wrong = k.fingerprint.replace(/^../, k.fingerprint.startsWith('00') ? '11' : '00');
    await expect(k.call({ method: 'POST', path: '/api/jobs/test.counted/run', fingerprint: wrong })).rejects.toThrow(PinMismatchError);
    expect((await k.job('test.counted'))?.lastRun).toBeNull(); // the request never arrived
  });

  it('listens on 127.0.0.1 only unless configured (the listening socket\'s own address)', async () => {
    const k = await apiKiosk(tempDir());
    expect(k.kiosk.lanApi!.address()).toMatchObject({ address: '127.0.0.1', family: 'IPv4' });
    expect(k.kiosk.lanApi!.status()).toMatchObject({ state: 'listening', url: `https://127.0.0.1:${k.port}` });
    // Another loopback address, when configured, is where it listens instead.
    const other = await apiKiosk(tempDir(), { lanApi: { host: '127.0.0.2' } });
    expect(other.kiosk.lanApi!.address()).toMatchObject({ address: '127.0.0.2' });
    const response = await callApi({ port: other.port, fingerprint: other.fingerprint, key: KEY, path: '/health' }, '127.0.0.2');
    expect(response.status).toBe(200);
  });

  it('answers an unknown route, and a route of a module that is not running, with a JSON 404', async () => {
    const withPing = standIn({ apiRoutes: (app) => void app.get('/api/gate/ping', async () => ({ success: true, pong: true })) });
    const notRunning = await apiKiosk(tempDir(), { modules: [] }, { gate: withPing });
    expect(await notRunning.call({ path: '/api/gate/ping' })).toMatchObject({ status: 404, body: { success: false, error: 'no route GET /api/gate/ping' } });
    expect(await notRunning.call({ path: '/nothing?x=1' })).toMatchObject({ status: 404, body: { success: false, error: 'no route GET /nothing' } });
    const runs = await apiKiosk(tempDir(), { modules: ['gate'] }, { gate: withPing });
    expect(await runs.call({ path: '/api/gate/ping' })).toMatchObject({ status: 200, body: { success: true, pong: true } });
  });

  it('does not start when a module claims a path that is taken, and says whose routes they were', async () => {
    const t = await testKiosk(
      tempDir(),
      { modules: ['gate'], admin: { pinHash }, lanApi: { enabled: true, port: 0, apiKeyHashes: [hashApiKey(KEY)] } },
      {},
      { moduleFactories: { gate: standIn({ apiRoutes: (app) => void app.get('/health', async () => ({})) }) } },
    );
    running.push(t.kiosk);
    t.kiosk.start();
    await t.kiosk.lanApi!.start();
    expect(t.kiosk.lanApi!.address()).toBeNull();
    expect(t.kiosk.lanApi!.status()).toMatchObject({ state: 'failed', error: expect.stringMatching(/^the LAN API routes of gate cannot be added: /) });
  });

  it('runs a job on POST /api/jobs/:name/run, answers with its health and audits who asked', async () => {
    let runs = 0;
    const k = await apiKiosk(tempDir(), { modules: ['gate'] }, { gate: standIn({ jobs: [{ name: 'test.counted', intervalMs: 3_600_000, run: () => void runs++ }] }) });
    const response = await k.call({ method: 'POST', path: '/api/jobs/test.counted/run' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ success: true, message: 'job test.counted completed', job: { name: 'test.counted', isRunning: false, lastError: null } });
    expect((response.body as { job: { lastRun: string } }).job.lastRun).toMatch(ISO);
    expect(runs).toBe(1);
    await k.invoke('admin:unlock', { pin: '2468' });
    const audit = (await k.invoke('admin:audit', {})) as AuditEntry[];
    const row = audit.find((a) => a.action === 'api.job-run');
    expect(row?.detail).toBe(`test.counted (key ${hashApiKey(KEY).slice(7, 19)}, from 127.0.0.1)`);
    expect(row?.detail).not.toContain(KEY);
  });

  it('answers 404 for an unknown job and for a job of a module this kiosk does not run', async () => {
    const k = await apiKiosk(tempDir(), { modules: ['gate'] });
    for (const name of ['no.such.job', 'payout.reconcile', '..%2F..%2Fetc']) {
      const response = await k.call({ method: 'POST', path: `/api/jobs/${name}/run` });
      expect(response.status, name).toBe(404);
      expect((response.body as { success: boolean }).success).toBe(false);
    }
  });

  it('refuses a second trigger while the job runs (409) and answers the first when its run is over', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const k = await apiKiosk(tempDir(), { modules: ['gate'] }, { gate: standIn({ jobs: [{ name: 'test.slow', intervalMs: 3_600_000, run: () => gate }] }) });
    const first = k.call({ method: 'POST', path: '/api/jobs/test.slow/run' });
    await expect.poll(async () => (await k.job('test.slow'))?.isRunning).toBe(true);
    const second = await k.call({ method: 'POST', path: '/api/jobs/test.slow/run' });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ success: false, error: 'job test.slow is already running; ask again when it has finished', job: { isRunning: true, nextRun: null } });
    release();
    expect(await first).toMatchObject({ status: 200, body: { success: true, job: { isRunning: false } } });
  });

  it('shows a failing job\'s error in /health, answers its manual run with 500, and clears it after a good run', async () => {
    let fail = true;
    const k = await apiKiosk(
      tempDir(),
      { modules: ['gate'] },
      {
        gate: standIn({
          jobs: [{ name: 'test.flaky', intervalMs: 3_600_000, runAtStart: true, run: () => {
            if (fail) throw new Error('ticket server answered 503');
          } }],
        }),
      },
    );
    await expect.poll(async () => (await k.job('test.flaky'))?.lastError).toBe('ticket server answered 503');
    const flaky = (await k.job('test.flaky'))!;
    expect(flaky.lastRun).toMatch(ISO);
    expect(flaky.nextRun).toMatch(ISO);
    const manual = await k.call({ method: 'POST', path: '/api/jobs/test.flaky/run' });
    expect(manual).toMatchObject({ status: 500, body: { success: false, error: 'job test.flaky failed: ticket server answered 503', job: { lastError: 'ticket server answered 503' } } });
    fail = false;
    expect(await k.call({ method: 'POST', path: '/api/jobs/test.flaky/run' })).toMatchObject({ status: 200, body: { job: { lastError: null } } });
    expect((await k.job('test.flaky'))?.lastError).toBeNull();
  });

  it('shows in /health why the real jobs fail when the cloud is down: the probe and the ticket download', async () => {
    // A port nothing listens on: every request is refused at once.
    const closed = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const k = await apiKiosk(tempDir(), { modules: ['gate'], api: { baseUrl: `http://127.0.0.1:${closed}/api/` } });
    await expect.poll(async () => (await k.job('cloud.probe'))?.lastError, { timeout: 10_000 }).toBe('the cloud API did not answer');
    await expect.poll(async () => (await k.job('gate.sync'))?.lastError, { timeout: 10_000 }).toMatch(/^ticket download failed: .+/);
    const manual = await k.call({ method: 'POST', path: '/api/jobs/gate.sync/run' });
    expect(manual.status).toBe(500);
  });

  it('refuses a body over lanApi.bodyLimitBytes (413) without running anything', async () => {
    let runs = 0;
    const k = await apiKiosk(tempDir(), { modules: ['gate'], lanApi: { bodyLimitBytes: 1024 } }, { gate: standIn({ jobs: [{ name: 'test.counted', intervalMs: 3_600_000, run: () => void runs++ }] }) });
    const big = JSON.stringify({ note: 'x'.repeat(2048) });
    const response = await k.call({ method: 'POST', path: '/api/jobs/test.counted/run', body: big });
    expect(response.status).toBe(413);
    expect(response.body).toEqual({ success: false, error: 'Request body is too large' });
    expect(runs).toBe(0);
    // A body within the limit is fine.
    expect((await k.call({ method: 'POST', path: '/api/jobs/test.counted/run', body: '{"note":"ok"}' })).status).toBe(200);
    expect(runs).toBe(1);
  });

  it('limits the requests of one address per minute (429 with Retry-After), keys or not', async () => {
    const k = await apiKiosk(tempDir(), { lanApi: { rateLimitPerMinute: 3 } });
    expect((await k.call({ path: '/health', key: OTHER_KEY })).status).toBe(401);
    expect((await k.call({ path: '/health' })).status).toBe(200);
    expect((await k.call({ path: '/health' })).status).toBe(200);
    const limited = await k.call({ path: '/health' });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ success: false, error: 'too many requests: at most 3 a minute from one address' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
  });

  it('makes its certificate once (private key 0600), keeps it across restarts, and shows its fingerprint in admin', async () => {
    const dir = tempDir();
    const first = await apiKiosk(dir);
    const files = certificateFiles(dir);
    expect(fs.statSync(files.privateKey).mode & 0o777).toBe(0o600);
    await first.kiosk.stop();
    const second = await apiKiosk(dir);
    expect(second.fingerprint).toBe(first.fingerprint);
    await second.invoke('admin:unlock', { pin: '2468' });
    const overview = (await second.invoke('admin:overview', {})) as AdminOverview;
    expect(overview.lanApi).toEqual({ state: 'listening', url: `https://127.0.0.1:${second.port}`, fingerprint: first.fingerprint, error: null });
    // The config in admin masks the key hashes like every other secret-looking setting.
    expect(JSON.stringify(overview.config)).not.toContain(hashApiKey(KEY));
  });

  it('does not replace a certificate whose key is gone or foreign: the API stays off and admin says what to do', async () => {
    const dir = tempDir();
    const first = await apiKiosk(dir);
    await first.kiosk.stop();
    const files = certificateFiles(dir);
    const other = tempDir();
    await apiKiosk(other);
    fs.copyFileSync(certificateFiles(other).privateKey, files.privateKey);
    const before = fs.readFileSync(files.certificate, 'utf8');

    const t = await testKiosk(dir, { admin: { pinHash }, lanApi: { enabled: true, port: 0, apiKeyHashes: [hashApiKey(KEY)] } });
    running.push(t.kiosk);
    t.kiosk.start();
    await t.kiosk.lanApi!.start();
    expect(t.kiosk.lanApi!.address()).toBeNull();
    await t.kiosk.handlers.invoke('admin:unlock', { pin: '2468' });
    const overview = await t.kiosk.handlers.invoke('admin:overview', {});
    const lanApi = overview.ok ? (overview.value as AdminOverview).lanApi : null;
    expect(lanApi).toMatchObject({ state: 'failed', url: null, fingerprint: first.fingerprint });
    expect(lanApi?.error).toBe(
      `${files.privateKey} is not the private key of ${files.certificate}. Delete the folder ${path.dirname(files.certificate)} and restart the kiosk to make a new certificate; every client must then pin its new fingerprint (booth api-fingerprint).`,
    );
    expect(fs.readFileSync(files.certificate, 'utf8')).toBe(before);
  });

  it('is off unless lanApi.enabled: no server, no certificate', async () => {
    const dir = tempDir();
    const t = await testKiosk(dir, { admin: { pinHash } });
    running.push(t.kiosk);
    t.kiosk.start();
    expect(t.kiosk.lanApi).toBeNull();
    expect(fs.existsSync(certificateFiles(dir).folder)).toBe(false);
    await t.kiosk.handlers.invoke('admin:unlock', { pin: '2468' });
    const overview = await t.kiosk.handlers.invoke('admin:overview', {});
    expect(overview.ok && (overview.value as AdminOverview).lanApi).toEqual({ state: 'off', url: null, fingerprint: null, error: null });
  });
});
