/**
 * The bookings module's tables (seed 003, CONTRACTS.md "Bookings and match
 * videos"): `bookings` as the seed's schema (timestamps in UTC ISO 8601 with
 * ms, as every replicated table), the match videos (one per booking and
 * camera), and the generic task pipeline their steps run in.
 * Never edit a released migration: add one with the next free version number.
 */
import type { ModuleSchema } from '../modules/module';
import { pipelineMigration } from '../pipeline/migrations';
import type { ModuleMigration } from '../store';

const migrations: readonly ModuleMigration[] = [
  {
    version: 18,
    name: 'bookings: bookings and match videos',
    up(db) {
      db.exec(`
        CREATE TABLE bookings (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          booking_id TEXT NOT NULL UNIQUE,
          order_detail_id INTEGER,
          field_id INTEGER,
          date TEXT,
          start_time TEXT,
          end_time TEXT,
          status TEXT,
          field_name TEXT,
          user_name TEXT,
          user_phone TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          raw_json TEXT,
          last_sync_at TEXT NOT NULL
        );
        CREATE INDEX idx_bookings_date ON bookings (date);
        CREATE INDEX idx_bookings_status ON bookings (status);
        CREATE INDEX idx_bookings_field_id ON bookings (field_id);

        -- One clip per booking and camera (trigger 'schedule': the whole match, at most one;
        -- 'manual': requested while playing, from the start to the request).
        CREATE TABLE booking_videos (
          -- The unique_id of the notification and of the object names.
          id TEXT PRIMARY KEY,
          booking_id TEXT NOT NULL,
          camera TEXT NOT NULL,
          field_id INTEGER NOT NULL,
          trigger TEXT NOT NULL CHECK (trigger IN ('schedule', 'manual')),
          -- UTC ISO 8601: what the clip covers.
          clip_start TEXT NOT NULL,
          clip_end TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('processing', 'uploading', 'notifying', 'ready', 'failed', 'cancelled')),
          duration REAL,
          mp4_url TEXT,
          preview_url TEXT,
          thumbnail_url TEXT,
          -- Local files while they are needed (cleared when deleted).
          local_dir TEXT,
          error TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        ) STRICT;
        CREATE UNIQUE INDEX booking_videos_one_schedule ON booking_videos (booking_id, camera) WHERE trigger = 'schedule';
        CREATE INDEX booking_videos_by_booking ON booking_videos (booking_id);
      `);
    },
  },
  pipelineMigration(19),
  {
    version: 20,
    name: 'bookings: when each booking was last seen, without a replicated write per unchanged booking',
    up(db) {
      // Local bookkeeping (main/bookings/seen.ts), not replicated.
      db.exec(`
        CREATE TABLE booking_day_syncs (
          date TEXT PRIMARY KEY,
          synced_at TEXT NOT NULL
        ) STRICT;
        CREATE TABLE bookings_unseen (
          booking_id TEXT PRIMARY KEY,
          last_seen_at TEXT NOT NULL
        ) STRICT;
      `);
    },
  },
];

export const bookingsSchema: ModuleSchema = {
  migrations,
  replicatedTables: ['bookings', 'booking_videos'],
};
