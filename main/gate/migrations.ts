/**
 * The gate's tables (seed 000): downloaded tickets with their raw JSON,
 * append-only admissions, downloads, and the flags for the attendant. Joined
 * with every other module's migrations into one ordered run
 * (main/store/migrations.ts). Never edit a released migration: add one with
 * the next free version number.
 */
import type { ModuleSchema } from '../modules/module';
import type { ModuleMigration } from '../store';
// Not through '../store' (its index joins the migrations: a cycle at load time).
import { rebuildTable } from '../store/rebuild-table';

const migrations: readonly ModuleMigration[] = [
  {
    version: 2,
    name: 'gate tickets, admissions, downloads, flags',
    // Version 2 also created the outbox and the sync sequence (main/store/core-migrations.ts), in one transaction with these.
    sharedWith: ['core'],
    up(db) {
      db.exec(`
        -- One row per downloaded ticket; raw_json is the record as the server
        -- sent it (validated), so pax and the server's used count per
        -- attraction are read from it.
        CREATE TABLE tickets (
          reference TEXT PRIMARY KEY,
          booking_date TEXT NOT NULL,
          raw_json TEXT NOT NULL,
          downloaded_at TEXT NOT NULL,
          last_download_id INTEGER NOT NULL,
          withdrawn_at TEXT
        ) STRICT;
        CREATE INDEX tickets_by_date ON tickets (booking_date);
        CREATE INDEX tickets_by_download ON tickets (last_download_id);

        -- Append-only admission events. included = 1 once a download that began
        -- after the upload's acknowledgement (acked_seq) has arrived.
        CREATE TABLE admissions (
          id TEXT PRIMARY KEY,
          reference TEXT NOT NULL,
          attraction TEXT NOT NULL,
          persons INTEGER NOT NULL CHECK (persons > 0),
          kiosk_id TEXT NOT NULL,
          at TEXT NOT NULL,
          test INTEGER NOT NULL DEFAULT 0,
          acked_seq INTEGER,
          included INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE INDEX admissions_by_ticket ON admissions (reference, attraction, included);
        CREATE INDEX admissions_by_time ON admissions (at);

        CREATE TABLE downloads (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          started_seq INTEGER NOT NULL,
          started_at TEXT NOT NULL,
          finished_at TEXT,
          state TEXT NOT NULL,
          processed INTEGER NOT NULL DEFAULT 0,
          total INTEGER,
          stored INTEGER NOT NULL DEFAULT 0,
          skipped INTEGER NOT NULL DEFAULT 0,
          withdrawn INTEGER NOT NULL DEFAULT 0,
          duration_ms INTEGER,
          error TEXT
        ) STRICT;

        CREATE TABLE gate_flags (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          reference TEXT NOT NULL,
          attraction TEXT NOT NULL,
          kind TEXT NOT NULL CHECK (kind IN ('over-admission', 'count-conflict')),
          detail TEXT NOT NULL,
          created_at TEXT NOT NULL,
          resolved_at TEXT
        ) STRICT;
        CREATE UNIQUE INDEX gate_flags_open ON gate_flags (reference, attraction, kind) WHERE resolved_at IS NULL;
      `);
    },
  },
  {
    version: 5,
    name: 'gate flags: current facts, resolution note',
    up(db) {
      db.exec(`
        -- facts: the counts behind a flag as JSON, so the attendant's page words
        -- them in its language; kept current while the flag is open (updated_at).
        ALTER TABLE gate_flags ADD COLUMN facts TEXT;
        ALTER TABLE gate_flags ADD COLUMN updated_at TEXT;
        ALTER TABLE gate_flags ADD COLUMN resolved_note TEXT;
        -- Re-detection looks for the last resolved flag of a ticket; the page reads open flags newest first.
        CREATE INDEX gate_flags_by_ticket ON gate_flags (reference, attraction, kind, id);
      `);
    },
  },
  {
    version: 6,
    name: 'fewer pages written per admission: admissions keyed by their id alone, no admissions_by_time',
    // The core's part (the outbox's rebuild) is in main/store/core-migrations.ts: one transaction.
    sharedWith: ['core'],
    rebuildsTables: true,
    up(db) {
      // An admission wrote 9.4 pages (each one a WAL frame on the fsync of its
      // commit): a page in each b-tree it touched. Four of them were written by
      // every admission and needed by nothing on its path; it now writes about 5
      // (docs/benchmarks.md).
      // - The admissions table and the index of its primary key were two b-trees:
      //   it is now a table WITHOUT ROWID, keyed by id. New ids are UUIDv7, in time
      //   order (gate/admission-id.ts), so that key also serves what
      //   admissions_by_time served: the admin's hour chart reads a range of it.
      //   Older (random) ids are counted by the chart with one scan while its
      //   window still reaches the last of them (meta gate.random-ids-until).
      //   Retention scans, every 6 hours.
      db.exec('DROP INDEX IF EXISTS admissions_by_time');
      db.exec("INSERT OR REPLACE INTO meta (key, value) SELECT 'gate.random-ids-until', MAX(at) FROM admissions HAVING MAX(at) IS NOT NULL");
      rebuildTable(db, 'admissions', (sql) => sql.replace(/\)\s*STRICT\s*$/i, ') STRICT, WITHOUT ROWID'));
    },
  },
  {
    version: 13,
    name: 'gate: a download\'s error as a code with values, for the screen language',
    up(db) {
      // JSON {code, params} beside the English error; rows from before stay English.
      db.exec('ALTER TABLE downloads ADD COLUMN error_coded TEXT;');
    },
  },
];

export const gateSchema: ModuleSchema = {
  migrations,
  // Local facts an office replica would copy; tickets come from the cloud, downloads are bookkeeping.
  // Admissions keep their time in `at`; a flag changes when it is updated or resolved.
  replicatedTables: [
    { table: 'admissions', createdAt: 'at', updatedAt: 'at', entity: 'admission' },
    {
      table: 'gate_flags',
      updatedAt: "MAX(created_at, COALESCE(updated_at, ''), COALESCE(resolved_at, ''))",
      entity: 'gate_flag',
    },
  ],
};
