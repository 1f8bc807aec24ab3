/**
 * The payout ledger's tables (seed 002): transactions with what is owed and
 * paid, every delivery of a job, every motor command, and the job answers
 * this kiosk could not read. Joined with every other module's migrations
 * into one ordered run (main/store/migrations.ts). Never edit a released
 * migration: add one with the next free version number.
 */
import type { ModuleSchema } from '../modules/module';
import type { ModuleMigration } from '../store';

const migrations: readonly ModuleMigration[] = [
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
    version: 8,
    name: 'payout: why coins are owed as a code with values, for the screen language',
    up(db) {
      db.exec(`
        -- JSON {code, params} beside the English owed_detail (null in older rows: the English is shown).
        ALTER TABLE payout_transactions ADD COLUMN owed_detail_coded TEXT;
      `);
    },
  },
];

export const payoutSchema: ModuleSchema = {
  migrations,
  // The ledger an office replica would copy: transactions, job deliveries, motor commands.
  // Their times are the latest of the moments each records; a job delivery is keyed by job id and retry.
  replicatedTables: [
    {
      table: 'payout_transactions',
      updatedAt: "MAX(created_at, COALESCE(resolved_at, ''), COALESCE(hand_counted_at, ''))",
      entity: 'payout_transaction',
    },
    { table: 'payout_jobs', idColumns: ['job_id', 'retry_count'], createdAt: 'received_at', updatedAt: 'received_at', entity: 'payout_job' },
    {
      table: 'payout_steps',
      createdAt: 'started_at',
      updatedAt: "MAX(started_at, COALESCE(finished_at, ''), COALESCE(counted_by_hand_at, ''))",
      entity: 'payout_step',
    },
  ],
};
