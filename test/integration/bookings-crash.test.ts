/**
 * kill -9 in the match video pipeline: the real headless host (a child
 * process) dies in the middle of processing, between two committed parts of
 * the multipart upload, after the upload before its outbox row, and after
 * the notification was answered before its acknowledgement was recorded.
 * After each restart the task resumes at the step it was in: the committed
 * parts are not sent again, the finished objects are not uploaded again, and
 * the booking platform gets exactly one notification (a resend carries the
 * same Idempotency-Key).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBookingSim, type BookingSim } from '../cloud-sim/bookings';
import { HostStartError, startHeadless, type HeadlessHost } from '../support/headless';
import { startS3, type S3Test } from '../support/s3';
import { tempDir } from '../support/temp';

let sim: BookingSim;
let s3: S3Test;
let dataDir: string;
let configFile: string;
const hosts: HeadlessHost[] = [];

const pad = (n: number) => String(n).padStart(2, '0');
const utcDate = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
const utcTime = (d: Date, sep = ':') => [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()].map(pad).join(sep);

beforeAll(async () => {
  if (!fs.existsSync(path.resolve(import.meta.dirname, '../../dist/main/headless.cjs'))) throw new Error('run `node scripts/build.mjs` first');
  // The booking and its recording: one noisy lossless segment (several 5 MB parts), ended a minute ago (venue time zone UTC).
  let start = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
  // Kept within one day, as the sync reads today's bookings.
  if (utcDate(start) !== utcDate(new Date(Date.now() + 30_000))) {
    await new Promise((r) => setTimeout(r, 100_000 - (Date.now() % 86_400_000)));
    start = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
  }
  const end = new Date(start.getTime() + 3_000);
  dataDir = tempDir();
  const cam = path.join(dataDir, 'cam');
  fs.mkdirSync(cam);
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=size=640x360:rate=25,noise=alls=100:allf=t', '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-g', '25', '-pix_fmt', 'yuv420p', path.join(cam, `${utcDate(start)}_${utcTime(start, '-')}.mp4`)]);
  sim = await startBookingSim();
  sim.setDay(utcDate(start), [
    { booking_id: 'BK-CRASH', order_detail_id: 42, field_id: 1, date: utcDate(start), start_time: utcTime(start), end_time: utcTime(end), status: 'success', field_name: 'Lapangan A', user_name: 'Ana', user_phone: '0812' },
  ]);
  s3 = await startS3(path.join(dataDir, 's3'));
  configFile = path.join(dataDir, 'config.json');
  fs.writeFileSync(
    configFile,
    JSON.stringify({
      kioskName: 'Crash venue',
      modules: ['bookings'],
      timeZone: 'UTC',
      api: { baseUrl: sim.baseUrl, timeoutSeconds: 5, retryAttempts: 0 },
      services: { probeIntervalSeconds: 3600, syncIntervalSeconds: 0.2 },
      sync: { backoffBaseSeconds: 0.05, backoffCapSeconds: 0.3 },
      clock: { trustedAtBoot: true },
      bookings: {
        baseUrl: sim.baseUrl,
        endGraceSeconds: 0,
        diskFloorMb: 0,
        cameras: [{ name: 'CAM_A', fieldId: 1, folder: cam }],
        s3: { endpoint: s3.endpoint, region: 'auto', bucket: s3.bucket, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', partSizeMb: 5 },
      },
      logging: { level: 'warn' },
    }),
  );
}, 120_000);

afterAll(async () => {
  while (hosts.length) await hosts.pop()!.stop().catch(() => undefined);
  await s3?.stop();
  await sim?.stop();
});

interface TaskState {
  step: string;
  state: string;
  data: { uploads?: Record<string, { parts?: { n: number }[]; done?: boolean }> };
}

function read() {
  const db = new Database(path.join(dataDir, 'booth.db'), { readonly: true });
  try {
    const task = db.prepare("SELECT step, state, data FROM pipeline_tasks WHERE kind = 'bookings.video'").get() as { step: string; state: string; data: string } | undefined;
    const video = db.prepare("SELECT id, state, local_dir FROM booking_videos WHERE booking_id = 'BK-CRASH'").get() as { id: string; state: string; local_dir: string | null } | undefined;
    const outbox = db.prepare("SELECT state, idempotency_key FROM outbox WHERE kind = 'bookings.video-notify'").all() as { state: string; idempotency_key: string }[];
    return { task: task ? ({ ...task, data: JSON.parse(task.data) } as TaskState) : undefined, video, outbox };
  } finally {
    db.close();
  }
}

/** Starts the host armed at `point` and waits for it to kill itself there (before or after its bridge answered). */
async function crashAt(point: string): Promise<void> {
  const host = await startHeadless({ dataDir, config: configFile, env: { BOOTH_CRASH_AT: point } }).catch((error: unknown) => {
    if (error instanceof HostStartError) return error;
    throw error;
  });
  const exit = host instanceof HostStartError ? host.exit : await Promise.race([host.exited, new Promise<never>((_, no) => setTimeout(() => no(new Error(`${point} not reached`)), 90_000))]);
  expect(exit.signal, point).toBe('SIGKILL');
}

