/**
 * Timed sessions against the cloud simulator over HTTP: the status reports
 * (CONTRACTS.md "Timed sessions") and the optional pull of sessions booked in
 * the cloud's customer app, also when the pull's answer is hostile: not JSON,
 * a malformed booking among good ones, 64 MiB without end, or trickled in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../main/api';
import { manualClock } from '../../main/clock';
import { hashPin, type BoothConfigInput } from '../../main/config';
import type { JobHealth } from '../../main/schedule';
import { startCloudSim, type CloudSim } from '../cloud-sim/server';
import { HUGE_PULL_BYTES } from '../cloud-sim/sessions';
import { testKiosk } from '../support/kiosk';
import { callApi } from '../support/lan-api';
import { tempDir } from '../support/temp';

const pinHash = await hashPin('2468', { N: 1024, r: 8, p: 1 });
const KEY = 'test-key-0123456789abcdefghijklmnopqrstuvwxyz';

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.stop();
});

async function cafeOnline(patch: BoothConfigInput = {}) {
  const sim: CloudSim = await startCloudSim();
  running.push({ stop: () => sim.close() });
  const t = await testKiosk(
    tempDir(),
    {
      kioskName: 'Cafe',
      modules: ['sessions'],
      admin: { pinHash, idleTimeoutSeconds: 3600 },
      api: { baseUrl: sim.apiUrl, timeoutSeconds: patch.api?.timeoutSeconds ?? 3 },
      services: { probeIntervalSeconds: 3600, fetchEnabled: false },
      sync: { backoffBaseSeconds: 0.05, backoffCapSeconds: 0.2 },
      lanApi: { enabled: true, port: 0, apiKeyHashes: [hashApiKey(KEY)] },
      sessions: { pullEndpoint: 'sessions/bookings', pullIntervalSeconds: 3600, resources: [{ name: 'PC01' }, { name: 'PC02' }, { name: 'PC03' }], ...patch.sessions },
    },
    // The injected clock starts at the real time, so the simulator's bookings (real time) are current.
    { fetch: (input, init) => fetch(input, init), clock: manualClock(new Date()) },
  );
  running.push(t.kiosk);
  t.kiosk.start();
  await t.kiosk.lanApi!.start();
  const api = { port: t.kiosk.lanApi!.address()!.port, fingerprint: t.kiosk.lanApi!.status().fingerprint!, key: KEY };
  await t.kiosk.runJob('cloud.probe');
  // The pull at start (nothing booked yet) is over before a test books anything: runJob would join it.
  await t.kiosk.runJob('sessions.pull');
  const db = t.kiosk.store.db;
  const resource = (id: string) => db.prepare('SELECT status, active_session_id FROM session_resources WHERE id = ?').get(id) as { status: string; active_session_id: string | null };
  const session = (id: string) => db.prepare('SELECT status, source, end_reason FROM sessions WHERE id = ?').get(id) as { status: string; source: string; end_reason: string | null } | undefined;
  /** Runs the pull, then reads its health as the LAN API's GET /health reports it. */
  const pull = async (): Promise<JobHealth> => {
    await t.kiosk.runJob('sessions.pull');
    const health = (await callApi({ ...api, path: '/health', method: 'GET' })).body as { jobs: JobHealth[] };
    return health.jobs.find((j) => j.name === 'sessions.pull')!;
  };
  return { ...t, sim, db, resource, session, pull };
}

