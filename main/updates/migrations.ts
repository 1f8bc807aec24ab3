/**
 * The updater's state that must outlive a restart (and a reinstall of the
 * same database): the high-water mark and the last trusted time (no
 * rollback, no freeze), the versions the launcher went back from, and every
 * decision with its reason (admin's history, the log). Joined with the
 * core's and the modules' migrations in main/store/migrations.ts: the
 * updater runs on every kiosk, whichever modules its config names.
 */
import type { ModuleMigration } from '../store/migrations';

export const updatesMigrations: readonly ModuleMigration[] = [
  {
    version: 11,
    name: 'updates: high-water mark, trusted time, reverted versions, decisions',
    up(db) {
      db.exec(`
        -- One row. high_water: the highest version ever verified and taken;
        -- last_trusted_at: the newest verified releasedAt or TLS Date (ISO).
        CREATE TABLE update_facts (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          high_water TEXT,
          last_trusted_at TEXT
        ) STRICT;
        INSERT INTO update_facts (id) VALUES (1);
        -- Versions that did not reach "ready" and were reverted by the launcher.
        CREATE TABLE update_reverted (
          version TEXT PRIMARY KEY,
          at TEXT NOT NULL
        ) STRICT;
        -- Every decision and step: checked, refused (code), downloading, staged, installed, reverted.
        CREATE TABLE update_history (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          at TEXT NOT NULL,
          version TEXT,
          event TEXT NOT NULL,
          code TEXT,
          message TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
];
