/**
 * core.start: seconds from process start to "ready" (the headless host's URL
 * line) and the core's RSS, with an empty store and with 1M rows stored.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { memoryLogger } from '../../main/log';
import { openStore } from '../../main/store';
import { spawnInGroup, stopGroup, withTeardown } from '../support/process-group';
import { benchLine, median, progress, quick } from './format';

const root = path.resolve(import.meta.dirname, '../..');

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

async function startOnce(dataDir: string): Promise<{ seconds: number; rss: number }> {
  const started = process.hrtime.bigint();
  const child = spawnInGroup(process.execPath, [path.join(root, 'dist/main/headless.cjs'), '--port', '0', '--quiet', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const seconds = await new Promise<number>((resolve, reject) => {
      const lines = readline.createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        if (line.startsWith('Booth kiosk (headless): ')) resolve(Number(process.hrtime.bigint() - started) / 1e9);
      });
      child.once('exit', (code) => reject(new Error(`headless host exited (${code}): ${stderr}`)));
    });
    // Let start-up work that follows "ready" (first probe, timers) settle before reading RSS.
    await new Promise((r) => setTimeout(r, 300));
    return { seconds, rss: rssMb(child.pid!) };
  } finally {
    await stopGroup(child);
  }
}

async function prepare(rows: number): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'booth-bench-core-'));
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({ kioskName: 'Bench', api: { baseUrl: 'http://127.0.0.1:9/api/' }, services: { probeIntervalSeconds: 3600 }, logging: { level: 'warn' } }),
  );
  const store = await openStore({ file: path.join(dir, 'booth.db'), log: memoryLogger() });
  const insert = store.db.prepare('INSERT INTO bench_scratch (id, payload) VALUES (?, ?)');
  const chunk = 50_000;
  for (let start = 0; start < rows; start += chunk) {
    store.db.transaction(() => {
      for (let i = start; i < Math.min(rows, start + chunk); i++) {
        insert.run(i, `{"referenceNo":"20260101-${String(i).padStart(6, '0')}","attractions":{"A":{"pax":2,"used":0}}}`);
      }
    })();
  }
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  store.close();
  return dir;
}

async function benchStart(): Promise<void> {
  if (!fs.existsSync(path.join(root, 'dist/main/headless.cjs'))) throw new Error('dist/ is missing: run `node scripts/build.mjs` first');
  const sizes = [0, quick ? 20_000 : 1_000_000];
  const runs = quick ? 2 : 5;
  for (const n of sizes) {
    progress(`core.start with ${n} rows: preparing`);
    const results = await withTeardown(async (teardown) => {
      const dir = await prepare(n);
      teardown.add('scratch folder', () => fs.rmSync(dir, { recursive: true, force: true }));
      const measured = [];
      for (let i = 0; i < runs; i++) measured.push(await startOnce(dir));
      return measured;
    });
    benchLine({ bench: 'core.start', value: Math.round(median(results.map((r) => r.seconds)) * 1000) / 1000, unit: 's', better: 'lower', n });
    benchLine({ bench: 'core.rss', value: median(results.map((r) => r.rss)), unit: 'MB', better: 'lower', n });
  }
}

/** core.start prints core.start and core.rss, for both sizes. */
export const coreBenches: Readonly<Record<string, () => Promise<void>>> = { 'core.start': benchStart };
