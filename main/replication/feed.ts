/**
 * Reading the change feed: the sequence and its floor, a page of changes
 * after a seq (Booth's reliable form) or since a time (the seed's form), and
 * a row as it is now. Each page is read in one read transaction on the
 * kiosk's connection: bounded by its limit, so it is built in memory.
 */
import type Database from 'better-sqlite3';
import type { FeedTable } from './tables';
import { CURRENT_SEQ_SQL } from './triggers';

export type FeedOp = 'insert' | 'update' | 'delete';
export type Row = Record<string, unknown>;
export type RowId = string | number;

export interface FeedEntry {
  seq: number;
  table: string;
  rowId: RowId;
  op: FeedOp;
}

export interface AfterPage {
  data: Record<string, Row[]>;
  counts: Record<string, number>;
  deleted: Record<string, RowId[]>;
  seq: number;
  more: boolean;
}

export interface SincePage {
  data: Record<string, Row[]>;
  counts: Record<string, number>;
  /** The last row's updated_at when the page is full, else null (the caller answers the start of its read). */
  lastUpdatedAt: string | null;
}

export interface Feed {
  readonly tables: readonly FeedTable[];
  seq(): number;
  floor(): number;
  /** Up to `limit` feed entries after `after`, in seq order, and whether more follow. */
  entriesAfter(after: number, limit: number): { entries: FeedEntry[]; more: boolean };
  rowNow(table: FeedTable, id: RowId): Row | undefined;
  changesAfter(after: number, limit: number): AfterPage;
  changesSince(since: string, limit: number): SincePage;
  tableOf(name: string): FeedTable | undefined;
  /**
   * Calls `listener` soon after a change is written on this connection (not inside the write: on a
   * later turn of the loop, when its transaction has ended), until the returned function is called.
   * Changes by other connections are not signalled: whoever must see them polls `seq()` as well.
   */
  onLocalWrite(listener: () => void): () => void;
  /** A transaction is open on the kiosk's connection: what it wrote is not committed yet. */
  inTransaction(): boolean;
  /** Live events after `after` (up to `limit` changes), each with its row as it is now, read in one transaction. */
  liveEvents(after: number, limit: number): { events: LiveEvent[]; last: number; more: boolean };
}

/** One change as the live socket sends it (CONTRACTS.md "Live events"). */
export interface LiveEvent {
  event: string;
  table: string;
  op: FeedOp;
  seq: number;
  row: Row;
}


interface EntryRow {
  seq: number;
  table_name: string;
  row_id: RowId;
  op: FeedOp;
}

const emptyByTable = <T>(tables: readonly FeedTable[], make: () => T): Record<string, T> =>
  Object.fromEntries(tables.map((t) => [t.table, make()]));

/**
 * The connection's write signal: a TEMP trigger (it exists only on this connection, so a write by
 * any other connection, the sqlite3 shell or another process, is untouched by it) calls a function
 * of this process for each feed row. Installed while someone listens, dropped after. Per
 * connection, so two feeds on one connection share it.
 */
const writeListeners = new WeakMap<Database.Database, Set<() => void>>();
const NOTIFY_FUNCTION = 'booth_feed_written';
const NOTIFY_TRIGGER = 'booth_feed_written';

function listenToWrites(db: Database.Database, listener: () => void): () => void {
  let listeners = writeListeners.get(db);
  if (!listeners) {
    const set = new Set<() => void>();
    listeners = set;
    writeListeners.set(db, set);
    let scheduled = false;
    db.function(NOTIFY_FUNCTION, { deterministic: false }, () => {
      // Inside the writing statement: nothing may touch the database here; tell the listeners once, after.
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          for (const l of set) l();
        });
      }
      return null;
    });
  }
  if (listeners.size === 0) {
    db.exec(`CREATE TEMP TRIGGER IF NOT EXISTS ${NOTIFY_TRIGGER} AFTER INSERT ON main.replication_feed BEGIN SELECT ${NOTIFY_FUNCTION}(); END`);
  }
  listeners.add(listener);
  return () => {
    if (!listeners.delete(listener) || listeners.size > 0 || !db.open) return;
    db.exec(`DROP TRIGGER IF EXISTS temp.${NOTIFY_TRIGGER}`);
  };
}

