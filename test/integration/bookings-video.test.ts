/**
 * Match videos through the real kiosk: camera segments made by Debian's
 * ffmpeg (test source, seconds long), the clip cut and joined without
 * re-encoding, a preview and a thumbnail, uploaded by multipart to s3rver on
 * loopback (behind a proxy with faults), and the platform notified through
 * the outbox only after the upload, once.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mp4Header } from '../../main/bookings/mp4-header';
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

const probeDuration = (file: string) => Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]).toString());

async function kioskWithCamera(folder: string, extra: Record<string, unknown> = {}, options: Parameters<typeof venue>[3] = {}) {
  const k = await venue(tempDir(), sim, {
    bookings: {
      cameras: [{ name: 'CAM_A', fieldId: 1, folder }],
      s3: { endpoint: s3.endpoint, region: 'auto', bucket: s3.bucket, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', publicBaseUrl: 'https://clips.example.com/', partSizeMb: 5 },
      ...extra,
    },
    sync: { backoffBaseSeconds: 0.05 },
  }, { now: new Date('2026-01-15T03:00:00Z'), ...options });
  running.push(k.kiosk);
  return k;
}

describe('segment headers', () => {
  it('reads an MP4 segment\'s duration and codecs from its moov as ffprobe would; a fragmented, unfinished or other file is left to ffprobe', () => {
    const dir = tempDir();
    const make = (name: string, args: string[]) => {
      execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '3', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', ...args, path.join(dir, name)]);
      return path.join(dir, name);
    };
    const plain = make('a.mp4', []);
    const again = make('b.mp4', []);
    const bigger = make('c.mp4', ['-vf', 'scale=640:480']);
    expect(mp4Header(plain)).toEqual({ duration: probeDuration(plain), signature: expect.stringMatching(/^mp4\|video:avc1:320:240:/) });
    expect(mp4Header(again)!.signature).toBe(mp4Header(plain)!.signature);
    expect(mp4Header(bigger)!.signature).not.toBe(mp4Header(plain)!.signature);
    expect(mp4Header(make('f.mp4', ['-movflags', '+frag_keyframe+empty_moov']))).toBeNull();
    expect(mp4Header(make('t.ts', ['-f', 'mpegts']))).toBeNull();
    // A segment still being written (its moov comes at the end).
    const cut = path.join(dir, 'cut.mp4');
    fs.writeFileSync(cut, fs.readFileSync(plain).subarray(0, 4000));
    expect(mp4Header(cut)).toBeNull();
  });
});

describe('match videos', () => {
  it('cuts the booking from the camera\'s segments without re-encoding, uploads clip, preview and thumbnail, then notifies once; local files go', async () => {
    const cam = path.join(tempDir(), 'cam');
    recordCamera(cam, 3, 4);
    // 08:00:02 to 08:00:10: the middle of segment 1 to the middle of segment 3.
    sim.setDay(TODAY, [booking(1, { start_time: '08:00:02', end_time: '08:00:10' })]);
    const k = await kioskWithCamera(cam);
    k.kiosk.start();
    await k.sync();
    await waitFor('the notification', () => sim.notifications.length === 1, 60_000);
    const [video] = k.videos('BK-000001');
    expect(video).toMatchObject({ state: 'ready', camera: 'CAM_A', trigger: 'schedule' });
    const id = video!.id as string;
    const n = sim.notifications[0]!;
    expect(Object.keys(n.body).sort()).toEqual(['booking_id', 'camera', 'duration', 'mp4_url', 'order_detail_id', 'preview_url', 'thumbnail_url', 'unique_id'].sort());
    expect(n.body).toMatchObject({
      booking_id: 'BK-000001',
      order_detail_id: 701,
      unique_id: id,
      camera: 'CAM_A',
      mp4_url: `https://clips.example.com/videos/BK-000001/CAM_A/${id}.mp4`,
      preview_url: `https://clips.example.com/videos/BK-000001/CAM_A/${id}_preview.mp4`,
      thumbnail_url: `https://clips.example.com/videos/BK-000001/CAM_A/${id}.jpg`,
    });
    expect(n.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    // Stream copy cuts at key frames (one a second here): 8 s, give or take one.
    expect(n.body.duration as number).toBeGreaterThan(6.5);
    expect(n.body.duration as number).toBeLessThan(9.5);
    const key = `videos/BK-000001/CAM_A/${id}`;
    const mp4 = await s3.object(`${key}.mp4`);
    const jpg = await s3.object(`${key}.jpg`);
    expect(mp4).not.toBeNull();
    expect(await s3.size(`${key}_preview.mp4`)).toBeGreaterThan(0);
    expect(jpg!.subarray(0, 2).toString('hex')).toBe('ffd8');
    const local = path.join(tempDir(), 'clip.mp4');
    fs.writeFileSync(local, mp4!);
    expect(probeDuration(local)).toBeCloseTo(n.body.duration as number, 0);
    expect(k.log.lines.join('\n')).toMatch(/cut without re-encoding/);
    await waitFor('local files deleted', () => (k.videos('BK-000001')[0]!.local_dir as string | null) === null);
    expect(fs.readdirSync(path.join(k.platform.dataDir, 'videos', 'BK-000001', 'CAM_A').replace(/CAM_A$/, '')).filter((f) => f !== 'CAM_A')).toEqual([]);
    // The board shows it ready with the clip's URL (the QR code).
    const board = await k.invoke<{ fields: { bookings: { videos: { state: string; url: string | null }[] }[] }[] }>('bookings:board');
    expect(board.fields[0]!.bookings[0]!.videos).toEqual([expect.objectContaining({ state: 'ready', url: n.body.mp4_url })]);
    // Another sync and another scheduling round make no second video, no second notification.
    await k.sync();
    await k.kiosk.runJob('bookings.videos');
    await new Promise((r) => setTimeout(r, 300));
    expect(k.videos('BK-000001')).toHaveLength(1);
    expect(sim.notifications).toHaveLength(1);
    expect(sim.notifyRequests).toBe(1);
  }, 90_000);

  it('retries the upload through 500s and a connection cut mid-part, resending only the parts it lacks; notifies only after the upload, through 500s, once', async () => {
    const cam = path.join(tempDir(), 'cam');
    recordCamera(cam, 2, 3, true);
    sim.setDay(TODAY, [booking(1, { start_time: '08:00:00', end_time: '08:00:06' })]);
    const k = await kioskWithCamera(cam);
    // The first part goes through; the second is cut half-way; then the storage answers 500 twice.
    let partsSeen = 0;
    const originalPush = s3.requests.push.bind(s3.requests);
    s3.requests.push = (...items) => {
      for (const r of items) if (r.method === 'PUT' && r.query.includes('partNumber')) {
        partsSeen++;
        if (partsSeen === 2) s3.faults.cutPart = 1;
      }
      return originalPush(...items);
    };
    sim.faults.failNext.notify = 2;
    k.kiosk.start();
    await k.sync();
    const task = () => k.tasks()[0]!;
    await waitFor('the upload to fail once', () => task().step === 'upload' && task().state === 'retry', 60_000);
    expect(task().last_error).toBeTruthy();
    expect(sim.notifyRequests).toBe(0);
    s3.faults.fail500 = 2;
    for (let i = 0; i < 6 && !(task().step === 'notify'); i++) {
      k.clock.advance(15_000);
      await k.kiosk.runJob('bookings.videos');
      await new Promise((r) => setTimeout(r, 100));
      await waitFor('the try to end', () => task().state !== 'running' && task().state !== 'ready', 30_000);
    }
    expect(task().step).toBe('notify');
    const parts = s3.requests.filter((r) => r.method === 'PUT' && r.query.includes('partNumber'));
    const mp4Parts = parts.filter((r) => r.path.endsWith('.mp4') && !r.path.endsWith('_preview.mp4'));
    const numbers = mp4Parts.map((r) => new URLSearchParams(r.query).get('partNumber'));
    // Part 1 once; part 2 cut, then sent again; never part 1 again.
    expect(numbers.filter((p) => p === '1')).toHaveLength(1);
    expect(numbers.filter((p) => p === '2').length).toBeGreaterThanOrEqual(2);
    const id = k.videos('BK-000001')[0]!.id as string;
    const mp4 = await s3.object(`videos/BK-000001/CAM_A/${id}.mp4`);
    const localFile = path.join(k.videos('BK-000001')[0]!.local_dir as string, `${id}.mp4`);
    expect(mp4!.equals(fs.readFileSync(localFile))).toBe(true);
    // The notification: two 500s, then acknowledged once (the kind's own delays, 3 and 6 s, on the kiosk's clock).
    for (let i = 0; i < 20 && sim.notifications.length === 0; i++) {
      k.clock.advance(6_000);
      await new Promise((r) => setTimeout(r, 100));
      await k.kiosk.runJob('bookings.videos');
    }
    await waitFor('the notification', () => sim.notifications.length === 1, 20_000);
    expect(sim.notifyRequests).toBe(3);
    expect(sim.duplicates).toBe(0);
    await waitFor('ready', () => k.videos('BK-000001')[0]!.state === 'ready');
  }, 120_000);

  it('pauses processing while the disk is below its floor, tells the attendant, and resumes when there is room', async () => {
    const cam = path.join(tempDir(), 'cam');
    recordCamera(cam, 1, 3);
    sim.setDay(TODAY, [booking(1, { start_time: '08:00:00', end_time: '08:00:02' })]);
    let free = 10 * 1024 * 1024;
    const k = await kioskWithCamera(cam, { diskFloorMb: 100 }, { bookings: { freeBytes: () => free } });
    k.kiosk.start();
    await k.sync();
    await k.invoke('admin:unlock', { pin: '2468' });
    await waitFor('the disk warning', () => k.log.lines.some((l) => /below 100 MB: processing paused/.test(l)));
    const overview = await k.invoke<{ warnings: { kind: string }[] }>('admin:overview');
    expect(overview.warnings).toContainEqual({ kind: 'bookings.disk-low' });
    expect(k.tasks()[0]).toMatchObject({ step: 'process', state: 'ready', attempts: 0 });
    free = 1024 * 1024 * 1024;
    await k.kiosk.runJob('bookings.videos');
    await waitFor('the notification', () => sim.notifications.length === 1, 60_000);
    expect((await k.invoke<{ warnings: { kind: string }[] }>('admin:overview')).warnings).not.toContainEqual({ kind: 'bookings.disk-low' });
  }, 90_000);
});
