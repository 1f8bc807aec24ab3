/**
 * Timed sessions (seed 004) through the real kiosk: the attendant's actions,
 * expiry on the injected clock (exact timers, restart, a wall clock that
 * jumps or is not trusted), and the resource statuses queued for the cloud.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../main/api';
import { manualClock } from '../../main/clock';
import { hashPin, type BoothConfigInput } from '../../main/config';
import type { HttpFetch, Platform } from '../../main/platform';
import type { SessionsAdminSummary, SessionsBoard } from '../../preload/contract';
import { testKiosk } from '../support/kiosk';
import { callApi } from '../support/lan-api';
import { tempDir } from '../support/temp';

const pinHash = await hashPin('2468', { N: 1024, r: 8, p: 1 });
const MIN = 60_000;

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.stop();
});

const resources = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `PC${String(i + 1).padStart(2, '0')}` }));

async function cafe(dir: string, patch: BoothConfigInput = {}, fetch?: HttpFetch, wallAtStart?: Date, clock?: ReturnType<typeof manualClock>) {
  const overrides: Partial<Platform> = {};
  if (fetch) overrides.fetch = fetch;
  if (wallAtStart) overrides.clock = manualClock(wallAtStart);
  if (clock) overrides.clock = clock;
  const t = await testKiosk(
    dir,
    {
      kioskName: 'Cafe',
      modules: ['sessions'],
      admin: { pinHash, idleTimeoutSeconds: 3600 },
      services: { probeIntervalSeconds: 3600 },
      ...patch,
      sessions: { resources: resources(3), ...patch.sessions },
    },
    overrides,
  );
  running.push(t.kiosk);
  t.kiosk.start();
  const invoke = async <T = SessionsBoard>(name: Parameters<typeof t.kiosk.handlers.invoke>[0], args: unknown = {}): Promise<T> => {
    const result = await t.kiosk.handlers.invoke(name, args);
    if (!result.ok) throw Object.assign(new Error(`${String(name)}: ${result.error.message}`), { error: result.error });
    return result.value as T;
  };
  await invoke('admin:unlock', { pin: '2468' });
  const db = t.kiosk.store.db;
  const resource = (name: string) => db.prepare('SELECT * FROM session_resources WHERE name = ?').get(name) as { id: string; status: string; active_session_id: string | null };
  const session = (id: string) => db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as { status: string; end_reason: string | null; completed_at: string | null; ends_at: string; resource_id: string };
  const start = async (name: string, minutes: number) => {
    await invoke('sessions:start', { resourceId: resource(name).id, minutes });
    return resource(name).active_session_id!;
  };
  const reports = () =>
    (db.prepare("SELECT order_key, payload FROM outbox WHERE kind = 'sessions.status' ORDER BY id").all() as { order_key: string; payload: string }[]).map(
      (r) => JSON.parse(r.payload) as { url: string; body: { systemId: string; status: string; activeBooking: string | null; at: string } },
    );
  /** No resource is Active without its Active session, and no Active session is without its resource. */
  const consistent = () => {
    const orphans = db
      .prepare(
        `SELECT COUNT(*) AS n FROM session_resources r LEFT JOIN sessions s ON s.id = r.active_session_id
         WHERE (r.status = 'Active' AND (s.status IS NOT 'Active' OR s.resource_id <> r.id))`,
      )
      .get() as { n: number };
    const lost = db
      .prepare("SELECT COUNT(*) AS n FROM sessions s LEFT JOIN session_resources r ON r.active_session_id = s.id WHERE s.status = 'Active' AND r.id IS NULL")
      .get() as { n: number };
    return orphans.n + lost.n;
  };
  return { ...t, invoke, db, resource, session, start, reports, consistent };
}

