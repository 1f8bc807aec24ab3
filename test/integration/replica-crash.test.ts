/**
 * `booth replica` as a process of its own, killed (SIGKILL, as a power cut)
 * in the middle of applying live changes: its SQLite file holds the rows
 * and cursor of before that transaction, and the next start resumes from
 * that cursor, without a gap or a second full export.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnInGroup, stopGroup } from '../support/process-group';
import { kioskSource, normalised, replicaKiosk, until } from '../support/replica';
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