const partRequests = (suffix: string) =>
  s3.requests.filter((r) => r.method === 'PUT' && r.query.includes('partNumber') && r.path.endsWith(suffix)).map((r) => new URLSearchParams(r.query).get('partNumber'));

describe('match videos: kill -9 at each step', () => {
  it('resumes each time at the step it was in; committed parts and finished objects are not sent again; one notification', { timeout: 300_000 }, async () => {
    await crashAt('bookings.process.mid-clip');
    let now = read();
    expect(now.task).toMatchObject({ step: 'process', state: 'running' });
    expect(now.video).toMatchObject({ state: 'processing' });
    expect(s3.requests).toHaveLength(0);
    const id = now.video!.id;
    const mp4 = `/${s3.bucket}/videos/BK-CRASH/CAM_A/${id}.mp4`;

    // Processed again from the start (harmless), then killed after the first part of the clip was committed.
    await crashAt('bookings.upload.between-parts');
    now = read();
    expect(now.task).toMatchObject({ step: 'upload', state: 'running' });
    expect(now.task!.data.uploads!.mp4!.parts).toHaveLength(1);
    expect(partRequests(mp4)).toEqual(['1']);

    // Resumed at part 2 (part 1 is not sent again); killed once all three objects are whole, before the outbox row.
    await crashAt('bookings.upload.before-outbox');
    now = read();
    expect(now.task).toMatchObject({ step: 'upload', state: 'running' });
    expect(now.outbox).toEqual([]);
    const parts = partRequests(mp4);
    expect(parts.filter((p) => p === '1')).toHaveLength(1);
    expect(parts.length).toBeGreaterThanOrEqual(2);
    expect(sim.notifyRequests).toBe(0);
    const requestsBefore = s3.requests.length;

    // The finished objects are not uploaded again; the notification goes, and the kiosk dies after its answer, before recording it.
    await crashAt('outbox.after-response');
    now = read();
    expect(s3.requests.slice(requestsBefore).filter((r) => r.method === 'PUT' || r.method === 'POST')).toEqual([]);
    expect(now.task).toMatchObject({ step: 'notify', state: 'waiting' });
    expect(now.outbox).toEqual([{ state: 'pending', idempotency_key: expect.any(String) }]);
    expect(sim.notifications).toHaveLength(1);
    const key = now.outbox[0]!.idempotency_key;

    // A normal start: the notification goes again with the same key (the platform counts it once), is acknowledged, the task ends.
    const host = await startHeadless({ dataDir, config: configFile });
    hosts.push(host);
    const until = Date.now() + 60_000;
    while (read().task?.state !== 'done' && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    now = read();
    expect(now.task).toMatchObject({ step: 'notify', state: 'done' });
    expect(now.outbox).toEqual([{ state: 'done', idempotency_key: key }]);
    expect(sim.notifications).toHaveLength(1);
    expect(sim.notifications[0]).toMatchObject({ idempotencyKey: key, body: { booking_id: 'BK-CRASH', unique_id: id, order_detail_id: 42 } });
    expect(sim.duplicates).toBe(1);
    const stored = await s3.object(`videos/BK-CRASH/CAM_A/${id}.mp4`);
    expect(stored!.length).toBeGreaterThan(5 * 1024 * 1024);
    while (read().video?.local_dir !== null && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(read().video).toMatchObject({ state: 'ready', local_dir: null });
  });
});
