/** The sessions module's rows and the statements on them. */
import type Database from 'better-sqlite3';
import type { ResourceStatus } from '../../preload/contract';

export interface ResourceRow {
  id: string;
  name: string;
  kind: string;
  status: ResourceStatus;
  active_session_id: string | null;
  /** config: as sessions.resources says; admin: the attendant's. */
  origin: 'config' | 'admin';
}

export interface SessionRow {
  id: string;
  resource_id: string;
  started_at: string;
  ends_at: string;
  status: 'Active' | 'Completed' | 'Cancelled';
  source: 'kiosk' | 'cloud';
  end_reason: string | null;
  completed_at: string | null;
}

export type SessionRecords = ReturnType<typeof prepareSessionRecords>;

const RESOURCE_COLUMNS = 'id, name, kind, status, active_session_id, origin';

export function prepareSessionRecords(db: Database.Database) {
  return {
    /** The resources in use (not retired). */
    resources: db.prepare(`SELECT ${RESOURCE_COLUMNS} FROM session_resources WHERE retired_at IS NULL ORDER BY name COLLATE NOCASE, id`),
    resource: db.prepare(`SELECT ${RESOURCE_COLUMNS} FROM session_resources WHERE id = ? AND retired_at IS NULL`),
    /** A retired one too (its history keeps its name). */
    anyResource: db.prepare(`SELECT ${RESOURCE_COLUMNS} FROM session_resources WHERE id = ?`),
    resourceNamed: db.prepare(`SELECT ${RESOURCE_COLUMNS}, retired_at FROM session_resources WHERE name = ? COLLATE NOCASE ORDER BY retired_at IS NOT NULL, id`),
    /** A config resource: added, or renamed; taken back from admin or from retirement when the config names it again. */
    upsertResource: db.prepare(
      `INSERT INTO session_resources (id, name, kind, status, active_session_id, origin, created_at, updated_at)
       VALUES (?, ?, ?, 'Available', NULL, 'config', ?, ?)
       ON CONFLICT(id) DO UPDATE SET name = excluded.name, kind = excluded.kind, origin = 'config', retired_at = NULL, updated_at = excluded.updated_at
       WHERE name <> excluded.name OR kind <> excluded.kind OR origin <> 'config' OR retired_at IS NOT NULL`,
    ),
    configResourceIds: db.prepare("SELECT id FROM session_resources WHERE origin = 'config' AND retired_at IS NULL AND active_session_id IS NULL").pluck(),
    insertAdminResource: db.prepare(
      `INSERT INTO session_resources (id, name, kind, status, active_session_id, origin, created_at, updated_at)
       VALUES (?, ?, ?, 'Available', NULL, 'admin', ?, ?)`,
    ),
    renameResource: db.prepare('UPDATE session_resources SET name = ?, kind = ?, updated_at = ? WHERE id = ?'),
    /** Off the board; reported to the cloud as Maintenance, so the customer app stops offering it. */
    retireResource: db.prepare("UPDATE session_resources SET status = 'Maintenance', retired_at = ?, updated_at = ? WHERE id = ? AND active_session_id IS NULL"),
    unretireResource: db.prepare(
      "UPDATE session_resources SET name = ?, kind = ?, status = 'Available', origin = 'admin', retired_at = NULL, updated_at = ? WHERE id = ? AND retired_at IS NOT NULL",
    ),
    setResource: db.prepare('UPDATE session_resources SET status = ?, active_session_id = ?, updated_at = ? WHERE id = ?'),
    /** Frees a resource only while it still holds that session. */
    freeResource: db.prepare(
      "UPDATE session_resources SET status = 'Available', active_session_id = NULL, updated_at = ? WHERE id = ? AND active_session_id = ?",
    ),
    session: db.prepare('SELECT * FROM sessions WHERE id = ?'),
    activeSessions: db.prepare("SELECT * FROM sessions WHERE status = 'Active'"),
    insertSession: db.prepare(
      `INSERT INTO sessions (id, resource_id, started_at, ends_at, status, source, end_reason, completed_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'Active', ?, NULL, NULL, ?, ?)`,
    ),
    /** Ends a session only while it is still Active: the one place a session ends, so it ends once. */
    endSession: db.prepare(
      "UPDATE sessions SET status = ?, end_reason = ?, completed_at = ?, updated_at = ? WHERE id = ? AND status = 'Active'",
    ),
    setEnd: db.prepare("UPDATE sessions SET ends_at = ?, updated_at = ? WHERE id = ? AND status = 'Active'"),
    shiftTimes: db.prepare("UPDATE sessions SET started_at = ?, ends_at = ?, updated_at = ? WHERE id = ? AND status = 'Active'"),
    moveSession: db.prepare("UPDATE sessions SET resource_id = ?, updated_at = ? WHERE id = ? AND status = 'Active'"),
    sessionsSince: db.prepare(
      `SELECT s.*, r.name AS resource_name FROM sessions s JOIN session_resources r ON r.id = s.resource_id
       WHERE s.started_at >= ? OR s.status = 'Active' OR s.completed_at >= ? ORDER BY s.started_at DESC LIMIT 2000`,
    ),
  };
}