export function createFeed(db: Database.Database, tables: readonly FeedTable[]): Feed {
  const byName = new Map(tables.map((t) => [t.table, t]));
  const counter = db.prepare('SELECT value FROM counters WHERE name = ?').pluck();
  const currentSeq = db.prepare(CURRENT_SEQ_SQL).pluck();
  const entries = db.prepare('SELECT seq, table_name, row_id, op FROM replication_feed WHERE seq > ? ORDER BY seq LIMIT ?');
  const rowStatements = new Map(tables.map((t) => [t.table, db.prepare(`SELECT ${t.selectList} FROM "${t.table}" WHERE ${t.idSql('')} = ?`)]));
  const sinceStatements = new Map(
    tables.map((t) => [t.table, db.prepare(`SELECT ${t.selectList} FROM "${t.table}" WHERE ${t.updatedAtSql} >= ? ORDER BY ${t.updatedAtSql} LIMIT ?`)]),
  );
  const read = <T>(fn: () => T): T => db.transaction(fn).deferred();

  const entriesAfter = (after: number, limit: number) => {
    const rows = entries.all(after, limit + 1) as EntryRow[];
    const more = rows.length > limit;
    return {
      entries: rows.slice(0, limit).map((r) => ({ seq: r.seq, table: r.table_name, rowId: r.row_id, op: r.op })),
      more,
    };
  };
  const rowNow = (t: FeedTable, id: RowId) => rowStatements.get(t.table)!.get(id) as Row | undefined;

  return {
    tables,
    seq: () => currentSeq.get() as number,
    floor: () => counter.get('replication.floor') as number,
    entriesAfter,
    rowNow,
    tableOf: (name) => byName.get(name),
    onLocalWrite: (listener) => listenToWrites(db, listener),
    inTransaction: () => db.inTransaction,
    changesAfter(after, limit) {
      return read(() => {
        const page = entriesAfter(after, limit);
        // Each row once, in its final state within the page: its last change decides
        // whether it is sent as it is now or listed as deleted (never both).
        const last = new Map<string, FeedEntry>();
        for (const e of page.entries) {
          if (!byName.has(e.table)) continue; // a table no longer declared
          const key = `${e.table}\u0000${typeof e.rowId}\u0000${e.rowId}`;
          last.delete(key);
          last.set(key, e);
        }
        const data = emptyByTable<Row[]>(tables, () => []);
        const deleted = emptyByTable<RowId[]>(tables, () => []);
        for (const e of last.values()) {
          const t = byName.get(e.table)!;
          const row = e.op === 'delete' ? undefined : rowNow(t, e.rowId);
          if (row) data[t.table]!.push(row);
          // A row changed in this page and deleted since: its delete is a later change; list it now too.
          else deleted[t.table]!.push(e.rowId);
        }
        const counts = Object.fromEntries(tables.map((t) => [t.table, data[t.table]!.length]));
        return { data, counts, deleted, seq: page.entries.at(-1)?.seq ?? after, more: page.more };
      });
    },
    liveEvents(after, limit) {
      return read(() => {
        const page = entriesAfter(after, limit);
        const events: LiveEvent[] = [];
        for (const e of page.entries) {
          const t = byName.get(e.table);
          if (!t) continue; // a table no longer declared
          const row = e.op === 'delete' ? undefined : rowNow(t, e.rowId);
          // A row deleted since this change is sent as a delete (its own delete follows).
          const op: FeedOp = row ? e.op : 'delete';
          events.push({ event: t.eventName(op), table: t.table, op, seq: e.seq, row: row ?? { id: e.rowId } });
        }
        return { events, last: page.entries.at(-1)?.seq ?? after, more: page.more };
      });
    },
    changesSince(since, limit) {
      return read(() => {
        // Each table's first `limit` rows, merged: the page is the first `limit` of them all.
        const merged = tables.flatMap((t) => (sinceStatements.get(t.table)!.all(since, limit) as Row[]).map((row) => ({ table: t.table, row })));
        merged.sort((a, b) => (String(a.row.updated_at) < String(b.row.updated_at) ? -1 : String(a.row.updated_at) > String(b.row.updated_at) ? 1 : 0));
        const page = merged.slice(0, limit);
        const data = emptyByTable<Row[]>(tables, () => []);
        for (const { table, row } of page) data[table]!.push(row);
        const counts = Object.fromEntries(tables.map((t) => [t.table, data[t.table]!.length]));
        const full = page.length === limit;
        return { data, counts, lastUpdatedAt: full ? String(page.at(-1)!.row.updated_at) : null };
      });
    },
  };
}
