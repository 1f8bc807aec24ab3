/**
 * The gate's figures (../shared/BENCHMARKS.md): lookup, admit, import (100k
 * and 1M), import_lag, upload. Each against a reference measured in the same run.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { systemClock, venueDate } from '../../main/clock';
import { configSchema } from '../../main/config';
import { createImportRunner } from '../../main/gate/import-runner';
import { createTicketLookup } from '../../main/gate/lookup';
import { createKiosk } from '../../main/kiosk';
import { createLogger, memoryLogger } from '../../main/log';
import type { Platform } from '../../main/platform';
import { openStore } from '../../main/store';
import { withTeardown } from '../support/process-group';
import { benchLine, progress, quick, withRef } from './format';
import { benchScanToScreen } from './scan-to-screen';
import { startSimProcess } from './sim-process';

const root = path.resolve(import.meta.dirname, '../..');
const TODAY = venueDate(new Date(), 'Asia/Jakarta');
const ref = (n: number) => `${TODAY.replaceAll('-', '')}-${String(n).padStart(6, '0')}`;
const scratch = () => fs.mkdtempSync(path.join(os.tmpdir(), 'booth-bench-gate-'));
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;

/** Fills a store with `count` tickets directly (setup, not measured). */
async function filledStore(dir: string, count: number) {
  const store = await openStore({ file: path.join(dir, 'booth.db'), log: memoryLogger() });
  const insert = store.db.prepare('INSERT INTO tickets (reference, booking_date, raw_json, downloaded_at, last_download_id) VALUES (?, ?, ?, ?, 1)');
  const now = new Date().toISOString();
  for (let start = 0; start < count; start += 50_000) {
    store.db.transaction(() => {
      for (let i = start; i < Math.min(count, start + 50_000); i++) {
        const reference = ref(i + 1);
        const raw = JSON.stringify({ bookingDate: TODAY, referenceNo: reference, attractions: { A: { pax: 4, used: i % 3 }, B: { pax: 2, used: 0 } } });
        insert.run(reference, TODAY, raw, now);
      }
    })();
  }
  return store;
}

function platformFor(dir: string, level: 'info' | 'warn' = 'info'): Platform {
  return {
    version: 'bench',
    isPackaged: false,
    dataDir: dir,
    clock: systemClock,
    fetch: (input, init) => fetch(input, init),
    log: createLogger({ file: path.join(dir, 'booth.log'), level, maxSizeBytes: 10 * 1024 * 1024, backupCount: 5 }),
  };
}

async function benchLookup() {
  await withTeardown(async (teardown) => {
    const tickets = quick ? 20_000 : 1_000_000;
    const lookups = quick ? 20_000 : 300_000;
    const dir = scratch();
    teardown.add('scratch folder', () => fs.rmSync(dir, { recursive: true, force: true }));
    progress(`gate.lookup: ${tickets} tickets`);
    const store = await filledStore(dir, tickets);
    teardown.add('store', () => store.close());
    const lookup = createTicketLookup(store.db, { attraction: 'A', kioskName: 'Bench', validDaysBefore: 0, validDaysAfter: 0, log: memoryLogger() });
    const raw = store.db.prepare('SELECT * FROM tickets WHERE reference = ?');
    const refs = Array.from({ length: lookups }, (_, i) => ref(1 + ((i * 7919) % tickets)));
    const context = { testMode: false, today: TODAY, lastDownloadAt: null };
    for (let i = 0; i < 2_000; i++) {
      raw.get(refs[i]!);
      lookup.decide(refs[i]!, false, context);
    }
    let start = process.hrtime.bigint();
    for (const r of refs) raw.get(r);
    const refRate = lookups / seconds(start);
    start = process.hrtime.bigint();
    let valid = 0;
    for (const r of refs) if (lookup.decide(r, false, context).decision.kind === 'valid') valid++;
    const rate = lookups / seconds(start);
    if (valid === 0) throw new Error('no VALID decision: the bench data is wrong');
    benchLine(withRef({ bench: 'gate.lookup', value: Math.round(rate), unit: 'decisions/s', better: 'higher', ref: 'raw-sqlite-select-by-pk', refValue: Math.round(refRate), n: tickets }));
  });
}

