/**
 * Migrations numbered per module, joined into one ordered run. Databases in
 * the field are at user_version 3 and test databases at every other version:
 * the joined list must run exactly the statements the single list ran.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { memoryLogger } from '../../main/log';
import { moduleSchemas } from '../../main/modules/schemas';
import { APP_SCHEMA_VERSION, joinMigrations, openStore, type Migration, type ModuleMigration } from '../../main/store';
import { coreMigrations } from '../../main/store/core-migrations';
import { migrationSources, migrations } from '../../main/store/migrations';
import { tempDir } from '../support/temp';
import { migrationsBeforeModules } from './fixtures/migrations-before-modules';

/** The SQL a migration runs, whitespace aside. */
function sqlOf(migration: Pick<Migration, 'up'>): string {
  const statements: string[] = [];
  migration.up({ exec: (sql: string) => statements.push(sql) } as unknown as Database.Database);
  return statements.join('\n').replace(/\s+/g, ' ').trim();
}

/** What a database holds after each version: its schema as SQLite stores it. */
function schemaAfterEachVersion(list: readonly Migration[]): { version: number; name: string; schema: unknown[] }[] {
  const db = new Database(':memory:');
  try {
    return list.map((m) => {
      db.transaction(() => m.up(db))();
      const schema = db.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all();
      return { version: m.version, name: m.name, schema };
    });
  } finally {
    db.close();
  }
}

// A migration that rebuilds tables (version 6) creates none of its own: it needs a real database to run, so it is left out here.
const tablesCreatedBy = (list: readonly Pick<Migration, 'up' | 'rebuildsTables'>[]) =>
  list.filter((m) => !m.rebuildsTables).flatMap((m) => [...sqlOf(m).matchAll(/CREATE TABLE (\w+)/g)].map((match) => match[1]));

describe('migrations per module, one ordered run', () => {
  it('runs the same versions, names and SQL as the single list did before modules kept their own', () => {
    // Later migrations (of any owner) may come between and after these; these never change.
    const released = migrations.filter((m) => migrationsBeforeModules.some((b) => b.version === m.version));
    expect(released.map((m) => [m.version, m.name])).toEqual(migrationsBeforeModules.map((m) => [m.version, m.name]));
    for (const [i, before] of migrationsBeforeModules.entries()) expect(sqlOf(released[i]!), `version ${before.version}`).toBe(sqlOf(before));
    // Byte for byte as SQLite keeps it, after every version (a database may stop at any of them).
    expect(schemaAfterEachVersion(released)).toEqual(schemaAfterEachVersion(migrationsBeforeModules));
    expect(APP_SCHEMA_VERSION).toBeGreaterThanOrEqual(migrationsBeforeModules.at(-1)!.version);
  });

  it("keeps each module's tables in its folder: the gate's and the payout's are not the core's", () => {
    const gate = ['tickets', 'admissions', 'downloads', 'gate_flags'];
    const payout = ['payout_transactions', 'payout_jobs', 'payout_steps', 'payout_unreadable_jobs'];
    expect(tablesCreatedBy(moduleSchemas.gate.migrations)).toEqual(expect.arrayContaining(gate));
    expect(tablesCreatedBy(moduleSchemas.payout.migrations)).toEqual(expect.arrayContaining(payout));
    expect(tablesCreatedBy(moduleSchemas.intake.migrations)).toEqual(['batches', 'pens', 'cattle', 'lora_payload_buffer']);
    expect(tablesCreatedBy(coreMigrations)).toEqual(expect.arrayContaining(['meta', 'settings', 'audit', 'counters', 'outbox']));
    expect(tablesCreatedBy(coreMigrations).filter((t) => gate.includes(t!) || payout.includes(t!))).toEqual([]);
  });

  it("declares as replicated only tables the module's own migrations create", () => {
    for (const [name, schema] of Object.entries(moduleSchemas)) {
      const own = tablesCreatedBy(schema.migrations);
      const declared = (schema.replicatedTables ?? []).map((t) => (typeof t === 'string' ? t : t.table));
      expect(declared, name).toEqual(declared.filter((t) => own.includes(t)));
    }
  });

  it("finds a module's migration: the runner applies it in order, after a backup", async () => {
    const file = path.join(tempDir(), 'booth.db');
    (await openStore({ file, log: memoryLogger() })).close();

    const next = APP_SCHEMA_VERSION + 1;
    const lockers: ModuleMigration = { version: next, name: 'lockers', up: (db) => db.exec('CREATE TABLE lockers (id TEXT PRIMARY KEY) STRICT') };
    const joined = joinMigrations([...migrationSources, { owner: 'lockers', migrations: [lockers] }]);
    expect(joined.map((m) => m.version)).toEqual([...migrations.map((m) => m.version), next]);

    let backup = '';
    const store = await openStore({ file, log: memoryLogger(), migrations: joined, onBackup: (f) => (backup = f) });
    expect(store.schemaVersion()).toBe(next);
    expect(store.db.prepare("SELECT name FROM sqlite_master WHERE name = 'lockers'").get()).toEqual({ name: 'lockers' });
    store.close();
    expect(fs.existsSync(backup)).toBe(true);
    const before = new Database(backup, { readonly: true });
    expect(before.pragma('user_version', { simple: true })).toBe(APP_SCHEMA_VERSION);
    before.close();
  });

  it('refuses two modules that claim one version, and a shared version whose parts do not name each other', () => {
    const table = (name: string): ModuleMigration => ({ version: 8, name, up: (db) => db.exec(`CREATE TABLE ${name} (x INTEGER)`) });
    expect(() => joinMigrations([{ owner: 'bookings', migrations: [table('bookings')] }, { owner: 'sessions', migrations: [table('sessions')] }])).toThrow(
      /version 8 is claimed by bookings and sessions/,
    );
    expect(() => joinMigrations([{ owner: 'bookings', migrations: [{ ...table('bookings'), sharedWith: ['sessions'] }] }])).toThrow(/shared with \[sessions\]/);
    expect(() => joinMigrations([{ owner: 'bookings', migrations: [{ ...table('bookings'), version: 0 }] }])).toThrow(/whole numbers/);
  });
});
