/**
 * Bookings (seed 003) through the real kiosk and the booking-platform
 * simulator over HTTP: the sync (raw JSON, last_sync_at, malformed records
 * skipped with their key, faults), cancellation cascading to the videos and
 * their tasks in one transaction, retention, and the query API over HTTPS.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../main/api';
import { startBookingSim, type BookingSim } from '../cloud-sim/bookings';
import { booking, TODAY, venue } from '../support/bookings';
import { callApi } from '../support/lan-api';
import { tempDir } from '../support/temp';

const KEY = 'bookings-test-key';
let sim: BookingSim;
const running: { stop(): Promise<void> }[] = [];
beforeEach(async () => {
  sim = await startBookingSim();
});
afterEach(async () => {
  while (running.length) await running.pop()!.stop();
  await sim.stop();
});

const start = async (...args: Parameters<typeof venue> extends [unknown, unknown, ...infer R] ? R : never) => {
  const k = await venue(tempDir(), sim, ...args);
  running.push(k.kiosk);
  k.kiosk.start();
  return k;
};

describe('bookings: sync', () => {
  it('stores the day\'s bookings with their raw JSON and last sync time, keeps unknown fields, and skips a malformed record naming its key', async () => {
    sim.setDay(TODAY, [
      booking(1, { court_surface: 'vinyl' }),
      { ...booking(2), booking_id: 123456 },
      { ...booking(3), start_time: '25:00:00' },
      { ...booking(4), field_id: 'one' },
      { user_name: 'no id at all' },
      booking(5, { status: 'refunded' }),
    ]);
    const k = await start();
    await k.sync();
    const one = k.bookingRow('BK-000001')!;
    expect(one).toMatchObject({ order_detail_id: 701, field_id: 1, date: TODAY, start_time: '08:00:00', end_time: '09:00:00', status: 'success', field_name: 'Lapangan A', user_name: 'Player 1' });
    expect(JSON.parse(one.raw_json as string)).toMatchObject({ court_surface: 'vinyl' });
    expect(one.last_sync_at).toBe('2026-01-15T03:00:00.000Z');
    expect(k.bookingRow('123456')).toMatchObject({ order_detail_id: 702 });
    expect(k.bookingRow('BK-000003')).toBeUndefined();
    expect(k.bookingRow('BK-000004')).toBeUndefined();
    // An unknown status is kept as it is, and logged.
    expect(k.bookingRow('BK-000005')).toMatchObject({ status: 'refunded' });
    const lines = k.log.lines.join('\n');
    expect(lines).toMatch(/booking BK-000003 skipped: start_time/);
    expect(lines).toMatch(/booking BK-000004 skipped: field_id/);
    expect(lines).toMatch(/booking \? skipped/);
    expect(lines).toMatch(/BK-000005: unknown status "refunded"/);

    // The next sync updates in place and moves last_sync_at; a changed record changes updated_at.
    k.clock.advance(5 * 60_000);
    sim.setDay(TODAY, [booking(1, { court_surface: 'vinyl', end_time: '09:30:00' }), { ...booking(2), booking_id: 123456 }]);
    await k.sync();
    expect(k.bookingRow('BK-000001')).toMatchObject({ end_time: '09:30:00', updated_at: '2026-01-15T03:05:00.000Z', last_sync_at: '2026-01-15T03:05:00.000Z', created_at: '2026-01-15T03:00:00.000Z' });
    // An unchanged booking is not written (its last sync time is the day's: the query API test).
    expect(k.bookingRow('123456')).toMatchObject({ updated_at: '2026-01-15T03:00:00.000Z', last_sync_at: '2026-01-15T03:00:00.000Z' });
    expect(k.db.prepare('SELECT COUNT(*) AS n FROM bookings').get()).toEqual({ n: 3 });
  });

  it('a sync that brings nothing new writes no booking row and no change-feed row; the query API still says when each booking was last seen', async () => {
    sim.setDay(TODAY, [booking(1), booking(2), booking(3)]);
    const k = await start({ lanApi: { enabled: true, port: 0, apiKeyHashes: [hashApiKey(KEY)] } });
    await k.sync();
    await k.kiosk.lanApi!.start();
    const port = k.kiosk.lanApi!.address()!.port;
    const fingerprint = k.kiosk.lanApi!.status().fingerprint!;
    const lastSyncAt = async (id: string) => ((await callApi({ port, fingerprint, key: KEY, path: `/api/bookings/${id}` })).body as { data: { lastSyncAt: string }[] }).data[0]!.lastSyncAt;
    const feedRows = k.db.prepare("SELECT COUNT(*) FROM replication_feed WHERE table_name = 'bookings'").pluck();
    const rows = () => k.db.prepare('SELECT * FROM bookings ORDER BY id').all();
    // The first sync entered each new booking in the feed once (in one statement: Store.insertInBulk).
    const feedOps = () =>
      k.db.prepare("SELECT b.booking_id, f.op FROM replication_feed f JOIN bookings b ON b.id = f.row_id WHERE f.table_name = 'bookings' ORDER BY f.seq").raw().all();
    expect(feedOps()).toEqual([['BK-000001', 'insert'], ['BK-000002', 'insert'], ['BK-000003', 'insert']]);
    const feedBefore = feedRows.get();
    const rowsBefore = rows();
    const schemaVersion = () => k.db.pragma('schema_version', { simple: true });
    const schemaBefore = schemaVersion();

    // Five minutes later, the same answer: nothing written to the replicated table (nor its triggers lifted).
    k.clock.advance(5 * 60_000);
    await k.sync();
    expect(feedRows.get()).toBe(feedBefore);
    expect(rows()).toEqual(rowsBefore);
    expect(schemaVersion()).toBe(schemaBefore);
    expect(await lastSyncAt('BK-000001')).toBe('2026-01-15T03:05:00.000Z');

    // Then booking 1 changes and booking 3 leaves the platform's answer.
    k.clock.advance(5 * 60_000);
    sim.setDay(TODAY, [booking(1, { end_time: '09:30:00' }), booking(2)]);
    await k.sync();
    expect(k.bookingRow('BK-000001')).toMatchObject({ end_time: '09:30:00', updated_at: '2026-01-15T03:10:00.000Z', last_sync_at: '2026-01-15T03:10:00.000Z' });
    expect(await lastSyncAt('BK-000001')).toBe('2026-01-15T03:10:00.000Z');
    expect(await lastSyncAt('BK-000002')).toBe('2026-01-15T03:10:00.000Z');
    // The vanished one was last seen in the sync before.
    expect(await lastSyncAt('BK-000003')).toBe('2026-01-15T03:05:00.000Z');
    k.clock.advance(5 * 60_000);
    await k.sync();
    expect(await lastSyncAt('BK-000003')).toBe('2026-01-15T03:05:00.000Z');
    // Back in the answer: seen again.
    k.clock.advance(5 * 60_000);
    sim.setDay(TODAY, [booking(1, { end_time: '09:30:00' }), booking(2), booking(3)]);
    const feedBeforeReturn = feedRows.get();
    await k.sync();
    expect(feedRows.get()).toBe(feedBeforeReturn);
    expect(await lastSyncAt('BK-000003')).toBe('2026-01-15T03:20:00.000Z');
    const list = (await callApi({ port, fingerprint, key: KEY, path: `/api/bookings/date/${TODAY}` })).body as { data: { bookingId: string; lastSyncAt: string }[] };
    expect(list.data.map((b) => b.lastSyncAt)).toEqual(['2026-01-15T03:20:00.000Z', '2026-01-15T03:20:00.000Z', '2026-01-15T03:20:00.000Z']);
    // A record of another date than the day asked for has no day's record to vouch for it: its row moves.
    sim.setDay(TODAY, [booking(1, { end_time: '09:30:00' }), booking(2), booking(3), booking(4, { date: '2026-01-16' })]);
    await k.sync();
    expect(feedOps().slice(3)).toEqual([['BK-000001', 'update'], ['BK-000004', 'insert']]);
    k.clock.advance(5 * 60_000);
    await k.sync();
    expect(await lastSyncAt('BK-000004')).toBe('2026-01-15T03:25:00.000Z');
  });

  it('a day\'s first download of hundreds of bookings enters each in the change feed once, in the platform\'s order; the next sync adds only what changed', async () => {
    const day = Array.from({ length: 450 }, (_, i) => booking(i + 1));
    sim.setDay(TODAY, day);
    const k = await start();
    await k.sync();
    const feed = () =>
      k.db.prepare("SELECT b.booking_id, f.op FROM replication_feed f JOIN bookings b ON b.id = f.row_id WHERE f.table_name = 'bookings' ORDER BY f.seq").raw().all();
    expect(feed()).toEqual(day.map((b) => [b.booking_id, 'insert']));
    k.clock.advance(5 * 60_000);
    sim.setDay(TODAY, [...day.slice(0, 449), booking(450, { status: 'cancelled' }), booking(451)]);
    await k.sync();
    expect(feed().slice(450)).toEqual([['BK-000450', 'update'], ['BK-000451', 'insert']]);
  });

  it('asks for the venue\'s today and keeps what it has when the platform fails; syncs again on demand', async () => {
    sim.setDay(TODAY, [booking(1)]);
    const k = await start();
    await k.sync();
    sim.faults.failNext.list = 1;
    sim.setDay(TODAY, [booking(1, { status: 'cancelled' })]);
    await k.sync();
    expect(k.bookingRow('BK-000001')).toMatchObject({ status: 'success' });
    await k.invoke('admin:unlock', { pin: '2468' });
    expect(await k.invoke('bookings:admin-summary')).toMatchObject({ lastSync: { error: 'the booking platform answered HTTP 500' } });
    const summary = await k.invoke<{ lastSync: { error: string | null; received: number | null } }>('bookings:sync-now');
    expect(summary.lastSync).toMatchObject({ error: null, received: 1 });
    expect(k.bookingRow('BK-000001')).toMatchObject({ status: 'cancelled' });
  });

  it('a booking cancelled by the platform cancels its videos and their pending steps in the same transaction', async () => {
    // 10:00 venue time: booking 1 plays 09:30-11:00 on field 1, filmed by two cameras.
    sim.setDay(TODAY, [booking(1, { start_time: '09:30:00', end_time: '11:00:00' }), booking(2, { start_time: '09:30:00', end_time: '11:00:00', field_id: 2 })]);
    const cams = tempDir();
    const k = await start({ bookings: { cameras: [{ name: 'CAM_A', fieldId: 1, folder: cams }, { name: 'CAM_B', fieldId: 1, folder: cams }, { name: 'CAM_C', fieldId: 2, folder: cams }] } });
    await k.sync();
    expect(await k.invoke('bookings:request-video', { fieldId: 1 })).toMatchObject({ requested: true, bookingId: 'BK-000001', videos: 2 });
    expect(await k.invoke('bookings:request-video', { fieldId: 2 })).toMatchObject({ requested: true, videos: 1 });
    expect(k.videos('BK-000001')).toHaveLength(2);

    sim.setDay(TODAY, [booking(1, { start_time: '09:30:00', end_time: '11:00:00', status: 'cancelled' }), booking(2, { start_time: '09:30:00', end_time: '11:00:00', field_id: 2 })]);
    await k.sync();
    for (const v of k.videos('BK-000001')) expect(v).toMatchObject({ state: 'cancelled', error: 'booking cancelled' });
    const ids = k.videos('BK-000001').map((v) => v.id);
    const tasks = k.tasks();
    expect(tasks.filter((t) => ids.includes(t.subject)).map((t) => t.state)).toEqual(['cancelled', 'cancelled']);
    // Booking 2's video goes on.
    expect(tasks.find((t) => !ids.includes(t.subject))!.state).not.toBe('cancelled');
    expect(k.log.lines.join('\n')).toMatch(/booking BK-000001 \(2 videos cancelled\) cancelled by the platform/);
  });

  it('deletes bookings older than the retention with their finished videos and files, keeping one still under way', async () => {
    const old = '2025-10-01'; // 106 days before today
    const k = await start({ bookings: { retentionDays: 90 } });
    const dir = path.join(tempDir(), 'clip');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'v1.mp4'), 'x');
    const insert = k.db.prepare(
      `INSERT INTO bookings (booking_id, date, status, field_id, created_at, updated_at, last_sync_at) VALUES (?, ?, 'success', 1, 'x', 'x', 'x')`,
    );
    const video = k.db.prepare(
      `INSERT INTO booking_videos (id, booking_id, camera, field_id, trigger, clip_start, clip_end, state, local_dir, created_at, updated_at)
       VALUES (?, ?, 'CAM_A', 1, 'schedule', 'x', 'x', ?, ?, 'x', 'x')`,
    );
    insert.run('OLD-1', old);
    video.run('v1', 'OLD-1', 'ready', dir);
    insert.run('OLD-2', old);
    video.run('v2', 'OLD-2', 'uploading', null);
    insert.run('RECENT', '2025-12-01');
    sim.setDay(TODAY, []);
    await k.sync();
    expect(k.bookingRow('OLD-1')).toBeUndefined();
    expect(k.videos('OLD-1')).toEqual([]);
    expect(fs.existsSync(dir)).toBe(false);
    expect(k.bookingRow('OLD-2')).toBeDefined();
    expect(k.bookingRow('RECENT')).toBeDefined();
  });
});


describe('bookings: the query API (seed 003) over HTTPS', () => {
  it('answers the four routes with the seed\'s shape and filters', async () => {
    sim.setDay(TODAY, [
      booking(1),
      booking(2, { status: 'cancelled' }),
      booking(3, { date: TODAY, start_time: '10:00:00', end_time: '12:00:00' }),
      ...Array.from({ length: 120 }, (_, i) => booking(100 + i, { start_time: '13:00:00', end_time: '14:00:00' })),
    ]);
    const k = await start({ lanApi: { enabled: true, port: 0, apiKeyHashes: [hashApiKey(KEY)] } });
    await k.sync();
    await k.kiosk.lanApi!.start();
    const port = k.kiosk.lanApi!.address()!.port;
    const fingerprint = k.kiosk.lanApi!.status().fingerprint!;
    const get = (p: string) => callApi({ port, fingerprint, key: KEY, path: p });

    const all = await get('/api/bookings');
    expect(all.status).toBe(200);
    const body = all.body as { status: string; count: number; data: Record<string, unknown>[] };
    expect(body.status).toBe('success');
    expect(body.count).toBe(100);
    expect(body.data).toHaveLength(100);
    const one = (await get('/api/bookings/BK-000001')).body as typeof body;
    expect(one.count).toBe(1);
    expect(Object.keys(one.data[0]!)).toEqual(['id', 'bookingId', 'orderDetailId', 'fieldId', 'date', 'startTime', 'endTime', 'status', 'fieldName', 'userName', 'userPhone', 'createdAt', 'updatedAt', 'rawJson', 'lastSyncAt']);
    expect(one.data[0]).toMatchObject({ bookingId: 'BK-000001', orderDetailId: 701, fieldId: 1, date: TODAY, startTime: '08:00:00', endTime: '09:00:00', status: 'success', fieldName: 'Lapangan A', userName: 'Player 1', userPhone: '081234567890', createdAt: '2026-01-15T03:00:00.000Z', lastSyncAt: '2026-01-15T03:00:00.000Z' });
    expect(JSON.parse(one.data[0]!.rawJson as string)).toEqual(booking(1));

    expect(((await get('/api/bookings?limit=50')).body as typeof body).count).toBe(50);
    expect(((await get('/api/bookings?status=cancelled')).body as typeof body).data.map((b) => b.bookingId)).toEqual(['BK-000002']);
    expect(((await get(`/api/bookings?date=${TODAY}&limit=500`)).body as typeof body).count).toBe(123);
    expect(((await get('/api/bookings?date=2026-01-16')).body as typeof body).count).toBe(0);
    expect(((await get('/api/bookings/status/cancelled')).body as typeof body).count).toBe(1);
    expect(((await get('/api/bookings/status/success')).body as typeof body).count).toBe(122);
    expect(((await get(`/api/bookings/date/${TODAY}`)).body as typeof body).count).toBe(123);

    expect(await get('/api/bookings/NOPE')).toMatchObject({ status: 404, body: { status: 'error' } });
    expect(await get('/api/bookings/date/15-01-2026')).toMatchObject({ status: 400, body: { status: 'error' } });
    expect(await get('/api/bookings?limit=abc')).toMatchObject({ status: 400 });
    expect(await get(`/api/bookings?status=${encodeURIComponent("' OR 1=1 --")}`)).toMatchObject({ status: 200, body: { count: 0 } });
    expect((await callApi({ port, fingerprint, path: '/api/bookings' })).status).toBe(401);
  });

  it('POST /api/request-booking-video makes a video per camera for the booking playing now on that field', async () => {
    // 10:00 venue time: booking 1 plays 09:30-11:00 on field 1; field 2 has only a finished one.
    sim.setDay(TODAY, [booking(1, { start_time: '09:30:00', end_time: '11:00:00' }), booking(2, { field_id: 2 })]);
    const cams = tempDir();
    const k = await start({
      lanApi: { enabled: true, port: 0, apiKeyHashes: [hashApiKey(KEY)] },
      bookings: { cameras: [{ name: 'CAM_A', fieldId: 1, folder: cams }, { name: 'CAM_B', fieldId: 1, folder: cams }, { name: 'CAM_C', fieldId: 2, folder: cams }] },
    });
    await k.sync();
    await k.kiosk.lanApi!.start();
    const post = (body: string) => callApi({ port: k.kiosk.lanApi!.address()!.port, fingerprint: k.kiosk.lanApi!.status().fingerprint!, key: KEY, method: 'POST', path: '/api/request-booking-video', body });
    const ok = await post('{"field_id":1}');
    expect(ok.status).toBe(202);
    expect(ok.body).toMatchObject({ status: 'success', booking_id: 'BK-000001' });
    expect((ok.body as { videos: unknown[] }).videos).toHaveLength(2);
    const videos = k.videos('BK-000001');
    expect(videos.map((v) => [v.camera, v.trigger, v.clip_start, v.clip_end])).toEqual([
      ['CAM_A', 'manual', '2026-01-15T02:30:00.000Z', '2026-01-15T03:00:00.000Z'],
      ['CAM_B', 'manual', '2026-01-15T02:30:00.000Z', '2026-01-15T03:00:00.000Z'],
    ]);
    // Pressed again within a minute (another player, an impatient one): the same clips, no second set.
    const again = await post('{"field_id":1}');
    expect(again.status).toBe(202);
    expect((again.body as { videos: { unique_id: string }[] }).videos).toEqual((ok.body as { videos: unknown[] }).videos);
    expect(k.videos('BK-000001')).toHaveLength(2);
    k.clock.advance(61_000);
    expect((await post('{"field_id":1}')).status).toBe(202);
    expect(k.videos('BK-000001')).toHaveLength(4);
    expect(await k.invoke('bookings:request-video', { fieldId: 2 })).toMatchObject({ requested: false, code: 'not-playing' });
    expect(await k.invoke('bookings:request-video', { fieldId: 9 })).toMatchObject({ requested: false, code: 'no-camera' });
    expect(await post('{"field_id":2}')).toMatchObject({ status: 404, body: { status: 'error', message: 'no booking is playing on field 2 now' } });
    expect(await post('{"field_id":9}')).toMatchObject({ status: 404 });
    expect(await post('{"field_id":"x"}')).toMatchObject({ status: 400 });
    expect(await post('{}')).toMatchObject({ status: 400 });
    await k.invoke('admin:unlock', { pin: '2468' });
    expect((await k.invoke<{ action: string }[]>('admin:audit', {})).map((a) => a.action)).toContain('bookings.request-video');
  });

  it('is 404 on a kiosk that does not run the bookings module', async () => {
    const { testKiosk } = await import('../support/kiosk');
    const t = await testKiosk(tempDir(), { modules: ['gate'], services: { probeIntervalSeconds: 3600 }, lanApi: { enabled: true, port: 0, apiKeyHashes: [hashApiKey(KEY)] } });
    running.push(t.kiosk);
    await t.kiosk.lanApi!.start();
    const r = await callApi({ port: t.kiosk.lanApi!.address()!.port, fingerprint: t.kiosk.lanApi!.status().fingerprint!, key: KEY, path: '/api/bookings' });
    expect(r.status).toBe(404);
  });
});
