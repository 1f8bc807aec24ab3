/**
 * update.verify: MB/s of the kiosk's check of a downloaded release (size and
 * SHA-512 in its worker thread, then the manifest's signature), against
 * `sha512sum` of the same file in the same run; and the main event loop's
 * p99 lag meanwhile (a customer scanning must see no delay).
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { createWorkerHasher } from '../../main/updates/hash-runner';
import { matchesRelease } from '../../main/updates/file-check';
import { verifyManifest } from '../../main/updates/verify';
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
    // The worker as the app ships it (bundled, as scripts/build.mjs makes it), from the current sources.
    const workerFile = path.join(dir, 'updates-hash-worker.cjs');
    await build({ entryPoints: [path.resolve(import.meta.dirname, '../../main/updates/hash-worker.ts')], outfile: workerFile, bundle: true, platform: 'node', format: 'cjs', target: 'node22', logLevel: 'error' });
    const hashFile = createWorkerHasher(workerFile);
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

export const updateBenches: Readonly<Record<string, () => Promise<void>>> = {
  'update.verify': verify,
};
