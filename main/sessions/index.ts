/**
 * Timed sessions (seed 004, a PC café): resources the attendant starts
 * sessions on, sessions that end on the second with their resource freed in
 * the same transaction, the cloud told of every status through the outbox,
 * and the countdown board.
 *
 * Where to look: deadline.ts (when a session ends, whatever the wall clock
 * says), expiry.ts (timers, sweep, completion), actions.ts (start, extend,
 * end, move, maintenance), reports.ts (status to the cloud), pull.ts
 * (sessions booked in the cloud), api-routes.ts (the seed's endpoints),
 * views.ts (board and admin summary). This file wires them.
 */
import type { ModuleContext, KioskModule } from '../modules/module';
import type { HandlerMap } from '../dispatch';
import { createSessionActions } from './actions';
import { sessionsApiRoutes } from './api-routes';
import { createExpiry } from './expiry';
import { pullSessions } from './pull';
import { prepareSessionRecords } from './records';
import { createResourceAdmin } from './resources';
import { createStatusReports, STATUS_KIND } from './reports';
import { createSessionViews } from './views';

export { STATUS_KIND } from './reports';

/** The sweep's job name: `GET /health` reports it as the seed's `cronJob`. */
export const SWEEP_JOB = 'sessions.sweep';

export function createSessionsModule(ctx: ModuleContext): KioskModule {
  const { config, platform, store, events, outbox, cloud, admin } = ctx;
  const db = store.db;
  const log = platform.log.scope('sessions');
  const clock = platform.clock;
  const settings = config.sessions;
  const base = settings.baseUrl ?? config.api.baseUrl;
  const sql = prepareSessionRecords(db);

  // One notion of trusted time for the kiosk (main/clock/trust.ts): right from boot, set by the OS's time sync, or confirmed by the cloud's Date header.
  const trusted = () => cloud.clockTrust.wallClockTrusted();
  const reports = createStatusReports({ outbox, clock, url: new URL(settings.statusEndpoint, base).toString() });
  let publishSoon: NodeJS.Timeout | null = null;
  const changed = () => {
    outbox.wake();
    // One board event for a burst of changes (1,000 sessions ending at once).
    publishSoon ??= setTimeout(() => {
      publishSoon = null;
      events.emit('sessions:board', views.board());
    }, 0);
  };
  const expiry = createExpiry({ db, sql, clock, log, trusted, report: reports.report, changed });
  const actions = createSessionActions({ db, sql, clock, expiry, maxMinutes: settings.maxMinutes, trusted, report: reports.report });
  const views = createSessionViews({ db, sql, config, clock, expiry, trusted, reportsWaiting: () => (db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE kind = ? AND state = 'pending'").get(STATUS_KIND) as { n: number }).n });

  const resources = createResourceAdmin({ db, sql, clock, resources: settings.resources, report: reports.report });

  const pull = async () => {
    if (!settings.pullEndpoint) return;
    const outcome = await pullSessions({ cloud, url: new URL(settings.pullEndpoint, base).toString(), sql, actions, log, timeZone: config.timeZone });
    if (outcome.started + outcome.ended + outcome.updated > 0) {
      log.info(`pulled sessions: ${outcome.started} started, ${outcome.ended} ended, ${outcome.updated} changed, ${outcome.skipped} skipped`);
      changed();
    }
  };

  const attendant = <T>(action: string, detail: string, run: () => T): T => {
    admin.requireSession();
    const value = run();
    admin.audit(action, detail);
    changed();
    return value;
  };
  const nameOf = (resourceId: string) => views.resourceName(resourceId) ?? resourceId;

  const handlers: HandlerMap = {
    'sessions:board': () => views.board(),
    'sessions:admin-summary': () => {
      admin.requireSession({ activity: false });
      return views.adminSummary();
    },
    'sessions:start': ({ resourceId, minutes }) =>
      attendant('sessions.start', `${nameOf(resourceId)}: ${minutes} min`, () => {
        const s = actions.start(resourceId, minutes);
        log.info(`session ${s.id} started on ${resourceId} for ${minutes} min`);
        return views.board();
      }),
    'sessions:extend': ({ sessionId, minutes }) =>
      attendant('sessions.extend', `${sessionId}: +${minutes} min`, () => {
        actions.extend(sessionId, minutes);
        return views.board();
      }),
    'sessions:end': ({ sessionId }) =>
      attendant('sessions.end', sessionId, () => {
        actions.end(sessionId);
        return views.board();
      }),
    'sessions:move': ({ sessionId, resourceId }) =>
      attendant('sessions.move', `${sessionId} to ${nameOf(resourceId)}`, () => {
        actions.move(sessionId, resourceId);
        return views.board();
      }),
    'sessions:maintenance': ({ resourceId, on }) =>
      attendant('sessions.maintenance', `${nameOf(resourceId)}: ${on ? 'on' : 'off'}`, () => {
        actions.maintenance(resourceId, on);
        return views.board();
      }),
    'sessions:add-resource': ({ name, kind }) =>
      attendant('sessions.resource-add', `${name} (${kind})`, () => {
        const r = resources.add(name, kind);
        log.info(`resource ${r.id} added: ${r.name} (${r.kind})`);
        return views.board();
      }),
    'sessions:rename-resource': ({ resourceId, name, kind }) =>
      attendant('sessions.resource-rename', `${nameOf(resourceId)} to ${name} (${kind})`, () => {
        resources.rename(resourceId, name, kind);
        return views.board();
      }),
    'sessions:retire-resource': ({ resourceId }) =>
      attendant('sessions.resource-retire', nameOf(resourceId), () => {
        resources.retire(resourceId);
        log.info(`resource ${resourceId} retired`);
        return views.board();
      }),
  };

  const unsubscribe = cloud.onChange(() => expiry.check());
  // The OS's time sync sends no event: its flag is looked at on this beat, so a clock it set is trusted within seconds.
  let trustedBefore: boolean | null = null;
  const watchTrust = () => {
    const now = trusted();
    if (now === trustedBefore) return;
    trustedBefore = now;
    expiry.check();
    changed();
  };

  return {
    id: 'sessions',
    handlers,
    adminPage: { id: 'sessions', title: 'Sessions' },
    adminWarnings: () =>
      trusted()
        ? []
        : [{ kind: 'sessions.clock-untrusted' }],
    jobs: [
      { name: SWEEP_JOB, intervalMs: settings.sweepIntervalSeconds * 1000, reportsAsCronJob: true, run: () => void expiry.sweep() },
      { name: 'sessions.clock-trust', intervalMs: 5_000, run: watchTrust },
      ...(settings.pullEndpoint ? [{ name: 'sessions.pull', intervalMs: settings.pullIntervalSeconds * 1000, runAtStart: true, run: pull }] : []),
    ],
    apiRoutes: sessionsApiRoutes({
      async sync() {
        expiry.sweep();
        await pull();
      },
      autoComplete: () => expiry.check(),
      audit: (action, detail) => admin.audit(action, detail),
    }),
    start() {
      resources.syncFromConfig();
      expiry.start();
    },
    stop() {
      unsubscribe();
      expiry.stop();
      if (publishSoon) clearTimeout(publishSoon);
      publishSoon = null;
    },
  };
}
