/**
 * The replication figures (../shared/BENCHMARKS.md), the kiosk's side:
 * - replica.full_export: rows/s of GET /api/sync/full-export over HTTPS,
 *   100k rows, read by a client pinning the certificate; the reference is
 *   `SELECT *` + `JSON.stringify` of the same rows in one process.
 * - with 1M rows, while the gate keeps admitting: the kiosk's RSS growth
 *   (replica.export_rss, < 50 MB), its event-loop delay p99
 *   (replica.export_lag, ≤ 50 ms) and the admissions' time p99 during the
 *   export (replica.export_admit.p99).
 * The client runs in the kiosk's process and throws each chunk away as it
 * arrives, so what grows is the kiosk's.
 */
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import tls from 'node:tls';
import { once } from 'node:events';
import { hashApiKey } from '../../main/api';
import { systemClock, venueDate } from '../../main/clock';
import { configSchema } from '../../main/config';
import { createKiosk } from '../../main/kiosk';
import { createLogger, memoryLogger } from '../../main/log';
import type { Platform } from '../../main/platform';
import { openStore } from '../../main/store';
import { withTeardown } from '../support/process-group';
import { benchLine, percentile, progress, quick, withRef } from './format';
import { officeReplicaBenches } from './replica-office';

const KEY = 'bench-key-0123456789abcdefghijklmnopqrstuvwxyz';
const TODAY = venueDate(new Date(), 'Asia/Jakarta');
const ref = (n: number) => `${TODAY.replaceAll('-', '')}-${String(n).padStart(6, '0')}`;
const scratch = () => fs.mkdtempSync(path.join(os.tmpdir(), 'booth-bench-replica-'));
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

