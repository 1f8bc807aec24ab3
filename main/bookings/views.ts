/** What the screens read: today's bookings per field with their videos, and the attendant's summary. */
import type Database from 'better-sqlite3';
import type { BookingBoardItem, BookingsAdminSummary, BookingsBoard, BookingVideoView, PipelineTaskView } from '../../preload/contract';
import { venueDate, type Clock } from '../clock';
import type { BoothConfig } from '../config';
import type { SyncOutcome } from './sync';
import { bookingSpan } from './venue-time';
import type { Videos, VideoRow } from './videos';
import type { BookingRow } from './records';

export function createBookingViews(deps: {
  db: Database.Database;
  config: BoothConfig;
  clock: Clock;
  videos: Videos;
  videoDir: string;
  freeBytes: (dir: string) => number;
  diskLow: () => boolean;
  lastSync: () => { at: string; outcome: SyncOutcome | null; error: string | null } | null;
}) {
  const { db, config, clock, videos } = deps;
  const settings = config.bookings;
  const sql = {
    ofDate: db.prepare('SELECT * FROM bookings WHERE date = ? AND field_id IS NOT NULL ORDER BY start_time, id'),
    // The day's videos in one read (not one per booking: a big day has thousands).
    videosOfDate: db.prepare('SELECT v.* FROM booking_videos v JOIN bookings b ON b.booking_id = v.booking_id WHERE b.date = ? ORDER BY v.created_at'),
    counts: db.prepare("SELECT step, state, COUNT(*) AS n FROM pipeline_tasks WHERE kind = ? AND state NOT IN ('done', 'cancelled') GROUP BY step, state ORDER BY step, state"),
    countToday: db.prepare('SELECT COUNT(*) AS n FROM bookings WHERE date = ?'),
  };

  const videoView = (v: VideoRow): BookingVideoView => ({
    id: v.id,
    camera: v.camera,
    // Notifying is part of "uploading" for the customer: the clip is not announced yet.
    state: v.state === 'notifying' ? 'uploading' : v.state,
    trigger: v.trigger,
    url: v.state === 'ready' ? v.mp4_url : null,
    duration: v.duration,
  });

  return {
    board(): BookingsBoard {
      const now = clock.now();
      const date = venueDate(now, config.timeZone);
      const fields = new Map<number, { name: string; bookings: BookingBoardItem[] }>();
      const videosOf = new Map<string, VideoRow[]>();
      for (const v of sql.videosOfDate.all(date) as VideoRow[]) videosOf.set(v.booking_id, [...(videosOf.get(v.booking_id) ?? []), v]);
      const camerasOf = new Map<number, string[]>();
      for (const c of settings.cameras) camerasOf.set(c.fieldId, [...(camerasOf.get(c.fieldId) ?? []), c.name]);
      for (const c of settings.cameras) if (!fields.has(c.fieldId)) fields.set(c.fieldId, { name: `${c.fieldId}`, bookings: [] });
      for (const b of sql.ofDate.all(date) as BookingRow[]) {
        const fieldId = b.field_id!;
        const field = fields.get(fieldId) ?? { name: b.field_name ?? String(fieldId), bookings: [] };
        if (b.field_name) field.name = b.field_name;
        fields.set(fieldId, field);
        const span = b.start_time && b.end_time ? bookingSpan({ date, start_time: b.start_time, end_time: b.end_time }, config.timeZone) : null;
        const rows = videosOf.get(b.booking_id) ?? [];
        const cameras = camerasOf.get(fieldId) ?? [];
        const list: BookingVideoView[] = rows.map(videoView);
        // A camera without its whole-match video yet: waiting for the match to end.
        if (b.status === 'success') {
          for (const camera of cameras) {
            if (!rows.some((v) => v.camera === camera && v.trigger === 'schedule')) list.push({ id: `waiting:${camera}`, camera, state: 'waiting', trigger: 'schedule', url: null, duration: null });
          }
        }
        field.bookings.push({
          bookingId: b.booking_id,
          fieldId,
          startTime: (b.start_time ?? '').slice(0, 5),
          endTime: (b.end_time ?? '').slice(0, 5),
          status: b.status ?? '',
          userName: b.user_name,
          playing: span !== null && span.start <= now && now < span.end && b.status === 'success',
          videos: list,
        });
      }
      const filmed = new Set(settings.cameras.map((c) => c.fieldId));
      return {
        date,
        at: now.toISOString(),
        fields: [...fields.entries()].sort(([a], [b]) => a - b).map(([fieldId, f]) => ({ fieldId, name: f.name, filmed: filmed.has(fieldId), bookings: f.bookings })),
      };
    },
    adminSummary(): BookingsAdminSummary {
      const tasks: PipelineTaskView[] = videos.pipeline.tasks(200).map((t) => {
        const v = videos.video(t.subject);
        return {
          id: t.id,
          videoId: t.subject,
          bookingId: v?.booking_id ?? null,
          camera: v?.camera ?? null,
          step: t.step,
          state: t.state,
          attempts: t.attempts,
          totalAttempts: t.total_attempts,
          nextAt: t.next_at,
          lastError: t.last_error,
          updatedAt: t.updated_at,
        };
      });
      let free: number | null = null;
      try {
        free = deps.freeBytes(deps.videoDir);
      } catch {
        free = null;
      }
      const last = deps.lastSync();
      return {
        counts: sql.counts.all('bookings.video') as BookingsAdminSummary['counts'],
        tasks,
        disk: { dir: deps.videoDir, freeBytes: free, floorBytes: settings.diskFloorMb * 1024 * 1024, low: deps.diskLow() },
        lastSync: last ? { at: last.at, error: last.error, received: last.outcome?.received ?? null, skipped: last.outcome?.skipped ?? null } : null,
        bookingsToday: (sql.countToday.get(venueDate(clock.now(), config.timeZone)) as { n: number }).n,
      };
    },
  };
}