const waitFor = async (what: string, check: () => boolean, ms = 3_000) => {
  const until = performance.now() + ms;
  while (!check()) {
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
const settle = (ms = 1_300) => new Promise((r) => setTimeout(r, ms));

describe('sessions: the attendant', () => {
  it('starts, extends, moves and ends a session, puts a PC in maintenance, each audited and each status queued for the cloud', async () => {
    const k = await cafe(tempDir());
    const id = await k.start('PC01', 60);
    let board = await k.invoke('sessions:board');
    const pc1 = board.resources.find((r) => r.name === 'PC01')!;
    expect(pc1.status).toBe('Active');
    expect(pc1.session!.remainingMs).toBe(60 * MIN);
    expect(board.resources.find((r) => r.name === 'PC02')!.session).toBeNull();

    board = await k.invoke('sessions:extend', { sessionId: id, minutes: 30 });
    expect(board.resources.find((r) => r.name === 'PC01')!.session!.durationMs).toBe(90 * MIN);

    await k.invoke('sessions:move', { sessionId: id, resourceId: k.resource('PC02').id });
    expect(k.resource('PC01').status).toBe('Available');
    expect(k.resource('PC02')).toMatchObject({ status: 'Active', active_session_id: id });

    await k.invoke('sessions:maintenance', { resourceId: k.resource('PC03').id, on: true });
    expect(k.resource('PC03').status).toBe('Maintenance');
    await expect(k.invoke('sessions:start', { resourceId: k.resource('PC03').id, minutes: 30 })).rejects.toMatchObject({ error: { reason: { code: 'sessions-resource-busy' } } });
    await expect(k.invoke('sessions:maintenance', { resourceId: k.resource('PC02').id, on: true })).rejects.toMatchObject({ error: { reason: { code: 'sessions-resource-active' } } });
    await expect(k.invoke('sessions:move', { sessionId: id, resourceId: k.resource('PC03').id })).rejects.toMatchObject({ error: { reason: { code: 'sessions-resource-busy' } } });

    await k.invoke('sessions:end', { sessionId: id });
    expect(k.session(id)).toMatchObject({ status: 'Completed', end_reason: 'ended-early' });
    expect(k.resource('PC02')).toMatchObject({ status: 'Available', active_session_id: null });
    await expect(k.invoke('sessions:extend', { sessionId: id, minutes: 5 })).rejects.toMatchObject({ error: { reason: { code: 'sessions-no-session' } } });

    const audit = (await k.invoke<{ action: string }[]>('admin:audit', {})).map((a) => a.action);
    expect(audit).toEqual(expect.arrayContaining(['sessions.start', 'sessions.extend', 'sessions.move', 'sessions.maintenance', 'sessions.end']));

    // Never sent (offline): one pending report per resource, with the resource's status now, in the contract's shape.
    const last = new Map(k.reports().map((r) => [r.body.systemId, r]));
    expect(last.get('PC01')!.body).toMatchObject({ status: 'Available', activeBooking: null });
    expect(last.get('PC02')!.body).toMatchObject({ status: 'Available', activeBooking: null });
    expect(last.get('PC03')!.body).toMatchObject({ status: 'Maintenance', activeBooking: null });
    expect(Object.keys(last.get('PC01')!.body)).toEqual(['systemId', 'status', 'activeBooking', 'at']);
    expect(last.get('PC01')!.url).toBe('http://127.0.0.1:8787/api/sessions/status');
    expect(k.consistent()).toBe(0);

    const summary = await k.invoke<SessionsAdminSummary>('sessions:admin-summary');
    expect(summary.today).toHaveLength(1);
    expect(summary.usePerResource.find((u) => u.name === 'PC02')!.sessions).toBe(1);
  });

  it('refuses the attendant actions without an admin session', async () => {
    const k = await cafe(tempDir());
    await k.invoke('admin:exit', {});
    const result = await k.kiosk.handlers.invoke('sessions:start', { resourceId: k.resource('PC01').id, minutes: 30 });
    expect(result).toMatchObject({ ok: false, error: { code: 'admin_required' } });
    expect(k.resource('PC01').status).toBe('Available');
  });

  it('sends each status change to the cloud with its Idempotency-Key, in order per resource', async () => {
    const sent: { url: string; key: string | null; body: unknown }[] = [];
    const fetch: HttpFetch = async (url, init) => {
      if ((init?.method ?? 'GET') === 'POST') sent.push({ url, key: new Headers(init?.headers).get('Idempotency-Key'), body: JSON.parse(String(init?.body)) });
      return new Response('{}', { status: 200, headers: { Date: new Date('2026-01-15T03:00:00Z').toUTCString() } });
    };
    const k = await cafe(tempDir(), {}, fetch);
    const id = await k.start('PC01', 1);
    await k.kiosk.runJob('cloud.probe');
    await waitFor('the Active report', () => sent.length >= 1);
    k.clock.advance(MIN);
    await waitFor('the Available report', () => sent.length >= 2);
    expect(sent.map((s) => s.body)).toEqual([
      { systemId: 'PC01', status: 'Active', activeBooking: id, at: expect.any(String) },
      { systemId: 'PC01', status: 'Available', activeBooking: null, at: expect.any(String) },
    ]);
    expect(new Set(sent.map((s) => s.key)).size).toBe(2);
    expect(sent[0]!.url).toBe('http://127.0.0.1:8787/api/sessions/status');
  });
});

describe('sessions: resources from admin', () => {
  it('the attendant adds, renames and retires a resource (audited, told to the cloud); config resources stay the config\'s; a restart keeps it all', async () => {
    const dir = tempDir();
    const k = await cafe(dir);
    const names = (board: SessionsBoard) => board.resources.map((r) => `${r.name}/${r.kind}/${r.origin}`);
    let board = await k.invoke('sessions:add-resource', { name: 'PS5 #2', kind: 'console' });
    expect(names(board)).toEqual(['PC01/PC/config', 'PC02/PC/config', 'PC03/PC/config', 'PS5 #2/console/admin']);
    const ps5 = board.resources.find((r) => r.name === 'PS5 #2')!;
    expect(ps5).toMatchObject({ id: 'PS5-2', status: 'Available', session: null });
    await expect(k.invoke('sessions:add-resource', { name: 'pc01', kind: 'PC' })).rejects.toMatchObject({ error: { reason: { code: 'sessions-name-taken', params: { resource: 'PC01' } } } });
    await expect(k.invoke('sessions:rename-resource', { resourceId: 'PC01', name: 'PC-A', kind: 'PC' })).rejects.toMatchObject({ error: { reason: { code: 'sessions-from-config' } } });
    await expect(k.invoke('sessions:retire-resource', { resourceId: 'PC02' })).rejects.toMatchObject({ error: { reason: { code: 'sessions-from-config' } } });

    board = await k.invoke('sessions:rename-resource', { resourceId: ps5.id, name: 'PlayStation', kind: 'console' });
    expect(board.resources.find((r) => r.id === 'PS5-2')!.name).toBe('PlayStation');
    const session = await k.invoke('sessions:start', { resourceId: 'PS5-2', minutes: 30 }).then(() => k.db.prepare("SELECT active_session_id FROM session_resources WHERE id = 'PS5-2'").pluck().get() as string);
    await expect(k.invoke('sessions:retire-resource', { resourceId: 'PS5-2' })).rejects.toMatchObject({ error: { reason: { code: 'sessions-resource-active' } } });
    await k.invoke('sessions:end', { sessionId: session });
    board = await k.invoke('sessions:retire-resource', { resourceId: 'PS5-2' });
    expect(board.resources.map((r) => r.id)).toEqual(['PC01', 'PC02', 'PC03']);
    await expect(k.invoke('sessions:start', { resourceId: 'PS5-2', minutes: 30 })).rejects.toMatchObject({ error: { reason: { code: 'sessions-no-resource' } } });
    // Its history stays.
    expect(k.session(session)).toMatchObject({ status: 'Completed', resource_id: 'PS5-2' });

    const audit = (await k.invoke<{ action: string; detail: string }[]>('admin:audit', {})).filter((a) => a.action.startsWith('sessions.resource-'));
    expect(audit.map((a) => [a.action, a.detail]).reverse()).toEqual([
      ['sessions.resource-add', 'PS5 #2 (console)'],
      ['sessions.resource-rename', 'PS5 #2 to PlayStation (console)'],
      ['sessions.resource-retire', 'PlayStation'],
    ]);
    // The cloud hears of it: Available when added, Maintenance when retired (the customer app stops offering it).
    expect(k.reports().filter((r) => r.body.systemId === 'PS5-2').at(-1)!.body).toMatchObject({ status: 'Maintenance', activeBooking: null });

    await k.invoke('sessions:add-resource', { name: 'Xbox', kind: 'console' });
    await k.kiosk.stop();
    running.pop();
    // Restarted with PC03 gone from the config: it is retired (off the board, history kept); the attendant's Xbox stays.
    const again = await cafe(dir, { sessions: { resources: resources(2) } });
    expect(names(await again.invoke('sessions:board'))).toEqual(['PC01/PC/config', 'PC02/PC/config', 'Xbox/console/admin']);
    // Adding a retired name again brings it back with its history.
    board = await again.invoke('sessions:add-resource', { name: 'PlayStation', kind: 'console' });
    expect(board.resources.find((r) => r.name === 'PlayStation')).toMatchObject({ id: 'PS5-2', status: 'Available', origin: 'admin' });
    expect(again.consistent()).toBe(0);
  });
});

describe('sessions: expiry', () => {
  it('frees all of 1,000 sessions ending in the same second within a second of their end, each once', { timeout: 60_000 }, async () => {
    const k = await cafe(tempDir(), { sessions: { resources: resources(1000) } });
    const ids: string[] = [];
    for (let i = 1; i <= 1000; i++) ids.push(await k.start(`PC${String(i).padStart(2, '0')}`, 30));
    const end = k.clock.now().getTime() + 30 * MIN;
    k.clock.advance(30 * MIN - 1);
    await settle();
    expect((k.db.prepare("SELECT COUNT(*) AS n FROM sessions WHERE status = 'Active'").get() as { n: number }).n).toBe(1000);
    k.clock.advance(1);
    await waitFor('every PC free', () => (k.db.prepare("SELECT COUNT(*) AS n FROM session_resources WHERE status = 'Available'").get() as { n: number }).n === 1000, 1_500);
    const rows = k.db.prepare('SELECT status, end_reason, completed_at FROM sessions').all() as { status: string; end_reason: string; completed_at: string }[];
    expect(rows.every((r) => r.status === 'Completed' && r.end_reason === 'expired' && Date.parse(r.completed_at) - end < 1000)).toBe(true);
    // One Available report per PC (coalesced with its unsent Active one): exactly once.
    const available = k.reports().filter((r) => r.body.status === 'Available');
    expect(available).toHaveLength(1000);
    expect(new Set(available.map((r) => r.body.systemId)).size).toBe(1000);
    expect(k.consistent()).toBe(0);
  });

  it('never ends a session early when the wall clock jumps forward, nor late when it jumps back', async () => {
    const k = await cafe(tempDir(), { clock: { trustedAtBoot: true } });
    const forward = await k.start('PC01', 60);
    const back = await k.start('PC02', 60);
    k.clock.setWall(new Date(k.clock.now().getTime() + 3 * 3_600_000));
    await k.kiosk.runJob('sessions.sweep');
    await settle();
    expect(k.session(forward).status).toBe('Active');
    // The board follows the clock that was set: the end time is on the new wall clock, the time left unchanged.
    const board = await k.invoke('sessions:board');
    expect(board.resources.find((r) => r.name === 'PC01')!.session!.remainingMs).toBe(60 * MIN);
    expect(Date.parse(k.session(forward).ends_at)).toBe(k.clock.now().getTime() + 60 * MIN);
    k.clock.setWall(new Date(k.clock.now().getTime() - 6 * 3_600_000));
    k.clock.advance(60 * MIN);
    await waitFor('both ended on time', () => k.session(forward).status === 'Completed' && k.session(back).status === 'Completed', 1_500);
    expect(k.consistent()).toBe(0);
  });

  it('extend racing expiry: an extend at the last millisecond wins, one at the end is refused, and the session ends once', async () => {
    const k = await cafe(tempDir());
    const a = await k.start('PC01', 10);
    const b = await k.start('PC02', 10);
    k.clock.advance(10 * MIN - 1);
    // Both in the same tick as the timer that would fire: the extend decides on the clock, not on which ran first.
    await k.invoke('sessions:extend', { sessionId: a, minutes: 5 });
    k.clock.advance(1);
    await expect(k.invoke('sessions:extend', { sessionId: b, minutes: 5 })).rejects.toMatchObject({ error: { reason: { code: 'sessions-no-session' } } });
    expect(k.session(b)).toMatchObject({ status: 'Completed', end_reason: 'expired' });
    await settle();
    expect(k.session(a).status).toBe('Active');
    k.clock.advance(5 * MIN);
    await waitFor('the extended one ended', () => k.session(a).status === 'Completed');
    await k.invoke('sessions:board');
    await expect(k.invoke('sessions:end', { sessionId: a })).rejects.toMatchObject({ error: { reason: { code: 'sessions-no-session' } } });
    expect(k.reports().filter((r) => r.body.status === 'Available')).toHaveLength(2);
    expect(k.consistent()).toBe(0);
  });

  it('completes at start a session that ended while the kiosk was off, and keeps timing one that did not', async () => {
    const dir = tempDir();
    const first = await cafe(dir, { clock: { trustedAtBoot: true } });
    const short = await first.start('PC01', 30);
    const long = await first.start('PC02', 120);
    const offAt = first.clock.now().getTime();
    await running.pop()!.stop();

    // Booted an hour later: the short one ended while the kiosk was off.
    const second = await cafe(dir, { clock: { trustedAtBoot: true } }, undefined, new Date(offAt + 60 * MIN));
    expect(second.session(short)).toMatchObject({ status: 'Completed', end_reason: 'expired' });
    expect(second.resource('PC01').status).toBe('Available');
    expect(second.session(long).status).toBe('Active');
    const left = (await second.invoke('sessions:board')).resources.find((r) => r.name === 'PC02')!.session!.remainingMs;
    expect(left).toBe(60 * MIN);
    second.clock.advance(60 * MIN);
    await waitFor('the long one ended', () => second.session(long).status === 'Completed');
  });

  it('with a clock not yet trusted after a restart, does not count the time off (never early), then does once the cloud confirms the clock', async () => {
    const dir = tempDir();
    const first = await cafe(dir);
    const id = await first.start('PC01', 30);
    const offAt = first.clock.now().getTime();
    await running.pop()!.stop();

    // Booted with the wall clock 2 hours ahead and no cloud: by the wall the session is long over.
    let cloudDate: Date | null = null;
    const fetch: HttpFetch = async () => {
      if (!cloudDate) throw new Error('offline');
      return new Response('', { status: 200, headers: { Date: cloudDate.toUTCString() } });
    };
    const second = await cafe(dir, {}, fetch, new Date(offAt + 2 * 3_600_000));
    await second.kiosk.runJob('sessions.sweep');
    await settle();
    expect(second.session(id).status).toBe('Active');
    const summary = await second.invoke<SessionsAdminSummary>('sessions:admin-summary');
    expect(summary.board.clockTrusted).toBe(false);
    const overview = await second.invoke<{ warnings: { kind: string }[] }>('admin:overview');
    expect(overview.warnings).toContainEqual({ kind: 'sessions.clock-untrusted' });

    // The cloud's Date header agrees with the wall clock: it was right, the session ended while the kiosk was off.
    cloudDate = second.clock.now();
    await second.kiosk.runJob('cloud.probe');
    await waitFor('completed once the clock is trusted', () => second.session(id).status === 'Completed');
    expect(second.consistent()).toBe(0);
  });

  it('trusts the wall clock once the OS set it from a time server (systemd-timesyncd), with no cloud: the time off then counts', async () => {
    const dir = tempDir();
    const first = await cafe(dir);
    const id = await first.start('PC01', 30);
    const offAt = first.clock.now().getTime();
    await running.pop()!.stop();

    // Booted 2 hours later, offline, with timesyncd not synchronized yet: the time off does not count (never early).
    let synchronized = false;
    const clock = Object.assign(manualClock(new Date(offAt + 2 * 3_600_000)), { synchronized: () => synchronized });
    const second = await cafe(dir, {}, undefined, undefined, clock);
    await second.kiosk.runJob('sessions.sweep');
    await settle();
    expect(second.session(id).status).toBe('Active');
    expect((await second.invoke('sessions:board')).clockTrusted).toBe(false);

    synchronized = true;
    await second.kiosk.runJob('sessions.clock-trust');
    await waitFor('completed once the OS says the clock is set', () => second.session(id).status === 'Completed');
    expect((await second.invoke('sessions:board')).clockTrusted).toBe(true);
    const overview = await second.invoke<{ warnings: { kind: string }[] }>('admin:overview');
    expect(overview.warnings).not.toContainEqual({ kind: 'sessions.clock-untrusted' });
    expect(second.consistent()).toBe(0);
  });

  it('the sweep restores a timer that went missing', async () => {
    const k = await cafe(tempDir());
    const id = await k.start('PC01', 5);
    // A row written behind the module's back (as a restore would): only the sweep knows of it.
    k.db.prepare("UPDATE sessions SET ends_at = ? WHERE id = ?").run(new Date(k.clock.now().getTime() + 5 * MIN).toISOString(), id);
    k.clock.advance(5 * MIN);
    await k.kiosk.runJob('sessions.sweep');
    expect(k.session(id).status).toBe('Completed');
  });
});

describe("sessions: seed 004's endpoints on the LAN API", () => {
  const KEY = 'test-key-0123456789abcdefghijklmnopqrstuvwxyz';

  it('GET /health reports the sweep as cronJob; sync-sessions and auto-complete-sessions answer in the seed\'s words', async () => {
    const k = await cafe(tempDir(), { lanApi: { enabled: true, port: 0, apiKeyHashes: [hashApiKey(KEY)] } });
    await k.kiosk.lanApi!.start();
    const port = k.kiosk.lanApi!.address()!.port;
    const fingerprint = k.kiosk.lanApi!.status().fingerprint!;
    const call = (path: string, method = 'GET', body?: string) => callApi({ port, fingerprint, key: KEY, path, method, ...(body !== undefined ? { body } : {}) });

    const health = (await call('/health')).body as { status: string; cronJob: { isRunning: boolean; nextRun: string }; jobs: { name: string; nextRun: string | null }[] };
    expect(Object.keys(health)).toEqual(['status', 'cronJob', 'jobs']);
    expect(health.status).toBe('OK');
    expect(Object.keys(health.cronJob)).toEqual(['isRunning', 'nextRun']);
    expect(health.cronJob.isRunning).toBe(true);
    // The sweep's next run (a minute away), not the soonest job's (admin.idle, every second).
    expect(health.cronJob.nextRun).toBe(health.jobs.find((j) => j.name === 'sessions.sweep')!.nextRun);
    expect(Date.parse(health.cronJob.nextRun) - k.clock.now().getTime()).toBeGreaterThan(50_000);

    const sync = await call('/api/sync-sessions', 'POST');
    expect(sync).toMatchObject({ status: 200, body: { success: true, message: 'Manual sync completed' } });

    const id = await k.start('PC01', 1);
    await k.start('PC02', 1);
    await settle(1_100); // the next timer is a second away: the request below comes first
    k.clock.advance(MIN);
    const auto = await call('/api/bookings/auto-complete-sessions', 'POST', '');
    expect(auto).toMatchObject({ status: 200, body: { success: true, message: '2 sessions auto-completed, 2 systems freed' } });
    expect(k.session(id).status).toBe('Completed');
    const again = await call('/api/bookings/auto-complete-sessions', 'POST');
    expect(again.body).toEqual({ success: true, message: '0 sessions auto-completed, 0 systems freed' });
    expect((await call('/api/sync-sessions', 'POST', '{not json')).status).toBe(400);

    const audit = (await k.invoke<{ action: string }[]>('admin:audit', {})).map((a) => a.action);
    expect(audit).toEqual(expect.arrayContaining(['api.sessions-sync', 'api.sessions-auto-complete']));
  });

  it('the bodiless triggers answer whatever Content-Type a client sends with its empty or ignored body (curl -d, Java\'s HttpURLConnection)', async () => {
    const k = await cafe(tempDir(), { lanApi: { enabled: true, port: 0, apiKeyHashes: [hashApiKey(KEY)] } });
    await k.kiosk.lanApi!.start();
    const port = k.kiosk.lanApi!.address()!.port;
    const fingerprint = k.kiosk.lanApi!.status().fingerprint!;
    const post = (path: string, body: string, contentType: string) => callApi({ port, fingerprint, key: KEY, path, method: 'POST', body, headers: { 'Content-Type': contentType } });

    expect(await post('/api/sync-sessions', '', 'application/x-www-form-urlencoded')).toMatchObject({ status: 200, body: { success: true, message: 'Manual sync completed' } });
    expect(await post('/api/sync-sessions', 'a=1', 'application/x-www-form-urlencoded')).toMatchObject({ status: 200, body: { success: true } });
    expect(await post('/api/bookings/auto-complete-sessions', '', 'application/octet-stream')).toMatchObject({
      status: 200,
      body: { success: true, message: '0 sessions auto-completed, 0 systems freed' },
    });
  });

  it('the routes are 404 on a kiosk that does not run sessions', async () => {
    const t = await testKiosk(tempDir(), { modules: ['gate'], services: { probeIntervalSeconds: 3600 }, lanApi: { enabled: true, port: 0, apiKeyHashes: [hashApiKey(KEY)] } });
    running.push(t.kiosk);
    t.kiosk.start();
    await t.kiosk.lanApi!.start();
    const r = await callApi({ port: t.kiosk.lanApi!.address()!.port, fingerprint: t.kiosk.lanApi!.status().fingerprint!, key: KEY, path: '/api/sync-sessions', method: 'POST' });
    expect(r.status).toBe(404);
  });
});
