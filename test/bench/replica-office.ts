/**
 * The office side's figures (../shared/BENCHMARKS.md):
 * - replica.apply (two lines: ref sqlite-… and postgres-…): changes per second applied
 *   by the replica's store as the follower applies them (pages of 1000
 *   changes, each page one transaction with the cursor), against a raw bulk
 *   insert of the same rows into the same database (one plain table, one
 *   transaction, no cursor);
 * - replica.live.p50 / .p99: ms from a commit on the kiosk to the row
 *   readable in the replica (SQLite), the replica following its live socket.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { hashApiKey } from '../../main/api';
import { systemClock } from '../../main/clock';
import { configSchema } from '../../main/config';
import { createKiosk } from '../../main/kiosk';
import { memoryLogger } from '../../main/log';
import { createReplica, replicaConfigSchema } from '../../main/replica';
import { openPostgresReplica } from '../../main/replica/pg-store';
import { openSqliteReplica } from '../../main/replica/sqlite-store';
import type { Change, ReplicaStore, Row } from '../../main/replica/store';
import { startPostgres } from '../support/postgres';
import { withTeardown } from '../support/process-group';
import { benchLine, percentile, progress, quick, withRef } from './format';

const KEY = 'bench-key-0123456789abcdefghijklmnopqrstuvwxyz';
const scratch = () => fs.mkdtempSync(path.join(os.tmpdir(), 'booth-bench-office-'));
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
const PAGE = 1000;

function admissionRows(n: number): Row[] {
  const at = new Date().toISOString();
  return Array.from({ length: n }, (_, i) => ({
    id: `0190a5c3-0000-7000-8000-${String(i).padStart(12, '0')}`,
    reference: `20261129-${String(i % 1000).padStart(6, '0')}`,
    attraction: 'A',
    persons: 1 + (i % 4),
    kiosk_id: 'bench',
    acked_seq: i,
    included: 1,
    test: 0,
    at,
    created_at: at,
    updated_at: at,
  }));
}

/** Applies `rows` as the follower does: pages of PAGE changes, each with its cursor. */
async function applyPages(store: ReplicaStore, rows: Row[]): Promise<number> {
  const load = await store.fullLoad('bench');
  await load.commit({ seq: 0, schemaVersion: '1', tables: ['admissions'], fullExportAt: new Date().toISOString() });
  const start = process.hrtime.bigint();
  for (let i = 0; i < rows.length; i += PAGE) {
    const changes: Change[] = rows.slice(i, i + PAGE).map((row) => ({ table: 'admissions', id: row.id as string, row }));
    if (!(await store.apply('bench', i, i + changes.length, changes))) throw new Error('cursor moved');
  }
  return seconds(start);
}

async function benchApplySqlite() {
  await withTeardown(async (teardown) => {
    const n = quick ? 10_000 : 100_000;
    const dir = scratch();
    teardown.add('scratch folder', () => fs.rmSync(dir, { recursive: true, force: true }));
    progress(`replica.apply.sqlite: ${n} changes`);
    const rows = admissionRows(n);
    const store = openSqliteReplica(path.join(dir, 'replica.db'), memoryLogger());
    teardown.add('store', () => store.close());
    const applied = await applyPages(store, rows);
    // The reference: the same rows into a plain table of the same kind of file, one transaction.
    const db = new Database(path.join(dir, 'raw.db'));
    teardown.add('raw db', () => db.close());
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE raw (id TEXT PRIMARY KEY, row TEXT NOT NULL) WITHOUT ROWID');
    const insert = db.prepare('INSERT INTO raw (id, row) VALUES (?, ?)');
    const start = process.hrtime.bigint();
    db.transaction(() => {
      for (const row of rows) insert.run(row.id, JSON.stringify(row));
    })();
    const raw = seconds(start);
    benchLine(withRef({ bench: 'replica.apply', value: Math.round(n / applied), unit: 'changes/s', better: 'higher', ref: 'sqlite-raw-bulk-insert', refValue: Math.round(n / raw), n }));
  });
}

