/**
 * Sessions end on time: one exact timer for the soonest end (every active
 * session is anchored on the monotonic clock, see deadline.ts), rebuilt from
 * the database at start, plus the sweep (the seed's cron job, every minute)
 * as the safety net. Every session due at one moment is completed, and its
 * resource freed and reported, in one transaction; a session ends at most
 * once, because only an `Active` row is ended and only the resource still
 * holding it is freed.
 */
import type Database from 'better-sqlite3';
import type { Clock } from '../clock';
import { crashPoint } from '../crash-points';
import type { ScopedLog } from '../log';
import { anchorLoaded, anchorOnTrust, isDue, remainingMs, wallCorrectionMs, type Anchor } from './deadline';
import type { ResourceRow, SessionRecords, SessionRow } from './records';

/** A timer never sleeps longer than this: a clock that tests move by hand, or a wall deadline, is looked at again soon. */
const MAX_TIMER_MS = 1_000;
const LAST_ALIVE_KEY = 'sessions.last-alive-at';

export interface ExpiryOutcome {
  completed: number;
  freed: number;
}

export interface ExpiryDeps {
  db: Database.Database;
  sql: SessionRecords;
  clock: Clock;
  log: ScopedLog;
  trusted(): boolean;
  report(resource: Pick<ResourceRow, 'id' | 'status' | 'active_session_id'>): void;
  /** After a commit that changed the board. */
  changed(): void;
}

export type Expiry = ReturnType<typeof createExpiry>;

