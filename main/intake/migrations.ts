/**
 * The LoRa intake's tables (seed 001, CONTRACTS.md "LoRa intake"): every
 * payload as it arrived (the buffer), the batches and animals the worker
 * makes of them, and the pens from config. Names and columns follow the seed
 * (`lora_payload_buffer`, `batches`, `cattle`, `pens`); every table replicates
 * with one `id` key and `created_at` / `updated_at` in UTC ISO 8601 with ms.
 * Never edit a released migration: add one with the next free version number.
 */
import type { ModuleSchema } from '../modules/module';
import type { ModuleMigration } from '../store';

const migrations: readonly ModuleMigration[] = [
  {
    version: 9,
    name: 'intake: LoRa payload buffer, batches, cattle, pens',
    up(db) {
      db.exec(`
        CREATE TABLE batches (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          batch_number TEXT NOT NULL UNIQUE,
          -- The venue date the first animal of the batch arrived.
          induction_date TEXT NOT NULL,
          source TEXT NOT NULL,
          source_type TEXT NOT NULL,
          notes TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        ) STRICT;
        CREATE INDEX batches_by_date ON batches (induction_date);

        CREATE TABLE pens (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          name TEXT NOT NULL UNIQUE,
          capacity INTEGER,
          -- 0: no longer in the config (kept for the animals in it).
          active INTEGER NOT NULL DEFAULT 1,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        ) STRICT;

        -- One animal per ear-tag pair: a tag is never on two animals.
        CREATE TABLE cattle (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          lf_tag TEXT NOT NULL UNIQUE,
          uhf_tag TEXT NOT NULL UNIQUE,
          batch_id INTEGER NOT NULL REFERENCES batches(id),
          pen_id INTEGER REFERENCES pens(id),
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        ) STRICT;
        CREATE INDEX cattle_by_batch ON cattle (batch_id);
        CREATE INDEX cattle_by_pen ON cattle (pen_id);

        -- Every payload, stored as it came before anything is made of it.
        -- received: not processed yet (the worker finds it again after a crash);
        -- processed: its batch and animal are committed (note "duplicate": the animal was there);
        -- failed: error says why (error_code: parse, unknown-source, length, conflict).
        CREATE TABLE lora_payload_buffer (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          payload TEXT NOT NULL,
          -- serial or api.
          channel TEXT NOT NULL CHECK (channel IN ('serial', 'api')),
          rssi INTEGER,
          snr REAL,
          received_at TEXT NOT NULL,
          status TEXT NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'processed', 'failed')),
          error TEXT,
          error_code TEXT,
          note TEXT,
          batch_id INTEGER REFERENCES batches(id),
          cattle_id INTEGER REFERENCES cattle(id),
          processed_at TEXT,
          attempts INTEGER NOT NULL DEFAULT 0,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          CHECK ((status = 'failed') = (error IS NOT NULL))
        ) STRICT;
        CREATE INDEX lora_payload_buffer_waiting ON lora_payload_buffer (id) WHERE status = 'received';
        CREATE INDEX lora_payload_buffer_failed ON lora_payload_buffer (id) WHERE status = 'failed';
      `);
    },
  },
  {
    version: 17,
    name: 'intake: why a payload failed, as a code with values (error_reason)',
    // One release with sessions' version 17 (the version this change was given); each part touches only its own tables.
    sharedWith: ['sessions'],
    up(db) {
      // JSON {"code","params"} beside the English `error`, so the attendant's page says it in the screen's language.
      db.exec('ALTER TABLE lora_payload_buffer ADD COLUMN error_reason TEXT');
    },
  },
];

export const intakeSchema: ModuleSchema = {
  migrations,
  // Live events are named as the seed's (CONTRACTS.md "Live events"): batch:created, cattle:created,
  // pen:created, payload:received for a buffered payload and payload:updated for its processing.
  replicatedTables: [
    { table: 'batches', entity: 'batch' },
    { table: 'cattle', entity: 'cattle' },
    { table: 'pens', entity: 'pen' },
    { table: 'lora_payload_buffer', entity: 'payload', eventNames: { insert: 'payload:received' } },
  ],
};
