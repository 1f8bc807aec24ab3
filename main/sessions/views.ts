/** The board (every resource with its state) and the attendant's summary, read from the store. */
import type Database from 'better-sqlite3';
import type { ResourceUse, SessionHistoryItem, SessionsAdminSummary, SessionsBoard } from '../../preload/contract';
import { venueDate, type Clock } from '../clock';
import type { BoothConfig } from '../config';
import type { Expiry } from './expiry';
import type { ResourceRow, SessionRecords, SessionRow } from './records';

export function createSessionViews(deps: {
  db: Database.Database;
  sql: SessionRecords;
  config: BoothConfig;
  clock: Clock;
  expiry: Expiry;
  trusted(): boolean;
  reportsWaiting(): number;
}) {
  const { sql, config, clock, expiry } = deps;
  const settings = config.sessions;

  const board = (): SessionsBoard => {
    const resources = sql.resources.all() as ResourceRow[];
    const active = new Map((sql.activeSessions.all() as SessionRow[]).map((s) => [s.id, s]));
    return {
      at: clock.now().toISOString(),
      warningMinutes: settings.warningMinutes,
      presetMinutes: settings.presetMinutes,
      maxMinutes: settings.maxMinutes,
      clockTrusted: deps.trusted(),
      resources: resources.map((r) => {
        const s = r.active_session_id ? active.get(r.active_session_id) : undefined;
        return {
          id: r.id,
          name: r.name,
          kind: r.kind,
          status: r.status,
          origin: r.origin,
          session: s
            ? {
                id: s.id,
                startedAt: s.started_at,
                endsAt: s.ends_at,
                durationMs: Date.parse(s.ends_at) - Date.parse(s.started_at),
                remainingMs: Math.max(0, expiry.remainingMs(s.id) ?? Date.parse(s.ends_at) - clock.now().getTime()),
                source: s.source,
              }
            : null,
        };
      }),
    };
  };

  const adminSummary = (): SessionsAdminSummary => {
    const now = clock.now();
    const today = venueDate(now, config.timeZone);
    const since = new Date(now.getTime() - 48 * 3_600_000).toISOString();
    const rows = (sql.sessionsSince.all(since, since) as (SessionRow & { resource_name: string })[]).filter(
      (s) => s.status === 'Active' || venueDate(new Date(s.started_at), config.timeZone) === today,
    );
    const todayItems: SessionHistoryItem[] = rows.map((s) => ({
      id: s.id,
      resourceId: s.resource_id,
      resourceName: s.resource_name,
      startedAt: s.started_at,
      endsAt: s.ends_at,
      status: s.status,
      endReason: s.end_reason,
      completedAt: s.completed_at,
    }));
    const resources = sql.resources.all() as ResourceRow[];
    const usePerResource: ResourceUse[] = resources.map((r) => {
      const mine = rows.filter((s) => s.resource_id === r.id);
      const ms = mine.reduce((sum, s) => {
        const end = s.status === 'Active' ? Math.min(now.getTime(), Date.parse(s.ends_at)) : Date.parse(s.completed_at ?? s.ends_at);
        return sum + Math.max(0, end - Date.parse(s.started_at));
      }, 0);
      return { resourceId: r.id, name: r.name, minutes: Math.round(ms / 60_000), sessions: mine.length };
    });
    return { board: board(), today: todayItems, usePerResource, reportsWaiting: deps.reportsWaiting(), sweep: expiry.health() };
  };

  return {
    board,
    adminSummary,
    resourceName: (id: string) => (sql.resource.get(id) as ResourceRow | undefined)?.name ?? null,
  };
}