export function createExpiry(deps: ExpiryDeps) {
  const { db, sql, clock, log } = deps;
  const anchors = new Map<string, Anchor>();
  const putLastAlive = db.prepare(
    'INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
  );
  const getLastAlive = db.prepare('SELECT value FROM settings WHERE key = ?');
  let timer: NodeJS.Timeout | null = null;
  let running = false;
  let wasTrusted = false;
  let lastSweepAt: string | null = null;
  let lastCompleted = 0;

  const writeLastAlive = () => {
    const now = clock.now().toISOString();
    putLastAlive.run(LAST_ALIVE_KEY, JSON.stringify(now), now);
  };
  const lastAliveMs = (): number | null => {
    const row = getLastAlive.get(LAST_ALIVE_KEY) as { value: string } | undefined;
    if (!row) return null;
    try {
      const at = Date.parse(JSON.parse(row.value) as string);
      return Number.isNaN(at) ? null : at;
    } catch {
      return null;
    }
  };

  /** Anchors an active row this process has not anchored yet (start, a pull, or a row found by the sweep). */
  const anchorRows = (rows: SessionRow[]) => {
    // One reading of both clocks for all: sessions that end together stay together (one burst, one transaction).
    const at = { trusted: deps.trusted(), wallNowMs: clock.now().getTime(), monoNow: clock.monotonicMs(), lastAliveMs: lastAliveMs() };
    for (const row of rows) anchors.set(row.id, anchorLoaded({ startedAt: row.started_at, endsAt: row.ends_at }, at));
  };

  /** Ends every due session, each with its resource, in one transaction. */
  const completeDue = db.transaction((): ExpiryOutcome & { done: string[] } => {
    const mono = clock.monotonicMs();
    const at = clock.now().toISOString();
    let completed = 0;
    let freed = 0;
    // Their timers are dropped only after the commit: a rolled-back burst is tried again.
    const done: string[] = [];
    for (const [id, anchor] of anchors) {
      if (!isDue(anchor, mono)) continue;
      const row = sql.session.get(id) as SessionRow | undefined;
      done.push(id);
      if (!row || row.status !== 'Active') continue;
      if (sql.endSession.run('Completed', 'expired', at, at, id).changes === 0) continue;
      completed++;
      // Crash tests: a power cut in the middle of a burst (the transaction must leave nothing half-done).
      if (completed === 100) crashPoint('sessions.expiry.in-transaction');
      if (sql.freeResource.run(at, row.resource_id, id).changes > 0) {
        freed++;
        deps.report({ id: row.resource_id, status: 'Available', active_session_id: null });
      }
    }
    if (completed > 0) writeLastAlive();
    return { completed, freed, done };
  });

  const arm = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!running || anchors.size === 0) return;
    const mono = clock.monotonicMs();
    let soonest = Number.POSITIVE_INFINITY;
    for (const anchor of anchors.values()) soonest = Math.min(soonest, remainingMs(anchor, mono));
    timer = setTimeout(() => {
      timer = null;
      check();
    }, Math.max(0, Math.min(MAX_TIMER_MS, soonest)));
    timer.unref?.();
  };

  /** Completes what is due now and plans the next timer. */
  const check = (): ExpiryOutcome => {
    let outcome: ExpiryOutcome = { completed: 0, freed: 0 };
    try {
      noticeTrust();
      if (db.inTransaction) throw new Error('expiry checked inside another transaction: its completions could be rolled back with it');
      const { completed, freed, done } = completeDue();
      for (const id of done) anchors.delete(id);
      outcome = { completed, freed };
      if (outcome.completed > 0) crashPoint('sessions.expiry.after-commit');
      if (outcome.completed > 0) {
        lastCompleted = outcome.completed;
        log.info(`${outcome.completed} session(s) completed, ${outcome.freed} resource(s) freed`);
        deps.changed();
      }
    } catch (error) {
      // The transaction rolled back: nothing half-written. The next timer or sweep tries again.
      log.error('completing due sessions failed:', error);
    }
    arm();
    return outcome;
  };

  /** Once the clock is trusted: provisional anchors count the time the kiosk was off, stored end times follow the clock. */
  const noticeTrust = () => {
    const trusted = deps.trusted();
    if (trusted === wasTrusted) return;
    wasTrusted = trusted;
    if (!trusted) return;
    log.info('wall clock trusted: sessions from an earlier boot now count the time the kiosk was off');
    correctWallTimes(true);
  };

  const correctWallTimes = db.transaction((rebaseProvisional: boolean) => {
    const wall = clock.now().getTime();
    const mono = clock.monotonicMs();
    const at = new Date(wall).toISOString();
    let changed = false;
    for (const [id, anchor] of anchors) {
      const row = sql.session.get(id) as SessionRow | undefined;
      if (!row || row.status !== 'Active') continue;
      const times = { startedAt: row.started_at, endsAt: row.ends_at };
      if (rebaseProvisional && anchor.provisional) {
        anchors.set(id, anchorOnTrust(anchor, times, wall, mono));
        continue;
      }
      const delta = wallCorrectionMs(anchor, times, wall, mono);
      if (delta !== 0) {
        sql.shiftTimes.run(new Date(Date.parse(row.started_at) + delta).toISOString(), new Date(Date.parse(row.ends_at) + delta).toISOString(), at, id);
        changed = true;
      }
    }
    return changed;
  });

  return {
    /** Rebuilds the timers from the database; a session that ended while the kiosk was off completes now (if the clock says so). */
    start(): ExpiryOutcome {
      running = true;
      wasTrusted = deps.trusted();
      anchorRows(sql.activeSessions.all() as SessionRow[]);
      const provisional = [...anchors.values()].filter((a) => a.provisional).length;
      log.info(`${anchors.size} active session(s) restored${provisional ? `; ${provisional} counted from the last time the kiosk was alive until the clock is trusted` : ''}`);
      return check();
    },
    stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = null;
      try {
        writeLastAlive();
      } catch (error) {
        log.warn('could not record the time the kiosk stopped:', error);
      }
    },
    track(id: string, anchor: Anchor) {
      anchors.set(id, anchor);
      arm();
    },
    anchor: (id: string) => anchors.get(id),
    untrack(id: string) {
      anchors.delete(id);
      arm();
    },
    remainingMs(id: string): number | null {
      const a = anchors.get(id);
      return a ? remainingMs(a, clock.monotonicMs()) : null;
    },
    isDue(id: string): boolean {
      const a = anchors.get(id);
      return a !== undefined && isDue(a, clock.monotonicMs());
    },
    check,
    /** The safety net: anchors any active row without a timer, drops anchors of ended rows, completes what is due. */
    sweep(): ExpiryOutcome {
      const active = sql.activeSessions.all() as SessionRow[];
      const ids = new Set(active.map((r) => r.id));
      for (const id of anchors.keys()) if (!ids.has(id)) anchors.delete(id);
      const missing = active.filter((row) => !anchors.has(row.id));
      if (missing.length > 0) log.warn(`${missing.length} session(s) had no timer: restored by the sweep`);
      anchorRows(missing);
      const outcome = check();
      try {
        writeLastAlive();
        if (deps.trusted() && correctWallTimes(false)) deps.changed();
      } catch (error) {
        log.warn('sweep bookkeeping failed:', error);
      }
      lastSweepAt = clock.now().toISOString();
      return outcome;
    },
    health: () => ({ lastRun: lastSweepAt, lastCompleted }),
  };
}
