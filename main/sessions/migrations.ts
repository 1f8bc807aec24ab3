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
];

export const sessionsSchema: ModuleSchema = {
  migrations,
  replicatedTables: ['session_resources', 'sessions'],
};
