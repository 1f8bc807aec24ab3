/**
 * The bookings module's screens in Chromium, on the booking-platform
 * simulator, camera segments made by ffmpeg and s3rver: today's matches per
 * field with each video's state by icon and words (waiting for the match to
 * end, processing, ready with a QR code to its clip, failed); "Save my match
 * video" on the field playing now, answered in the customer's language; the
 * attendant's page with the tasks by step, tries, errors and "Try again",
 * the disk and the last sync with "Sync now". Both languages, at 800×480,
 * 720×1280 and 1920×1080 (support/layout.ts).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import QRCode from 'qrcode';
import { QR_OPTIONS } from '../../renderer/screens/payout/QrCode';
import { startBookingSim, type BookingSim } from '../cloud-sim/bookings';
import { startS3, type S3Test } from '../support/s3';
import { expect, test, unlockAdmin } from './support/fixtures';
import { kioskConfig } from './support/host';
import { checkScreen } from './support/layout';

const LANGS = ['en', 'id'] as const;
const words = {
  en: { saved: 'Your match video is being made', ready: 'Ready', waiting: 'Waiting for the match to end', failed: 'Failed', noCamera: 'No camera on this field' },
  id: { saved: 'Video pertandingan Anda sedang dibuat', ready: 'Siap', waiting: 'Menunggu pertandingan selesai', failed: 'Gagal', noCamera: 'Tidak ada kamera di lapangan ini' },
};

const pad = (n: number) => String(n).padStart(2, '0');
/**
 * The venue's zone: a whole-hour offset that puts its wall clock near noon now,
 * so today's bookings around now stay within one venue day whenever the test
 * runs (Etc/GMT-N is UTC+N).
 */
const offsetHours = (() => {
  const offset = 12 - new Date().getUTCHours();
  return offset > 12 ? offset - 24 : offset;
})();
const venueZone = offsetHours === 0 ? 'UTC' : `Etc/GMT${offsetHours > 0 ? '-' : '+'}${Math.abs(offsetHours)}`;
const wall = (d: Date) => new Date(d.getTime() + offsetHours * 3_600_000);
const venueDate = (d: Date) => `${wall(d).getUTCFullYear()}-${pad(wall(d).getUTCMonth() + 1)}-${pad(wall(d).getUTCDate())}`;
const venueTime = (d: Date, sep = ':') => [wall(d).getUTCHours(), wall(d).getUTCMinutes(), wall(d).getUTCSeconds()].map(pad).join(sep);

const open: { stop(): Promise<void> }[] = [];
test.afterEach(async () => {
  while (open.length) await open.pop()!.stop();
});

