/**
 * The office replica (`booth replica`, CONTRACTS.md "Replication") following
 * a real kiosk over its LAN API (HTTPS, pinned certificate, X-API-Key) into
 * an SQLite file: full export, then live events and the safety-net poll;
 * rows a timestamp cursor would lose; deletes; the floor; a reset kiosk; a
 * corrupt replica; the sync-status endpoint.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pruneFeed } from '../../main/replication/retention';
import { expectSameRows, kioskSource, replicaKiosk, sqliteStore, stoppedAfterEachTest, until } from '../support/replica';
import { tempDir } from '../support/temp';

const { running, kiosk, replicaOf } = stoppedAfterEachTest();

describe('office replica (SQLite)', () => {
  it('copies the kiosk by a full export, then follows each change live, and reports it in /office/api/sync-status', async () => {
    const k = await kiosk();
    for (let i = 1; i <= 3; i++) k.admit(`a${i}`);
    const r = await replicaOf({ kiosks: [kioskSource(k)], store: sqliteStore() });
    await expectSameRows(k, () => r.rowsOf('gate-a'));
    expect(r.log.lines).toContain('[info] (sync) Full sync completed: 3 records');
    await until('the live stream', () => r.status('gate-a').live);

    k.admit('a4');
    k.db.prepare("UPDATE admissions SET persons = 3 WHERE id = 'a1'").run();
    await expectSameRows(k, () => r.rowsOf('gate-a'));
    expect((await r.rowsOf('gate-a')).admissions!.find((row) => row.id === 'a1')).toMatchObject({ persons: 3 });

    const answer = (await (await fetch(`${r.base}/office/api/sync-status`)).json()) as { success: boolean; data: Record<string, unknown>; kiosks: Record<string, unknown>[] };
    expect(answer.success).toBe(true);
    expect(Object.keys(answer.data).sort()).toEqual(['failed_syncs', 'last_sync_time', 'running', 'successful_syncs', 'sync_interval', 'total_records_synced', 'total_syncs']);
    expect(answer.kiosks[0]).toMatchObject({ kiosk_id: 'gate-a', running: true, sync_interval: 1, failed_syncs: 0, live: true, seq: k.feed.seq() });
    expect(answer.kiosks[0]!.total_records_synced).toBeGreaterThanOrEqual(5);
    expect(typeof answer.kiosks[0]!.lag_ms).toBe('number');
  });

  it('replicates rows written in the same millisecond and under a clock set backwards (a timestamp cursor loses them)', async () => {
    const k = await kiosk();
    k.admit('first', '2026-01-15T03:00:00.500Z');
    const r = await replicaOf({ kiosks: [kioskSource(k)], store: sqliteStore() });
    await expectSameRows(k, () => r.rowsOf('gate-a'));
    // The same millisecond as the row already replicated, then a clock an hour behind.
    for (let i = 0; i < 20; i++) k.admit(`same-ms-${i}`, '2026-01-15T03:00:00.500Z');
    for (let i = 0; i < 20; i++) k.admit(`backwards-${i}`, '2026-01-15T02:00:00.000Z');
    await expectSameRows(k, () => r.rowsOf('gate-a'));
    expect((await r.rowsOf('gate-a')).admissions).toHaveLength(41);
  });

  it('propagates deletes, live and through the poll after the replica was away', async () => {
    const k = await kiosk();
    for (let i = 1; i <= 5; i++) k.admit(`d${i}`);
    const store = sqliteStore();
    const r = await replicaOf({ kiosks: [kioskSource(k)], store });
    await expectSameRows(k, () => r.rowsOf('gate-a'));
    k.db.prepare("DELETE FROM admissions WHERE id = 'd1'").run();
    await expectSameRows(k, () => r.rowsOf('gate-a'));
    await r.replica.stop();
    running.pop();
    // While the replica is stopped: deleted, re-inserted, deleted again; another deleted.
    k.db.prepare("DELETE FROM admissions WHERE id IN ('d2', 'd3')").run();
    k.admit('d2');
    k.db.prepare("DELETE FROM admissions WHERE id = 'd2'").run();
    const again = await replicaOf({ kiosks: [kioskSource(k)], store });
    await expectSameRows(k, () => again.rowsOf('gate-a'));
    expect((await again.rowsOf('gate-a')).admissions!.map((row) => row.id).sort()).toEqual(['d4', 'd5']);
    // It resumed from its cursor: no second full export.
    expect(again.log.lines.filter((l) => l.includes('Full sync completed'))).toEqual([]);
  });

  it('does a full export when its cursor is behind the kiosk\'s feed floor, and when the kiosk was reset', async () => {
    const k = await kiosk();
    k.admit('f1');
    const store = sqliteStore();
    const r = await replicaOf({ kiosks: [kioskSource(k)], store });
    await expectSameRows(k, () => r.rowsOf('gate-a'));
    await r.replica.stop();
    running.pop();
    k.admit('f2');
    k.db.prepare("DELETE FROM admissions WHERE id = 'f1'").run();
    await pruneFeed(k.db, k.clock.now(), 0);
    expect(k.feed.floor()).toBe(k.feed.seq());
    const behind = await replicaOf({ kiosks: [kioskSource(k)], store });
    await expectSameRows(k, () => behind.rowsOf('gate-a'));
    expect(behind.log.lines.some((l) => l.includes('feed floor') && l.includes('a full export'))).toBe(true);
    expect(behind.log.lines).toContain('[info] (sync) Full sync completed: 1 records');
    await behind.replica.stop();
    running.pop();

    // The kiosk's database replaced by a fresh one (reset; same data folder, so the same certificate): its feed is behind the cursor.
    await k.kiosk.stop();
    running.splice(running.indexOf(k.kiosk), 1);
    for (const f of fs.readdirSync(k.dir)) if (f.startsWith('booth.db')) fs.rmSync(`${k.dir}/${f}`);
    const reset = await replicaKiosk(k.dir);
    running.push(reset.kiosk);
    expect(reset.fingerprint).toBe(k.fingerprint);
    reset.admit('after-reset');
    const afterReset = await replicaOf({ kiosks: [kioskSource(reset)], store });
    await expectSameRows(reset, () => afterReset.rowsOf('gate-a'));
    expect(afterReset.log.lines.some((l) => l.includes('was replaced or reset') && l.includes('a full export'))).toBe(true);
  });

  it('sets a corrupt replica file aside and rebuilds it by a full export', async () => {
    const k = await kiosk();
    k.admit('c1');
    const dir = tempDir();
    const store = sqliteStore(dir);
    fs.writeFileSync(store.file, 'this is not an SQLite database, but it is long enough to be read as a header..........');
    const r = await replicaOf({ kiosks: [kioskSource(k)], store });
    await expectSameRows(k, () => r.rowsOf('gate-a'));
    expect(r.replica.store.notes[0]).toMatch(/set aside as .*replica\.db\.corrupt-/);
    expect(fs.readdirSync(dir).some((f) => f.startsWith('replica.db.corrupt-'))).toBe(true);
  });
});
