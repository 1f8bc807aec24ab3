/**
 * The match video pipeline's offline queue and cancellation, as the contract
 * has them (CONTRACTS.md "Bookings and match videos"): after its tries every
 * step, process and notify too, waits in the offline queue, shown to the
 * attendant with its tries and error, runs again when the network is back or
 * when the attendant redrives it; a cancelled booking's notification that was
 * not yet sent is never sent.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BookingsAdminSummary, BookingsBoard } from '../../preload/contract';
import { startBookingSim, type BookingSim } from '../cloud-sim/bookings';
import { booking, recordCamera, TODAY, venue, waitFor } from '../support/bookings';
import { startS3, type S3Test } from '../support/s3';
import { tempDir } from '../support/temp';

let sim: BookingSim;
let s3: S3Test;
const running: { stop(): Promise<void> }[] = [];
beforeEach(async () => {
  sim = await startBookingSim();
  s3 = await startS3(tempDir());
});
afterEach(async () => {
  while (running.length) await running.pop()!.stop();
  await s3.stop();
  await sim.stop();
});

async function kioskWithCamera(folder: string) {
  const k = await venue(tempDir(), sim, {
    api: { baseUrl: sim.baseUrl, retryAttempts: 0 },
    services: { probeIntervalSeconds: 3600, syncIntervalSeconds: 0.1 },
    bookings: {
      cameras: [{ name: 'CAM_A', fieldId: 1, folder }],
      s3: { endpoint: s3.endpoint, region: 'auto', bucket: s3.bucket, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', partSizeMb: 5 },
    },
    // After the notification's own three tries, the outbox waits long: only the network or a redrive makes it go sooner.
    sync: { backoffBaseSeconds: 600, backoffCapSeconds: 3_600 },
  });
  running.push(k.kiosk);
  await k.invoke('admin:unlock', { pin: '2468' });
  const task = () => k.tasks()[0]!;
  /** Moves the kiosk's clock on by `ms` until `done`, letting due tries run (and end) in between. */
  const driveUntil = async (what: string, done: () => boolean, ms = 12_000) => {
    for (let i = 0; i < 30 && !done(); i++) {
      k.clock.advance(ms);
      await k.kiosk.runJob('bookings.videos');
      await new Promise((r) => setTimeout(r, 150));
      await waitFor('the try to end', () => task().state !== 'running', 30_000);
    }
    if (!done()) throw new Error(`never reached: ${what}`);
  };
  const summary = () => k.invoke<BookingsAdminSummary>('bookings:admin-summary');
  return { ...k, task, driveUntil, summary };
}

