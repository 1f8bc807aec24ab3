/**
 * The change feed's tables (docs/replication.md). Joined with every other
 * owner's migrations into one ordered run (main/store/migrations.ts). The
 * triggers that fill the feed are not here: they follow the modules'
 * declarations and are installed at every store open (./triggers.ts).
 */
import type { ModuleMigration } from '../store/migrations';

export const replicationMigrations: readonly ModuleMigration[] = [
  {
    version: 15,
    name: 'replication: the change feed, its sequence and retention marks',
    up(db) {
      db.exec(`
        -- One row per committed change of a replicated table, written by its
        -- triggers in the change's own transaction: seq is one past the newest
        -- (or past the floor), row_id the row's public id (ANY: an integer id
        -- stays an integer).
        CREATE TABLE replication_feed (
          seq INTEGER PRIMARY KEY,
          table_name TEXT NOT NULL,
          row_id ANY NOT NULL,
          op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete'))
        ) STRICT;
        -- The feed's floor: every seq at or below it may have been pruned, so a
        -- replica behind it needs a full export. Seqs never go back below it.
        INSERT INTO counters (name, value) VALUES ('replication.floor', 0);
        -- Where the sequence stood when (kiosk clock): retention prunes up to a mark old enough.
        CREATE TABLE replication_marks (
          seq INTEGER PRIMARY KEY,
          at TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
];
