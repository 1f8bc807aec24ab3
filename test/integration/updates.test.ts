/**
 * The kiosk's updater against a local HTTPS update host: a good release is
 * downloaded and staged once; every other case is refused (or given up) with
 * its reason, and nothing is staged.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createClockTrust, manualClock, settingsTrustedTime } from '../../main/clock';
import { memoryLogger } from '../../main/log';
import { openStore, type Store } from '../../main/store';
import { createWorkerHasher } from '../../main/updates/hash-runner';
import { createUpdateStateStore } from '../../main/updates/state';
import { createUpdater, type UpdaterSettings } from '../../main/updates/updater';
import { sha512Base64, signedManifest, testKey, testRelease, type TestKey } from '../support/releases';
import { tempDir } from '../support/temp';
import { startUpdateServer, type UpdateServer } from '../support/update-server';

const keyA = testKey();
const keyB = testKey();
const stranger = testKey();
const hashFile = createWorkerHasher();

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const appImage = (version: string, size = 200_000) => {
  const body = Buffer.alloc(size);
  for (let i = 0; i < size; i++) body[i] = (i * 31 + version.charCodeAt(2)) & 0xff;
  return body;
};

async function setup(options: { running?: string; settings?: Partial<UpdaterSettings>; store?: Store; dir?: string } = {}) {
  const server = await startUpdateServer();
  cleanups.push(() => server.close());
  const dir = options.dir ?? tempDir();
  const store = options.store ?? (await openStore({ file: path.join(dir, 'booth.db'), log: memoryLogger() }));
  if (!options.store) cleanups.push(() => store.close());
  const clock = manualClock();
  server.setDate(() => clock.now());
  const log = memoryLogger();
  const make = (running = options.running ?? '0.2.0') =>
    createUpdater({
      settings: { baseUrl: server.baseUrl, channel: 'stable', arch: 'arm64', requestTimeoutMs: 5_000, stallMs: 400, maxBytesPerSecond: null, ...options.settings },
      kioskId: store.kioskId,
      runningVersion: running,
      pinnedKeys: [keyA.pinned, keyB.pinned],
      dir: path.join(dir, 'updates'),
      state: createUpdateStateStore(store.db),
      clock,
      // As the kiosk keeps it: in the store, so a restart (make() again) still knows it.
      clockTrust: createClockTrust({ clock, trustedAtBoot: false, skewWarningSeconds: 120, storage: settingsTrustedTime(store, clock) }),
      log: log.scope('updates'),
      hashFile,
      ca: server.ca,
    });
  const updater = make();
  cleanups.push(() => updater.stop());
  /** Publishes `version` at stable/arm64 (signed by `keys`), its file beside it. */
  const publish = (version: string, patch: Parameters<typeof testRelease>[0] = {}, keys: TestKey[] = [keyA], file = appImage(version)) => {
    const release = testRelease({ version, size: file.length, sha512: sha512Base64(file), ...patch }, file);
    server.routes.set('/updates/stable/arm64/manifest.json', { kind: 'file', body: signedManifest(release, keys) });
    server.routes.set(`/updates/stable/arm64/${release.file}`, { kind: 'file', body: file });
    return release;
  };
  const fileRequests = () => server.requests.filter((r) => r.path.endsWith('.AppImage'));
  return { server, store, updater, make, clock, log, publish, fileRequests, dir };
}

const stagedFiles = (dir: string) => (fs.existsSync(path.join(dir, 'updates/staged')) ? fs.readdirSync(path.join(dir, 'updates/staged')).sort() : []);

