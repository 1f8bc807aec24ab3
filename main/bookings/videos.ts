/**
 * Match videos on the task pipeline (main/pipeline/): per booking and camera
 * a video row and its task, steps process → upload → notify with the seed's
 * retry policies (CONTRACTS.md: process 3 tries, 3, 6, 12 s; upload 5 tries,
 * 3, 6, 9, 12, 15 s; notify 3 tries, 3, 6, 12 s; then the offline queue).
 * Notify is queued in the outbox in the transaction that ends the upload
 * step, so it never goes before its upload and never twice (its
 * Idempotency-Key is kept); the outbox reports its failed sends to the task
 * (after 3 the task shows offline while the outbox keeps trying; a permanent
 * refusal: failed), a redrive sends it now, its acknowledgement ends the
 * task and the local files go. A cancelled booking's notification still in
 * the outbox is withdrawn in the cancelling transaction. Every step, process
 * too, waits in the offline queue after its tries. Processing waits while the
 * disk is below its floor.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { z } from 'zod';
import type { Clock } from '../clock';
import type { BoothConfig } from '../config';
import { crashPoint } from '../crash-points';
import type { ScopedLog } from '../log';
import { createPipeline, type Pipeline, type StepDef, type TaskRow } from '../pipeline';
import type { Outbox } from '../sync';
import { clipFiles, makeClip } from './process';
import { abandonUpload, createS3, objectUrl, uploadFile, type FileProgress } from './upload';

export const VIDEO_KIND = 'bookings.video';
export const NOTIFY_KIND = 'bookings.video-notify';

export const PROCESS_POLICY = { tries: 3, delaysMs: [3_000, 6_000, 12_000] } as const;
export const UPLOAD_POLICY = { tries: 5, delaysMs: [3_000, 6_000, 9_000, 12_000, 15_000] } as const;
export const NOTIFY_POLICY = { tries: 3, delaysMs: [3_000, 6_000, 12_000] } as const;

export type VideoState = 'processing' | 'uploading' | 'notifying' | 'ready' | 'failed' | 'cancelled';

export interface VideoRow {
  id: string;
  booking_id: string;
  camera: string;
  field_id: number;
  trigger: 'schedule' | 'manual';
  clip_start: string;
  clip_end: string;
  state: VideoState;
  duration: number | null;
  mp4_url: string | null;
  preview_url: string | null;
  thumbnail_url: string | null;
  local_dir: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

const notifySchema = z.object({
  url: z.string().url(),
  videoId: z.string(),
  body: z.object({
    booking_id: z.string(),
    order_detail_id: z.number().int().nullable(),
    unique_id: z.string(),
    camera: z.string(),
    mp4_url: z.string(),
    preview_url: z.string(),
    thumbnail_url: z.string(),
    duration: z.number(),
  }),
});

/** A booking id as a path or key part: anything but letters, digits, . _ - becomes _ (never a "../"). */
export const safePart = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_').slice(0, 100) || '_';

export interface VideoDeps {
  db: Database.Database;
  clock: Clock;
  log: ScopedLog;
  outbox: Outbox;
  config: BoothConfig;
  videoDir: string;
  notifyUrl: string;
  /** The disk where clips are made has room (above bookings.diskFloorMb). */
  diskHasRoom(): boolean;
  /** A video changed (the screens). */
  changed(video: VideoRow): void;
}

