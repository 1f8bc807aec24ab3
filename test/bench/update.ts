/**
 * update.verify: MB/s of the kiosk's check of a downloaded release (size and
 * SHA-512 in its worker thread, then the manifest's signature), against
 * `sha512sum` of the same file in the same run; and the main event loop's
 * p99 lag meanwhile.
 * update.scan_during_download: a customer scanning while the kiosk downloads a
 * release at full speed from a local HTTPS host and verifies it sees no delay:
 * the gate's scan-to-decision time through the kiosk's handlers, p50 and p99,
 * against the same scans on the same kiosk with no download.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { build } from 'esbuild';
import { systemClock, venueDate } from '../../main/clock';
import { configSchema } from '../../main/config';
import { createKiosk } from '../../main/kiosk';
import { memoryLogger } from '../../main/log';
import { openStore } from '../../main/store';
import { createWorkerHasher } from '../../main/updates/hash-runner';
import { matchesRelease } from '../../main/updates/file-check';
import { verifyManifest } from '../../main/updates/verify';
import type { UpdatesStatus } from '../../preload/contract';
import { spawnInGroup, stopGroup, withTeardown } from '../support/process-group';
import { signedManifest, testKey, testRelease } from '../support/releases';
import { benchLine, median, percentile, progress, quick, withRef } from './format';

const MB = 1_000_000;

function makeFile(file: string, bytes: number): string {
  // Deterministic, incompressible-looking content: a seeded block repeated with a counter.
  const block = crypto.createHash('sha512').update('booth-bench').digest();
  const chunk = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < chunk.length; i += 64) block.copy(chunk, i, 0, Math.min(64, chunk.length - i));
  const fd = fs.openSync(file, 'w');
  const hash = crypto.createHash('sha512');
  try {
    for (let written = 0, n = 0; written < bytes; n++) {
      chunk.writeUInt32BE(n, 0);
      const part = chunk.subarray(0, Math.min(chunk.length, bytes - written));
      fs.writeSync(fd, part);
      hash.update(part);
      written += part.length;
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('base64');
}

/** The hash worker as the app ships it (bundled, as scripts/build.mjs makes it), from the current sources. */
async function shippedHasher(dir: string) {
  const workerFile = path.join(dir, 'updates-hash-worker.cjs');
  await build({ entryPoints: [path.resolve(import.meta.dirname, '../../main/updates/hash-worker.ts')], outfile: workerFile, bundle: true, platform: 'node', format: 'cjs', target: 'node22', logLevel: 'error' });
  return createWorkerHasher(workerFile);
}

