/**
 * The modules' replicated-table declarations, checked against the database
 * and turned into the SQL the feed, the export and the triggers use. A
 * declaration that cannot be honoured (a table of the kiosk's own, a secret,
 * a missing column) stops the store from opening: it is a programming error
 * every test would meet, never something to skip quietly.
 */
import type Database from 'better-sqlite3';
import type { ReplicatedTable } from './declaration';

/** Tables that never replicate, whoever declares them: the kiosk's own state and secrets (settings hold lockouts and such; the audit names keys). */
const NEVER_REPLICATED = new Set(['meta', 'settings', 'audit', 'outbox', 'counters', 'bench_scratch', 'replication_feed', 'replication_marks']);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface FeedTable {
  table: string;
  entity: string;
  /** The live event's name for a change of this table. */
  eventName(op: 'insert' | 'update' | 'delete'): string;
  /** The id columns (one: its value; several: joined by ":"). */
  idColumns: readonly string[];
  /** The id as SQL, its columns prefixed (`NEW.`, `OLD.`, or '' for the table itself). */
  idSql(prefix: string): string;
  /** SELECT list of a row as replicas see it: id, its columns, created_at, updated_at. */
  selectList: string;
  updatedAtSql: string;
  /** An index the id lookup needs (a composite or non-key id), or null. */
  idIndexSql: string | null;
}

const quote = (name: string) => `"${name}"`;

export function resolveTables(db: Database.Database, declared: readonly ReplicatedTable[]): FeedTable[] {
  const seen = new Set<string>();
  return declared.map((d) => {
    const decl = typeof d === 'string' ? { table: d } : d;
    const { table } = decl;
    const problem = (what: string) => new Error(`replicated table ${table}: ${what}`);
    if (!NAME.test(table)) throw problem('not a plain table name');
    if (NEVER_REPLICATED.has(table) || table.startsWith('sqlite_')) throw problem('the kiosk\'s own state and secrets never replicate');
    if (seen.has(table)) throw problem('declared twice');
    seen.add(table);
    const info = db.pragma(`table_info(${quote(table)})`) as { name: string; pk: number }[];
    if (info.length === 0) throw problem('no such table in the database (declare it in the module whose migrations create it)');
    const columns = info.map((c) => c.name);
    const has = (c: string) => columns.includes(c);
    const idColumns = decl.idColumns ?? ['id'];
    if (idColumns.length === 0) throw problem('idColumns is empty');
    for (const c of idColumns) if (!has(c)) throw problem(`it has no column ${c} for its id`);
    if (!(idColumns.length === 1 && idColumns[0] === 'id') && has('id')) throw problem('it has a column id of its own; declare it as its id');
    if (!decl.createdAt && !has('created_at')) throw problem('it has no created_at column: declare createdAt');
    if (!decl.updatedAt && !has('updated_at') && !decl.createdAt && !has('created_at')) throw problem('declare updatedAt');
    const idSql = (prefix: string) => idColumns.map((c) => `${prefix}${quote(c)}`).join(` || ':' || `);
    const createdAtSql = decl.createdAt ?? quote('created_at');
    const updatedAtSql = decl.updatedAt ?? (has('updated_at') ? `COALESCE(${quote('updated_at')}, ${createdAtSql})` : createdAtSql);
    const own = columns.filter((c) => c !== 'id' && c !== 'created_at' && c !== 'updated_at').map(quote);
    const pk = info.filter((c) => c.pk > 0).map((c) => c.name);
    const idIsKey = idColumns.length === 1 && pk.length === 1 && pk[0] === idColumns[0];
    const entity = decl.entity ?? table;
    const verbs = { insert: 'created', update: 'updated', delete: 'deleted' } as const;
    return {
      table,
      entity,
      eventName: (op) => decl.eventNames?.[op] ?? `${entity}:${verbs[op]}`,
      idColumns,
      idSql,
      selectList: [`${idSql('')} AS "id"`, ...own, `${createdAtSql} AS "created_at"`, `${updatedAtSql} AS "updated_at"`].join(', '),
      updatedAtSql,
      idIndexSql: idIsKey ? null : `CREATE INDEX IF NOT EXISTS ${quote(`replication_${table}_id`)} ON ${quote(table)} (${idSql('')})`,
    };
  });
}
