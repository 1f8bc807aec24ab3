/**
 * What an admission writes (docs/benchmarks.md, gate.admit): migration 6 took
 * four b-trees off its path (the admissions' separate primary-key index,
 * admissions_by_time, the outbox's AUTOINCREMENT sequence, the unique index on
 * idempotency keys). What read them keeps working: the hour chart, retention,
 * outbox ids that never repeat; and a database from before keeps every row and
 * reference.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../main/log';
import { APP_SCHEMA_VERSION, openStore } from '../../main/store';
import { migrations } from '../../main/store/migrations';
import type { GateAdminSummary } from '../../preload/contract';
import { startCloudSim, type CloudSim } from '../cloud-sim/server';
import { gateKiosk, ref } from '../support/gate';
import { tempDir } from '../support/temp';

const sims: CloudSim[] = [];
afterEach(async () => {
  while (sims.length) await sims.pop()!.close();
});

async function sim(tickets: { reference: string; date: string }[]) {
  const s = await startCloudSim({
    tickets: tickets.map((t) => ({ bookingDate: t.date, referenceNo: t.reference, attractions: { A: { pax: 10, used: 0 } } })),
  });
  sims.push(s);
  return s;
}

const names = (db: import('better-sqlite3').Database, type: string, table: string) =>
  (db.prepare('SELECT name FROM sqlite_schema WHERE type = ? AND tbl_name = ? ORDER BY name').all(type, table) as { name: string }[]).map((r) => r.name);

describe('admissions per hour, without an index on their time', () => {
  it("counts today's admissions by hour: none of yesterday's, the ones made after the chart was first shown, and a new day from its start", async () => {
    const day14 = '2026-01-14';
    const tickets = [1, 2, 3, 4].map((n) => ({ reference: ref(n, day14), date: day14 }));
    const cloud = await sim(tickets);
    // Valid on the 14th, 15th and 16th.
    const g = await gateKiosk(tempDir(), cloud, { gate: { validDaysAfter: 2 } });
    const at = (iso: string) => g.clock.setWall(new Date(iso));
    at('2026-01-14T15:30:00Z'); // 22:30 in Jakarta, the 14th
    await g.sync();
    await g.admit(tickets[0]!.reference, 2);
    at('2026-01-15T01:10:00Z'); // 08:10, the 15th
    await g.admit(tickets[1]!.reference, 1);
    await g.unlock();
    const chart = async () => (await g.invoke<GateAdminSummary>('gate:admin-summary')).admissionsPerHour;
    const expected = (entries: Record<number, number>) => Array.from({ length: 24 }, (_, h) => entries[h] ?? 0);
    expect(await chart()).toEqual(expected({ 8: 1 }));

    at('2026-01-15T02:20:00Z'); // 09:20
    await g.admit(tickets[2]!.reference, 3);
    expect(await chart()).toEqual(expected({ 8: 1, 9: 3 }));

    at('2026-01-15T17:30:00Z'); // 00:30, the 16th
    await g.admit(tickets[3]!.reference, 4);
    await g.unlock(); // the admin session timed out meanwhile
    expect(await chart()).toEqual(expected({ 0: 4 }));
    await g.kiosk.stop();
  });

  it('counts the admissions made before the upgrade (random ids) on its day, and new ones by their time-ordered id', async () => {
    const dir = tempDir();
    const before = await openStore({ file: path.join(dir, 'booth.db'), log: memoryLogger(), migrations: migrations.filter((m) => m.version < 6) });
    before.db
      .prepare('INSERT INTO admissions (id, reference, attraction, persons, kiosk_id, at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(randomUUID(), ref(9), 'A', 2, before.kioskId, '2026-01-15T02:15:00.000Z'); // 09:15 in Jakarta
    before.close();
    const today = { reference: ref(1), date: '2026-01-15' };
    const cloud = await sim([today]);
    const g = await gateKiosk(dir, cloud); // migrates to 6; the clock says 10:00 in Jakarta
    await g.sync();
    await g.admit(today.reference, 3);
    const made = g.kiosk.store.db.prepare('SELECT id, at FROM admissions WHERE reference = ?').get(today.reference) as { id: string; at: string };
    expect(made.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(made.id.slice(0, 8) + made.id.slice(9, 13), 16)).toBe(Date.parse(made.at));
    await g.unlock();
    const hours = (await g.invoke<GateAdminSummary>('gate:admin-summary')).admissionsPerHour;
    expect({ 9: hours[9], 10: hours[10], total: hours.reduce((a, b) => a + b, 0) }).toEqual({ 9: 2, 10: 3, total: 5 });
    await g.kiosk.stop();
  });
});

describe('outbox ids without AUTOINCREMENT', () => {
  it('never repeat: retention keeps the newest sent item, and the next one is numbered after it', async () => {
    const tickets = [1, 2].map((n) => ({ reference: ref(n, '2025-09-20'), date: '2025-09-20' }));
    const fresh = { reference: ref(3, '2026-01-15'), date: '2026-01-15' };
    const cloud = await sim([...tickets, fresh]);
    const g = await gateKiosk(tempDir(), cloud);
    g.clock.setWall(new Date('2025-09-20T03:00:00Z'));
    await g.sync();
    for (const t of tickets) await g.admit(t.reference, 1);
    await g.sync(); // both sent and done on 2025-09-20
    const db = g.kiosk.store.db;
    const sent = (db.prepare("SELECT id FROM outbox WHERE state = 'done' ORDER BY id").all() as { id: number }[]).map((r) => r.id);
    expect(sent).toHaveLength(2);
    g.clock.setWall(new Date('2026-01-15T03:00:00Z')); // 117 days later: both past retention
    await g.sync();
    await g.kiosk.runJob('gate.retention');
    expect((db.prepare('SELECT id FROM outbox').all() as { id: number }[]).map((r) => r.id)).toEqual([sent[1]]);
    await g.admit(fresh.reference, 1);
    const next = (db.prepare("SELECT id FROM outbox WHERE state = 'pending'").get() as { id: number }).id;
    expect(next).toBeGreaterThan(sent[1]!);
    await g.kiosk.stop();
  });
});

describe('migration 6', () => {
  it('keeps every outbox row, reference and index of a database from before, and takes a backup first', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'booth.db');
    const log = memoryLogger();
    const before = await openStore({ file, log, migrations: migrations.filter((m) => m.version < 6) });
    const insert = before.db.prepare(
      "INSERT INTO outbox (kind, order_key, idempotency_key, payload, depends_on, state, attempts, last_error, created_at, done_at) VALUES ('gate.usage', ?, ?, ?, ?, ?, ?, ?, '2026-01-15T03:00:00Z', ?)",
    );
    insert.run('ticket:a', 'key-1', '{"n":1}', null, 'done', 1, null, '2026-01-15T03:01:00Z');
    insert.run('ticket:a', 'key-2', '{"n":2}', null, 'dead', 3, 'HTTP 422', null);
    insert.run('ticket:b', 'key-3', '{"n":3}', 2, 'pending', 0, null, null);
    insert.run('ticket:c', 'key-4', '{"n":4}', null, 'pending', 2, 'timeout', null);
    before.db.prepare("INSERT INTO admissions (id, reference, attraction, persons, kiosk_id, at) VALUES ('adm-1', 'R1', 'A', 2, 'k', '2026-01-15T03:00:00Z')").run();
    const rows = before.db.prepare('SELECT * FROM outbox ORDER BY id').all();
    before.close();

    let backup = '';
    const after = await openStore({ file, log, onBackup: (f) => (backup = f) });
    const db = after.db;
    expect(after.schemaVersion()).toBe(APP_SCHEMA_VERSION);
    expect(fs.existsSync(backup)).toBe(true);
    // Migration 21 adds whether each was ever sent: those with attempts were.
    expect(db.prepare('SELECT * FROM outbox ORDER BY id').all()).toEqual((rows as { attempts: number }[]).map((r) => ({ ...r, sent: r.attempts > 0 ? 1 : 0 })));
    expect(db.prepare('SELECT id, persons FROM admissions').all()).toEqual([{ id: 'adm-1', persons: 2 }]);
    expect(names(db, 'index', 'outbox')).toEqual(['outbox_by_state_key']);
    expect(names(db, 'index', 'admissions')).toEqual(['admissions_by_ticket']);
    expect(() => db.prepare('SELECT rowid FROM admissions').all()).toThrow(/no such column/); // keyed by id alone
    expect(db.prepare("SELECT value FROM meta WHERE key = 'gate.random-ids-until'").get()).toEqual({ value: '2026-01-15T03:00:00Z' });
    expect(db.prepare("SELECT name FROM sqlite_sequence WHERE name = 'outbox'").all()).toEqual([]);
    // References are still enforced, and new items are numbered after the last.
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    const add = db.prepare("INSERT INTO outbox (kind, order_key, idempotency_key, payload, depends_on, state, created_at) VALUES ('gate.usage', 'ticket:d', ?, '{}', ?, 'pending', 'now')");
    expect(() => add.run('key-5', 999)).toThrow(/FOREIGN KEY/);
    expect(Number(add.run('key-5', 3).lastInsertRowid)).toBe(5);
    after.close();
  });
});