function sha512sumSeconds(file: string): number {
  const started = process.hrtime.bigint();
  const run = spawnSync('sha512sum', [file], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`sha512sum failed: ${run.stderr}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function verify(): Promise<void> {
  const bytes = (quick ? 20 : 200) * MB;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'booth-bench-update-'));
  try {
    const file = path.join(dir, 'Booth-9.9.9-arm64.AppImage');
    progress(`update.verify: writing ${bytes / MB} MB`);
    const sha512 = makeFile(file, bytes);
    const key = testKey();
    const manifest = signedManifest(testRelease({ version: '9.9.9', size: bytes, sha512 }), [key]);
    const hashFile = await shippedHasher(dir);
    // Warm the page cache and the worker's loader once, for both sides alike.
    sha512sumSeconds(file);
    await hashFile(file);

    // Lateness of a 5 ms timer on the main thread while the check runs (what a scan waits at worst).
    const lags: number[] = [];
    const sampleLag = () => {
      let last = performance.now();
      const timer = setInterval(() => {
        const now = performance.now();
        lags.push(Math.max(0, now - last - 5));
        last = now;
      }, 5);
      return () => clearInterval(timer);
    };
    const booth: number[] = [];
    const ref: number[] = [];
    for (let round = 0; round < 3; round++) {
      ref.push(sha512sumSeconds(file));
      const stopSampling = sampleLag();
      const started = process.hrtime.bigint();
      const verified = verifyManifest(manifest, [key.pinned]);
      if (!verified.ok) throw new Error(verified.refusal.message);
      const match = matchesRelease(await hashFile(file), verified.release);
      if (!match.ok) throw new Error(match.message);
      booth.push(Number(process.hrtime.bigint() - started) / 1e9);
      stopSampling();
    }
    const mbps = (seconds: number) => Math.round((bytes / MB / seconds) * 10) / 10;
    benchLine(withRef({ bench: 'update.verify', value: mbps(median(booth)), unit: 'MB/s', better: 'higher', ref: 'sha512sum', refValue: mbps(median(ref)), n: bytes / MB }));
    benchLine({ bench: 'update.verify_lag.p99', value: Math.round(percentile([...lags].sort((a, b) => a - b), 99) * 10) / 10, unit: 'ms', better: 'lower', n: lags.length });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** ./update-host.ts in its own process, serving `dir` (manifest.json and the release file). */
async function startUpdateHost(dir: string): Promise<{ baseUrl: string; ca: string; close(): Promise<void> }> {
  const child = spawnInGroup(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'update-host.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const close = () => stopGroup(child);
  const ready = await new Promise<{ baseUrl: string; ca: string }>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('update-host: ')) resolve(JSON.parse(line.slice('update-host: '.length)) as { baseUrl: string; ca: string });
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`update host exited (${code})`)));
  }).catch(async (error: unknown) => {
    await close();
    throw error;
  });
  return { ...ready, close };
}

async function scanDuringDownload(): Promise<void> {
  await withTeardown(async (teardown) => {
    const bytes = (quick ? 20 : 200) * MB;
    const tickets = quick ? 2_000 : 20_000;
    const baselineScans = quick ? 100 : 400;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'booth-bench-update-scan-'));
    teardown.add('scratch folder', () => fs.rmSync(dir, { recursive: true, force: true }));

    progress(`update.scan_during_download: a ${bytes / MB} MB release, ${tickets} tickets`);
    const releaseDir = path.join(dir, 'release');
    fs.mkdirSync(releaseDir);
    const sha512 = makeFile(path.join(releaseDir, 'Booth-9.9.9-arm64.AppImage'), bytes);
    const key = testKey();
    const release = testRelease({ version: '9.9.9', size: bytes, sha512, releasedAt: new Date().toISOString(), expiresAt: '2099-01-01T00:00:00.000Z' });
    fs.writeFileSync(path.join(releaseDir, 'manifest.json'), signedManifest(release, [key]));
    const host = await startUpdateHost(releaseDir);
    teardown.add('update host', () => host.close());
    const hashFile = await shippedHasher(dir);

    // A gate kiosk with its tickets (the running version below the release's).
    const kioskDir = path.join(dir, 'kiosk');
    fs.mkdirSync(kioskDir);
    const today = venueDate(new Date(), 'Asia/Jakarta');
    const ref = (n: number) => `${today.replaceAll('-', '')}-${String(n).padStart(6, '0')}`;
    const store = await openStore({ file: path.join(kioskDir, 'booth.db'), log: memoryLogger() });
    const insert = store.db.prepare('INSERT INTO tickets (reference, booking_date, raw_json, downloaded_at, last_download_id) VALUES (?, ?, ?, ?, 1)');
    store.db.transaction(() => {
      for (let i = 1; i <= tickets; i++) insert.run(ref(i), today, JSON.stringify({ bookingDate: today, referenceNo: ref(i), attractions: { A: { pax: 4, used: 0 } } }), new Date().toISOString());
    })();
    store.close();
    const config = configSchema.parse({
      modules: ['gate'],
      timeZone: 'Asia/Jakarta',
      api: { baseUrl: 'http://127.0.0.1:9/api/' },
      services: { syncEnabled: false, fetchEnabled: false, probeIntervalSeconds: 3600 },
      gate: { attraction: 'A', duplicateScanSeconds: 0 },
      updates: { baseUrl: host.baseUrl },
    });
    const platform = { version: '0.1.0', isPackaged: false, dataDir: kioskDir, clock: systemClock, fetch: (input: string, init?: RequestInit) => fetch(input, init), log: memoryLogger() };
    // Not started: no job runs by itself; the bench runs the check.
    const kiosk = await createKiosk(config, platform, { configPath: null, updates: { pinnedKeys: [key.pinned], ca: host.ca, arch: 'arm64', hashFile, install: () => undefined } });
    teardown.add('kiosk', () => kiosk.stop());

    /** One customer's scan to its decision on the kiosk's handler path; the choice is then cancelled (not timed). */
    let next = 0;
    const scan = async (): Promise<number> => {
      const code = ref(1 + (next++ % tickets));
      const started = performance.now();
      const result = await kiosk.handlers.invoke('gate:scan', { code, source: 'keyboard' });
      const ms = performance.now() - started;
      if (!result.ok || (result.value as { kind: string }).kind !== 'valid') throw new Error(`ticket ${code} not valid: ${JSON.stringify(result)}`);
      await kiosk.handlers.invoke('gate:cancel', { scanId: (result.value as { scanId: string }).scanId });
      return ms;
    };
    const pause = () => new Promise((resolve) => setTimeout(resolve, 10));
    for (let i = 0; i < 50; i++) await scan(); // warm-up

    const baseline: number[] = [];
    for (let i = 0; i < baselineScans; i++) {
      baseline.push(await scan());
      await pause();
    }

    const during: number[] = [];
    let done = false;
    const started = performance.now();
    const check = kiosk.runJob('updates.check').finally(() => (done = true));
    while (!done) {
      during.push(await scan());
      await pause();
    }
    await check;
    const downloadSeconds = (performance.now() - started) / 1000;
    const status = await kiosk.handlers.invoke('updates:status', {});
    const staged = status.ok ? (status.value as UpdatesStatus).staged : null;
    if (staged?.version !== '9.9.9') throw new Error(`the release was not staged: ${JSON.stringify(status)}`);

    const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
    const round = (ms: number) => Math.round(ms * 100) / 100;
    for (const p of [50, 99]) {
      benchLine(
        withRef({
          bench: `update.scan_during_download.p${p}`,
          value: round(percentile(sorted(during), p)),
          unit: 'ms',
          better: 'lower',
          ref: 'same-scans-no-download',
          refValue: round(percentile(sorted(baseline), p)),
          n: during.length,
        }),
      );
    }
    benchLine({ bench: 'update.download', value: Math.round((bytes / MB / downloadSeconds) * 10) / 10, unit: 'MB/s', better: 'higher', n: bytes / MB });
  });
}

export const updateBenches: Readonly<Record<string, () => Promise<void>>> = {
  'update.verify': verify,
  'update.scan_during_download': scanDuringDownload,
};