describe('updates: a good release', () => {
  it('is downloaded, verified and staged once, beside the running version', async () => {
    const t = await setup();
    const release = t.publish('0.3.0');
    expect(await t.updater.check()).toEqual({ kind: 'staged', version: '0.3.0', downloaded: true });
    expect(stagedFiles(t.dir)).toEqual([release.file, 'release.json']);
    expect(fs.readFileSync(path.join(t.dir, 'updates/staged', release.file))).toEqual(appImage('0.3.0'));
    expect(fs.statSync(path.join(t.dir, 'updates/staged', release.file)).mode & 0o111).not.toBe(0);
    // checked again: nothing downloaded again
    expect(await t.updater.check()).toEqual({ kind: 'staged', version: '0.3.0', downloaded: false });
    expect(t.fileRequests()).toHaveLength(1);
    expect(t.updater.status()).toMatchObject({ phase: 'staged', staged: { version: '0.3.0' }, available: { version: '0.3.0' }, problem: null });
    const history = createUpdateStateStore(t.store.db).history(10).map((h) => h.event);
    expect(history).toEqual(['staged', 'downloading']);
    expect(t.log.lines.some((l) => /staged 0\.3\.0/.test(l))).toBe(true);
  });

  it('resumes after a break where it stopped (Range), within the bandwidth cap', async () => {
    const t = await setup({ settings: { maxBytesPerSecond: 400_000 } });
    const release = t.publish('0.3.0');
    t.server.routes.set(`/updates/stable/arm64/${release.file}`, { kind: 'file', body: appImage('0.3.0'), cutAfter: 120_000 });
    const first = await t.updater.check();
    expect(first.kind).toBe('failed');
    const started = performance.now();
    expect(await t.updater.check()).toMatchObject({ kind: 'staged', downloaded: true });
    const ranges = t.fileRequests().map((r) => r.range);
    expect(ranges[0]).toBeUndefined();
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
    expect(Number(/=(\d+)-/.exec(ranges[1]!)![1])).toBeGreaterThan(0);
    // the cap: the rest (at least 80 kB) at 400 kB/s takes at least 0.2 s
    expect(performance.now() - started).toBeGreaterThanOrEqual(180);
    expect(fs.readFileSync(path.join(t.dir, 'updates/staged', release.file))).toEqual(appImage('0.3.0'));
  });

  it('does not resume a part of another release that had the same file name (a new build under a constant name)', async () => {
    const t = await setup();
    const name = { file: 'Booth-arm64.AppImage' };
    t.publish('0.3.0', name);
    t.server.routes.set('/updates/stable/arm64/Booth-arm64.AppImage', { kind: 'file', body: appImage('0.3.0'), cutAfter: 120_000 });
    expect((await t.updater.check()).kind).toBe('failed');
    t.publish('0.4.0', name, [keyA], appImage('0.4.0'));
    expect(await t.updater.check()).toEqual({ kind: 'staged', version: '0.4.0', downloaded: true });
    expect(fs.readFileSync(path.join(t.dir, 'updates/staged/Booth-arm64.AppImage'))).toEqual(appImage('0.4.0'));
  });

  it('takes a conforming manifest made from the contract text alone (not by `booth release sign`)', async () => {
    const t = await setup();
    const file = appImage('0.3.0');
    // Python's json.dumps spacing, RFC 3339 offsets with microseconds, an unknown field; the signature's
    // fields in the other order, its keyId in upper-case hex digits, the envelope pretty-printed.
    const signed =
      `{"product": "booth", "version": "0.3.0", "channel": "stable", "arch": "arm64", "file": "Booth-0.3.0-arm64.AppImage", ` +
      `"size": ${file.length}, "sha512": "${sha512Base64(file)}", "rolloutPercent": 100, ` +
      `"releasedAt": "2026-01-10T00:00:00.123456+00:00", "expiresAt": "2026-02-10T07:00:00+07:00", "notes": {"en": "faster"}}`;
    const sig = crypto.sign(null, Buffer.from(signed), keyB.privateKey).toString('base64');
    const envelope = { signed: Buffer.from(signed).toString('base64'), signatures: [{ sig, keyId: keyB.keyId.toUpperCase() }] };
    t.server.routes.set('/updates/stable/arm64/manifest.json', { kind: 'file', body: Buffer.from(JSON.stringify(envelope, null, 2)) });
    t.server.routes.set('/updates/stable/arm64/Booth-0.3.0-arm64.AppImage', { kind: 'file', body: file });
    expect(await t.updater.check()).toEqual({ kind: 'staged', version: '0.3.0', downloaded: true });
  });
});

