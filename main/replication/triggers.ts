/**
 * The feed's triggers, installed from the modules' declarations at every
 * store open: a change of a replicated table, by Booth's code or by any raw
 * SQL, commits with its feed row and its seq, or not at all. Idempotent: a
 * trigger already as wanted is left alone; one of a table no longer declared
 * is dropped; a table declared for the first time has its existing rows
 * entered in the feed (as inserts) in the same transaction as its triggers.
 *
 * The next seq is one past the newest in the feed, or past the floor when
 * retention pruned everything: the feed's rightmost page is written by the
 * change anyway, and the floor (counter 'replication.floor') is only read,
 * so a change writes one page more than before, not two (a counter row
 * bumped per change would be its own page: docs/benchmarks.md). No seq comes
 * back: Booth deletes feed rows only by retention, which raises the floor
 * past them in the same transaction.
 */
import type Database from 'better-sqlite3';
import type { FeedTable } from './tables';

const BACKFILLED_KEY = 'replication.tables';

/** The feed's current seq: the newest change, or the floor when there is none above it. */
export const CURRENT_SEQ_SQL =
  "SELECT MAX(COALESCE((SELECT MAX(seq) FROM replication_feed), 0), (SELECT value FROM counters WHERE name = 'replication.floor'))";
const NEXT_SEQ = `(${CURRENT_SEQ_SQL}) + 1`;
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The three triggers of a table, by name. */
function triggersOf(t: FeedTable): Map<string, string> {
  const name = (op: string) => `replication_${t.table}_${op}`;
  const on = `"${t.table}"`;
  const entry = (id: string, op: string, when = '') =>
    `INSERT INTO replication_feed (seq, table_name, row_id, op) SELECT ${NEXT_SEQ}, ${literal(t.table)}, ${id}, '${op}'${when};`;
  const idChanged = ` WHERE ${t.idSql('OLD.')} IS NOT ${t.idSql('NEW.')}`;
  return new Map([
    [name('insert'), `CREATE TRIGGER "${name('insert')}" AFTER INSERT ON ${on} BEGIN ${entry(t.idSql('NEW.'), 'insert')} END`],
    [
      name('update'),
      // An update that changes the id takes the old id away: a delete of it first.
      `CREATE TRIGGER "${name('update')}" AFTER UPDATE ON ${on} BEGIN ${entry(t.idSql('OLD.'), 'delete', idChanged)} ${entry(t.idSql('NEW.'), 'update')} END`,
    ],
    [name('delete'), `CREATE TRIGGER "${name('delete')}" AFTER DELETE ON ${on} BEGIN ${entry(t.idSql('OLD.'), 'delete')} END`],
  ]);
}

/** True when this database has the feed (a store opened with an older migration list has not). */
export function hasFeed(db: Database.Database): boolean {
  return db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'replication_feed'").get() !== undefined;
}

export function installFeedTriggers(db: Database.Database, tables: readonly FeedTable[]): void {
  // INSERT OR REPLACE deletes the rows it replaces: with recursive triggers on,
  // those deletes fire the delete triggers too (this connection's setting).
  db.pragma('recursive_triggers = ON');
  const wanted = new Map(tables.flatMap((t) => [...triggersOf(t)]));
  const present = new Map(
    (db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND name LIKE 'replication\\_%' ESCAPE '\\'").all() as { name: string; sql: string }[]).map(
      (r) => [r.name, r.sql],
    ),
  );
  const backfilledRow = db.prepare('SELECT value FROM meta WHERE key = ?').get(BACKFILLED_KEY) as { value: string } | undefined;
  const backfilled = new Set<string>(backfilledRow ? (JSON.parse(backfilledRow.value) as string[]) : []);
  const toBackfill = tables.filter((t) => !backfilled.has(t.table));
  const stale = [...present].filter(([name, sql]) => wanted.get(name) !== sql).map(([name]) => name);
  const missing = [...wanted].filter(([name]) => present.get(name) !== wanted.get(name));
  const indexes = tables.flatMap((t) =>
    t.idIndexSql && !db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?").get(`replication_${t.table}_id`) ? [t.idIndexSql] : [],
  );
  const declaredNames = tables.map((t) => t.table);
  const backfillChanges = toBackfill.length > 0 || [...backfilled].some((name) => !declaredNames.includes(name));
  if (stale.length === 0 && missing.length === 0 && !backfillChanges && indexes.length === 0) return;

  db.transaction(() => {
    for (const name of stale) db.exec(`DROP TRIGGER IF EXISTS "${name}"`);
    for (const sql of indexes) db.exec(sql);
    for (const [, sql] of missing) db.exec(sql);
    // Rows that were there before their table replicated get their seqs now, in the triggers' transaction.
    for (const t of toBackfill) {
      db.prepare(
        `INSERT INTO replication_feed (seq, table_name, row_id, op)
         SELECT (${CURRENT_SEQ_SQL}) + ROW_NUMBER() OVER (), ${literal(t.table)}, ${t.idSql('')}, 'insert' FROM "${t.table}"`,
      ).run();
    }
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(
      BACKFILLED_KEY,
      JSON.stringify(declaredNames),
    );
  })();
}

/**
 * Runs `insert` (inside the caller's transaction) with the table's per-row
 * insert trigger lifted, then enters every row it inserted in the feed with
 * one statement, in rowid order, before the transaction can commit: a day's
 * download of 10,000 bookings pays one feed statement instead of 10,000
 * trigger runs (docs/benchmarks.md). The trigger is dropped and re-created
 * in a savepoint of the same transaction, so no other connection ever sees
 * the table without it, and a throw rolls the savepoint back with the
 * trigger in place. Updates and deletes inside keep their own triggers.
 *
 * Only for a table whose rowids never come back (AUTOINCREMENT): "inserted
 * by `insert`" is then "rowid above the largest before it". Any other table,
 * or one that does not replicate, just runs `insert` with its triggers.
 */
export function withBulkFeedInserts<T>(db: Database.Database, table: FeedTable | undefined, insert: () => T): T {
  if (!db.inTransaction) throw new Error('withBulkFeedInserts: call it inside the transaction that writes the rows');
  const triggerName = table ? `replication_${table.table}_insert` : '';
  const trigger = table
    ? (db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND name = ?").pluck().get(triggerName) as string | undefined)
    : undefined;
  const tableSql = table ? (db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?").pluck().get(table.table) as string | undefined) : undefined;
  if (!table || !trigger || !tableSql || !/\bAUTOINCREMENT\b/i.test(tableSql)) return insert();
  const on = `"${table.table}"`;
  return db.transaction(() => {
    const before = db.prepare(`SELECT COALESCE(MAX(rowid), 0) FROM ${on}`).pluck().get() as number;
    db.exec(`DROP TRIGGER "${triggerName}"`);
    const result = insert();
    db.prepare(
      `INSERT INTO replication_feed (seq, table_name, row_id, op)
       SELECT (${CURRENT_SEQ_SQL}) + ROW_NUMBER() OVER (ORDER BY rowid), ${literal(table.table)}, ${table.idSql('')}, 'insert' FROM ${on} WHERE rowid > ?`,
    ).run(before);
    db.exec(trigger);
    return result;
  })();
}
