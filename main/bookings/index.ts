/**
 * Bookings and match videos (seed 003): the day's bookings pulled from the
 * booking platform into SQLite (sync.ts), served on the LAN API
 * (api-routes.ts), and after each match a clip per camera cut, uploaded and
 * announced on the durable task pipeline (videos.ts, process.ts, upload.ts).
 * This file wires them: the jobs, the manual request, the screens' handlers
 * and the attendant's warnings.
 */
import fs from 'node:fs';
import path from 'node:path';
import { venueDate } from '../clock';
import type { HandlerMap } from '../dispatch';
import type { KioskModule, ModuleContext } from '../modules/module';
import { bookingsApiRoutes, type VideoRequestOutcome } from './api-routes';
import { prepareBookingSql, type BookingRow } from './records';
import { prepareSeenSql } from './seen';
import { applyRetention, downloadBookings, storeBookings, type SyncOutcome } from './sync';
import { bookingSpan } from './venue-time';
import { createVideos, type VideoRow } from './videos';
import { createBookingViews } from './views';

export { NOTIFY_KIND, VIDEO_KIND, PROCESS_POLICY, UPLOAD_POLICY, NOTIFY_POLICY } from './videos';

export const SYNC_JOB = 'bookings.sync';
const DAY = 86_400_000;
const MANUAL_REPEAT_MS = 60_000;

export interface BookingsOptions {
  /** Free bytes where clips are made (tests: a small disk). */
  freeBytes?: (dir: string) => number;
}

const statfsFree = (dir: string): number => {
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
};