export function createVideos(deps: VideoDeps) {
  const { db, clock, log, outbox, config } = deps;
  const settings = config.bookings;
  const s3 = createS3(settings.s3);
  const sql = {
    video: db.prepare('SELECT * FROM booking_videos WHERE id = ?'),
    insert: db.prepare(
      `INSERT INTO booking_videos (id, booking_id, camera, field_id, trigger, clip_start, clip_end, state, local_dir, created_at, updated_at)
       VALUES (@id, @booking_id, @camera, @field_id, @trigger, @clip_start, @clip_end, 'processing', @local_dir, @at, @at)
       ON CONFLICT DO NOTHING`,
    ),
    setState: db.prepare('UPDATE booking_videos SET state = ?, error = ?, updated_at = ? WHERE id = ? AND state NOT IN (\'cancelled\')'),
    setProcessed: db.prepare('UPDATE booking_videos SET duration = ?, updated_at = ? WHERE id = ?'),
    setUrls: db.prepare('UPDATE booking_videos SET mp4_url = ?, preview_url = ?, thumbnail_url = ?, updated_at = ? WHERE id = ?'),
    clearDir: db.prepare('UPDATE booking_videos SET local_dir = NULL, updated_at = ? WHERE id = ?'),
    bookingOf: db.prepare('SELECT order_detail_id FROM bookings WHERE booking_id = ?'),
    // A booking the platform cancelled and then took back: its cancelled match video makes way for a new one.
    dropCancelledSchedule: db.prepare(
      "DELETE FROM booking_videos WHERE booking_id = ? AND camera = ? AND trigger = 'schedule' AND state = 'cancelled' RETURNING id",
    ),
  };
  const video = (id: string) => sql.video.get(id) as VideoRow | undefined;
  const requireVideo = (id: string) => {
    const v = video(id);
    if (!v) throw new Error(`video ${id} is gone`);
    return v;
  };
  const cameraOf = (name: string) => settings.cameras.find((c) => c.name === name);
  const notifyKey = (videoId: string) => `bookings.video:${videoId}`;
  const keyOf = (v: VideoRow) => `videos/${safePart(v.booking_id)}/${v.camera}/${v.id}`;

  const stateOfTask = (task: TaskRow): { state: VideoState; error: string | null } | null => {
    if (task.state === 'cancelled') return null; // the booking's cancellation wrote the video's state
    if (task.state === 'done') return { state: 'ready', error: null };
    if (task.state === 'failed') return { state: 'failed', error: task.last_error };
    // Its tries used up: the customer is told it failed (it is tried again, when the network is back or by the attendant).
    if (task.state === 'offline' && task.step === 'process') return { state: 'failed', error: task.last_error };
    const state: VideoState = task.step === 'process' ? 'processing' : task.step === 'upload' ? 'uploading' : 'notifying';
    return { state, error: task.last_error };
  };

  const processStep: StepDef = {
    name: 'process',
    ...PROCESS_POLICY,
    exhausted: 'offline',
    // Making the clip again every minute would not help: again when the network is back, or by the attendant.
    offlineRetryMs: null,
    concurrency: 1,
    canStart: () => deps.diskHasRoom(),
    async run({ task, signal }) {
      const v = requireVideo(task.subject);
      const camera = cameraOf(v.camera);
      if (!camera) throw new Error(`camera ${v.camera} is no longer in the config`);
      const files = clipFiles(v.local_dir ?? path.join(deps.videoDir, safePart(v.booking_id), v.camera), v.id);
      const result = await makeClip(
        { ffmpeg: settings.ffmpegPath, ffprobe: settings.ffprobePath, timeoutMs: settings.processTimeoutSeconds * 1000, previewHeight: settings.previewHeight, timeZone: config.timeZone },
        { folder: camera.folder, from: new Date(v.clip_start), to: new Date(v.clip_end), files },
        signal,
      );
      log.info(`video ${v.id} (${v.booking_id}, ${v.camera}): ${result.duration} s cut${result.copied ? ' without re-encoding' : ' (re-encoded: the segments differ)'}`);
      return { next: 'upload', data: { duration: result.duration }, commit: () => sql.setProcessed.run(result.duration, clock.now().toISOString(), v.id) };
    },
  };

  const uploadStep: StepDef = {
    name: 'upload',
    ...UPLOAD_POLICY,
    exhausted: 'offline',
    concurrency: 1,
    async run({ task, data, signal, saveData }) {
      const v = requireVideo(task.subject);
      if (!v.local_dir) throw new Error(`video ${v.id}: its local files are gone`);
      const files = clipFiles(v.local_dir, v.id);
      const key = keyOf(v);
      const objects = [
        { name: 'mp4', path: files.mp4, key: `${key}.mp4` },
        { name: 'preview', path: files.preview, key: `${key}_preview.mp4` },
        { name: 'thumbnail', path: files.thumbnail, key: `${key}.jpg` },
      ];
      const uploads = { ...((data.uploads as Record<string, FileProgress> | undefined) ?? {}) };
      for (const object of objects) {
        await uploadFile(s3, settings.s3, object, uploads[object.name] ?? {}, (progress) => {
          uploads[object.name] = progress;
          saveData({ uploads });
        }, signal);
      }
      // Uploaded, the step's end (and its outbox row) not yet committed.
      crashPoint('bookings.upload.before-outbox');
      const urls = { mp4: objectUrl(settings.s3, objects[0]!.key), preview: objectUrl(settings.s3, objects[1]!.key), thumbnail: objectUrl(settings.s3, objects[2]!.key) };
      const duration = Number(data.duration ?? v.duration ?? 0);
      const order = (sql.bookingOf.get(v.booking_id) as { order_detail_id: number | null } | undefined)?.order_detail_id ?? null;
      return {
        next: 'notify',
        wait: true,
        data: { urls },
        commit: () => {
          sql.setUrls.run(urls.mp4, urls.preview, urls.thumbnail, clock.now().toISOString(), v.id);
          // The notification, in the transaction that ends the upload: never before it, never twice.
          outbox.enqueue({
            kind: NOTIFY_KIND,
            orderKey: notifyKey(v.id),
            payload: {
              url: deps.notifyUrl,
              videoId: v.id,
              body: { booking_id: v.booking_id, order_detail_id: order, unique_id: v.id, camera: v.camera, mp4_url: urls.mp4, preview_url: urls.preview, thumbnail_url: urls.thumbnail, duration },
            },
          });
          queueMicrotask(() => outbox.wake());
        },
      };
    },
  };

  const notifyStep: StepDef = {
    name: 'notify',
    ...NOTIFY_POLICY,
    exhausted: 'offline',
    concurrency: 1,
    // Queued in the outbox by the upload step, which leaves the task waiting here; the outbox completes it.
    // Run only by a redrive or the network coming back: the outbox sends it now.
    run: ({ task }) => Promise.resolve({ next: 'notify', wait: true, commit: () => void outbox.retryNow(notifyKey(task.subject)) }),
  };

  const pipeline: Pipeline = createPipeline({
    db,
    clock,
    log,
    def: {
      kind: VIDEO_KIND,
      steps: [processStep, uploadStep, notifyStep],
      offlineRetryMs: 60_000,
      onCancel(task) {
        if (task.step !== 'notify') return;
        // Not yet acknowledged: not to be sent now that its booking is cancelled.
        const { withdrawn, inFlight } = outbox.withdraw(notifyKey(task.subject), 'booking cancelled');
        if (withdrawn > 0) log.info(`video ${task.subject}: its notification is withdrawn (booking cancelled)`);
        if (inFlight > 0) log.warn(`video ${task.subject}: its notification was already on its way when the booking was cancelled`);
      },
      afterCancel(task) {
        // A cancelled booking's clip is not kept on the kiosk's disk, nor half uploaded in the storage.
        deleteLocal(task.subject);
        const v = video(task.subject);
        const uploads = (JSON.parse(task.data) as { uploads?: Record<string, FileProgress> }).uploads ?? {};
        const suffix: Record<string, string> = { mp4: '.mp4', preview: '_preview.mp4', thumbnail: '.jpg' };
        for (const [name, progress] of Object.entries(uploads)) {
          if (!v || !progress.uploadId || progress.done || !suffix[name]) continue;
          void abandonUpload(s3, settings.s3, `${keyOf(v)}${suffix[name]}`, progress.uploadId);
        }
      },
      onChange(task) {
        const next = stateOfTask(task);
        if (next) sql.setState.run(next.state, next.error, clock.now().toISOString(), task.subject);
      },
      afterCommit(task) {
        const v = video(task.subject);
        if (v) deps.changed(v);
      },
    },
  });

  const deleteLocal = (id: string) => {
    const v = video(id);
    if (!v?.local_dir) return;
    const files = clipFiles(v.local_dir, v.id);
    // With what a try cut short leaves (the files under their temporary names).
    for (const f of [files.mp4, files.preview, files.thumbnail]) for (const name of [f, `${f}.part${path.extname(f)}`]) fs.rmSync(name, { force: true });
    try {
      fs.rmdirSync(v.local_dir);
    } catch {
      /* other clips of the booking are still there */
    }
    sql.clearDir.run(clock.now().toISOString(), id);
  };

  outbox.registerKind({
    kind: NOTIFY_KIND,
    retryDelaysMs: NOTIFY_POLICY.delaysMs,
    request(payload) {
      const parsed = notifySchema.parse(payload);
      return { endpoint: parsed.url, body: JSON.stringify(parsed.body) };
    },
    onAcknowledged(item) {
      const parsed = notifySchema.safeParse(item.payload);
      if (!parsed.success) return;
      const id = parsed.data.videoId;
      pipeline.complete(id, 'notify');
      // Uploaded and told: the local files go once this commits.
      setImmediate(() => {
        try {
          deleteLocal(id);
        } catch (error) {
          log.warn(`video ${id}: local files not deleted: ${(error as Error).message}`);
        }
        const v = video(id);
        if (v) deps.changed(v);
      });
    },
    onAttemptFailed(item, failure) {
      const parsed = notifySchema.safeParse(item.payload);
      if (parsed.success) pipeline.handedOffFailed(parsed.data.videoId, 'notify', failure);
    },
    describe(payload) {
      const parsed = notifySchema.safeParse(payload);
      return parsed.success ? `match video ${parsed.data.body.booking_id} (${parsed.data.body.camera})` : 'match video (unreadable payload)';
    },
  });

  return {
    pipeline,
    video,
    /** A video for each camera of the booking's field, with its task; inside a transaction. Returns the new ones. */
    create(booking: { booking_id: string; field_id: number }, clip: { start: Date; end: Date }, trigger: 'schedule' | 'manual'): VideoRow[] {
      const created: VideoRow[] = [];
      const at = clock.now().toISOString();
      for (const camera of settings.cameras.filter((c) => c.fieldId === booking.field_id)) {
        if (trigger === 'schedule') {
          const dropped = (sql.dropCancelledSchedule.all(booking.booking_id, camera.name) as { id: string }[]).map((v) => v.id);
          if (dropped.length > 0) {
            // Its files went at the cancellation, and its notification was withdrawn: the new video has its own id and key.
            pipeline.forget(dropped);
            log.info(`booking ${booking.booking_id} is on again after its cancellation: a new video from ${camera.name} replaces ${dropped.join(', ')}`);
          }
        }
        const id = crypto.randomUUID();
        const inserted = sql.insert.run({
          id,
          booking_id: booking.booking_id,
          camera: camera.name,
          field_id: booking.field_id,
          trigger,
          clip_start: clip.start.toISOString(),
          clip_end: clip.end.toISOString(),
          local_dir: path.join(deps.videoDir, safePart(booking.booking_id), camera.name),
          at,
        });
        if (inserted.changes === 0) continue;
        pipeline.enqueue(id);
        created.push(video(id)!);
      }
      return created;
    },
    deleteLocal,
  };
}

export type Videos = ReturnType<typeof createVideos>;
