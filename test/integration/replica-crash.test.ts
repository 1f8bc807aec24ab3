/**
 * `booth replica` as a process of its own, killed (SIGKILL, as a power cut)
 * in the middle of applying live changes: its SQLite file holds the rows
 * and cursor of before that transaction, and the next start resumes from
 * that cursor, without a gap or a second full export. And the real kiosk
 * (the built headless host) killed in the middle of the replica's first full
 * export: nothing of it committed, the next export after the kiosk's restart
 * complete, then followed, row by row the kiosk's.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { hashApiKey, readFingerprint } from '../../main/api';
import { resolveTables } from '../../main/replication/tables';
import { CURRENT_SEQ_SQL } from '../../main/replication/triggers';
import type { Row } from '../../main/replica/store';
import { replicatedTables } from '../../main/store/migrations';
import { startHeadless } from '../support/headless';
import { spawnInGroup, stopGroup } from '../support/process-group';
import { expectSameRows, kioskSource, normalised, REPLICA_KEY, replicaKiosk, until } from '../support/replica';
import { tempDir } from '../support/temp';

const root = path.resolve(import.meta.dirname, '../..');
const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.stop();
});

function startReplicaProcess(configFile: string, env: NodeJS.ProcessEnv = {}) {
  const child = spawnInGroup(process.execPath, ['--import', 'tsx', path.join(root, 'main/cli/replica.ts'), '--config', configFile], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  running.push({ stop: () => stopGroup(child) });
  return { child, exited, output: () => output };
}

function readReplica(file: string) {
  if (!fs.existsSync(file)) return null;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const cursor = db.prepare("SELECT seq FROM replica_kiosks WHERE kiosk_id = 'gate-a'").pluck().get() as number | undefined;
    const rows = (db.prepare("SELECT row FROM replica_rows WHERE kiosk_id = 'gate-a' AND table_name = 'admissions'").pluck().all() as string[]).map((r) => JSON.parse(r) as Record<string, unknown>);
    return { cursor: cursor ?? null, rows };
  } catch {
    return null; // not made yet
  } finally {
    db.close();
  }
}

describe('booth replica killed mid-apply', () => {
  it('resumes from the cursor of its last committed transaction, without gaps or a second full export', async () => {
    const k = await replicaKiosk();
    running.push(k.kiosk);
    for (let i = 0; i < 10; i++) k.admit(`before-${i}`);
    const dir = tempDir();
    const configFile = path.join(dir, 'replica.json');
    const storeFile = path.join(dir, 'replica.db');
    fs.writeFileSync(configFile, JSON.stringify({ kiosks: [kioskSource(k)], store: { kind: 'sqlite', file: 'replica.db' }, syncIntervalSeconds: 1, http: { port: 0 } }));

    const first = startReplicaProcess(configFile, { BOOTH_CRASH_AT: 'replica.apply.in-transaction' });
    const exported = await until('the full export', () => {
      const now = readReplica(storeFile);
      return now?.cursor != null ? now : null;
    }, 20_000);
    expect(exported.rows).toHaveLength(10);
    const exportedSeq = exported.cursor;
    k.db.transaction(() => {
      for (let i = 0; i < 50; i++) k.admit(`during-${i}`);
    })();
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(first.output()).toContain('crash point reached: replica.apply.in-transaction');
    // Nothing of the killed transaction is there: the rows and the cursor of before.
    const after = readReplica(storeFile)!;
    expect(after.cursor).toBe(exportedSeq);
    expect(after.rows).toHaveLength(10);

    for (let i = 0; i < 5; i++) k.admit(`while-down-${i}`);
    const second = startReplicaProcess(configFile);
    const want = () => JSON.stringify(normalised({ admissions: k.rowsNow().admissions! }));
    await until('the replica to catch up', () => {
      const now = readReplica(storeFile);
      return now && now.cursor === k.feed.seq() && JSON.stringify(normalised({ admissions: now.rows })) === want();
    }, 20_000);
    expect(second.output()).not.toContain('Full sync completed');
    expect(first.output()).toContain('Full sync completed: 10 records');
  });
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Every replicated row of the kiosk's database, by table, as its feed presents them (read from the file, as any connection would). */
function kioskRows(databaseFile: string): Record<string, Row[]> {
  const db = new Database(databaseFile, { readonly: true, fileMustExist: true });
  try {
    return Object.fromEntries(resolveTables(db, replicatedTables).map((t) => [t.table, db.prepare(`SELECT ${t.selectList} FROM "${t.table}"`).all() as Row[]]));
  } finally {
    db.close();
  }
}

/** The replica's rows of one kiosk by table, and its cursor; null before its store exists. */
function replicaRows(file: string, kioskId: string) {
  if (!fs.existsSync(file)) return null;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const cursor = db.prepare('SELECT seq FROM replica_kiosks WHERE kiosk_id = ?').pluck().get(kioskId) as number | undefined;
    const byTable: Record<string, Row[]> = {};
    for (const { table_name, row } of db.prepare('SELECT table_name, row FROM replica_rows WHERE kiosk_id = ?').all(kioskId) as { table_name: string; row: string }[]) {
      (byTable[table_name] ??= []).push(JSON.parse(row) as Row);
    }
    const staged = db.prepare('SELECT count(*) FROM replica_staging').pluck().get() as number;
    return { cursor: cursor ?? null, byTable, staged };
  } catch {
    return null; // not made yet
  } finally {
    db.close();
  }
}

