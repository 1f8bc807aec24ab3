import type Database from 'better-sqlite3';

/**
 * Rebuilds `table` from its CREATE statement as `rewrite` changes it, with its
 * rows, indexes and triggers as they are now (whatever earlier migrations
 * added to it). Run only in a migration marked `rebuildsTables`.
 */
export function rebuildTable(db: Database.Database, table: string, rewrite: (createSql: string) => string): void {
  const schema = db.prepare('SELECT type, sql FROM sqlite_schema WHERE tbl_name = ? AND sql IS NOT NULL').all(table) as { type: string; sql: string }[];
  const create = schema.find((s) => s.type === 'table')?.sql;
  if (!create) throw new Error(`no table ${table} to rebuild`);
  const rebuilt = `${table}_rebuilt`;
  db.exec(rewrite(create).replace(/^CREATE TABLE\s+("[^"]+"|\S+)/i, `CREATE TABLE ${rebuilt}`));
  const columns = (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => `"${c.name}"`).join(', ');
  db.exec(`INSERT INTO ${rebuilt} (${columns}) SELECT ${columns} FROM ${table}`);
  db.exec(`DROP TABLE ${table}`);
  db.exec(`ALTER TABLE ${rebuilt} RENAME TO ${table}`);
  for (const companion of schema.filter((s) => s.type !== 'table')) db.exec(companion.sql);
}
