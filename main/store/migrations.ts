/**
 * Numbered migrations, applied in order in one run; the database's
 * `PRAGMA user_version` is the number of the last one applied, and a backup
 * is taken before any of them runs (index.ts). Each owner keeps its own: the
 * core in core-migrations.ts, each module in main/<module>/migrations.ts
 * (listed in main/modules/schemas.ts). They are joined here into one list
 * ordered by version, the same for every kiosk whichever modules its config
 * names. A version number is used once: the next free one, whoever adds it.
 * Never edit a released migration: add one.
 */
import type Database from 'better-sqlite3';
import { moduleSchemas } from '../modules/schemas';
import { updatesMigrations } from '../updates/migrations';
import type { ReplicatedTable } from '../replication/declaration';
import { replicationMigrations } from '../replication/migrations';
import { coreMigrations } from './core-migrations';

/** One step of the schema, as the runner applies it (in one transaction with its user_version). */
export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
  /**
   * It rebuilds a table (SQLite cannot drop a constraint in place): the runner
   * turns foreign keys off around it, as SQLite's procedure for altering a
   * table requires, and checks every reference before it commits.
   */
  rebuildsTables?: boolean;
}

/** A migration as its owner (the core or a module) declares it. */
export interface ModuleMigration extends Migration {
  /**
   * The other owners that hold a part of this version: a version written before
   * each module kept its own migrations (2 and 6), or one change that was given
   * one version number for two modules (17). Their parts run in one transaction,
   * the core's first, then the modules' in registry order.
   */
  sharedWith?: readonly string[];
}

/** The migrations of one owner: 'core', or a module's config name. */
export interface MigrationSource {
  owner: string;
  migrations: readonly ModuleMigration[];
}

/**
 * Joins every owner's migrations into one list ordered by version. Throws when
 * two owners claim one version (two branches that took the same number) and
 * when a shared version's parts do not name each other.
 */
export function joinMigrations(sources: readonly MigrationSource[]): Migration[] {
  const byVersion = new Map<number, { owner: string; migration: ModuleMigration }[]>();
  for (const { owner, migrations } of sources) {
    for (const migration of migrations) {
      if (!Number.isInteger(migration.version) || migration.version < 1) {
        throw new Error(`migration "${migration.name}" of ${owner} has version ${migration.version}; versions are whole numbers from 1`);
      }
      byVersion.set(migration.version, [...(byVersion.get(migration.version) ?? []), { owner, migration }]);
    }
  }
  return [...byVersion.entries()]
    .sort(([a], [b]) => a - b)
    .map(([version, parts]) => {
      const owners = parts.map((p) => p.owner);
      for (const { owner, migration } of parts) {
        const others = owners.filter((o) => o !== owner);
        const declared = [...(migration.sharedWith ?? [])].sort();
        if (parts.length > 1 && declared.length === 0) {
          throw new Error(`migration version ${version} is claimed by ${owners.join(' and ')}: give one of them the next free version number`);
        }
        if (declared.join() !== [...others].sort().join()) {
          throw new Error(`migration version ${version} of ${owner} says it is shared with [${declared.join(', ')}], but its other parts are in [${others.join(', ')}]`);
        }
      }
      const rebuildsTables = parts.some((p) => p.migration.rebuildsTables === true);
      if (parts.length === 1) return { version, name: parts[0]!.migration.name, up: parts[0]!.migration.up, rebuildsTables };
      return {
        version,
        name: parts.map((p) => p.migration.name).join(', '),
        rebuildsTables,
        up(db: Database.Database) {
          for (const part of parts) part.migration.up(db);
        },
      };
    });
}

/** Every owner's migrations: the core's, the change feed's (main/replication), each module's. */
export const migrationSources: readonly MigrationSource[] = [
  { owner: 'core', migrations: coreMigrations },
  { owner: 'replication', migrations: replicationMigrations },
  ...Object.entries(moduleSchemas).map(([owner, schema]) => ({ owner, migrations: schema.migrations })),
  // Kiosk-wide (not a config-named module): the updater runs on every kiosk.
  { owner: 'updates', migrations: updatesMigrations },
];

/** Every migration of this build, in the order they run. */
export const migrations: readonly Migration[] = joinMigrations(migrationSources);

export const APP_SCHEMA_VERSION = migrations.at(-1)?.version ?? 0;

/** Every module's replicated tables (main/replication), in registry order: the store installs their feed triggers at open. */
export const replicatedTables: readonly ReplicatedTable[] = Object.values(moduleSchemas).flatMap((schema) => schema.replicatedTables ?? []);
