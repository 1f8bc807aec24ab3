/**
 * Numbered migrations, applied in order; the database's `PRAGMA user_version`
 * is the number of the last one applied. Never edit a released migration: add one.
 */
import type Database from 'better-sqlite3';

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
  {
    version: 2,
    name: 'outbox, sync sequence, gate tickets, admissions, downloads, flags',
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
    version: 3,
    name: 'payout ledger: transactions, jobs, dispense steps',
    up(db) {
      db.exec(`
        -- One row per cloud transaction this kiosk knows of. The money rule is
        -- kept here: coins_paid never exceeds coins_owed.
        CREATE TABLE payout_transactions (
          id TEXT PRIMARY KEY,
          reference TEXT NOT NULL,
          amount REAL NOT NULL,
          created_here INTEGER NOT NULL,
          created_at TEXT NOT NULL,
          expires_at TEXT,
          coins_owed INTEGER,
          coins_paid INTEGER NOT NULL DEFAULT 0 CHECK (coins_paid >= 0),
          customer_present INTEGER NOT NULL DEFAULT 0,
          owed_reason TEXT,
          owed_detail TEXT,
          resolved_at TEXT,
          CHECK (coins_owed IS NULL OR coins_paid <= coins_owed)
        ) STRICT;
        CREATE INDEX payout_transactions_by_time ON payout_transactions (created_at);

        -- Every delivery of a job (the cloud retries a job under the same id).
        CREATE TABLE payout_jobs (
          job_id TEXT NOT NULL,
          retry_count INTEGER NOT NULL,
          transaction_id TEXT NOT NULL,
          quarters INTEGER NOT NULL,
          received_at TEXT NOT NULL,
          reported INTEGER NOT NULL DEFAULT 0,
          PRIMARY KEY (job_id, retry_count)
        ) STRICT;

        -- One row per motor command, written (with the hopper's counters) before
        -- the command is sent, completed with its outcome after.
        CREATE TABLE payout_steps (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          transaction_id TEXT NOT NULL REFERENCES payout_transactions(id),
          coins INTEGER NOT NULL CHECK (coins BETWEEN 1 AND 255),
          event_counter_before INTEGER NOT NULL,
          lifetime_before INTEGER,
          -- intent/unknown: not counted yet; mismatch: the counters cannot tell (attendant).
          state TEXT NOT NULL CHECK (state IN ('intent', 'done', 'partial', 'refused', 'unknown', 'mismatch')),
          coins_paid INTEGER,
          started_at TEXT NOT NULL,
          finished_at TEXT,
          detail TEXT
        ) STRICT;
        CREATE INDEX payout_steps_open ON payout_steps (state) WHERE state IN ('intent', 'unknown');
      `);
    },
  },
  {
    version: 4,
    name: 'payout: coins seen paid, hand counts, the server asks, unreadable jobs',
    up(db) {
      db.exec(`
        -- The most coins the kiosk saw paid by a command while it ran (the hopper's
        -- progress replies), written before it is shown: a lower bound that no
        -- reconciliation may go below.
        ALTER TABLE payout_steps ADD COLUMN coins_seen INTEGER NOT NULL DEFAULT 0 CHECK (coins_seen >= 0);
        -- Set when the attendant's hand count settled this command (it is no longer counted from the hopper).
        ALTER TABLE payout_steps ADD COLUMN counted_by_hand_at TEXT;

        -- What the latest job asked (as sent: may be negative or fractional; null: no usable count).
        ALTER TABLE payout_transactions ADD COLUMN quarters_asked REAL;
        -- The attendant's count of the coins the customer got in total, and when.
        ALTER TABLE payout_transactions ADD COLUMN hand_count INTEGER CHECK (hand_count IS NULL OR hand_count >= 0);
        ALTER TABLE payout_transactions ADD COLUMN hand_counted_at TEXT;
        -- Coins the customer got beyond what was owed (known from a hand count); coins_paid stays <= coins_owed.
        ALTER TABLE payout_transactions ADD COLUMN coins_overpaid INTEGER NOT NULL DEFAULT 0 CHECK (coins_overpaid >= 0);

        -- Answers of jobs/pending that are not a job this kiosk can read, one row per distinct answer.
        -- Those with a readable id are reported failed (unreadable_job), so the queue moves on.
        CREATE TABLE payout_unreadable_jobs (
          fingerprint TEXT PRIMARY KEY,
          job_id TEXT,
          transaction_id TEXT,
          problem TEXT NOT NULL,
          excerpt TEXT NOT NULL,
          first_seen TEXT NOT NULL,
          last_seen TEXT NOT NULL,
          deliveries INTEGER NOT NULL DEFAULT 1,
          reported INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        CREATE INDEX payout_unreadable_jobs_by_time ON payout_unreadable_jobs (last_seen);
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
    // Version 6 (4 and 5 are other changes of the same release; the runner takes gaps).
    version: 6,
    name: 'fewer pages written per admission: admissions keyed by their id alone, no admissions_by_time; outbox without AUTOINCREMENT or a unique index on its keys',
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
];

export const APP_SCHEMA_VERSION = migrations.at(-1)?.version ?? 0;