async function benchApplyPostgres() {
  await withTeardown(async (teardown) => {
    const n = quick ? 10_000 : 100_000;
    progress(`replica.apply.postgres: ${n} changes (a throwaway cluster)`);
    const server = await startPostgres();
    teardown.add('postgres', () => server.stop());
    await server.createDatabase('bench');
    const rows = admissionRows(n);
    const store = await openPostgresReplica({ kind: 'postgres', connectionString: server.url('bench'), schema: 'booth_replica' }, memoryLogger());
    teardown.add('store', () => store.close());
    const applied = await applyPages(store, rows);
    const client = new pg.Client({ connectionString: server.url('bench') });
    await client.connect();
    teardown.add('client', () => client.end());
    await client.query('CREATE TABLE raw (id text PRIMARY KEY, row json NOT NULL)');
    const start = process.hrtime.bigint();
    await client.query('BEGIN');
    for (let i = 0; i < rows.length; i += PAGE) {
      const chunk = rows.slice(i, i + PAGE);
      const values = chunk.flatMap((row) => [row.id, JSON.stringify(row)]);
      await client.query(`INSERT INTO raw (id, row) VALUES ${chunk.map((_, j) => `($${2 * j + 1}, $${2 * j + 2}::json)`).join(', ')}`, values);
    }
    await client.query('COMMIT');
    const raw = seconds(start);
    benchLine(withRef({ bench: 'replica.apply', value: Math.round(n / applied), unit: 'changes/s', better: 'higher', ref: 'postgres-raw-bulk-insert', refValue: Math.round(n / raw), n }));
  });
}

async function benchLive() {
  await withTeardown(async (teardown) => {
    const samples = quick ? 50 : 300;
    const dir = scratch();
    teardown.add('scratch folder', () => fs.rmSync(dir, { recursive: true, force: true }));
    progress(`replica.live: ${samples} commits, each timed until readable in the replica`);
    const config = configSchema.parse({
      modules: ['gate'],
      api: { baseUrl: 'http://127.0.0.1:9/api/' },
      services: { syncEnabled: false, fetchEnabled: false, probeIntervalSeconds: 3600 },
      lanApi: { enabled: true, port: 0, apiKeyHashes: [hashApiKey(KEY)], rateLimitPerMinute: 100_000 },
    });
    const kioskDir = path.join(dir, 'kiosk');
    fs.mkdirSync(kioskDir);
    const kiosk = await createKiosk(config, { version: 'bench', isPackaged: false, dataDir: kioskDir, clock: systemClock, fetch: (i, init) => fetch(i, init), log: memoryLogger() }, { configPath: null });
    teardown.add('kiosk', () => kiosk.stop());
    kiosk.start();
    await kiosk.lanApi!.start();
    const port = kiosk.lanApi!.address()!.port;
    const replicaFile = path.join(dir, 'replica.db');
    const replica = await createReplica(
      replicaConfigSchema.parse({
        kiosks: [{ id: 'bench', url: `https://127.0.0.1:${port}`, apiKey: KEY, fingerprint: kiosk.lanApi!.status().fingerprint! }],
        store: { kind: 'sqlite', file: replicaFile },
        http: { port: 0 },
      }),
      memoryLogger(),
    );
    teardown.add('replica', () => replica.stop());
    await replica.start();
    const waitFor = async (ok: () => boolean, what: string) => {
      const deadline = Date.now() + 20_000;
      while (!ok()) {
        if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
        await new Promise((r) => setImmediate(r));
      }
    };
    await waitFor(() => replica.statuses()[0]!.live, 'the live stream');
    // Read as an office tool reads the replica: its own connection to the file.
    const reader = new Database(replicaFile, { readonly: true });
    teardown.add('reader', () => reader.close());
    const find = reader.prepare("SELECT 1 FROM replica_rows WHERE kiosk_id = 'bench' AND table_name = 'admissions' AND id = ?").pluck();
    const insert = kiosk.store.db.prepare("INSERT INTO admissions (id, reference, attraction, persons, kiosk_id, at) VALUES (?, 'REF', 'A', 1, 'k', ?)");
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const id = `live-${i}`;
      const start = process.hrtime.bigint();
      insert.run(id, new Date().toISOString());
      await waitFor(() => find.get(id) !== undefined, `row ${id}`);
      times.push(seconds(start) * 1000);
      await new Promise((r) => setTimeout(r, 10 + Math.random() * 30));
    }
    const sorted = [...times].sort((a, b) => a - b);
    benchLine({ bench: 'replica.live.p50', value: Math.round(percentile(sorted, 50) * 10) / 10, unit: 'ms', better: 'lower', n: samples });
    benchLine({ bench: 'replica.live.p99', value: Math.round(percentile(sorted, 99) * 10) / 10, unit: 'ms', better: 'lower', n: samples });
  });
}

export const officeReplicaBenches = {
  'replica.apply.sqlite': benchApplySqlite,
  'replica.apply.postgres': benchApplyPostgres,
  'replica.live': benchLive,
} as const;
