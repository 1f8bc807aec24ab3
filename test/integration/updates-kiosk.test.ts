/**
 * Signed updates through the running kiosk: the check job and admin's
 * "check now" stage a release from a local HTTPS host; it installs only when
 * no customer or payout is in motion, no upload waits, and inside the
 * maintenance window or on the attendant's "install now"; decisions reach
 * the history, the log and the upload queue; a launcher's revert is reported.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashPin } from '../../main/config';
import type { KioskModule } from '../../main/modules/module';
import type { StagedRelease } from '../../main/updates/updater';
import type { UpdatesStatus } from '../../preload/contract';
import type { BoothConfigInput } from '../../main/config';
import type { HttpFetch } from '../../main/platform';
import { startCloudSim } from '../cloud-sim/server';
import { gateKiosk, ref, TODAY } from '../support/gate';
import { httpsFetchTrusting } from '../support/https-fetch';
import { testKiosk } from '../support/kiosk';
import { sha512Base64, signedManifest, testKey, testRelease } from '../support/releases';
import { tempDir } from '../support/temp';
import { startUpdateServer } from '../support/update-server';

const key = testKey();
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(options: { busy?: string[]; window?: { start: string; end: string }; dir?: string; reportEndpoint?: string | null } = {}) {
  const server = await startUpdateServer();
  cleanups.push(() => server.close());
  const file = Buffer.alloc(300_000, 7);
  const release = testRelease({ version: '0.3.0', size: file.length, sha512: sha512Base64(file) }, file);
  server.routes.set('/updates/stable/arm64/manifest.json', { kind: 'file', body: signedManifest(release, [key]) });
  server.routes.set(`/updates/stable/arm64/${release.file}`, { kind: 'file', body: file });
  const installs: StagedRelease[] = [];
  const busy = { reasons: options.busy ?? [] };
  const dir = options.dir ?? tempDir();
  // A stand-in for the gate whose busy() the test sets (a customer choosing how many persons enter).
  const gate = (): KioskModule => ({ id: 'gate', busy: () => busy.reasons });
  const t = await testKiosk(
    dir,
    {
      modules: ['gate'],
      admin: { pinHash: await hashPin('2468', { N: 1024, r: 8, p: 1 }) },
      updates: { baseUrl: server.baseUrl, reportEndpoint: options.reportEndpoint === undefined ? 'kiosk/update-events' : options.reportEndpoint, maintenanceWindow: options.window ?? { start: '02:00', end: '05:00' } },
      timeZone: 'UTC',
    },
    {},
    { moduleFactories: { gate }, updates: { pinnedKeys: [key.pinned], ca: server.ca, arch: 'arm64', install: (s) => void installs.push(s) } },
  );
  server.setDate(() => t.clock.now());
  cleanups.push(() => t.kiosk.stop());
  t.kiosk.start();
  const status = async () => {
    const r = await t.kiosk.handlers.invoke('updates:status', {});
    if (!r.ok) throw new Error(r.error.message);
    return r.value as UpdatesStatus;
  };
  const outbox = () => t.kiosk.store.db.prepare("SELECT payload FROM outbox WHERE kind = 'update-event' ORDER BY id").all().map((r) => JSON.parse((r as { payload: string }).payload) as Record<string, unknown>);
  return { ...t, server, release, installs, busy, status, outbox, dir };
}

describe('updates in the kiosk', () => {
  it('stages a good release, then installs it once inside the maintenance window when nothing is busy', async () => {
    const t = await setup({ busy: ['a customer is choosing how many persons enter'] });
    const seen: UpdatesStatus[] = [];
    t.kiosk.events.subscribe((name, payload) => {
      if (name === 'updates:status') seen.push(payload as UpdatesStatus);
    });
    await t.kiosk.runJob('updates.check');
    const staged = await t.status();
    expect(staged).toMatchObject({ enabled: true, current: '0.0.0-test', phase: 'staged', staged: { version: '0.3.0' }, available: { version: '0.3.0' }, highWater: '0.3.0' });
    expect(seen.some((s) => s.phase === 'downloading' && s.progress !== null)).toBe(true);

    // 03:00 UTC is inside the window, but a customer is mid-flow
    await t.kiosk.runJob('updates.install');
    expect(t.installs).toHaveLength(0);
    expect((await t.status()).blockers).toEqual([{ code: 'busy', detail: 'a customer is choosing how many persons enter' }]);
    t.busy.reasons = [];
    await t.kiosk.runJob('updates.install');
    await t.kiosk.runJob('updates.install');
    expect(t.installs.map((s) => s.version)).toEqual(['0.3.0']);
    expect((await t.status()).phase).toBe('installing');

    expect(t.outbox().map((p) => p.event)).toEqual(['staged', 'installing']);
    expect(t.outbox()[0]).toMatchObject({ kioskId: t.kiosk.store.kioskId, version: '0.3.0', running: '0.0.0-test', channel: 'stable', arch: 'arm64' });
    expect((await t.status()).history.map((h) => h.event)).toEqual(['installing', 'staged', 'downloading']);
  });

  it('reports nothing to the cloud unless updates.reportEndpoint is set (CONTRACTS.md has no such endpoint): the decisions stay in admin and the log', async () => {
    const t = await setup({ reportEndpoint: null });
    await t.kiosk.runJob('updates.check');
    expect((await t.status()).phase).toBe('staged');
    expect(t.outbox()).toEqual([]);
    expect((await t.status()).history.map((h) => h.event)).toEqual(['staged', 'downloading']);
  });

  it('outside the window it waits; the attendant installs now (after check now), never with uploads queued', async () => {
    const t = await setup({ window: { start: '22:00', end: '23:00' } });
    expect((await t.kiosk.handlers.invoke('updates:check', {})).ok).toBe(false); // admin only
    await t.kiosk.handlers.invoke('admin:unlock', { pin: '2468' });
    const checked = await t.kiosk.handlers.invoke('updates:check', {});
    expect(checked.ok && (checked.value as UpdatesStatus).staged?.version).toBe('0.3.0');
    await t.kiosk.runJob('updates.install');
    expect(t.installs).toHaveLength(0);
    expect((await t.status()).blockers.map((b) => b.code)).toEqual(['outside-window']);

    // an admission waiting to upload keeps it from installing, even when asked
    t.kiosk.store.db.prepare("INSERT INTO outbox (kind, order_key, idempotency_key, payload, state, created_at) VALUES ('gate-usage', 'x', 'k1', '{}', 'pending', '2026-01-15T03:00:00Z')").run();
    const asked = await t.kiosk.handlers.invoke('updates:install', {});
    expect(asked.ok && (asked.value as UpdatesStatus).blockers.map((b) => b.code)).toEqual(['uploads-queued', 'outside-window']);
    expect(t.installs).toHaveLength(0);
    t.kiosk.store.db.prepare("UPDATE outbox SET state = 'done' WHERE kind = 'gate-usage'").run();
    const now = await t.kiosk.handlers.invoke('updates:install', {});
    expect(now.ok).toBe(true);
    expect(t.installs.map((s) => s.version)).toEqual(['0.3.0']);
    expect((await t.status()).history[0]).toMatchObject({ event: 'installing', code: 'attendant' });
  });

  it('reports a revert by the launcher, and never takes that version again', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'updates'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'updates/reverted.json'), JSON.stringify({ version: '0.3.0', to: '0.0.0-test', reason: 'did not reach ready within 3 starts', at: '2026-01-15T02:59:00Z' }));
    const t = await setup({ dir });
    const status = await t.status();
    expect(status.history[0]).toMatchObject({ event: 'reverted', version: '0.3.0', code: 'not-ready' });
    expect(t.outbox().map((p) => p.event)).toEqual(['reverted']);
    expect(fs.existsSync(path.join(dir, 'updates/reverted.json'))).toBe(false);
    t.kiosk.screenReady();
    expect(fs.readFileSync(path.join(dir, 'updates/ready'), 'utf8').trim()).toBe('0.0.0-test');
    await t.kiosk.runJob('updates.check');
    expect((await t.status()).problem).toMatchObject({ kind: 'refused', code: 'reverted-before', version: '0.3.0' });
  });

  it('after a revert, offline, does not install the reverted version again from its staged copy', async () => {
    const first = await setup();
    await first.kiosk.runJob('updates.check');
    expect((await first.status()).staged?.version).toBe('0.3.0');
    await first.kiosk.stop();
    // The launcher installed 0.3.0, it never reached ready, and it went back.
    fs.writeFileSync(path.join(first.dir, 'updates/reverted.json'), JSON.stringify({ version: '0.3.0', to: null, reason: 'did not reach ready in 3 starts' }));
    const t = await setup({ dir: first.dir });
    t.server.routes.set('/updates/stable/arm64/manifest.json', { kind: 'stall' }); // offline: no check can withdraw it
    await t.kiosk.runJob('updates.install');
    expect(t.installs).toEqual([]);
    expect((await t.status()).staged).toBeNull();
    expect((await t.status()).history[0]).toMatchObject({ event: 'reverted', version: '0.3.0' });
  });

  it('reaches "ready" only once the customer screen is up: the launcher confirms nothing before, and the install is recorded then', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'updates'), { recursive: true });
    // The launcher swapped in the version the kiosk asked for, and started it.
    fs.writeFileSync(path.join(dir, 'updates/install.json'), `${JSON.stringify({ version: '0.0.0-test', file: 'Booth-0.0.0-test-arm64.AppImage', size: 1, sha512: 'x' })}\n`);
    const t = await setup({ dir });
    expect(fs.existsSync(path.join(dir, 'updates/ready'))).toBe(false);
    expect((await t.status()).history.map((h) => h.event)).not.toContain('installed');
    expect(fs.existsSync(path.join(dir, 'updates/install.json'))).toBe(true);

    t.kiosk.screenReady();
    t.kiosk.screenReady(); // a second renderer, a reload: once is enough
    expect(fs.readFileSync(path.join(dir, 'updates/ready'), 'utf8')).toBe('0.0.0-test\n');
    expect((await t.status()).history.filter((h) => h.event === 'installed')).toEqual([expect.objectContaining({ version: '0.0.0-test', message: '0.0.0-test runs and its screen is up' })]);
    expect(fs.existsSync(path.join(dir, 'updates/install.json'))).toBe(false);
  });

  it('the real gate holds an install while a customer chooses how many persons enter, and while the admission waits to upload', async () => {
    const cloud = await startCloudSim({ tickets: [{ bookingDate: TODAY, referenceNo: ref(1), attractions: { A: { pax: 3, used: 0 } } }] });
    cleanups.push(() => cloud.close());
    const g = await gateKiosk(tempDir(), cloud, { updates: { baseUrl: 'https://127.0.0.1:9/updates/', maintenanceWindow: { start: '00:00', end: '00:00' } } });
    cleanups.push(() => g.kiosk.stop());
    await g.sync();
    const blockers = async () => (await g.invoke<UpdatesStatus>('updates:status')).blockers.map((b) => b.code);
    expect(await blockers()).toEqual([]);
    const scan = await g.scan(ref(1));
    expect(scan.kind).toBe('valid');
    expect(await blockers()).toEqual(['busy']);
    await g.invoke('gate:admit', { scanId: scan.kind === 'valid' ? scan.scanId : '', persons: 2 });
    expect(await blockers()).toEqual(['uploads-queued']);
    await g.sync();
    expect(await blockers()).toEqual([]);
  });

  it('is off without updates.baseUrl: no jobs, the page says so', async () => {
    const t = await testKiosk(tempDir(), {});
    cleanups.push(() => t.kiosk.stop());
    const r = await t.kiosk.handlers.invoke('updates:status', {});
    expect(r.ok && (r.value as UpdatesStatus).enabled).toBe(false);
  });
});

describe('the last trusted time (CONTRACTS.md "Signed updates"): the cloud API\'s Date of a verified TLS response', () => {
  const CLOUD_DATE = new Date('2026-03-01T00:00:00Z');

  /** An update host without a Date header, offering 0.3.0: released 2026-01-10, expiring 2026-02-10 (before the cloud's Date). */
  async function updateHost() {
    const server = await startUpdateServer();
    cleanups.push(() => server.close());
    const file = Buffer.alloc(50_000, 3);
    const release = testRelease({ version: '0.3.0', size: file.length, sha512: sha512Base64(file) }, file);
    server.routes.set('/updates/stable/arm64/manifest.json', { kind: 'file', body: signedManifest(release, [key]) });
    server.routes.set(`/updates/stable/arm64/${release.file}`, { kind: 'file', body: file });
    return server;
  }

  /** A kiosk whose clock reads 1970 (a Pi without RTC before NTP), not started: the test runs its jobs. */
  async function kioskAt1970(dir: string, update: { baseUrl: string; ca: string }, api: BoothConfigInput['api'], fetch?: HttpFetch) {
    const t = await testKiosk(
      dir,
      { api, updates: { baseUrl: update.baseUrl }, timeZone: 'UTC' },
      fetch ? { fetch } : {},
      { updates: { pinnedKeys: [key.pinned], ca: update.ca, arch: 'arm64', install: () => undefined } },
    );
    cleanups.push(() => t.kiosk.stop());
    t.clock.setWall(new Date(0));
    const status = async () => {
      const r = await t.kiosk.handlers.invoke('updates:status', {});
      if (!r.ok) throw new Error(r.error.message);
      return r.value as UpdatesStatus;
    };
    return { ...t, status };
  }

  it('refuses, on a clock at 1970, a manifest that expired before the cloud\'s Date over https; still after a restart offline', async () => {
    const update = await updateHost();
    // The cloud API over https (its certificate checked against the CA the test trusts); any answer carries its Date.
    const cloud = await startUpdateServer();
    cleanups.push(() => cloud.close());
    cloud.setDate(() => CLOUD_DATE);
    const api = { baseUrl: cloud.baseUrl.replace(/updates\/$/, 'api/') };
    const dir = tempDir();

    const first = await kioskAt1970(dir, update, api, httpsFetchTrusting(cloud.ca));
    await first.kiosk.runJob('cloud.probe');
    await first.kiosk.runJob('updates.check');
    const refused = await first.status();
    expect(refused.problem).toMatchObject({ kind: 'refused', code: 'expired', version: '0.3.0' });
    expect(refused.problem?.message).toContain('2026-03-01T00:00:00.000Z by the last trusted time');
    expect(refused.staged).toBeNull();
    await first.kiosk.stop();

    // Kept in the store: after a restart with the network unplugged, the kiosk still knows that time has passed.
    const second = await kioskAt1970(dir, update, api);
    await second.kiosk.runJob('updates.check');
    expect((await second.status()).problem).toMatchObject({ kind: 'refused', code: 'expired' });
    expect(update.requests.filter((r) => r.path.endsWith('.AppImage'))).toEqual([]);
  });

  it('does not trust the Date of a plain-http cloud (anyone on the path may write it), though the clock check still reads it', async () => {
    const update = await updateHost();
    const plain = http.createServer((_req, res) => {
      res.sendDate = false;
      res.writeHead(200, { Date: CLOUD_DATE.toUTCString() }).end();
    });
    cleanups.push(() => new Promise<void>((resolve) => plain.close(() => resolve())));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const t = await kioskAt1970(tempDir(), update, { baseUrl: `http://127.0.0.1:${(plain.address() as AddressInfo).port}/api/` }, (i, init) => fetch(i, init));
    await t.kiosk.runJob('cloud.probe');
    const kiosk = await t.kiosk.handlers.invoke('kiosk:status', {});
    expect(kiosk.ok && kiosk.value).toMatchObject({ clockWarning: true });
    await t.kiosk.runJob('updates.check');
    expect(await t.status()).toMatchObject({ phase: 'staged', staged: { version: '0.3.0' }, problem: null });
  });
});