describe('the kiosk killed mid-export', () => {
  it('leaves the replica with nothing of the cut export; after the restart it exports in full, follows, and holds the kiosk\'s rows', async () => {
    if (!fs.existsSync(path.join(root, 'dist/main/headless.cjs'))) throw new Error('run `node scripts/build.mjs` first');
    const dataDir = tempDir();
    const officeDir = tempDir();
    const kioskConfig = path.join(dataDir, 'config.json');
    const databaseFile = path.join(dataDir, 'booth.db');
    const lanPort = await freePort(); // the same port after the restart, as the replica's config names it
    fs.writeFileSync(
      kioskConfig,
      JSON.stringify({
        kioskName: 'Crash export',
        modules: ['gate'],
        services: { probeIntervalSeconds: 3600 },
        lanApi: { enabled: true, port: lanPort, apiKeyHashes: [hashApiKey(REPLICA_KEY)], rateLimitPerMinute: 100_000 },
        logging: { level: 'warn' },
      }),
    );
    const startKiosk = async (env: NodeJS.ProcessEnv = {}) => {
      const host = await startHeadless({ dataDir, config: kioskConfig, env });
      running.push(host);
      let stderr = '';
      host.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      return { host, stderr: () => stderr };
    };

    const first = await startKiosk({ BOOTH_CRASH_AT: 'replication.export.mid-stream' });
    const fingerprint = await until('the kiosk\'s certificate', () => readFingerprint(dataDir), 20_000);
    // Written as any other connection to the kiosk's database would: the feed's triggers give each its seq.
    const writer = new Database(databaseFile);
    writer.pragma('busy_timeout = 5000');
    const insert = writer.prepare("INSERT INTO admissions (id, reference, attraction, persons, kiosk_id, at) VALUES (?, ?, 'A', 1, 'k', '2026-01-15T03:00:00.000Z')");
    const admit = (id: string) => insert.run(id, `REF-${'x'.repeat(50)}-${id}`);
    try {
      // About 600 KB of export: the kiosk dies with four 64 KB chunks sent, the rest never.
      writer.transaction(() => {
        for (let i = 0; i < 4000; i++) admit(`e${String(i).padStart(5, '0')}`);
      })();

      const configFile = path.join(officeDir, 'replica.json');
      const storeFile = path.join(officeDir, 'replica.db');
      fs.writeFileSync(
        configFile,
        JSON.stringify({
          kiosks: [kioskSource({ port: lanPort, fingerprint }, 'gate-a')],
          store: { kind: 'sqlite', file: 'replica.db' },
          syncIntervalSeconds: 1,
          http: { port: 0 },
        }),
      );
      const replica = startReplicaProcess(configFile);
      expect(await first.host.exited).toEqual({ code: null, signal: 'SIGKILL' });
      expect(first.stderr()).toContain('crash point reached: replication.export.mid-stream');
      // The replica saw the answer end mid-row: nothing of it committed, no cursor (so the next start exports in full again).
      await until('the replica to notice the cut export', () => replica.output().includes('gate-a: sync failed ('), 20_000);
      const cut = replicaRows(storeFile, 'gate-a');
      expect(cut?.cursor ?? null).toBeNull();
      expect(cut?.byTable ?? {}).toEqual({});
      expect(cut?.staged ?? 0).toBe(0); // its staged part dropped too
      expect(replica.output()).not.toContain('Full sync completed');

      // The kiosk comes back on the same data folder (the crash point no longer armed); while it was down, more was written.
      for (let i = 0; i < 5; i++) admit(`while-down-${i}`);
      await startKiosk();
      const exported = await until('the full export after the restart', () => {
        const now = replicaRows(storeFile, 'gate-a');
        return now?.cursor != null ? now : null;
      }, 30_000);
      expect(exported.byTable.admissions).toHaveLength(4005);
      // The line is printed after the commit the rows were read from: it may reach the pipe a moment later.
      await until('the full sync\'s log line', () => /Full sync completed/.test(replica.output()), 10_000);
      expect(replica.output().match(/Full sync completed: \d+ records/g)).toHaveLength(1);

      // Then it follows: inserts, an update and a delete written after the export reach it.
      writer.transaction(() => {
        for (let i = 0; i < 20; i++) admit(`after-${i}`);
        writer.prepare("UPDATE admissions SET persons = 3 WHERE id = 'e00007'").run();
        writer.prepare("DELETE FROM admissions WHERE id = 'e00001'").run();
      })();
      const seqNow = () => writer.prepare(CURRENT_SEQ_SQL).pluck().get() as number;
      await expectSameRows({ rowsNow: () => kioskRows(databaseFile) }, async () => replicaRows(storeFile, 'gate-a')?.byTable ?? {}, 20_000);
      expect(replicaRows(storeFile, 'gate-a')!.byTable.admissions!.map((r) => r.id)).not.toContain('e00001');
      // Following the restarted kiosk's live stream, at its seq, nothing failing.
      const office = /office page at (http:\/\/127\.0\.0\.1:\d+)\//.exec(replica.output())![1]!;
      const status = await until('the replica live again', async () => {
        const body = (await (await fetch(`${office}/office/api/sync-status`)).json()) as { kiosks: { kiosk_id: string; live: boolean; seq: number | null; state: string }[] };
        const gate = body.kiosks.find((k) => k.kiosk_id === 'gate-a')!;
        return gate.live ? gate : null;
      }, 10_000);
      expect(status).toMatchObject({ seq: seqNow(), live: true });
      expect(replica.output().match(/Full sync completed: \d+ records/g)).toHaveLength(1); // followed, not exported again
    } finally {
      writer.close();
    }
  });
});
