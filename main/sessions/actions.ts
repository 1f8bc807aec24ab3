/**
 * What the attendant (or the cloud) does with sessions: start, extend, end
 * early, move, maintenance. Each is one transaction with its resource rows
 * and their status reports; a refusal changes nothing and says why.
 */
import crypto from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Clock } from '../clock';
import { HandlerError } from '../dispatch';
import { anchorLoaded, anchorNew } from './deadline';
import type { Expiry } from './expiry';
import type { ResourceRow, SessionRecords, SessionRow } from './records';

export interface ActionDeps {
  db: Database.Database;
  sql: SessionRecords;
  clock: Clock;
  expiry: Expiry;
  maxMinutes: number;
  trusted(): boolean;
  report(resource: Pick<ResourceRow, 'id' | 'status' | 'active_session_id'>): void;
}

const MINUTE = 60_000;

const refuse = (code: 'sessions-no-resource' | 'sessions-resource-busy' | 'sessions-no-session' | 'sessions-too-long' | 'sessions-resource-active', message: string, params?: Record<string, string | number>) =>
  new HandlerError('failed', message, { code, ...(params ? { params } : {}) });

export function createSessionActions(deps: ActionDeps) {
  const { db, sql, clock, expiry } = deps;

  const resourceOf = (id: string): ResourceRow => {
    const row = sql.resource.get(id) as ResourceRow | undefined;
    if (!row) throw refuse('sessions-no-resource', `There is no resource ${id}.`, { resource: id });
    return row;
  };
  const available = (id: string): ResourceRow => {
    const row = resourceOf(id);
    if (row.status !== 'Available') throw refuse('sessions-resource-busy', `${row.name} is ${row.status}, not Available.`, { resource: row.name, status: row.status });
    return row;
  };
  /**
   * Before a transaction on a session: one that has reached its end is completed
   * now (committed on its own), so it is never extended or moved after its end.
   */
  const settleDue = (id: string) => {
    if (expiry.isDue(id)) expiry.check();
  };
  /** An active session (see settleDue). */
  const running = (id: string): SessionRow => {
    const row = sql.session.get(id) as SessionRow | undefined;
    if (!row || row.status !== 'Active') throw refuse('sessions-no-session', `Session ${id} is not running (it has ended).`, { session: id });
    return row;
  };
  const occupy = (resource: ResourceRow, sessionId: string, at: string) => {
    sql.setResource.run('Active', sessionId, at, resource.id);
    deps.report({ id: resource.id, status: 'Active', active_session_id: sessionId });
  };
  const free = (resourceId: string, sessionId: string, at: string) => {
    if (sql.freeResource.run(at, resourceId, sessionId).changes > 0) deps.report({ id: resourceId, status: 'Available', active_session_id: null });
  };

  const settled =
    <A extends unknown[], R>(run: (sessionId: string, ...rest: A) => R) =>
    (sessionId: string, ...rest: A): R => {
      settleDue(sessionId);
      return run(sessionId, ...rest);
    };

  return {
    start: db.transaction((resourceId: string, minutes: number): SessionRow => {
      if (minutes > deps.maxMinutes) throw refuse('sessions-too-long', `At most ${deps.maxMinutes} minutes.`, { max: deps.maxMinutes });
      const resource = available(resourceId);
      const now = clock.now();
      const at = now.toISOString();
      const id = crypto.randomUUID();
      const endsAt = new Date(now.getTime() + minutes * MINUTE).toISOString();
      sql.insertSession.run(id, resource.id, at, endsAt, 'kiosk', at, at);
      occupy(resource, id, at);
      expiry.track(id, anchorNew(clock.monotonicMs(), minutes * MINUTE));
      return sql.session.get(id) as SessionRow;
    }),

    extend: settled(db.transaction((sessionId: string, minutes: number): SessionRow => {
      const row = running(sessionId);
      const anchor = expiry.anchor(sessionId);
      const newLength = Date.parse(row.ends_at) - Date.parse(row.started_at) + minutes * MINUTE;
      if (newLength > deps.maxMinutes * MINUTE) throw refuse('sessions-too-long', `At most ${deps.maxMinutes} minutes in all.`, { max: deps.maxMinutes });
      const at = clock.now().toISOString();
      sql.setEnd.run(new Date(Date.parse(row.ends_at) + minutes * MINUTE).toISOString(), at, sessionId);
      if (anchor) expiry.track(sessionId, { ...anchor, remainingMs: anchor.remainingMs + minutes * MINUTE });
      return sql.session.get(sessionId) as SessionRow;
    })),

    end: settled(db.transaction((sessionId: string, reason: 'ended-early' | 'completed-by-cloud' | 'cancelled-by-cloud' = 'ended-early'): SessionRow => {
      const row = running(sessionId);
      const at = clock.now().toISOString();
      sql.endSession.run(reason === 'cancelled-by-cloud' ? 'Cancelled' : 'Completed', reason, at, at, sessionId);
      free(row.resource_id, sessionId, at);
      expiry.untrack(sessionId);
      return sql.session.get(sessionId) as SessionRow;
    })),

    move: settled(db.transaction((sessionId: string, toResourceId: string): SessionRow => {
      const row = running(sessionId);
      if (row.resource_id === toResourceId) return row;
      const target = available(toResourceId);
      const at = clock.now().toISOString();
      // The old resource is freed first: the unique index allows one holder per session.
      free(row.resource_id, sessionId, at);
      sql.moveSession.run(target.id, at, sessionId);
      occupy(target, sessionId, at);
      return sql.session.get(sessionId) as SessionRow;
    })),

    maintenance: db.transaction((resourceId: string, on: boolean): ResourceRow => {
      const resource = resourceOf(resourceId);
      if (resource.status === 'Active') throw refuse('sessions-resource-active', `${resource.name} has a session running: end or move it first.`, { resource: resource.name });
      const status = on ? 'Maintenance' : 'Available';
      if (resource.status !== status) {
        sql.setResource.run(status, null, clock.now().toISOString(), resource.id);
        deps.report({ id: resource.id, status, active_session_id: null });
      }
      return resourceOf(resourceId);
    }),

    /** A session booked in the cloud: started with the cloud's times, if its resource is free. */
    startFromCloud: db.transaction((input: { id: string; resourceId: string; startedAt: string; endsAt: string }): SessionRow => {
      const resource = available(input.resourceId);
      const at = clock.now().toISOString();
      sql.insertSession.run(input.id, resource.id, input.startedAt, input.endsAt, 'cloud', at, at);
      occupy(resource, input.id, at);
      expiry.track(input.id, anchorLoaded(input, { trusted: deps.trusted(), wallNowMs: clock.now().getTime(), monoNow: clock.monotonicMs(), lastAliveMs: null }));
      return sql.session.get(input.id) as SessionRow;
    }),

    /** The cloud moved a session's end (extended or shortened there). */
    setEndFromCloud: settled(db.transaction((sessionId: string, endsAt: string) => {
      const row = running(sessionId);
      sql.setEnd.run(endsAt, clock.now().toISOString(), sessionId);
      expiry.track(sessionId, anchorLoaded({ startedAt: row.started_at, endsAt }, { trusted: deps.trusted(), wallNowMs: clock.now().getTime(), monoNow: clock.monotonicMs(), lastAliveMs: null }));
    })),
  };
}
