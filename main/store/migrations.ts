/**
 * Numbered migrations, applied in order; the database's `PRAGMA user_version`
 * is the number of the last one applied. Never edit a released migration: add one.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'kiosk meta, settings and admin audit',
    up(db) {
      db.exec(`
        CREATE TABLE meta (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL
        ) STRICT;
        -- State that must outlive a restart (lockouts, out of service, test mode).
        CREATE TABLE settings (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL,
          updated_at TEXT NOT NULL
        ) STRICT;
        CREATE TABLE audit (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          at TEXT NOT NULL,
          action TEXT NOT NULL,
          detail TEXT
        ) STRICT;
        -- A scratch table for the core benchmark's bulk rows.
        CREATE TABLE bench_scratch (
          id INTEGER PRIMARY KEY,
          payload TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
];

export const APP_SCHEMA_VERSION = migrations.at(-1)?.version ?? 0;
