/**
 * The replica and the kiosk compared row by row after random changes
 * (inserts, updates, deletes, re-inserts; times in the same millisecond and
 * going backwards) under random faults: the network cut and restored, the
 * replica stopped and started again, the kiosk's feed pruned past the
 * replica's cursor (a full export). 1,500 changes in `npm test`, 10,000 in
 * `npm run soak -- replica` (BOOTH_SOAK=1), into SQLite and PostgreSQL.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pruneFeed } from '../../main/replication/retention';
import { startPostgres, type TestPostgres } from '../support/postgres';
import { cuttableLink, kioskSource, normalised, replicaKiosk, sqliteStore, startReplica, until } from '../support/replica';

const CHANGES = process.env.BOOTH_SOAK === '1' ? 10_000 : 1_500;

let pgServer: TestPostgres;
beforeAll(async () => {
  pgServer = await startPostgres();
}, 60_000);
afterAll(async () => {
  await pgServer?.stop();
});

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.stop();
});

/** A small deterministic PRNG (mulberry32), so a failure can be replayed by its seed. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function fuzz(storeFor: () => Promise<Parameters<typeof startReplica>[0]['store']>, seed: number) {
  const k = await replicaKiosk();
  running.push(k.kiosk);
  const link = await cuttableLink(k.port);
  running.push({ stop: () => link.close() });
  const rand = random(seed);
  const store = await storeFor();
  const source = kioskSource(k, 'gate-a', { url: `https://127.0.0.1:${link.port}` });
  let replica = await startReplica({ kiosks: [source], store });
  let replicaRunning = true;
  const ids: string[] = [];
  let clock = Date.parse('2026-01-15T03:00:00.000Z');
  const faults = { cuts: 0, restarts: 0, prunes: 0 };
  let done = 0;
  while (done < CHANGES) {
    // A transaction of 1 to 20 changes.
    const n = Math.min(CHANGES - done, 1 + Math.floor(rand() * 20));
    k.db.transaction(() => {
      for (let i = 0; i < n; i++) {
        const r = rand();
        // Time: mostly forward, often the same millisecond, sometimes an hour back.
        clock += r < 0.5 ? 0 : r < 0.9 ? Math.floor(rand() * 1000) : -3_600_000;
        const at = new Date(clock).toISOString();
        const pick = () => ids[Math.floor(rand() * ids.length)]!;
        const op = rand();
        if (op < 0.5 || ids.length < 10) {
          const id = `r${done + i}-${seed}`;
          k.admit(id, at, 1 + Math.floor(rand() * 4), `REF-${Math.floor(rand() * 100)}`);
          ids.push(id);
        } else if (op < 0.8) {
          k.db.prepare('UPDATE admissions SET persons = ?, at = ? WHERE id = ?').run(1 + Math.floor(rand() * 9), at, pick());
        } else if (op < 0.95) {
          const id = pick();
          k.db.prepare('DELETE FROM admissions WHERE id = ?').run(id);
          ids.splice(ids.indexOf(id), 1);
        } else {
          // Deleted and inserted again with the same id in one transaction.
          const id = pick();
          k.db.prepare('DELETE FROM admissions WHERE id = ?').run(id);
          k.admit(id, at, 2, 'REF-again');
        }
      }
    })();
    done += n;
    const fault = rand();
    if (fault < 0.02) {
      link.cut();
      faults.cuts++;
      await new Promise((r) => setTimeout(r, rand() * 300));
      link.restore();
    } else if (fault < 0.03 && replicaRunning) {
      await replica.replica.stop();
      replicaRunning = false;
      faults.restarts++;
    } else if (fault < 0.04 && !replicaRunning) {
      replica = await startReplica({ kiosks: [source], store });
      replicaRunning = true;
    } else if (fault < 0.045) {
      await pruneFeed(k.db, k.clock.now(), 0);
      faults.prunes++;
    }
    if (rand() < 0.1) await new Promise((r) => setTimeout(r, 5));
  }
  if (!replicaRunning) replica = await startReplica({ kiosks: [source], store });
  running.push(replica.replica);
  const want = () => JSON.stringify(normalised({ admissions: k.rowsNow().admissions! }));
  await until('the replica to hold every row as the kiosk has it', async () => JSON.stringify(normalised(await replica.rowsOf('gate-a'))) === want() && replica.status('gate-a').seq === k.feed.seq(), 30_000).catch(async (e: unknown) => {
    expect(normalised(await replica.rowsOf('gate-a'))).toEqual(normalised({ admissions: k.rowsNow().admissions! }));
    throw e;
  });
  expect(k.rowsNow().admissions!.length).toBeGreaterThan(0);
  return faults;
}

describe(`the replica after ${CHANGES} random changes with faults`, () => {
  it('holds exactly the kiosk\'s rows (SQLite)', async () => {
    const faults = await fuzz(async () => sqliteStore(), 12);
    expect(faults.cuts + faults.restarts + faults.prunes).toBeGreaterThan(0);
  }, 300_000);

  let databases = 0;
  it('holds exactly the kiosk\'s rows (PostgreSQL)', async () => {
    const faults = await fuzz(async () => {
      const name = `fuzz_${++databases}`;
      await pgServer.createDatabase(name);
      return { kind: 'postgres' as const, connectionString: pgServer.url(name) };
    }, 34);
    expect(faults.cuts + faults.restarts + faults.prunes).toBeGreaterThan(0);
  }, 300_000);
});