describe('updates: refused, with the reason', () => {
  const refusedCode = async (t: Awaited<ReturnType<typeof setup>>) => {
    const outcome = await t.updater.check();
    expect(stagedFiles(t.dir)).toEqual([]);
    expect(t.updater.status().problem?.code).toBe(outcome.kind === 'refused' || outcome.kind === 'failed' ? outcome.code : 'none');
    return outcome.kind === 'refused' || outcome.kind === 'failed' ? `${outcome.kind}:${outcome.code}` : outcome.kind;
  };
  const manifestPath = '/updates/stable/arm64/manifest.json';
  const edit = (t: Awaited<ReturnType<typeof setup>>, fn: (envelope: { signed: string; signatures: Record<string, string>[] }) => void) => {
    const route = t.server.routes.get(manifestPath) as { body: Buffer };
    const envelope = JSON.parse(route.body.toString()) as { signed: string; signatures: Record<string, string>[] };
    fn(envelope);
    t.server.routes.set(manifestPath, { kind: 'file', body: Buffer.from(JSON.stringify(envelope)) });
  };

  it('a bad signature', async () => {
    const t = await setup();
    t.publish('0.3.0');
    edit(t, (e) => {
      const sig = Buffer.from(e.signatures[0]!.sig!, 'base64');
      sig[10]! ^= 0x01;
      e.signatures[0]!.sig = sig.toString('base64');
    });
    expect(await refusedCode(t)).toBe('refused:bad-signature');
    expect(t.fileRequests()).toHaveLength(0);
  });

  it('a signature by an unpinned key', async () => {
    const t = await setup();
    t.publish('0.3.0', {}, [stranger]);
    expect(await refusedCode(t)).toBe('refused:unpinned-key');
  });

  it('a key that arrives with the manifest', async () => {
    const t = await setup();
    t.publish('0.3.0', {}, [stranger]);
    edit(t, (e) => {
      e.signatures[0]!.publicKey = stranger.publicPem;
      (e as Record<string, unknown>).publicKeys = { [stranger.keyId]: stranger.publicPem };
    });
    expect(await refusedCode(t)).toBe('refused:unpinned-key');
  });

  it('a manifest edited after signing (one byte)', async () => {
    const t = await setup();
    t.publish('0.3.0');
    edit(t, (e) => {
      const signed = Buffer.from(e.signed, 'base64');
      const at = signed.indexOf('"rolloutPercent":100') + '"rolloutPercent":1'.length;
      signed[at] = '1'.charCodeAt(0); // 100 -> 110... one byte
      e.signed = signed.toString('base64');
    });
    expect(await refusedCode(t)).toBe('refused:bad-signature');
  });

  it('a rolled-back version (older than the running one)', async () => {
    const t = await setup({ running: '0.2.0' });
    t.publish('0.1.5');
    expect(await refusedCode(t)).toBe('refused:older-than-running');
  });

  it('an older signed release after a newer was accepted, even after a restart', async () => {
    const dir = tempDir();
    const store = await openStore({ file: path.join(dir, 'booth.db'), log: memoryLogger() });
    cleanups.push(() => store.close());
    const t = await setup({ store, dir });
    t.publish('0.4.0');
    expect((await t.updater.check()).kind).toBe('staged');
    t.publish('0.3.0');
    expect(await t.updater.check()).toMatchObject({ kind: 'refused', code: 'below-high-water' });
    // a new process (same store): still refused, and 0.4.0 stays staged
    const again = t.make('0.2.0');
    expect(await again.check()).toMatchObject({ kind: 'refused', code: 'below-high-water' });
    expect(stagedFiles(dir)).toContain('Booth-0.4.0-arm64.AppImage');
  });

  it('an older signed release replayed after a newer one was verified but not yet taken (outside its rollout)', async () => {
    const t = await setup();
    t.publish('0.4.0', { rolloutPercent: 0 });
    expect((await t.updater.check()).kind).toBe('not-in-rollout');
    t.publish('0.3.0');
    expect(await refusedCode(t)).toBe('refused:below-high-water');
  });

  it('an expired manifest', async () => {
    const t = await setup();
    t.publish('0.3.0', { expiresAt: '2026-01-14T00:00:00.000Z' });
    expect(await refusedCode(t)).toBe('refused:expired');
  });

  it('an expired manifest on a clock set to 1970 (judged by the last trusted time)', async () => {
    const t = await setup();
    // a verified manifest (up to date) taught the kiosk the time
    t.publish('0.2.0', { releasedAt: '2026-01-13T12:00:00.000Z' });
    expect((await t.updater.check()).kind).toBe('up-to-date');
    t.clock.setWall(new Date(0));
    t.server.setDate(() => null);
    t.publish('0.3.0', { releasedAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-13T00:00:00.000Z' });
    expect(await refusedCode(t)).toBe('refused:expired');
    expect(t.updater.status().problem?.message).toMatch(/last trusted time/);
  });

  it('a hostile update host\'s Date far ahead does not make good manifests expired (the host is trusted for delivery only)', async () => {
    const t = await setup();
    t.server.setDate(() => new Date('2100-01-01T00:00:00Z'));
    t.publish('0.3.0');
    expect(await t.updater.check()).toMatchObject({ kind: 'staged', version: '0.3.0' });
    // nor later, once the host is honest again (a trusted time never goes back)
    t.server.setDate(() => t.clock.now());
    t.publish('0.4.0');
    expect(await t.updater.check()).toMatchObject({ kind: 'staged', version: '0.4.0' });
  });

  it('a wrong arch, a wrong channel', async () => {
    const t = await setup();
    t.publish('0.3.0', { arch: 'x64', file: 'Booth-0.3.0-arm64.AppImage' });
    expect(await refusedCode(t)).toBe('refused:wrong-arch');
    t.publish('0.3.0', { channel: 'beta' });
    expect(await refusedCode(t)).toBe('refused:wrong-channel');
  });

  it('a file whose hash differs, or whose size differs', async () => {
    const t = await setup();
    const release = t.publish('0.3.0');
    const other = appImage('0.3.0');
    other[1000]! ^= 0xff;
    t.server.routes.set(`/updates/stable/arm64/${release.file}`, { kind: 'file', body: other });
    expect(await refusedCode(t)).toBe('refused:hash-mismatch');
    t.server.routes.set(`/updates/stable/arm64/${release.file}`, { kind: 'file', body: appImage('0.3.0').subarray(0, 150_000) });
    expect(await refusedCode(t)).toBe('refused:size-mismatch');
    t.server.routes.set(`/updates/stable/arm64/${release.file}`, { kind: 'file', body: Buffer.concat([appImage('0.3.0'), Buffer.from('more')]) });
    expect(await refusedCode(t)).toBe('refused:too-large');
    t.server.routes.set(`/updates/stable/arm64/${release.file}`, { kind: 'file', body: Buffer.concat([appImage('0.3.0'), Buffer.from('more')]), noLength: true });
    expect(await refusedCode(t)).toBe('refused:too-large');
  });

  it('a file that never ends (endless data): stopped at the signed size', async () => {
    const t = await setup();
    const release = t.publish('0.3.0');
    t.server.routes.set(`/updates/stable/arm64/${release.file}`, { kind: 'endless' });
    expect(await refusedCode(t)).toBe('refused:too-large');
    expect(fs.readdirSync(path.join(t.dir, 'updates/download'))).toEqual([]);
    // the kiosk hung up at the signed size (200 kB): what the host pushed is that plus socket buffers, never hundreds of MB
    await new Promise((r) => setTimeout(r, 200));
    expect(t.server.endlessBytes()).toBeLessThan(20 * 1024 * 1024);
  });

  it('a server that stalls (the manifest, then the file)', async () => {
    const t = await setup();
    t.server.routes.set(manifestPath, { kind: 'stall' });
    expect(await refusedCode(t)).toBe('failed:stalled');
    const release = t.publish('0.3.0');
    t.server.routes.set(`/updates/stable/arm64/${release.file}`, { kind: 'stall' });
    expect(await refusedCode(t)).toBe('failed:stalled');
  });

  it('a redirect to http, an http base URL, and a manifest over 64 KiB', async () => {
    const t = await setup();
    t.server.routes.set(manifestPath, { kind: 'redirect', location: 'http://127.0.0.1:1/updates/stable/arm64/manifest.json' });
    expect(await refusedCode(t)).toBe('failed:redirect-refused');
    const release = t.publish('0.3.0');
    t.server.routes.set(`/updates/stable/arm64/${release.file}`, { kind: 'redirect', location: `http://127.0.0.1:1/${release.file}` });
    expect(await refusedCode(t)).toBe('failed:redirect-refused');
    t.server.routes.set(manifestPath, { kind: 'file', body: Buffer.alloc(70_000, 0x20) });
    expect(await refusedCode(t)).toBe('refused:manifest-too-large');

    const plain = await setup({ settings: { baseUrl: 'http://127.0.0.1:1/updates/' } });
    expect(await refusedCode(plain)).toBe('failed:insecure-url');
  });

  it('drops a staged release the fleet admin withdrew (rollout 0)', async () => {
    const t = await setup();
    t.publish('0.3.0');
    expect((await t.updater.check()).kind).toBe('staged');
    t.publish('0.3.0', { rolloutPercent: 0 });
    expect(await t.updater.check()).toEqual({ kind: 'not-in-rollout', version: '0.3.0' });
    expect(stagedFiles(t.dir)).toEqual([]);
    expect(t.updater.staged()).toBeNull();
    expect(createUpdateStateStore(t.store.db).history(5).some((h) => h.code === 'withdrawn')).toBe(true);
  });

  it('waits outside the rollout without downloading', async () => {
    const t = await setup();
    t.publish('0.3.0', { rolloutPercent: 0 });
    expect(await t.updater.check()).toEqual({ kind: 'not-in-rollout', version: '0.3.0' });
    expect(t.fileRequests()).toHaveLength(0);
  });
});