export function createBookingsModule(ctx: ModuleContext, options: BookingsOptions = {}): KioskModule {
  const { config, platform, store, events, cloud, outbox, admin } = ctx;
  const db = store.db;
  const log = platform.log.scope('bookings');
  const clock = platform.clock;
  const settings = config.bookings;
  const base = settings.baseUrl ?? config.api.baseUrl;
  const listUrl = new URL(settings.listEndpoint, base).toString();
  const videoDir = settings.videoDir ?? path.join(platform.dataDir, 'videos');
  const sql = prepareBookingSql(db);
  const seenSql = prepareSeenSql(db);
  const freeBytes = options.freeBytes ?? statfsFree;

  let lastSync: { at: string; outcome: SyncOutcome | null; error: string | null } | null = null;
  let diskLow = false;
  const diskHasRoom = () => {
    try {
      fs.mkdirSync(videoDir, { recursive: true });
      const low = freeBytes(videoDir) < settings.diskFloorMb * 1024 * 1024;
      if (low !== diskLow) {
        diskLow = low;
        if (low) log.warn(`free space in ${videoDir} is below ${settings.diskFloorMb} MB: processing paused`);
        else log.info('free space is back above the floor: processing resumes');
        publish();
      }
    } catch (error) {
      log.warn(`disk space of ${videoDir} unknown: ${(error as Error).message}`);
    }
    return !diskLow;
  };

  let publishSoon: NodeJS.Timeout | null = null;
  const publish = () => {
    publishSoon ??= setTimeout(() => {
      publishSoon = null;
      events.emit('bookings:board', views.board());
    }, 50);
  };

  const videos = createVideos({
    db,
    clock,
    log,
    outbox,
    config,
    videoDir,
    notifyUrl: new URL(settings.videoEndpoint, base).toString(),
    diskHasRoom,
    changed: () => publish(),
  });
  const views = createBookingViews({ db, config, clock, videos, videoDir, freeBytes, diskLow: () => diskLow, lastSync: () => lastSync });

  const sync = async (): Promise<SyncOutcome> => {
    const date = venueDate(clock.now(), config.timeZone);
    try {
      const records = await downloadBookings(cloud, listUrl, date);
      const outcome = storeBookings({ db, sql, seenSql, pipeline: videos.pipeline, log, insertInBulk: store.insertInBulk }, date, records, clock.now().toISOString());
      lastSync = { at: clock.now().toISOString(), outcome, error: null };
      if (outcome.created + outcome.updated + outcome.cancelled + outcome.skipped > 0) {
        log.info(`bookings for ${date}: ${outcome.created} new, ${outcome.updated} changed, ${outcome.cancelled} cancelled, ${outcome.skipped} skipped`);
      }
      retention();
      scheduleVideos();
      publish();
      return outcome;
    } catch (error) {
      lastSync = { at: clock.now().toISOString(), outcome: null, error: (error as Error).message };
      publish();
      throw error;
    }
  };

  const retention = () => {
    const cutoff = venueDate(new Date(clock.now().getTime() - settings.retentionDays * DAY), config.timeZone);
    applyRetention({ db, sql, seenSql, log, deleteTasks: (ids) => videos.pipeline.forget(ids) }, cutoff);
  };

  const candidates = db.prepare("SELECT * FROM bookings WHERE status = 'success' AND date BETWEEN ? AND ?");
  /** Bookings that ended (plus the grace) within the lookback get their videos. */
  const scheduleVideos = () => {
    if (settings.cameras.length === 0) return;
    const now = clock.now().getTime();
    const from = venueDate(new Date(now - settings.lookbackHours * 3_600_000 - DAY), config.timeZone);
    const to = venueDate(new Date(now), config.timeZone);
    const created = db.transaction(() => {
      let n = 0;
      for (const b of candidates.all(from, to) as BookingRow[]) {
        if (b.field_id === null || !b.date || !b.start_time || !b.end_time) continue;
        const span = bookingSpan({ date: b.date, start_time: b.start_time, end_time: b.end_time }, config.timeZone);
        const endedAgo = now - span.end.getTime();
        if (endedAgo < settings.endGraceSeconds * 1000 || endedAgo > settings.lookbackHours * 3_600_000) continue;
        n += videos.create({ booking_id: b.booking_id, field_id: b.field_id }, span, 'schedule').length;
      }
      return n;
    })();
    if (created > 0) {
      videos.pipeline.wake();
      publish();
    }
  };

  const recentManual = db.prepare("SELECT * FROM booking_videos WHERE booking_id = ? AND trigger = 'manual' AND state <> 'cancelled' AND created_at >= ?");
  const playingNow = db.prepare("SELECT * FROM bookings WHERE field_id = ? AND status = 'success' AND date BETWEEN ? AND ?");
  /** The manual request: the booking playing now on the field, from its start to now. */
  const requestVideo = (fieldId: number, who: string): VideoRequestOutcome => {
    const now = clock.now();
    if (!settings.cameras.some((c) => c.fieldId === fieldId)) return { ok: false, status: 404, code: 'no-camera', message: `no camera films field ${fieldId}` };
    const yesterday = venueDate(new Date(now.getTime() - DAY), config.timeZone);
    const today = venueDate(now, config.timeZone);
    const booking = (playingNow.all(fieldId, yesterday, today) as BookingRow[]).find((b) => {
      if (!b.date || !b.start_time || !b.end_time) return false;
      const span = bookingSpan({ date: b.date, start_time: b.start_time, end_time: b.end_time }, config.timeZone);
      return span.start.getTime() <= now.getTime() && now.getTime() < span.end.getTime();
    });
    if (!booking) return { ok: false, status: 404, code: 'not-playing', message: `no booking is playing on field ${fieldId} now` };
    // A button pressed again (or by every player of the team) within a minute asks for the same clip: no second one.
    const recent = recentManual.all(booking.booking_id, new Date(now.getTime() - MANUAL_REPEAT_MS).toISOString()) as VideoRow[];
    if (recent.length > 0) return { ok: true, bookingId: booking.booking_id, videos: recent.map((v) => ({ uniqueId: v.id, camera: v.camera })) };
    const span = bookingSpan({ date: booking.date!, start_time: booking.start_time!, end_time: booking.end_time! }, config.timeZone);
    const created = db.transaction(() => videos.create({ booking_id: booking.booking_id, field_id: fieldId }, { start: span.start, end: now }, 'manual'))();
    admin.audit('bookings.request-video', `${booking.booking_id} on field ${fieldId} (${who})`);
    log.info(`video of ${booking.booking_id} requested on field ${fieldId} (${who})`);
    videos.pipeline.wake();
    publish();
    return { ok: true, bookingId: booking.booking_id, videos: created.map((v: VideoRow) => ({ uniqueId: v.id, camera: v.camera })) };
  };

  const handlers: HandlerMap = {
    'bookings:board': () => views.board(),
    'bookings:request-video': ({ fieldId }) => {
      const outcome = requestVideo(fieldId, 'the kiosk screen');
      return outcome.ok ? { requested: true, bookingId: outcome.bookingId, videos: outcome.videos.length } : { requested: false, reason: outcome.message, code: outcome.code };
    },
    'bookings:admin-summary': () => {
      admin.requireSession({ activity: false });
      return views.adminSummary();
    },
    'bookings:redrive': ({ taskId }) => {
      admin.requireSession();
      const ok = videos.pipeline.redrive(taskId);
      if (ok) admin.audit('bookings.redrive', `task ${taskId}`);
      return views.adminSummary();
    },
    'bookings:sync-now': async () => {
      admin.requireSession();
      admin.audit('bookings.sync-now', '');
      await sync().catch((error: unknown) => log.warn(`sync: ${(error as Error).message}`));
      return views.adminSummary();
    },
  };

  const unsubscribe = cloud.onChange((state) => {
    if (state.online) videos.pipeline.networkBack();
  });

  return {
    id: 'bookings',
    handlers,
    adminPage: { id: 'bookings', title: 'Bookings' },
    adminWarnings: () => (diskLow ? [{ kind: 'bookings.disk-low' as const }] : []),
    jobs: [
      { name: SYNC_JOB, intervalMs: settings.syncIntervalSeconds * 1000, runAtStart: true, run: async () => void (await sync()) },
      // Matches end between syncs; tasks whose retry is due run.
      {
        name: 'bookings.videos',
        intervalMs: 30_000,
        run: () => {
          scheduleVideos();
          videos.pipeline.wake();
        },
      },
    ],
    apiRoutes: bookingsApiRoutes({ db, requestVideo }),
    start() {
      videos.pipeline.start();
    },
    async stop() {
      unsubscribe();
      if (publishSoon) clearTimeout(publishSoon);
      publishSoon = null;
      await videos.pipeline.stop();
    },
  };
}

/** For tests and the bench. */
export { storeBookings, downloadBookings } from './sync';
export { clipFiles, cutClip, makeClip } from './process';
export { createS3, uploadFile } from './upload';
