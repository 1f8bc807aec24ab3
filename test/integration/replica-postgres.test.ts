/**
 * The office replica into a real PostgreSQL (Debian's package; a throwaway
 * cluster started by the test): a full export then live changes and
 * deletes, and two kiosks gathered into one database, each row keyed by its
 * kiosk.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type TestPostgres } from '../support/postgres';
import { expectSameRows, kioskSource, stoppedAfterEachTest, until } from '../support/replica';

let server: TestPostgres;
beforeAll(async () => {
  server = await startPostgres();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

const { running, kiosk, replicaOf } = stoppedAfterEachTest();
let databases = 0;
async function database() {
  const name = `replica_${++databases}`;
  await server.createDatabase(name);
  return { kind: 'postgres' as const, connectionString: server.url(name) };
}

describe('office replica (PostgreSQL)', () => {
  it('copies a kiosk by a full export, then its changes and deletes live', async () => {
    const k = await kiosk();
    for (let i = 1; i <= 3; i++) k.admit(`p${i}`);
    const store = await database();
    const r = await replicaOf({ kiosks: [kioskSource(k)], store });
    await expectSameRows(k, () => r.rowsOf('gate-a'));
    expect(r.log.lines).toContain('[info] (sync) Full sync completed: 3 records');
    await until('the live stream', () => r.status('gate-a').live);
    k.admit('p4', '2026-01-15T03:00:00.000Z');
    k.admit('p5', '2026-01-15T01:00:00.000Z');
    k.db.prepare("DELETE FROM admissions WHERE id = 'p2'").run();
    await expectSameRows(k, () => r.rowsOf('gate-a'));
    // Queryable as an office would: by a column of the row.
    const client = new pg.Client({ connectionString: store.connectionString });
    await client.connect();
    const found = await client.query("SELECT id, row->>'reference' AS reference FROM booth_replica.replica_rows WHERE kiosk_id = 'gate-a' AND table_name = 'admissions' ORDER BY id");
    await client.end();
    expect(found.rows).toEqual(['p1', 'p3', 'p4', 'p5'].map((id) => ({ id, reference: 'REF-1' })));
  });

  it('gathers two kiosks into one database, each row under its kiosk, the same ids apart', async () => {
    const a = await kiosk();
    const b = await kiosk();
    for (let i = 1; i <= 3; i++) a.admit(`same-${i}`, '2026-01-15T03:00:00.000Z', 1, 'REF-A');
    for (let i = 1; i <= 2; i++) b.admit(`same-${i}`, '2026-01-15T03:00:00.000Z', 2, 'REF-B');
    const store = await database();
    const r = await replicaOf({ kiosks: [kioskSource(a, 'gate-a'), kioskSource(b, 'gate-b')], store });
    await expectSameRows(a, () => r.rowsOf('gate-a'));
    await expectSameRows(b, () => r.rowsOf('gate-b'));
    await until('both live', () => r.status('gate-a').live && r.status('gate-b').live);
    b.db.prepare("DELETE FROM admissions WHERE id = 'same-1'").run();
    a.admit('only-a');
    await expectSameRows(a, () => r.rowsOf('gate-a'));
    await expectSameRows(b, () => r.rowsOf('gate-b'));
    const answer = (await (await fetch(`${r.base}/office/api/sync-status`)).json()) as { kiosks: { kiosk_id: string; seq: number }[] };
    expect(answer.kiosks.map((s) => [s.kiosk_id, s.seq])).toEqual([
      ['gate-a', a.feed.seq()],
      ['gate-b', b.feed.seq()],
    ]);
  });

  it('catches up a page that re-adds, rewrites and removes the same rows, as the kiosk has them, text kept', async () => {
    const k = await kiosk();
    k.admit('kept');
    k.admit('removed-then-back');
    const store = await database();
    const first = await replicaOf({ kiosks: [kioskSource(k)], store });
    await expectSameRows(k, () => first.rowsOf('gate-a'));
    await running.pop()!.stop();
    // While the office is off: each of these rows changes more than once, so catch-up gets them in one page.
    k.db.prepare("DELETE FROM admissions WHERE id = 'removed-then-back'").run();
    k.admit('removed-then-back', '2026-01-15T04:00:00.000Z', 3, 'REF-"back"\\');
    k.admit('added-then-removed');
    k.db.prepare("DELETE FROM admissions WHERE id = 'added-then-removed'").run();
    k.db.prepare("UPDATE admissions SET reference = 'REF-{1}' WHERE id = 'kept'").run();
    k.db.prepare("UPDATE admissions SET reference = 'Rp 5.000 • ✓ \u00e9' WHERE id = 'kept'").run();
    const second = await replicaOf({ kiosks: [kioskSource(k)], store });
    await expectSameRows(k, () => second.rowsOf('gate-a'));
    expect(second.log.lines.filter((l) => l.includes('Full sync completed'))).toEqual([]);
    expect(second.status('gate-a').seq).toBe(k.feed.seq());
    const client = new pg.Client({ connectionString: store.connectionString });
    await client.connect();
    const found = await client.query("SELECT id, row->>'reference' AS reference FROM booth_replica.replica_rows WHERE kiosk_id = 'gate-a' ORDER BY id");
    const stored = await client.query<{ text: string }>("SELECT row::text AS text FROM booth_replica.replica_rows WHERE kiosk_id = 'gate-a' AND id = 'kept'");
    await client.end();
    // The row's text as the kiosk's row serializes, key order and characters as they are.
    expect(stored.rows[0]!.text).toBe(JSON.stringify(k.rowsNow().admissions!.find((row) => row.id === 'kept')));
    expect(found.rows).toEqual([
      { id: 'kept', reference: 'Rp 5.000 • ✓ é' },
      { id: 'removed-then-back', reference: 'REF-"back"\\' },
    ]);
  });
});