async function benchAdmit() {
  await withTeardown(async (teardown) => {
    const count = quick ? 200 : 2_000;
    const dir = scratch();
    teardown.add('scratch folder', () => fs.rmSync(dir, { recursive: true, force: true }));
    progress(`gate.admit: ${count} admissions`);
    const block = 100;
    (await filledStore(dir, count + block)).close();
    const config = configSchema.parse({
      modules: ['gate'],
      api: { baseUrl: 'http://127.0.0.1:9/api/' },
      services: { syncEnabled: false, fetchEnabled: false, probeIntervalSeconds: 3600 },
      gate: { attraction: 'A', duplicateScanSeconds: 0 },
    });
    const kiosk = await createKiosk(config, platformFor(dir), { configPath: null });
    teardown.add('kiosk', () => kiosk.stop());
    const admitOne = async (n: number) => {
      const scan = await kiosk.handlers.invoke('gate:scan', { code: ref(n), source: 'keyboard' });
      if (!scan.ok || (scan.value as { kind: string }).kind !== 'valid') throw new Error(`ticket ${n} not valid`);
      const admitted = await kiosk.handlers.invoke('gate:admit', { scanId: (scan.value as { scanId: string }).scanId, persons: 1 });
      if (!admitted.ok || (admitted.value as { status: string }).status !== 'admitted') throw new Error('not admitted');
    };
    // The reference: one durable row per commit, same pragmas, same disk. Both
    // are timed in alternating blocks: this figure is mostly fsync, whose latency
    // drifts by 2x within seconds on a shared disk, so both must see the same
    // moments. The first block of each warms up (JIT) and is not timed.
    const db = new Database(path.join(dir, 'reference.db'));
    teardown.add('reference database', () => db.close());
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, reference TEXT, persons INTEGER, at TEXT) STRICT');
    const insert = db.prepare('INSERT INTO t VALUES (?, ?, ?, ?)');
    let admitSeconds = 0;
    let refSeconds = 0;
    for (let first = 1; first <= count + block; first += block) {
      const last = Math.min(count + block, first + block - 1);
      const timed = first > block;
      let start = process.hrtime.bigint();
      for (let n = first; n <= last; n++) await admitOne(n);
      if (timed) admitSeconds += seconds(start);
      start = process.hrtime.bigint();
      for (let n = first; n <= last; n++) insert.run(`id-${n}`, ref(n), 1, new Date().toISOString());
      if (timed) refSeconds += seconds(start);
    }
    const rate = count / admitSeconds;
    const refRate = count / refSeconds;
    benchLine(withRef({ bench: 'gate.admit', value: Math.round(rate), unit: 'admissions/s', better: 'higher', ref: 'raw-sqlite-insert-commit', refValue: Math.round(refRate), n: count }));
  });
}