/** A store with `rows` admissions (through the feed's triggers, as the gate writes them) and `tickets` tickets. */
async function filledStore(dir: string, rows: number, tickets: number) {
  const store = await openStore({ file: path.join(dir, 'booth.db'), log: memoryLogger() });
  const admit = store.db.prepare('INSERT INTO admissions (id, reference, attraction, persons, kiosk_id, at, acked_seq, included) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const ticket = store.db.prepare('INSERT INTO tickets (reference, booking_date, raw_json, downloaded_at, last_download_id) VALUES (?, ?, ?, ?, 1)');
  const at = new Date().toISOString();
  for (let start = 0; start < rows; start += 50_000) {
    store.db.transaction(() => {
      for (let i = start; i < Math.min(rows, start + 50_000); i++) {
        admit.run(`0190a5c3-0000-7000-8000-${String(i).padStart(12, '0')}`, ref((i % 1000) + 1), 'A', 1 + (i % 4), store.kioskId, at, i, 1);
      }
    })();
  }
  store.db.transaction(() => {
    for (let i = 1; i <= tickets; i++) {
      ticket.run(ref(100_000 + i), TODAY, JSON.stringify({ bookingDate: TODAY, referenceNo: ref(100_000 + i), attractions: { A: { pax: 4, used: 0 } } }), at);
    }
  })();
  return store;
}

function platformFor(dir: string): Platform {
  return {
    version: 'bench',
    isPackaged: false,
    dataDir: dir,
    clock: systemClock,
    fetch: (input, init) => fetch(input, init),
    log: createLogger({ file: path.join(dir, 'booth.log'), level: 'warn', maxSizeBytes: 10 * 1024 * 1024, backupCount: 5 }),
  };
}

async function startKiosk(dir: string) {
  const config = configSchema.parse({
    modules: ['gate'],
    api: { baseUrl: 'http://127.0.0.1:9/api/' },
    services: { syncEnabled: false, fetchEnabled: false, probeIntervalSeconds: 3600 },
    gate: { attraction: 'A', duplicateScanSeconds: 0 },
    lanApi: { enabled: true, port: 0, apiKeyHashes: [hashApiKey(KEY)], rateLimitPerMinute: 100_000 },
  });
  const kiosk = await createKiosk(config, platformFor(dir), { configPath: null });
  kiosk.start();
  await kiosk.lanApi!.start();
  return { kiosk, port: kiosk.lanApi!.address()!.port, fingerprint: kiosk.lanApi!.status().fingerprint! };
}

/** GET the full export as a replica would (pinned certificate, key); each chunk counted and dropped, or kept when asked. */
async function download(port: number, fingerprint: string, keep: boolean): Promise<{ bytes: number; body: string | null }> {
  const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
  await once(socket, 'secureConnect');
  if (socket.getPeerCertificate().fingerprint256 !== fingerprint) throw new Error('certificate fingerprint mismatch');
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, path: '/api/sync/full-export', headers: { 'X-API-Key': KEY }, createConnection: () => socket }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`full export answered ${res.statusCode}`));
      let bytes = 0;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (keep) chunks.push(chunk);
      });
      res.on('end', () => {
        socket.destroy();
        resolve({ bytes, body: keep ? Buffer.concat(chunks).toString('utf8') : null });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function benchFullExport() {
  await withTeardown(async (teardown) => {
    const rows = quick ? 10_000 : 100_000;
    const dir = scratch();
    teardown.add('scratch folder', () => fs.rmSync(dir, { recursive: true, force: true }));
    progress(`replica.full_export: ${rows} rows`);
    (await filledStore(dir, rows, 0)).close();
    const { kiosk, port, fingerprint } = await startKiosk(dir);
    teardown.add('kiosk', () => kiosk.stop());
    // The reference: the same rows read and serialised in one process, no HTTP, no streaming.
    const reference = () => {
      const start = process.hrtime.bigint();
      const all = kiosk.store.db.prepare('SELECT * FROM admissions').all();
      const text = JSON.stringify(all);
      if (text.length === 0) throw new Error('no rows');
      return seconds(start);
    };
    const exported = async () => {
      const start = process.hrtime.bigint();
      await download(port, fingerprint, false);
      return seconds(start);
    };
    reference();
    await exported(); // warm-up: JIT, page cache
    const refTimes: number[] = [];
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      refTimes.push(reference());
      times.push(await exported());
    }
    const { body } = await download(port, fingerprint, true);
    const parsed = JSON.parse(body!) as { counts: { admissions: number } };
    if (parsed.counts.admissions !== rows) throw new Error(`exported ${parsed.counts.admissions} of ${rows}`);
    const best = Math.min(...times);
    const refBest = Math.min(...refTimes);
    benchLine(withRef({ bench: 'replica.full_export', value: Math.round(rows / best), unit: 'rows/s', better: 'higher', ref: 'select-all-json-stringify', refValue: Math.round(rows / refBest), n: rows }));
  });
}

async function benchExportWhileAdmitting() {
  await withTeardown(async (teardown) => {
    const rows = quick ? 50_000 : 1_000_000;
    const dir = scratch();
    teardown.add('scratch folder', () => fs.rmSync(dir, { recursive: true, force: true }));
    progress(`replica.export_rss / export_lag: ${rows} rows exported while the gate admits`);
    (await filledStore(dir, rows, 20_000)).close();
    const { kiosk, port, fingerprint } = await startKiosk(dir);
    teardown.add('kiosk', () => kiosk.stop());
    let next = 100_001;
    const admitOne = async () => {
      const scan = await kiosk.handlers.invoke('gate:scan', { code: ref(next++), source: 'keyboard' });
      if (!scan.ok || (scan.value as { kind: string }).kind !== 'valid') throw new Error('ticket not valid');
      const admitted = await kiosk.handlers.invoke('gate:admit', { scanId: (scan.value as { scanId: string }).scanId, persons: 1 });
      if (!admitted.ok || (admitted.value as { status: string }).status !== 'admitted') throw new Error('not admitted');
    };
    for (let i = 0; i < 50; i++) await admitOne(); // warm-up
    globalThis.gc?.();
    await sleep(200);
    const rssBefore = process.memoryUsage().rss;
    let rssMax = rssBefore;
    const sampler = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 20);
    const lag = monitorEventLoopDelay({ resolution: 5 });
    lag.enable();
    let exporting = true;
    const admitTimes: number[] = [];
    // A customer every 20 ms, for as long as the export runs.
    const admitting = (async () => {
      while (exporting) {
        const start = process.hrtime.bigint();
        await admitOne();
        admitTimes.push(seconds(start) * 1000);
        await sleep(20);
      }
    })();
    const start = process.hrtime.bigint();
    const { bytes } = await download(port, fingerprint, false);
    const elapsed = seconds(start);
    exporting = false;
    await admitting;
    lag.disable();
    clearInterval(sampler);
    const growthMb = (rssMax - rssBefore) / (1024 * 1024);
    progress(`exported ${rows} rows (${Math.round(bytes / 1e6)} MB) in ${elapsed.toFixed(1)} s; ${admitTimes.length} admissions meanwhile`);
    if (admitTimes.length === 0) throw new Error('no admission during the export');
    benchLine({ bench: 'replica.export_rss', value: Math.round(growthMb * 10) / 10, unit: 'MB', better: 'lower', n: rows });
    benchLine({ bench: 'replica.export_lag', value: Math.round((lag.percentile(99) / 1e6) * 10) / 10, unit: 'ms', better: 'lower', n: rows });
    const sorted = [...admitTimes].sort((a, b) => a - b);
    benchLine({ bench: 'replica.export_admit.p99', value: Math.round(percentile(sorted, 99) * 10) / 10, unit: 'ms', better: 'lower', n: admitTimes.length });
  });
}

export const replicaBenches = {
  'replica.full_export': benchFullExport,
  'replica.export_rss': benchExportWhileAdmitting,
  ...officeReplicaBenches,
} as const;
