/**
 * The resources themselves: those of the config (sessions.resources, kept as
 * it says at every start) and those the attendant adds, renames and retires
 * in admin. A retired resource leaves the board, keeps its sessions, and is
 * reported to the cloud as Maintenance, so the customer app stops offering
 * it; adding its name again brings it back with its history. Each change is
 * one transaction with its status report.
 */
import type Database from 'better-sqlite3';
import type { Clock } from '../clock';
import type { BoothConfig } from '../config';
import { HandlerError } from '../dispatch';
import type { ResourceRow, SessionRecords } from './records';

type ResourceRefusal = 'sessions-no-resource' | 'sessions-name-taken' | 'sessions-from-config' | 'sessions-resource-active';
const refuse = (code: ResourceRefusal, message: string, params: Record<string, string>) => new HandlerError('failed', message, { code, params });

/** A systemId made of a name: what the config's ids allow (letters, digits, . _ : -). */
const idOf = (name: string) => name.replace(/[^A-Za-z0-9._:-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 56) || 'resource';

export function createResourceAdmin(deps: {
  db: Database.Database;
  sql: SessionRecords;
  clock: Clock;
  resources: BoothConfig['sessions']['resources'];
  report(resource: Pick<ResourceRow, 'id' | 'status' | 'active_session_id'>): void;
}) {
  const { db, sql, clock } = deps;

  const inUse = (id: string): ResourceRow => {
    const row = sql.resource.get(id) as ResourceRow | undefined;
    if (!row) throw refuse('sessions-no-resource', `There is no resource ${id}.`, { resource: id });
    return row;
  };
  const attendants = (id: string): ResourceRow => {
    const row = inUse(id);
    if (row.origin === 'config') throw refuse('sessions-from-config', `${row.name} comes from the config (sessions.resources): change it there.`, { resource: row.name });
    return row;
  };
  /** No other resource in use has this name. */
  const nameFree = (name: string, except: string | null) => {
    const taken = (sql.resourceNamed.all(name) as (ResourceRow & { retired_at: string | null })[]).find((r) => r.retired_at === null && r.id !== except);
    if (taken) throw refuse('sessions-name-taken', `There is already a resource named ${taken.name}.`, { resource: taken.name });
  };

  return {
    /** The config's resources at start: added or renamed; those it no longer names retired (unless a session runs on one). */
    syncFromConfig: db.transaction(() => {
      const at = clock.now().toISOString();
      const named = new Set<string>();
      for (const r of deps.resources) {
        const id = r.id ?? r.name;
        named.add(id);
        sql.upsertResource.run(id, r.name, r.kind, at, at);
      }
      for (const id of sql.configResourceIds.all() as string[]) if (!named.has(id)) sql.retireResource.run(at, at, id);
    }),

    add: db.transaction((name: string, kind: string): ResourceRow => {
      nameFree(name, null);
      const at = clock.now().toISOString();
      const retired = (sql.resourceNamed.all(name) as (ResourceRow & { retired_at: string | null })[]).find((r) => r.retired_at !== null);
      let id: string;
      if (retired) {
        id = retired.id;
        sql.unretireResource.run(name, kind, at, id);
      } else {
        const base = idOf(name);
        id = base;
        for (let n = 2; sql.anyResource.get(id); n++) id = `${base}-${n}`;
        sql.insertAdminResource.run(id, name, kind, at, at);
      }
      deps.report({ id, status: 'Available', active_session_id: null });
      return inUse(id);
    }),

    /** A new name (and kind) on the board; the cloud still knows it by its systemId. */
    rename: db.transaction((id: string, name: string, kind: string): ResourceRow => {
      attendants(id);
      nameFree(name, id);
      sql.renameResource.run(name, kind, clock.now().toISOString(), id);
      return inUse(id);
    }),

    retire: db.transaction((id: string): ResourceRow => {
      const row = attendants(id);
      if (row.active_session_id !== null) throw refuse('sessions-resource-active', `${row.name} has a session running: end or move it first.`, { resource: row.name });
      const at = clock.now().toISOString();
      sql.retireResource.run(at, at, id);
      deps.report({ id, status: 'Maintenance', active_session_id: null });
      return sql.anyResource.get(id) as ResourceRow;
    }),
  };
}