/** The bare minimum of a download: fetch, JSON.parse, one bulk insert in one transaction. */
async function referenceImport(url: string, dir: string): Promise<number> {
  const db = new Database(path.join(dir, 'reference.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE tickets (reference TEXT PRIMARY KEY, booking_date TEXT NOT NULL, raw_json TEXT NOT NULL) STRICT');
  const insert = db.prepare('INSERT INTO tickets VALUES (?, ?, ?)');
  const start = process.hrtime.bigint();
  const records = (await (await fetch(url)).json()) as { referenceNo: string; bookingDate: string }[];
  db.transaction(() => {
    for (const r of records) insert.run(r.referenceNo, r.bookingDate, JSON.stringify(r));
  })();
  const elapsed = seconds(start);
  db.close();
  return records.length / elapsed;
}

/**
 * The import worker as the app ships it (bundled, not transpiled by tsx at
 * start-up), built from the current sources for this run: never a stale dist/.
 * Inside node_modules so that the bundle finds its native modules.
 */
function buildImportWorker(): string {
  const out = path.join(root, 'node_modules/.cache/booth-bench');
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--main-only', '--quiet', '--out', out], { stdio: ['ignore', 'ignore', 'inherit'] });
  return path.join(out, 'main/gate-import-worker.cjs');
}

async function benchImport() {
  const sizes = quick ? [10_000, 50_000] : [100_000, 1_000_000];
  const runImport = createImportRunner(buildImportWorker());
  for (const n of sizes) {
    await withTeardown(async (teardown) => {
      progress(`gate.import: ${n} tickets`);
      const sim = await startSimProcess(['--tickets', String(n)]);
      teardown.add('cloud simulator', () => sim.close());
      const dir = scratch();
      teardown.add('scratch folder', () => fs.rmSync(dir, { recursive: true, force: true }));
      const url = `${sim.apiUrl}bookings/summary`;
      await (await fetch(url)).arrayBuffer(); // the simulator builds its body once
      const refRate = await referenceImport(url, dir);

      const config = configSchema.parse({
        modules: ['gate'],
        api: { baseUrl: sim.apiUrl, timeoutSeconds: 300 },
        services: { syncEnabled: false, probeIntervalSeconds: 3600, fetchIntervalSeconds: 86_400 },
        gate: { attraction: 'A' },
      });
      const kioskDir = path.join(dir, 'kiosk');
      const kiosk = await createKiosk(config, platformFor(kioskDir, 'warn'), { configPath: null, gate: { runImport } });
      teardown.add('kiosk', () => kiosk.stop());
      const lag = monitorEventLoopDelay({ resolution: 5 });
      lag.enable();
      const start = process.hrtime.bigint();
      await kiosk.runJob('gate.sync');
      const elapsed = seconds(start);
      lag.disable();
      const stored = (kiosk.store.db.prepare('SELECT COUNT(*) AS n FROM tickets').get() as { n: number }).n;
      if (stored !== n) throw new Error(`imported ${stored} of ${n}`);
      benchLine(withRef({ bench: 'gate.import', value: Math.round(n / elapsed), unit: 'tickets/s', better: 'higher', ref: 'fetch-parse-bulk-insert', refValue: Math.round(refRate), n }));
      if (n === sizes.at(-1)) {
        benchLine({ bench: 'gate.import_lag', value: Math.round((lag.percentile(99) / 1e6) * 10) / 10, unit: 'ms', better: 'lower', n });
      }
    });
  }
}

async function benchUpload() {
  const count = quick ? 200 : 2_000;
  const concurrency = 4;
  progress(`gate.upload: ${count} usage records`);
  await withTeardown(async (teardown) => {
    const warmUp = count * 3;
    const sim = await startSimProcess(['--tickets', String(count * 2 + warmUp)]);
    teardown.add('cloud simulator', () => sim.close());
    const dir = scratch();
    teardown.add('scratch folder', () => fs.rmSync(dir, { recursive: true, force: true }));
    const config = configSchema.parse({
      modules: ['gate'],
      api: { baseUrl: sim.apiUrl, retryAttempts: 0 },
      services: { fetchEnabled: false, probeIntervalSeconds: 3600, syncIntervalSeconds: 3600 },
      sync: { concurrency },
      gate: { attraction: 'A' },
    });
    // Records queued while offline (sync disabled), then drained.
    const queueing = await createKiosk({ ...config, services: { ...config.services, syncEnabled: false } }, platformFor(dir, 'warn'), { configPath: null });
    teardown.add('queueing kiosk', () => queueing.stop());
    const body = (n: number, id: string) => ({
      bookingDate: TODAY,
      referenceNo: ref(n),
      attractions: { A: { pax: 4, used: 1 } },
      admissions: [{ id, attraction: 'A', persons: 1, at: new Date().toISOString() }],
    });
    queueing.store.db.transaction(() => {
      const outbox = queueing.store.db.prepare(
        "INSERT INTO outbox (kind, order_key, idempotency_key, payload, state, created_at) VALUES ('gate.usage', ?, ?, ?, 'pending', ?)",
      );
      for (let n = 1; n <= count; n++) outbox.run(`ticket:${ref(n)}`, `key-${n}`, JSON.stringify(body(n, `adm-${n}`)), new Date().toISOString());
    })();
    await queueing.stop();

    // The reference: the same number of plain POSTs, same concurrency, other tickets.
    const url = `${sim.apiUrl}bookings/update-used`;
    const plainPosts = async (first: number, last: number) => {
      let next = first;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next <= last) {
            const n = next++;
            const response = await fetch(url, {
              method: 'POST',
              headers: { 'Content-Type': 'application/json', 'Idempotency-Key': `ref-key-${n}` },
              body: JSON.stringify(body(n, `ref-adm-${n}`)),
            });
            await response.arrayBuffer();
          }
        }),
      );
    };
    // Not measured: the HTTP client (undici) and the simulator take some 5000
    // requests to reach their steady speed (JIT: 0.9 ms a POST at first, 0.25 ms
    // after), which the figure measured first would otherwise pay alone. A kiosk
    // that has run for a while is warm.
    await plainPosts(count * 2 + 1, count * 2 + warmUp);

    const kiosk = await createKiosk(config, platformFor(dir, 'warn'), { configPath: null });
    teardown.add('kiosk', () => kiosk.stop());
    let start = process.hrtime.bigint();
    kiosk.start();
    for (;;) {
      const status = await kiosk.handlers.invoke('sync:status', {});
      if (status.ok && (status.value as { pending: number }).pending === 0) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    const rate = count / seconds(start);
    await kiosk.stop();

    start = process.hrtime.bigint();
    await plainPosts(count + 1, count * 2);
    const refRate = count / seconds(start);
    benchLine(withRef({ bench: 'gate.upload', value: Math.round(rate), unit: 'records/s', better: 'higher', ref: 'plain-http-posts', refValue: Math.round(refRate), n: count }));
  });
}

/** The gate's benches in the order the suite runs them, by the name of their figure. */
export const gateBenches: Readonly<Record<string, () => Promise<void>>> = {
  'gate.lookup': benchLookup,
  'gate.admit': benchAdmit,
  'gate.import': benchImport,
  'gate.upload': benchUpload,
  'gate.scan_to_screen': benchScanToScreen,
};