for (const lang of LANGS) {
  test(`today's matches with their videos, "Save my match video" and the attendant's page, in ${lang}`, async ({ page, hosts }) => {
    test.setTimeout(150_000);
    const now = new Date(Math.floor(Date.now() / 1000) * 1000);
    const at = (s: number) => new Date(now.getTime() + s * 1000);
    const dir = hosts.tempDir();
    const cam = path.join(dir, 'cam');
    fs.mkdirSync(cam);
    // The camera recorded the finished match (5 s, 90 s ago); nothing since.
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '6', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p', path.join(cam, `${venueDate(at(-90))}_${venueTime(at(-90), '-')}.mp4`)]);
    const sim: BookingSim = await startBookingSim();
    open.push(sim);
    const s3: S3Test = await startS3(path.join(dir, 's3'));
    open.push(s3);
    const record = (id: string, field: number, from: Date, to: Date) => ({
      booking_id: id, order_detail_id: 1, field_id: field, date: venueDate(now), start_time: venueTime(from), end_time: venueTime(to), status: 'success', field_name: field === 1 ? 'Lapangan A' : 'Lapangan B', user_name: 'Ana', user_phone: '0812',
    });
    sim.setDay(venueDate(now), [record('BK-DONE', 1, at(-90), at(-85)), record('BK-PLAY', 1, at(-60), at(3_600)), record('BK-OTHER', 2, at(-60), at(3_600))]);

    const config = await kioskConfig({
      kioskName: 'Futsal Arena',
      extra: {
        modules: ['bookings'],
        timeZone: venueZone,
        api: { baseUrl: sim.baseUrl },
        services: { syncEnabled: true, syncIntervalSeconds: 1 },
        screen: { language: lang, idleTimeoutSeconds: 600 },
        admin: { idleTimeoutSeconds: 600 },
        bookings: {
          baseUrl: sim.baseUrl,
          endGraceSeconds: 0,
          diskFloorMb: 0,
          cameras: [{ name: 'CAM_A', fieldId: 1, folder: cam }],
          s3: { endpoint: s3.endpoint, region: 'auto', bucket: s3.bucket, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', publicBaseUrl: 'https://clips.example.com/' },
        },
      },
    });
    const host = await hosts.start({ config });
    await page.goto(host.url);
    await expect(page.getByTestId('bookings-board')).toBeVisible();

    // The finished match: its clip is made, uploaded and announced, then shown ready with a QR code to it.
    const done = page.getByTestId('booking-BK-DONE');
    const doneVideo = done.locator('[data-camera="CAM_A"]');
    await expect(doneVideo).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    await expect(doneVideo.getByTestId('video-state')).toHaveText(words[lang].ready);
    expect(sim.notifications).toHaveLength(1);
    const url = sim.notifications[0]!.body.mp4_url as string;
    expect(url).toMatch(/^https:\/\/clips\.example\.com\/videos\/BK-DONE\/CAM_A\/.+\.mp4$/);
    const img = doneVideo.locator('img');
    await expect(img).toBeVisible();
    const src = (await img.getAttribute('src'))!;
    expect(decodeURIComponent(src.slice(src.indexOf(',') + 1))).toBe(await QRCode.toString(url, QR_OPTIONS));

    // The match playing now: waiting for its end; the field without a camera says so and has no button.
    const playing = page.getByTestId('booking-BK-PLAY');
    await expect(playing.getByTestId('booking-playing')).toBeVisible();
    await expect(playing.locator('[data-state="waiting"]').getByTestId('video-state')).toHaveText(words[lang].waiting);
    await expect(page.getByTestId('field-2')).toContainText(words[lang].noCamera);
    await expect(page.getByTestId('save-video-2')).toHaveCount(0);
    const problems = await checkScreen(page, lang, 'bookings board', { shot: 'screens-bookings-board' });

    // "Save my match video": asked, and said so in the customer's language.
    await page.getByTestId('save-video-1').click();
    await expect(page.getByTestId('save-result-1')).toContainText(words[lang].saved);
    await expect(page.getByTestId('save-result-1')).toHaveAttribute('data-kind', 'ok');
    // Nothing was recorded since the match began: the clip fails (after its three tries), and says so.
    const manual = playing.locator('[data-camera="CAM_A"]:not([data-state="waiting"])');
    await expect(manual).toHaveAttribute('data-state', 'failed', { timeout: 60_000 });
    await expect(manual.getByTestId('video-state')).toHaveText(words[lang].failed);
    problems.push(...(await checkScreen(page, lang, 'bookings board after a request', { shot: 'screens-bookings-saved' })));

    // The attendant: the failed task in the offline queue with its tries and error, "Try again"; the last sync and "Sync now".
    await unlockAdmin(page);
    await page.getByTestId('admin-tab-bookings').click();
    await expect(page.getByTestId('admin-bookings')).toBeVisible();
    const failed = page.locator('[data-testid^="task-"][data-step="process"][data-state="offline"]');
    await expect(failed).toHaveCount(1);
    await expect(failed.locator('[data-testid^="task-attempts-"]')).toContainText('3');
    await expect(failed).toContainText('before the clip');
    await expect(page.locator('[data-testid^="task-"][data-step="notify"][data-state="done"]')).toHaveCount(1);
    const lastSync = await page.getByTestId('bookings-last-sync').textContent();
    await expect(page.getByTestId('bookings-today')).toHaveText('3');
    problems.push(...(await checkScreen(page, lang, 'admin bookings page', { scroll: true, shot: 'screens-admin-bookings' })));
    await failed.locator('[data-testid^="task-redrive-"]').click();
    await expect(page.locator('[data-testid^="task-"][data-step="process"][data-state="offline"]')).toHaveCount(0);
    const lists = sim.listRequests;
    await page.waitForTimeout(1_100);
    await page.getByTestId('bookings-sync-now').click();
    await expect.poll(() => sim.listRequests).toBeGreaterThan(lists);
    await expect(page.getByTestId('bookings-last-sync')).not.toHaveText(lastSync ?? '');
    expect(problems).toEqual([]);
  });
}
