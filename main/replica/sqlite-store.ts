/**
 * The replica in an SQLite file (the default). One connection, WAL. A full
 * export is written to a staging table in short transactions (so the other
 * kiosks' changes go on meanwhile, and the event loop is never held by one
 * long transaction across network reads), then swapped in by one
 * transaction with the cursor. A file that does not open or fails its
 * integrity check is set aside and the replica rebuilt by full exports.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { crashPoint } from '../crash-points';
import type { ScopedLog } from '../log';
import { idKey, type Change, type FullLoad, type KioskCursor, type ReplicaStore, type Row, type TableCount } from './store';

const FORMAT = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS replica_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE IF NOT EXISTS replica_kiosks (
  kiosk_id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  schema_version TEXT NOT NULL,
  tables TEXT NOT NULL,
  full_export_at TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS replica_rows (
  kiosk_id TEXT NOT NULL,
  table_name TEXT NOT NULL,
  id TEXT NOT NULL,
  row TEXT NOT NULL,
  updated_at TEXT,
  PRIMARY KEY (kiosk_id, table_name, id)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS replica_staging (
  load_id INTEGER NOT NULL,
  kiosk_id TEXT NOT NULL,
  table_name TEXT NOT NULL,
  id TEXT NOT NULL,
  row TEXT NOT NULL,
  updated_at TEXT,
  PRIMARY KEY (load_id, table_name, id)
) STRICT, WITHOUT ROWID;
`;

const STAGE_CHUNK = 2000;

function openChecked(file: string): Database.Database {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`integrity check: ${String(check)}`);
    db.exec(SCHEMA);
    const format = db.prepare("SELECT value FROM replica_meta WHERE key = 'format'").pluck().get() as string | undefined;
    if (format !== undefined && Number(format) > FORMAT) {
      const error = new Error(`${file} was written by a newer booth replica (format ${format}; this one knows ${FORMAT}): update booth`);
      (error as Error & { newer: true }).newer = true;
      throw error;
    }
    db.prepare("INSERT OR REPLACE INTO replica_meta (key, value) VALUES ('format', ?)").run(String(FORMAT));
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

export function openSqliteReplica(file: string, log: ScopedLog): ReplicaStore {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const notes: string[] = [];
  let db: Database.Database;
  try {
    db = openChecked(file);
  } catch (error) {
    if ((error as { newer?: boolean }).newer) throw error;
    // Corrupt or not a database: keep it for a look, rebuild from the kiosks (never repair by guessing).
    const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    for (const suffix of ['', '-wal', '-shm']) if (fs.existsSync(file + suffix)) fs.renameSync(file + suffix, aside + suffix);
    const note = `the replica ${file} could not be used (${(error as Error).message}); set aside as ${aside}; every kiosk is copied again by a full export`;
    log.warn(note);
    notes.push(note);
    db = openChecked(file);
  }
  db.pragma('synchronous = NORMAL');
  // A crash during a full export leaves its staging rows: nothing refers to them.
  db.exec('DELETE FROM replica_staging');

  const getCursor = db.prepare('SELECT seq, schema_version, tables, full_export_at FROM replica_kiosks WHERE kiosk_id = ?');
  const setCursor = db.prepare(
    'INSERT INTO replica_kiosks (kiosk_id, seq, schema_version, tables, full_export_at) VALUES (?, ?, ?, ?, ?) ' +
      'ON CONFLICT (kiosk_id) DO UPDATE SET seq = excluded.seq, schema_version = excluded.schema_version, tables = excluded.tables, full_export_at = excluded.full_export_at',
  );
  const moveCursor = db.prepare('UPDATE replica_kiosks SET seq = ? WHERE kiosk_id = ? AND seq = ?');
  const upsert = db.prepare(
    'INSERT INTO replica_rows (kiosk_id, table_name, id, row, updated_at) VALUES (?, ?, ?, ?, ?) ' +
      'ON CONFLICT (kiosk_id, table_name, id) DO UPDATE SET row = excluded.row, updated_at = excluded.updated_at',
  );
  const remove = db.prepare('DELETE FROM replica_rows WHERE kiosk_id = ? AND table_name = ? AND id = ?');
  const stage = db.prepare('INSERT OR REPLACE INTO replica_staging (load_id, kiosk_id, table_name, id, row, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
  const clearKiosk = db.prepare('DELETE FROM replica_rows WHERE kiosk_id = ?');
  const swapIn = db.prepare('INSERT INTO replica_rows (kiosk_id, table_name, id, row, updated_at) SELECT kiosk_id, table_name, id, row, updated_at FROM replica_staging WHERE load_id = ?');
  const dropStage = db.prepare('DELETE FROM replica_staging WHERE load_id = ?');
  const tableCounts = db.prepare('SELECT table_name AS "table", COUNT(*) AS count FROM replica_rows WHERE kiosk_id = ? GROUP BY table_name ORDER BY table_name');
  const pageOfRows = db.prepare('SELECT row FROM replica_rows WHERE kiosk_id = ? AND table_name = ? ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?').pluck();
  let nextLoad = 1;

  const updatedAt = (row: Row) => (typeof row.updated_at === 'string' ? row.updated_at : null);

  const applyTx = db.transaction((kioskId: string, after: number, seq: number, changes: readonly Change[]) => {
    if (moveCursor.run(seq, kioskId, after).changes !== 1) return false;
    for (const c of changes) {
      if (c.row === null) remove.run(kioskId, c.table, idKey(c.id));
      else upsert.run(kioskId, c.table, idKey(c.id), JSON.stringify(c.row), updatedAt(c.row));
    }
    crashPoint('replica.apply.in-transaction');
    return true;
  });

  return {
    kind: 'sqlite',
    notes,
    async cursor(kioskId) {
      const r = getCursor.get(kioskId) as { seq: number; schema_version: string; tables: string; full_export_at: string } | undefined;
      return r ? { seq: r.seq, schemaVersion: r.schema_version, tables: JSON.parse(r.tables) as string[], fullExportAt: r.full_export_at } : null;
    },
    async fullLoad(kioskId): Promise<FullLoad> {
      const load = nextLoad++;
      const stageRows = db.transaction((rows: readonly { table: string; row: Row }[]) => {
        for (const { table, row } of rows) stage.run(load, kioskId, table, idKey(row.id as string | number), JSON.stringify(row), updatedAt(row));
      });
      let done = false;
      return {
        async add(rows) {
          for (let i = 0; i < rows.length; i += STAGE_CHUNK) stageRows(rows.slice(i, i + STAGE_CHUNK));
        },
        async commit(cursor: KioskCursor) {
          db.transaction(() => {
            clearKiosk.run(kioskId);
            swapIn.run(load);
            dropStage.run(load);
            setCursor.run(kioskId, cursor.seq, cursor.schemaVersion, JSON.stringify(cursor.tables), cursor.fullExportAt);
          })();
          done = true;
        },
        async abort() {
          if (!done && db.open) dropStage.run(load);
          done = true;
        },
      };
    },
    async apply(kioskId, after, seq, changes) {
      return applyTx(kioskId, after, seq, changes);
    },
    async tables(kioskId) {
      return tableCounts.all(kioskId) as TableCount[];
    },
    async rows(kioskId, table, offset, limit) {
      return (pageOfRows.all(kioskId, table, limit, offset) as string[]).map((text) => JSON.parse(text) as Row);
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
