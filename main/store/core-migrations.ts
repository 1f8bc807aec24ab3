/**
 * The kiosk's own tables (meta and kiosk id, settings, the admin audit, the
 * outbox and the sync sequence): the core's numbered migrations. Each
 * module's are in its folder (main/<module>/migrations.ts); migrations.ts
 * joins them all into one ordered run. Never edit a released migration: add one.
 */
import type { ModuleMigration } from './migrations';
import { rebuildTable } from './rebuild-table';

export const coreMigrations: readonly ModuleMigration[] = [
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
  {
    version: 2,
    name: 'outbox, sync sequence',
    // Written before modules kept their own migrations: the gate's tables of version 2 are in main/gate/migrations.ts.
    sharedWith: ['gate'],
    up(db) {
      db.exec(`
        -- Monotonic counters written in the same transaction as what they order.
        CREATE TABLE counters (
          name TEXT PRIMARY KEY,
          value INTEGER NOT NULL
        ) STRICT;
        INSERT INTO counters (name, value) VALUES ('sync', 0);

        -- Every upload: written with its business row, sent in per-key order.
        CREATE TABLE outbox (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          kind TEXT NOT NULL,
          order_key TEXT NOT NULL,
          idempotency_key TEXT NOT NULL UNIQUE,
          payload TEXT NOT NULL,
          depends_on INTEGER REFERENCES outbox(id),
          state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'dead')),
          attempts INTEGER NOT NULL DEFAULT 0,
          last_error TEXT,
          created_at TEXT NOT NULL,
          done_at TEXT
        ) STRICT;
        CREATE INDEX outbox_by_state_key ON outbox (state, order_key, id);
      `);
    },
  },
  {
    // Version 6 (4 and 5 are other changes of the same release; the runner takes gaps).
    version: 6,
    name: 'outbox without AUTOINCREMENT or a unique index on its keys',
    // The gate's part (admissions keyed by id alone) is in main/gate/migrations.ts: one transaction.
    sharedWith: ['gate'],
    rebuildsTables: true,
    up(db) {
      // Fewer pages written per admission (docs/benchmarks.md):
      // - AUTOINCREMENT wrote sqlite_sequence on every insert. Ids still never
      //   repeat: retention keeps the newest outbox row, so MAX(id) never goes back.
      // - The UNIQUE index on idempotency_key: keys are random UUIDs (122 random
      //   bits), made once per item and never looked up.
      rebuildTable(db, 'outbox', (sql) =>
        sql.replace(/(\bid\s+INTEGER\s+PRIMARY\s+KEY)\s+AUTOINCREMENT\b/i, '$1').replace(/(\bidempotency_key\s+TEXT\s+NOT\s+NULL)\s+UNIQUE\b/i, '$1'),
      );
    },
  },
  {
    version: 7,
    name: 'audit rows by action (refused PIN entries are pruned past a limit)',
    up(db) {
      db.exec('CREATE INDEX audit_by_action ON audit (action, id);');
    },
  },
  {
    version: 12,
    name: 'audit details as a code with values, for the screen language',
    up(db) {
      // JSON {code, params} beside the English detail; rows from before keep their English.
      db.exec('ALTER TABLE audit ADD COLUMN detail_coded TEXT;');
    },
  },
  {
    version: 21,
    name: 'outbox: whether an item was ever sent, kept across a redrive',
    up(db) {
      // A redrive resets attempts (the kind's own retry delays start over), so attempts = 0 no longer
      // means "never sent": nothing may be merged into a body the server may have seen under its key.
      db.exec('ALTER TABLE outbox ADD COLUMN sent INTEGER NOT NULL DEFAULT 0; UPDATE outbox SET sent = 1 WHERE attempts > 0;');
    },
  },
];