const until = async (what: string, check: () => boolean, ms = 5_000) => {
  const end = performance.now() + ms;
  while (!check()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('sessions and the cloud', () => {
  it('a session booked in the customer app is pulled and started; its status reaches the cloud; a cancel in the cloud ends it', async () => {
    const k = await cafeOnline();
    const booking = k.sim.sessions.book({ systemId: 'PC02', minutes: 60 });
    expect((await k.pull()).lastError).toBeNull();
    expect(k.resource('PC02')).toEqual({ status: 'Active', active_session_id: booking.id });
    expect(k.session(booking.id)).toMatchObject({ status: 'Active', source: 'cloud' });
    // The outbox tells the cloud, so the customer app and the kiosk agree.
    await until('the Active report', () => k.sim.sessions.systems.get('PC02')?.status === 'Active');
    expect(k.sim.sessions.systems.get('PC02')).toMatchObject({ activeBooking: booking.id, kioskId: expect.any(String) });
    expect(k.sim.received.filter((r) => r.method === 'POST').every((r) => typeof r.idempotencyKey === 'string')).toBe(true);

    // Pulled again: nothing new happens.
    await k.pull();
    expect(k.db.prepare('SELECT COUNT(*) FROM sessions').pluck().get()).toBe(1);

    k.sim.sessions.end(booking.id, 'Cancelled');
    await k.pull();
    expect(k.session(booking.id)).toMatchObject({ status: 'Cancelled', end_reason: 'cancelled-by-cloud' });
    expect(k.resource('PC02')).toEqual({ status: 'Available', active_session_id: null });
    await until('the Available report', () => k.sim.sessions.systems.get('PC02')?.status === 'Available');
  });

  it('an answer that is not JSON fails the pull with its reason and changes nothing; the next good answer is applied', async () => {
    const k = await cafeOnline();
    const booking = k.sim.sessions.book({ systemId: 'PC01', minutes: 30 });
    k.sim.set({ sessionsPullFault: 'malformed' });
    expect((await k.pull()).lastError).toMatch(/sessions pull: the answer is not JSON/);
    expect(k.resource('PC01').status).toBe('Available');
    k.sim.set({ sessionsPullFault: 'none' });
    expect((await k.pull()).lastError).toBeNull();
    expect(k.resource('PC01').active_session_id).toBe(booking.id);
  });

  it('a malformed booking, or one for a resource this kiosk lacks, is skipped; the others are applied', async () => {
    const k = await cafeOnline();
    const good = k.sim.sessions.book({ systemId: 'PC03', minutes: 30 });
    k.sim.sessions.book({ systemId: 'NO-SUCH-PC', minutes: 30 });
    // A booking that ends before it starts (the customer app's bug).
    k.sim.sessions.book({ systemId: 'PC01', minutes: 30, startedMinutesAgo: 0 }).sessionEndTime = new Date(Date.now() - 60_000).toISOString();
    expect((await k.pull()).lastError).toBeNull();
    expect(k.resource('PC03').active_session_id).toBe(good.id);
    expect(k.resource('PC01').status).toBe('Available');
    expect(k.log.lines.filter((l) => /pulled session .* (skipped|not applied)/.test(l))).toHaveLength(2);
  });

  it('reads a time with its offset as written, one without an offset on the venue\'s clock (not the Pi\'s zone), and skips a date that does not exist', async () => {
    const k = await cafeOnline();
    const second = (ms: number) => new Date(Math.floor(ms / 1000) * 1000);
    const start = second(Date.now() - 60_000);
    const end = second(Date.now() + 30 * 60_000);
    // The venue is in Asia/Jakarta (UTC+7, no daylight saving): its wall clock, written without an offset.
    const jakarta = (at: Date) => new Date(at.getTime() + 7 * 3_600_000).toISOString().slice(0, 19);
    const zoneless = k.sim.sessions.book({ systemId: 'PC01', minutes: 30 });
    Object.assign(zoneless, { sessionStartTime: jakarta(start), sessionEndTime: jakarta(end) });
    // India's offset, written without its colon.
    const india = (at: Date) => `${new Date(at.getTime() + 5.5 * 3_600_000).toISOString().slice(0, 19)}+0530`;
    const offset = k.sim.sessions.book({ systemId: 'PC02', minutes: 30 });
    Object.assign(offset, { sessionStartTime: india(start), sessionEndTime: india(end) });
    // 30 February: Date.parse would roll it over to March.
    const impossible = k.sim.sessions.book({ systemId: 'PC03', minutes: 30 });
    impossible.sessionEndTime = `${end.getUTCFullYear() + 1}-02-30T10:00:00Z`;

    expect((await k.pull()).lastError).toBeNull();
    const times = k.db.prepare('SELECT status, started_at, ends_at FROM sessions WHERE id = ?');
    const expected = { status: 'Active', started_at: start.toISOString(), ends_at: end.toISOString() };
    expect(times.get(zoneless.id)).toEqual(expected);
    expect(times.get(offset.id)).toEqual(expected);
    expect(k.resource('PC03').status).toBe('Available');
    expect(k.log.lines.some((l) => l.includes(`pulled session ${impossible.id} skipped: an ISO 8601 date and time`))).toBe(true);
  });

  it('a huge answer (64 MiB, no Content-Length) is not read past the cap: the pull fails, nothing in it is applied, the kiosk lets go of it', async () => {
    const k = await cafeOnline();
    k.sim.sessions.book({ systemId: 'PC01', minutes: 30 });
    k.sim.set({ sessionsPullFault: 'huge' });
    const health = await k.pull();
    expect(health.lastError).toMatch(/sessions pull: the answer is larger than 4194304 bytes/);
    expect(k.resource('PC01').status).toBe('Available');
    // The simulator stopped writing soon after the cap, far from the whole body.
    await new Promise((r) => setTimeout(r, 200));
    expect(k.sim.sessions.pullBytesSent).toBeLessThan(HUGE_PULL_BYTES / 4);
  });

  it('an answer that trickles in without end is given up at the request timeout, and the next pull works', async () => {
    const k = await cafeOnline({ api: { timeoutSeconds: 1 } });
    const booking = k.sim.sessions.book({ systemId: 'PC02', minutes: 30 });
    k.sim.set({ sessionsPullFault: 'slow' });
    expect((await k.pull()).lastError).toMatch(/sessions pull: no whole answer within the timeout/);
    expect(k.resource('PC02').status).toBe('Available');
    k.sim.set({ sessionsPullFault: 'none' });
    expect((await k.pull()).lastError).toBeNull();
    expect(k.resource('PC02').active_session_id).toBe(booking.id);
  });
});
