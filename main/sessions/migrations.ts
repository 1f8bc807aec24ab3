/**
 * Timed sessions' tables (seed 004): the resources sessions run on (the
 * café's PCs, the seed's "systems") and the sessions (the seed's bookings).
 * A resource is Active exactly when it holds a session, and a resource holds
 * at most one Active session: both are constraints, so no write can leave a
 * PC "Active" without its session (the seed's bug). Never edit a released
 * migration: add one with the next free version number.
 */
import type { ModuleSchema } from '../modules/module';
import type { ModuleMigration } from '../store';

const migrations: readonly ModuleMigration[] = [
  {
    version: 10,
    name: 'sessions: resources and timed sessions',
    up(db) {
      db.exec(`
        CREATE TABLE session_resources (
          -- The systemId the cloud knows it by.
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          kind TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('Available', 'Active', 'Maintenance')),
          active_session_id TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          CHECK ((status = 'Active') = (active_session_id IS NOT NULL))
        ) STRICT;
        CREATE UNIQUE INDEX session_resources_active ON session_resources (active_session_id) WHERE active_session_id IS NOT NULL;

        CREATE TABLE sessions (
          id TEXT PRIMARY KEY,
          resource_id TEXT NOT NULL REFERENCES session_resources(id),
          -- Wall-clock times (UTC ISO 8601, ms); the length is ends_at - started_at.
          started_at TEXT NOT NULL,
          ends_at TEXT NOT NULL,
          status TEXT NOT NULL CHECK (status IN ('Active', 'Completed', 'Cancelled')),
          -- kiosk: started by the attendant; cloud: pulled from sessions.pullEndpoint.
          source TEXT NOT NULL CHECK (source IN ('kiosk', 'cloud')),
          -- expired, ended-early, cancelled-by-cloud, completed-by-cloud
          end_reason TEXT,
          completed_at TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        ) STRICT;
        CREATE UNIQUE INDEX sessions_one_active_per_resource ON sessions (resource_id) WHERE status = 'Active';
        CREATE INDEX sessions_by_start ON sessions (started_at);
      `);
    },
  },
  {
    version: 17,
    name: 'sessions: resources the attendant adds, renames and retires',
    // One release with intake's version 17 (the version this change was given); each part touches only its own tables.
    sharedWith: ['intake'],
    up(db) {
      db.exec(`
        -- config: kept as sessions.resources says at every start; admin: added by the attendant, whose it is to rename.
        ALTER TABLE session_resources ADD COLUMN origin TEXT NOT NULL DEFAULT 'config' CHECK (origin IN ('config', 'admin'));
        -- Retired: off the board and out of the admin's list, its sessions kept; never while it holds a session.
        ALTER TABLE session_resources ADD COLUMN retired_at TEXT CHECK (retired_at IS NULL OR active_session_id IS NULL);
      `);
    },
  },
];

export const sessionsSchema: ModuleSchema = {
  migrations,
  replicatedTables: ['session_resources', 'sessions'],
};