describe('match videos: the offline queue', () => {
  it('process: after its three tries the task waits offline (the customer sees failed, the attendant its tries and error); it runs again when the network is back', async () => {
    const cam = path.join(tempDir(), 'cam');
    fs.mkdirSync(cam);
    sim.setDay(TODAY, [booking(1, { start_time: '08:00:00', end_time: '08:00:04' })]);
    const k = await kioskWithCamera(cam);
    k.kiosk.start();
    await k.sync();
    await k.driveUntil('process offline', () => k.task().state === 'offline' || k.task().state === 'failed');
    expect(k.task()).toMatchObject({ step: 'process', state: 'offline', attempts: 3, next_at: null });
    const seen = (await k.summary()).tasks[0]!;
    expect(seen).toMatchObject({ step: 'process', state: 'offline', attempts: 3 });
    expect(seen.lastError).toMatch(/no recording/);
    const board = await k.invoke<BookingsBoard>('bookings:board');
    expect(board.fields[0]!.bookings[0]!.videos).toEqual([expect.objectContaining({ camera: 'CAM_A', state: 'failed' })]);

    // Not made again by itself every minute (ffmpeg's failure is not the network's).
    k.clock.advance(30 * 60_000);
    await k.kiosk.runJob('bookings.videos');
    await new Promise((r) => setTimeout(r, 300));
    expect(k.task()).toMatchObject({ step: 'process', state: 'offline', attempts: 3 });

    // The recording turns up; the network goes and comes back: the step runs again, and the video is made.
    recordCamera(cam, 1, 5);
    sim.faults.down = true;
    await k.sync();
    expect(k.log.lines.join('\n')).toMatch(/cloud unreachable/);
    sim.faults.down = false;
    await k.sync();
    await waitFor('the notification', () => sim.notifications.length === 1, 60_000);
    await waitFor('ready', () => k.videos('BK-000001')[0]!.state === 'ready');
  }, 120_000);

  it('notify: after its three tries the task shows offline with its error while the outbox keeps it; the attendant\'s redrive sends it now, once', async () => {
    const cam = path.join(tempDir(), 'cam');
    recordCamera(cam, 1, 5);
    sim.setDay(TODAY, [booking(1, { start_time: '08:00:00', end_time: '08:00:04' })]);
    sim.faults.failNext.notify = 1_000;
    const k = await kioskWithCamera(cam);
    k.kiosk.start();
    await k.sync();
    await waitFor('the upload', () => k.task().step === 'notify', 60_000);
    await k.driveUntil('three notification tries', () => sim.notifyRequests >= 3, 6_000);
    await waitFor('the third try recorded', () => k.task().state === 'offline');
    expect(k.task()).toMatchObject({ step: 'notify', state: 'offline', attempts: 3 });
    const seen = (await k.summary()).tasks[0]!;
    expect(seen).toMatchObject({ step: 'notify', state: 'offline', attempts: 3 });
    expect(seen.lastError).toMatch(/500/);
    expect(sim.notifications).toHaveLength(0);

    // The platform is back; the outbox would wait up to its backoff; the attendant redrives the task.
    sim.faults.failNext.notify = 0;
    const requests = sim.notifyRequests;
    await k.invoke('bookings:redrive', { taskId: k.task().id as number });
    await waitFor('the notification', () => sim.notifications.length === 1, 10_000);
    await waitFor('done', () => k.task().state === 'done');
    expect(sim.notifyRequests).toBe(requests + 1);
    expect(sim.duplicates).toBe(0);
    expect(k.videos('BK-000001')[0]).toMatchObject({ state: 'ready' });
  }, 120_000);

  it('notify refused by the platform (4xx): the task is failed for the attendant at once and not sent again by itself; a redrive sends it again, once', async () => {
    const cam = path.join(tempDir(), 'cam');
    recordCamera(cam, 1, 5);
    sim.setDay(TODAY, [booking(1, { start_time: '08:00:00', end_time: '08:00:04' })]);
    sim.faults.refuseNext.notify = 1_000;
    const k = await kioskWithCamera(cam);
    k.kiosk.start();
    await k.sync();
    await waitFor('the refusal recorded', () => k.task().step === 'notify' && k.task().state === 'failed', 60_000);
    expect(sim.notifyRequests).toBe(1);
    expect(k.task()).toMatchObject({ step: 'notify', state: 'failed', attempts: 1 });
    const seen = (await k.summary()).tasks[0]!;
    expect(seen).toMatchObject({ step: 'notify', state: 'failed' });
    expect(seen.lastError).toMatch(/422/);
    const board = await k.invoke<BookingsBoard>('bookings:board');
    expect(board.fields[0]!.bookings[0]!.videos).toEqual([expect.objectContaining({ camera: 'CAM_A', state: 'failed' })]);

    // Hours pass, the network comes and goes: never sent again by itself.
    for (let i = 0; i < 5; i++) {
      k.clock.advance(60 * 60_000);
      await k.kiosk.runJob('bookings.videos');
      await k.sync();
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(sim.notifyRequests).toBe(1);
    expect(k.task()).toMatchObject({ step: 'notify', state: 'failed' });
    expect(sim.notifications).toHaveLength(0);

    // The platform is put right; the attendant redrives the task: sent once, the video is ready.
    sim.faults.refuseNext.notify = 0;
    await k.invoke('admin:unlock', { pin: '2468' });
    await k.invoke('bookings:redrive', { taskId: k.task().id as number });
    await waitFor('the notification', () => sim.notifications.length === 1, 10_000);
    await waitFor('done', () => k.task().state === 'done');
    expect(sim.notifyRequests).toBe(2);
    expect(k.videos('BK-000001')[0]).toMatchObject({ state: 'ready' });
  }, 120_000);

  it('a booking cancelled while its notification waits in the outbox: the notification is withdrawn in that transaction and never sent', async () => {
    const cam = path.join(tempDir(), 'cam');
    recordCamera(cam, 1, 5);
    sim.setDay(TODAY, [booking(1, { start_time: '08:00:00', end_time: '08:00:04' })]);
    sim.faults.failNext.notify = 1_000;
    const k = await kioskWithCamera(cam);
    k.kiosk.start();
    await k.sync();
    await waitFor('the upload', () => k.task().step === 'notify', 60_000);
    await waitFor('a first try', () => sim.notifyRequests >= 1, 10_000);
    await waitFor('its result recorded', () => (k.task().attempts as number) >= 1);

    sim.setDay(TODAY, [booking(1, { start_time: '08:00:00', end_time: '08:00:04', status: 'cancelled' })]);
    await k.sync();
    expect(k.task()).toMatchObject({ step: 'notify', state: 'cancelled' });
    expect(k.videos('BK-000001')[0]).toMatchObject({ state: 'cancelled' });
    const row = k.db.prepare("SELECT state, last_error FROM outbox WHERE kind = 'bookings.video-notify'").get();
    expect(row).toEqual({ state: 'done', last_error: 'withdrawn: booking cancelled' });
    expect((await k.invoke<{ pending: number; dead: number }>('sync:status'))).toMatchObject({ pending: 0, dead: 0 });

    // The platform is back, hours pass: nothing more is sent.
    sim.faults.failNext.notify = 0;
    const requests = sim.notifyRequests;
    for (let i = 0; i < 5; i++) {
      k.clock.advance(3_600_000);
      await k.kiosk.runJob('bookings.videos');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(sim.notifyRequests).toBe(requests);
    expect(sim.notifications).toHaveLength(0);
  }, 120_000);
});

describe('match videos: a cancelled booking', () => {
  it('cancelled while its upload waits to try again: it is not tried again, the unfinished multipart upload is abandoned in the storage and the clip leaves the kiosk\'s disk', async () => {
    const cam = path.join(tempDir(), 'cam');
    recordCamera(cam, 1, 3, true);
    sim.setDay(TODAY, [booking(1, { start_time: '08:00:00', end_time: '08:00:02' })]);
    // Every part is cut half-way: the upload keeps retrying, its multipart upload open.
    s3.faults.cutPart = 1_000;
    const k = await kioskWithCamera(cam);
    k.kiosk.start();
    await k.sync();
    await waitFor('an upload try that failed', () => k.task().step === 'upload' && k.task().state === 'retry', 60_000);
    const dir = k.videos('BK-000001')[0]!.local_dir as string;
    expect(fs.readdirSync(dir).length).toBeGreaterThan(0);
    const uploadId = (JSON.parse(k.task().data as string) as { uploads: { mp4: { uploadId: string } } }).uploads.mp4.uploadId;
    expect(uploadId).toBeTruthy();

    sim.setDay(TODAY, [booking(1, { start_time: '08:00:00', end_time: '08:00:02', status: 'cancelled' })]);
    await k.sync();
    expect(k.task()).toMatchObject({ step: 'upload', state: 'cancelled' });
    await waitFor('the storage told', () => s3.requests.some((r) => r.method === 'DELETE' && r.query.includes(`uploadId=${encodeURIComponent(uploadId)}`)));
    await waitFor('the clip deleted', () => k.videos('BK-000001')[0]!.local_dir === null);
    expect(fs.existsSync(dir)).toBe(false);
    // Nothing more is tried.
    const requests = s3.requests.length;
    k.clock.advance(60_000);
    await k.kiosk.runJob('bookings.videos');
    await new Promise((r) => setTimeout(r, 300));
    expect(s3.requests.length).toBe(requests);
  }, 120_000);

  it('a cancellation the platform takes back (success again): the booking gets a new video, made and notified once; the cancelled one is never sent', async () => {
    const cam = path.join(tempDir(), 'cam');
    recordCamera(cam, 1, 3, true);
    const match = { start_time: '08:00:00', end_time: '08:00:02' };
    sim.setDay(TODAY, [booking(1, match)]);
    s3.faults.cutPart = 1_000;
    const k = await kioskWithCamera(cam);
    k.kiosk.start();
    await k.sync();
    await waitFor('an upload try that failed', () => k.task().step === 'upload' && k.task().state === 'retry', 60_000);
    const cancelledId = k.videos('BK-000001')[0]!.id;
    sim.setDay(TODAY, [booking(1, { ...match, status: 'cancelled' })]);
    await k.sync();
    expect(k.videos('BK-000001')).toMatchObject([{ id: cancelledId, state: 'cancelled' }]);

    s3.faults.cutPart = 0;
    sim.setDay(TODAY, [booking(1, match)]);
    await k.sync();
    await waitFor('the new video ready', () => k.videos('BK-000001')[0]?.state === 'ready', 60_000);
    const [video] = k.videos('BK-000001');
    expect(k.videos('BK-000001')).toHaveLength(1);
    expect(video!.id).not.toBe(cancelledId);
    expect(k.tasks().map((t) => [t.subject, t.state])).toEqual([[video!.id, 'done']]);
    expect(sim.notifications.map((n) => n.body.unique_id)).toEqual([video!.id]);
    // Later syncs leave it alone: no third video, no second notification.
    await k.sync();
    await k.kiosk.runJob('bookings.videos');
    expect(k.videos('BK-000001').map((v) => v.id)).toEqual([video!.id]);
    expect(sim.notifications).toHaveLength(1);
  }, 120_000);

  it('cancelled while an upload try is running: the try\'s end does not bring the task back, nothing is notified, the clip leaves the disk', async () => {
    const cam = path.join(tempDir(), 'cam');
    recordCamera(cam, 1, 3, true);
    sim.setDay(TODAY, [booking(1, { start_time: '08:00:00', end_time: '08:00:02' })]);
    // The storage holds its answer to the first part: the upload try is caught mid-flight.
    s3.faults.holdParts = 1;
    const k = await kioskWithCamera(cam);
    k.kiosk.start();
    await k.sync();
    await waitFor('an upload try in flight', () => s3.held() === 1 && k.task().step === 'upload' && k.task().state === 'running', 60_000);
    const dir = k.videos('BK-000001')[0]!.local_dir as string;

    sim.setDay(TODAY, [booking(1, { start_time: '08:00:00', end_time: '08:00:02', status: 'cancelled' })]);
    await k.sync();
    expect(k.task()).toMatchObject({ step: 'upload', state: 'cancelled' });
    // The storage answers now; the try ends, whatever its outcome.
    s3.releaseHeld();
    await waitFor('the clip deleted', () => k.videos('BK-000001')[0]!.local_dir === null);
    expect(fs.existsSync(dir)).toBe(false);
    for (let i = 0; i < 3; i++) {
      k.clock.advance(10 * 60_000);
      await k.kiosk.runJob('bookings.videos');
      await k.sync();
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(k.task()).toMatchObject({ step: 'upload', state: 'cancelled' });
    expect(k.videos('BK-000001')[0]).toMatchObject({ state: 'cancelled', mp4_url: null });
    expect(k.db.prepare("SELECT COUNT(*) FROM outbox WHERE kind = 'bookings.video-notify'").pluck().get()).toBe(0);
    expect(sim.notifyRequests).toBe(0);
  }, 120_000);
});
