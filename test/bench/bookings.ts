/**
 * The bookings suite (BENCHMARKS.md):
 * - bookings.sync: bookings per second downloaded and stored by the kiosk's
 *   sync job (HTTP + JSON + validation + upsert with raw JSON, in one
 *   transaction), 10k, against fetch + JSON.parse + one bulk insert of the
 *   same day in the same run (same pragmas, the seed's table and indexes,
 *   no feed trigger). Each round is the first download of a new day (the
 *   kiosk's clock moves a day on), so every round is the same work; best of
 *   5 after one warm-up round of each. Then, for the record on stderr: the
 *   last day synced again unchanged.
 * - video.process: seconds to cut a 2-hour booking from 1-minute segments
 *   (Booth's cut: probe every segment, join, cut without re-encoding),
 *   against plain `ffmpeg -f concat -c copy` of the same segments.
 *   video.process_all (no reference): the whole process step, with the
 *   low-resolution preview and the thumbnail, for the record.
 * - video.upload: MB/s of Booth's resumable multipart upload (Content-MD5 on
 *   each part, each part committed to SQLite) to s3rver, against a plain
 *   multipart upload of the same file with the same client.
 * BENCH_QUICK: 1k bookings, a 10-minute booking, a 24 MB file.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import Database from 'better-sqlite3';
import { clipFiles, createS3, cutClip, makeClip, uploadFile } from '../../main/bookings';
import { systemClock } from '../../main/clock';
import { configSchema } from '../../main/config';
import { createKiosk } from '../../main/kiosk';
import { createLogger } from '../../main/log';
import { startBookingSim } from '../cloud-sim/bookings';
import { withTeardown } from '../support/process-group';
import { startS3 } from '../support/s3';
import { benchLine, progress, quick, withRef } from './format';

const scratch = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `booth-bench-${name}-`));
const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

async function benchSync() {
  await withTeardown(async (teardown) => {
    const n = quick ? 1_000 : 10_000;
    const dir = scratch('bookings');
    teardown.add('scratch folder', () => fs.rmSync(dir, { recursive: true, force: true }));
    const sim = await startBookingSim();
    teardown.add('booking platform', () => sim.stop());
    // The kiosk's clock runs `dayOffset` days ahead: each round syncs a day of its own.
    let dayOffset = 0;
    const clock = { ...systemClock, now: () => new Date(Date.now() + dayOffset * 86_400_000) };
    const dateOf = (round: number) => new Date(Date.now() + round * 86_400_000).toISOString().slice(0, 10);
    const day = (round: number) =>
      Array.from({ length: n }, (_, i) => ({
        booking_id: `BK-${round}-${String(i).padStart(6, '0')}`,
        order_detail_id: 100_000 + i,
        field_id: 1 + (i % 8),
        date: dateOf(round),
        start_time: `${String(8 + (i % 14)).padStart(2, '0')}:00:00`,
        end_time: `${String(9 + (i % 14)).padStart(2, '0')}:00:00`,
        status: i % 17 === 0 ? 'pending' : 'success',
        field_name: `Lapangan ${1 + (i % 8)}`,
        user_name: `Player ${i}`,
        user_phone: '081234567890',
      }));
    const config = configSchema.parse({
      modules: ['bookings'],
      timeZone: 'UTC',
      api: { baseUrl: sim.baseUrl },
      services: { probeIntervalSeconds: 3600, syncEnabled: false },
      clock: { trustedAtBoot: true },
      bookings: { baseUrl: sim.baseUrl },
    });
    const platform = {
      version: 'bench',
      isPackaged: false,
      dataDir: dir,
      clock,
      fetch: (input: string, init?: RequestInit) => fetch(input, init),
      log: createLogger({ file: path.join(dir, 'booth.log'), level: 'warn', maxSizeBytes: 10_000_000, backupCount: 1 }),
    };
    const kiosk = await createKiosk(config, platform, { configPath: null });
    teardown.add('kiosk', () => kiosk.stop());
    const count = kiosk.store.db.prepare('SELECT COUNT(*) AS n FROM bookings');

    // The reference: the same answer fetched, parsed and bulk-inserted, with the kiosk's pragmas
    // (main/store: a commit is durable, synchronous FULL) into the seed's table with its indexes:
    // what the kiosk pays that the reference does not is then Booth's own (validation, the
    // replication feed's row per change, the day's seen record).
    const refDb = new Database(path.join(dir, 'ref.db'));
    teardown.add('reference database', () => refDb.close());
    refDb.pragma('journal_mode = WAL');
    refDb.pragma('synchronous = FULL');
    refDb.exec(`CREATE TABLE bookings (id INTEGER PRIMARY KEY AUTOINCREMENT, booking_id TEXT NOT NULL UNIQUE, order_detail_id INTEGER, field_id INTEGER, date TEXT,
      start_time TEXT, end_time TEXT, status TEXT, field_name TEXT, user_name TEXT, user_phone TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, raw_json TEXT, last_sync_at TEXT NOT NULL);
      CREATE INDEX idx_bookings_date ON bookings (date);
      CREATE INDEX idx_bookings_status ON bookings (status);
      CREATE INDEX idx_bookings_field_id ON bookings (field_id)`);
    const refInsert = refDb.prepare(
      `INSERT INTO bookings (booking_id, order_detail_id, field_id, date, start_time, end_time, status, field_name, user_name, user_phone, created_at, updated_at, raw_json, last_sync_at)
       VALUES (@booking_id, @order_detail_id, @field_id, @date, @start_time, @end_time, @status, @field_name, @user_name, @user_phone, @at, @at, @raw, @at)`,
    );
    const url = new URL(config.bookings.listEndpoint, sim.baseUrl);

    let best = Infinity;
    let bestRef = Infinity;
    // Best of 5 after a warm-up (round 0): this machine's load swings the figures of one round by 2x.
    for (let round = 0; round <= 5; round++) {
      dayOffset = round;
      sim.setDay(dateOf(round), day(round));
      url.searchParams.set('date', dateOf(round));
      const before = (count.get() as { n: number }).n;
      let start = process.hrtime.bigint();
      await kiosk.runJob('bookings.sync');
      if (round > 0) best = Math.min(best, seconds(start));
      const stored = (count.get() as { n: number }).n - before;
      if (stored !== n) throw new Error(`bench: the sync stored ${stored} of ${n} bookings`);
      // The board the sync publishes (50 ms later) is made before the reference runs, not during it.
      await settle();

      start = process.hrtime.bigint();
      const body = (await (await fetch(url)).json()) as { data: Record<string, unknown>[] };
      const at = new Date().toISOString();
      refDb.transaction(() => {
        for (const r of body.data) refInsert.run({ ...r, at, raw: JSON.stringify(r) });
      })();
      if (round > 0) bestRef = Math.min(bestRef, seconds(start));
      await settle();
    }
    progress(`bookings.sync: ${n} bookings in ${best.toFixed(3)} s (reference ${bestRef.toFixed(3)} s)`);
    // For the record (no reference): the usual sync, the last round's day again, unchanged.
    const feedRows = kiosk.store.db.prepare("SELECT COUNT(*) FROM replication_feed WHERE table_name = 'bookings'").pluck();
    const feedBefore = feedRows.get() as number;
    let bestResync = Infinity;
    for (let round = 0; round < 3; round++) {
      const start = process.hrtime.bigint();
      await kiosk.runJob('bookings.sync');
      bestResync = Math.min(bestResync, seconds(start));
      await settle();
    }
    progress(`bookings.sync, the same ${n} bookings again: ${bestResync.toFixed(3)} s (${Math.round(n / bestResync)} bookings/s), ${(feedRows.get() as number) - feedBefore} feed rows in 3 syncs`);
    benchLine(withRef({ bench: 'bookings.sync', value: Math.round(n / best), unit: 'bookings/s', better: 'higher', ref: 'fetch-parse-bulk-insert', refValue: Math.round(n / bestRef), n }));
  });
}

const pad = (v: number) => String(v).padStart(2, '0');

async function benchProcess() {
  await withTeardown(async (teardown) => {
    const minutes = quick ? 10 : 120;
    const dir = scratch('video');
    teardown.add('scratch folder', () => fs.rmSync(dir, { recursive: true, force: true }));
    const cam = path.join(dir, 'cam');
    fs.mkdirSync(cam);
    progress(`video.process: recording ${minutes} one-minute segments`);
    // One long recording split into one-minute segments at key frames (as a camera writes them), renamed by their start.
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=10', '-t', String(minutes * 60), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-pix_fmt', 'yuv420p',
      '-f', 'segment', '-segment_time', '60', '-reset_timestamps', '1', path.join(cam, 'seg%04d.mp4')]);
    const start = Date.UTC(2026, 0, 15, 8, 0, 0);
    const segments = fs.readdirSync(cam).sort();
    for (const [i, name] of segments.entries()) {
      const at = new Date(start + i * 60_000);
      fs.renameSync(path.join(cam, name), path.join(cam, `2026-01-15_${pad(at.getUTCHours())}-${pad(at.getUTCMinutes())}-00.mp4`));
    }
    const named = fs.readdirSync(cam).sort().map((f) => path.join(cam, f));
    const settings = { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe', timeoutMs: 3_600_000, previewHeight: 360, timeZone: 'UTC' };
    const job = (out: string) => ({ folder: cam, from: new Date(start), to: new Date(start + minutes * 60_000), files: clipFiles(path.join(dir, out), 'clip') });
    const signal = new AbortController().signal;

    let best = Infinity;
    let bestRef = Infinity;
    for (let round = 0; round < 3; round++) {
      let t = process.hrtime.bigint();
      const { copied } = await cutClip(settings, job(`booth-${round}`), signal);
      best = Math.min(best, seconds(t));
      if (!copied) throw new Error('bench: the segments were re-encoded');

      const list = path.join(dir, `list-${round}.txt`);
      fs.writeFileSync(list, named.map((f) => `file '${f}'`).join('\n'));
      t = process.hrtime.bigint();
      execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', path.join(dir, `plain-${round}.mp4`)]);
      bestRef = Math.min(bestRef, seconds(t));
    }
    progress(`video.process: ${minutes} min cut in ${best.toFixed(2)} s (plain concat ${bestRef.toFixed(2)} s)`);
    benchLine(withRef({ bench: 'video.process', value: Math.round(best * 1000) / 1000, unit: 's', better: 'lower', ref: 'ffmpeg-concat-copy', refValue: Math.round(bestRef * 1000) / 1000, n: minutes }));
    const t = process.hrtime.bigint();
    await makeClip(settings, job('booth-all'), signal);
    benchLine({ bench: 'video.process_all', value: Math.round(seconds(t) * 1000) / 1000, unit: 's', better: 'lower', n: minutes });
  });
}

async function benchUpload() {
  await withTeardown(async (teardown) => {
    const mb = quick ? 24 : 200;
    const dir = scratch('upload');
    teardown.add('scratch folder', () => fs.rmSync(dir, { recursive: true, force: true }));
    const s3 = await startS3(path.join(dir, 's3'));
    teardown.add('s3rver', () => s3.stop());
    const file = path.join(dir, 'clip.mp4');
    const fd = fs.openSync(file, 'w');
    for (let i = 0; i < mb; i++) fs.writeSync(fd, crypto.randomBytes(1024 * 1024));
    fs.closeSync(fd);
    const settings = configSchema.parse({ modules: ['bookings'], bookings: { s3: { endpoint: s3.endpoint, region: 'auto', bucket: s3.bucket, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } } }).bookings.s3;
    const client = createS3(settings);
    teardown.add('client', () => client.destroy());
    // Each part's progress committed, as the pipeline's saveData does.
    const db = new Database(path.join(dir, 'tasks.db'));
    teardown.add('database', () => db.close());
    db.pragma('journal_mode = WAL');
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, data TEXT NOT NULL); INSERT INTO t VALUES (1, '{}')");
    const save = db.prepare('UPDATE t SET data = ? WHERE id = 1');
    const partSize = settings.partSizeMb * 1024 * 1024;
    const size = fs.statSync(file).size;

    let best = Infinity;
    let bestRef = Infinity;
    for (let round = 0; round < 3; round++) {
      let t = process.hrtime.bigint();
      await uploadFile(client, settings, { path: file, key: `booth/${round}.mp4` }, {}, (p) => void save.run(JSON.stringify(p)), new AbortController().signal);
      best = Math.min(best, seconds(t));

      t = process.hrtime.bigint();
      const key = `plain/${round}.mp4`;
      const created = await client.send(new CreateMultipartUploadCommand({ Bucket: settings.bucket, Key: key }));
      const parts: { PartNumber: number; ETag: string }[] = [];
      const handle = fs.openSync(file, 'r');
      for (let n = 1; (n - 1) * partSize < size; n++) {
        const body = Buffer.allocUnsafe(Math.min(partSize, size - (n - 1) * partSize));
        fs.readSync(handle, body, 0, body.length, (n - 1) * partSize);
        const answer = await client.send(new UploadPartCommand({ Bucket: settings.bucket, Key: key, UploadId: created.UploadId, PartNumber: n, Body: body, ContentLength: body.length }));
        parts.push({ PartNumber: n, ETag: answer.ETag! });
      }
      fs.closeSync(handle);
      await client.send(new CompleteMultipartUploadCommand({ Bucket: settings.bucket, Key: key, UploadId: created.UploadId, MultipartUpload: { Parts: parts } }));
      bestRef = Math.min(bestRef, seconds(t));
    }
    const rate = (s: number) => Math.round((size / 1024 / 1024 / s) * 10) / 10;
    progress(`video.upload: ${mb} MB at ${rate(best)} MB/s (plain multipart ${rate(bestRef)} MB/s)`);
    benchLine(withRef({ bench: 'video.upload', value: rate(best), unit: 'MB/s', better: 'higher', ref: 'plain-multipart-same-client', refValue: rate(bestRef), n: mb }));
  });
}

/** The bookings suite's benches in the order it runs them, by the name of their figure. */
export const bookingsBenches: Readonly<Record<string, () => Promise<void>>> = {
  'bookings.sync': benchSync,
  'video.process': benchProcess,
  'video.upload': benchUpload,
};
