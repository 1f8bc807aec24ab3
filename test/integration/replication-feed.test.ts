/**
 * The change feed (main/replication): every change of a declared table, by
 * Booth's code or by raw SQL, commits with its seq; seqs only go up; deletes
 * are tombstones; rows already there get seqs when their table starts to
 * replicate; retention raises a floor. Through a real store on disk.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { memoryLogger } from '../../main/log';
import { createFeed } from '../../main/replication/feed';
import { pruneFeed } from '../../main/replication/retention';
import { openStore, type Migration } from '../../main/store';
import { migrations, replicatedTables } from '../../main/store/migrations';
import { tempDir } from '../support/temp';

const log = memoryLogger();

interface Entry {
  seq: number;
  table_name: string;
  row_id: string | number;
  op: string;
}
const feedOf = (db: Database.Database) => db.prepare('SELECT seq, table_name, row_id, op FROM replication_feed ORDER BY seq').all() as Entry[];
const seqOf = (db: Database.Database) => createFeed(db, []).seq();
const schemaOf = (db: Database.Database) => db.prepare('SELECT type, name, sql FROM sqlite_schema ORDER BY name').all();

const admission = (id: string, at = '2026-01-01T10:00:00.000Z') =>
  `INSERT INTO admissions (id, reference, attraction, persons, kiosk_id, at) VALUES ('${id}', 'REF-1', 'A', 1, 'k', '${at}')`;

describe('replication feed', () => {
  it('gives every change of every declared table its seq in the same transaction, also for raw SQL outside the modules', async () => {
    const file = path.join(tempDir(), 'booth.db');
    (await openStore({ file, log })).close();
    // Another connection, as the sqlite3 shell would write: no Booth code on the path.
    const raw = new Database(file);
    raw.exec(admission('adm-1'));
    raw.exec(admission('adm-2'));
    raw.exec("UPDATE admissions SET acked_seq = 7 WHERE id = 'adm-1'");
    raw.exec("DELETE FROM admissions WHERE id = 'adm-2'");
    raw.exec("INSERT INTO payout_transactions (id, reference, amount, created_here, created_at) VALUES ('tx-1', 'R', 1.5, 1, '2026-01-01T10:00:00.000Z')");
    raw.exec("INSERT INTO payout_jobs (job_id, retry_count, transaction_id, quarters, received_at) VALUES ('job:1', 2, 'tx-1', 4, '2026-01-01T10:00:01.000Z')");
    raw.exec("INSERT INTO gate_flags (reference, attraction, kind, detail, created_at) VALUES ('REF-1', 'A', 'over-admission', 'x', '2026-01-01T10:00:00.000Z')");
    raw.exec("INSERT INTO payout_steps (transaction_id, coins, event_counter_before, state, started_at) VALUES ('tx-1', 2, 0, 'intent', '2026-01-01T10:00:02.000Z')");
    // A change that rolls back leaves no seq behind.
    expect(() => raw.transaction(() => {
      raw.exec(admission('adm-3'));
      throw new Error('rolled back');
    })()).toThrow('rolled back');
    // Not replicated: settings (secrets), the audit, tickets.
    raw.exec("INSERT INTO settings (key, value, updated_at) VALUES ('admin.lockout', '{}', '2026-01-01T10:00:00.000Z')");
    raw.exec("INSERT INTO audit (at, action, detail) VALUES ('2026-01-01T10:00:00.000Z', 'api.key', 'secret')");

    expect(feedOf(raw).map((e) => [e.table_name, e.row_id, e.op])).toEqual([
      ['admissions', 'adm-1', 'insert'],
      ['admissions', 'adm-2', 'insert'],
      ['admissions', 'adm-1', 'update'],
      ['admissions', 'adm-2', 'delete'],
      ['payout_transactions', 'tx-1', 'insert'],
      ['payout_jobs', 'job:1:2', 'insert'],
      ['gate_flags', 1, 'insert'],
      ['payout_steps', 1, 'insert'],
    ]);
    const seqs = feedOf(raw).map((e) => e.seq);
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(seqOf(raw)).toBe(8);
    raw.close();
  });

  it('never gives a seq twice: deleting the newest row, or retention pruning the whole feed, does not bring a seq back', async () => {
    const file = path.join(tempDir(), 'booth.db');
    const store = await openStore({ file, log });
    const { db } = store;
    db.exec(admission('a'));
    db.exec(admission('b'));
    db.exec("DELETE FROM admissions WHERE id = 'b'");
    // Retention pruning the whole feed, up to its newest change.
    expect(await pruneFeed(db, new Date('2026-03-01T00:00:00.000Z'), 0)).toEqual({ pruned: 3, floor: 3 });
    expect(feedOf(db)).toEqual([]);
    db.exec(admission('c'));
    expect(feedOf(db)).toEqual([{ seq: 4, table_name: 'admissions', row_id: 'c', op: 'insert' }]);
    // An id changed in place: the old id is deleted, the new one written.
    db.exec("UPDATE admissions SET id = 'd' WHERE id = 'c'");
    expect(feedOf(db).slice(1).map((e) => [e.seq, e.row_id, e.op])).toEqual([[5, 'c', 'delete'], [6, 'd', 'update']]);
    // INSERT OR REPLACE of another row's unique key deletes that row: a tombstone, not a silent loss.
    db.exec("INSERT INTO gate_flags (reference, attraction, kind, detail, created_at) VALUES ('R', 'A', 'over-admission', 'first', '2026-01-01T10:00:00.000Z')");
    db.exec("INSERT OR REPLACE INTO gate_flags (reference, attraction, kind, detail, created_at) VALUES ('R', 'A', 'over-admission', 'second', '2026-01-01T10:00:01.000Z')");
    expect(feedOf(db).slice(3).map((e) => [e.table_name, e.row_id, e.op])).toEqual([
      ['gate_flags', 1, 'insert'],
      ['gate_flags', 1, 'delete'],
      ['gate_flags', 2, 'insert'],
    ]);
    store.close();
  });

  it('installs at every open without changing anything the second time; rows already there get seqs when their table starts to replicate', async () => {
    const file = path.join(tempDir(), 'booth.db');
    const lockersVersion = migrations.at(-1)!.version + 1;
    const lockers: Migration = {
      version: lockersVersion,
      name: 'lockers (a module added later)',
      up: (db) => db.exec("CREATE TABLE lockers (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, updated_at TEXT NOT NULL) STRICT; INSERT INTO lockers VALUES ('L1', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'), ('L2', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')"),
    };
    const first = await openStore({ file, log });
    first.db.exec(admission('a'));
    const before = schemaOf(first.db);
    first.close();
    const again = await openStore({ file, log });
    expect(schemaOf(again.db)).toEqual(before);
    expect(seqOf(again.db)).toBe(1);
    again.close();

    // A new module's table with rows in it, declared by its name alone.
    const grown = await openStore({ file, log, migrations: [...migrations, lockers], replicatedTables: [...replicatedTables, 'lockers'] });
    expect(feedOf(grown.db).slice(1).map((e) => [e.seq, e.table_name, e.row_id, e.op])).toEqual([
      [2, 'lockers', 'L1', 'insert'],
      [3, 'lockers', 'L2', 'insert'],
    ]);
    grown.db.exec("UPDATE lockers SET updated_at = '2026-01-02T00:00:00.000Z' WHERE id = 'L2'");
    expect(feedOf(grown.db).at(-1)).toMatchObject({ seq: 4, table_name: 'lockers', row_id: 'L2', op: 'update' });
    const grownSchema = schemaOf(grown.db);
    grown.close();
    const reopened = await openStore({ file, log, migrations: [...migrations, lockers], replicatedTables: [...replicatedTables, 'lockers'] });
    expect(schemaOf(reopened.db)).toEqual(grownSchema);
    expect(seqOf(reopened.db)).toBe(4); // no second backfill
    reopened.close();
  });

  it('a bulk insert (a day\'s bookings) enters each new row once, in order; a throw leaves neither rows nor feed rows; the per-row trigger is back after either', async () => {
    const file = path.join(tempDir(), 'booth.db');
    const store = await openStore({ file, log });
    const { db } = store;
    const at = '2026-01-01T00:00:00.000Z';
    const insert = db.prepare(
      `INSERT INTO bookings (booking_id, order_detail_id, field_id, date, start_time, end_time, status, created_at, updated_at, last_sync_at)
       VALUES (?, 1, 1, '2026-01-01', '10:00:00', '11:00:00', 'success', ?, ?, ?) ON CONFLICT (booking_id) DO NOTHING`,
    );
    const book = (id: string) => insert.run(id, at, at, at);
    db.exec(admission('before'));
    book('BK-0');
    const triggers = () => db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' ORDER BY name").all();
    // A booking's feed row names its row id: shown here by its booking_id.
    const bookingId = db.prepare('SELECT booking_id FROM bookings WHERE id = ?').pluck();
    const named = (entries: Entry[]) => entries.map((e) => [e.seq, e.table_name, e.table_name === 'bookings' ? bookingId.get(e.row_id) : e.row_id, e.op]);
    const triggersBefore = triggers();

    db.transaction(() =>
      store.insertInBulk('bookings', () => {
        book('BK-1');
        book('BK-0'); // already there: no row, no feed row
        db.prepare("UPDATE bookings SET status = 'cancelled' WHERE booking_id = 'BK-0'").run();
        book('BK-2');
        book('BK-3');
        db.exec(admission('inside'));
      }),
    )();
    expect(named(feedOf(db))).toEqual([
      [1, 'admissions', 'before', 'insert'],
      [2, 'bookings', 'BK-0', 'insert'],
      // Changes other than the bulk's inserts keep their triggers and come first.
      [3, 'bookings', 'BK-0', 'update'],
      [4, 'admissions', 'inside', 'insert'],
      [5, 'bookings', 'BK-1', 'insert'],
      [6, 'bookings', 'BK-2', 'insert'],
      [7, 'bookings', 'BK-3', 'insert'],
    ]);
    expect(triggers()).toEqual(triggersBefore);

    // A throw inside: the savepoint rolls back the rows and the dropped trigger comes back with it.
    expect(() =>
      db.transaction(() =>
        store.insertInBulk('bookings', () => {
          book('BK-4');
          throw new Error('malformed day');
        }),
      )(),
    ).toThrow('malformed day');
    expect(db.prepare("SELECT COUNT(*) FROM bookings WHERE booking_id = 'BK-4'").pluck().get()).toBe(0);
    expect(feedOf(db)).toHaveLength(7);
    expect(triggers()).toEqual(triggersBefore);

    // After either, a single insert, by Booth or by another connection, has its feed row from the trigger.
    book('BK-5');
    const raw = new Database(file);
    raw.prepare(insert.source).run('BK-6', at, at, at);
    raw.close();
    expect(named(feedOf(db).slice(7))).toEqual([
      [8, 'bookings', 'BK-5', 'insert'],
      [9, 'bookings', 'BK-6', 'insert'],
    ]);

    // Outside a transaction it refuses (the rows and their feed rows would not commit together);
    // a table that is not replicated, or whose rowids may come back, just runs with its triggers.
    expect(() => store.insertInBulk('bookings', () => book('BK-7'))).toThrow(/inside the transaction/);
    db.transaction(() => store.insertInBulk('admissions', () => db.exec(admission('no-rowid-table'))))();
    expect(feedOf(db).at(-1)).toMatchObject({ seq: 10, table_name: 'admissions', row_id: 'no-rowid-table', op: 'insert' });
    store.close();
  });

  it('refuses to replicate the kiosk\'s own tables and secrets, and a table that does not present an id', async () => {
    for (const table of ['settings', 'meta', 'audit', 'outbox', 'counters']) {
      await expect(openStore({ file: path.join(tempDir(), 'booth.db'), log, replicatedTables: [table] })).rejects.toThrow(/never replicate/);
    }
    await expect(openStore({ file: path.join(tempDir(), 'booth.db'), log, replicatedTables: ['payout_jobs'] })).rejects.toThrow(/no column id/);
    await expect(openStore({ file: path.join(tempDir(), 'booth.db'), log, replicatedTables: ['no_such_table'] })).rejects.toThrow(/no such table/);
  });

  it('retention prunes changes older than the period and raises the floor with them', async () => {
    const store = await openStore({ file: path.join(tempDir(), 'booth.db'), log });
    const { db } = store;
    const day = 86_400_000;
    const t0 = new Date('2026-03-01T00:00:00.000Z');
    db.exec(admission('a'));
    db.exec(admission('b'));
    expect(await pruneFeed(db, t0, 30 * day)).toEqual({ pruned: 0, floor: 0 }); // marks seq 2 at t0
    db.exec(admission('c'));
    expect(await pruneFeed(db, new Date(t0.getTime() + 10 * day), 30 * day)).toEqual({ pruned: 0, floor: 0 });
    expect(await pruneFeed(db, new Date(t0.getTime() + 31 * day), 30 * day)).toEqual({ pruned: 2, floor: 2 });
    const feed = createFeed(db, store.replicatedTables);
    expect(feed.floor()).toBe(2);
    expect(feedOf(db).map((e) => e.row_id)).toEqual(['c']);
    // A clock still at 1970 (a Pi before the network set it) neither marks nor prunes:
    // its mark would look decades old once the clock is right.
    db.exec(admission('d'));
    expect(await pruneFeed(db, new Date(0), 0)).toEqual({ pruned: 0, floor: 2 });
    expect(db.prepare('SELECT COUNT(*) FROM replication_marks WHERE at < ?').pluck().get('2000-01-01')).toBe(0);
    store.close();
  });

  it('names live events after the declared entity, with the seed\'s own names where a module gives them', async () => {
    const file = path.join(tempDir(), 'booth.db');
    const buffer: Migration = {
      version: migrations.at(-1)!.version + 1,
      name: 'a payload buffer (as intake would have)',
      up: (db) => db.exec('CREATE TABLE payload_buffer (id INTEGER PRIMARY KEY, payload TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL) STRICT'),
    };
    const store = await openStore({
      file,
      log,
      migrations: [...migrations, buffer],
      replicatedTables: [...replicatedTables, { table: 'payload_buffer', entity: 'payload', eventNames: { insert: 'payload:received' } }],
    });
    const at = '2026-01-01T00:00:00.000Z';
    store.db.prepare('INSERT INTO payload_buffer (payload, created_at, updated_at) VALUES (?, ?, ?)').run('hxb:B1:LF1:UHF1', at, at);
    store.db.prepare("UPDATE payload_buffer SET payload = 'processed' WHERE id = 1").run();
    store.db.exec(admission('a'));
    const feed = createFeed(store.db, store.replicatedTables);
    expect(feed.liveEvents(0, 10).events.map((e) => [e.event, e.table, e.op])).toEqual([
      ['payload:received', 'payload_buffer', 'insert'],
      ['payload:updated', 'payload_buffer', 'update'],
      ['admission:created', 'admissions', 'insert'],
    ]);
    store.close();
  });
});
