/**
 * The replication routes of the LAN API (CONTRACTS.md "Replication (seed
 * 001)"), called over real HTTPS as an office replica would: pinning the
 * certificate, sending X-API-Key. Rows are written as the gate and payout
 * write them, and by raw SQL (same millisecond, a clock set backwards).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../main/api';
import { createFeed } from '../../main/replication/feed';
import { fullExportJson } from '../../main/replication/export';
import { pruneFeed } from '../../main/replication/retention';
import { APP_SCHEMA_VERSION } from '../../main/store';
import { testKiosk } from '../support/kiosk';
import { callApi } from '../support/lan-api';
import { tempDir } from '../support/temp';

const KEY = 'test-key-0123456789abcdefghijklmnopqrstuvwxyz';
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
// Every table the build's modules declare, whether or not this kiosk runs them (theirs are empty):
// the schema a replica sees does not change with the kiosk's modules.
const TABLES = [
  'admissions', 'gate_flags',
  'payout_transactions', 'payout_jobs', 'payout_steps',
  'session_resources', 'sessions',
  'batches', 'cattle', 'pens', 'lora_payload_buffer',
  'bookings', 'booking_videos',
];
const noRows = Object.fromEntries(TABLES.map((table) => [table, 0]));

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  while (running.length) await running.pop()!.stop();
});

type Row = Record<string, unknown> & { id: string | number; created_at: string; updated_at: string };
interface AfterPage {
  success: true;
  timestamp: string;
  data: Record<string, Row[]>;
  counts: Record<string, number>;
  seq: number;
  more: boolean;
  deleted: Record<string, (string | number)[]>;
}

async function replicaKiosk() {
  const dir = tempDir();
  const t = await testKiosk(dir, { modules: ['gate'], services: { probeIntervalSeconds: 3600 }, lanApi: { enabled: true, port: 0, apiKeyHashes: [hashApiKey(KEY)] } });
  running.push(t.kiosk);
  t.kiosk.start();
  await t.kiosk.lanApi!.start();
  const port = t.kiosk.lanApi!.address()!.port;
  const fingerprint = t.kiosk.lanApi!.status().fingerprint!;
  const get = async (path: string, key: { key: string | undefined } = { key: KEY }) => callApi({ port, fingerprint, key: key.key, path });
  const body = async <T = Record<string, unknown>>(path: string) => {
    const response = await get(path);
    expect(response.status, `${path}: ${JSON.stringify(response.body)}`).toBe(200);
    return response.body as T;
  };
  const db = t.kiosk.store.db;
  const admit = (id: string, at: string) =>
    db.prepare("INSERT INTO admissions (id, reference, attraction, persons, kiosk_id, at) VALUES (?, 'REF-1', 'A', 1, 'k', ?)").run(id, at);
  return { ...t, dir, port, fingerprint, get, body, db, admit };
}

/** Every page of the after= form from `after`, as a replica follows it. */
async function follow(k: Awaited<ReturnType<typeof replicaKiosk>>, after: number, limit: number) {
  const pages: AfterPage[] = [];
  for (;;) {
    const page = await k.body<AfterPage>(`/api/sync/changes?after=${after}&limit=${limit}`);
    pages.push(page);
    const rows = Object.values(page.data).flat().length + Object.values(page.deleted).flat().length;
    expect(rows).toBeLessThanOrEqual(limit);
    if (!page.more) return pages;
    expect(page.seq).toBeGreaterThan(after);
    after = page.seq;
  }
}

describe('replication over the LAN API', () => {
  it('answers schema and health in the seed\'s shape', async () => {
    const k = await replicaKiosk();
    const schema = await k.body('/api/sync/schema');
    expect(Object.keys(schema)).toEqual(['success', 'schema_version', 'tables', 'timestamp']);
    expect(schema).toMatchObject({ success: true, schema_version: String(APP_SCHEMA_VERSION), tables: TABLES });
    expect(schema.timestamp).toMatch(ISO_MS);
    k.admit('a1', '2026-01-15T03:00:00.000Z');
    const health = await k.body('/api/sync/health');
    expect(Object.keys(health)).toEqual(['success', 'status', 'seq', 'timestamp', 'floor']);
    expect(health).toMatchObject({ success: true, status: 'ok', seq: 1, timestamp: '2026-01-15T03:00:00.000Z', floor: 0 });
  });

  it('the after= form brings every row: written in the same millisecond, under a clock set backwards, and deletes, page by page', async () => {
    const k = await replicaKiosk();
    const same = '2026-01-15T03:00:00.123Z';
    for (let i = 1; i <= 5; i++) k.admit(`same-${i}`, same);
    // The clock set back an hour: these rows are "older" than the ones before.
    for (let i = 1; i <= 3; i++) k.admit(`back-${i}`, '2026-01-15T02:00:00.000Z');
    k.db.prepare("UPDATE admissions SET acked_seq = 9 WHERE id = 'same-1'").run();
    k.db.prepare("DELETE FROM admissions WHERE id = 'same-2'").run();
    k.db.prepare("INSERT INTO payout_jobs (job_id, retry_count, transaction_id, quarters, received_at) VALUES ('j1', 0, 't1', 4, ?)").run(same);

    const pages = await follow(k, 0, 3);
    // 11 changes, 3 a page: 3, 3, 3, 2 (the last says no more).
    expect(pages.map((p) => [p.seq, p.more])).toEqual([[3, true], [6, true], [9, true], [11, false]]);
    const replica = new Map<string, Row>();
    for (const page of pages) {
      for (const [table, rows] of Object.entries(page.data)) for (const row of rows) replica.set(`${table}/${row.id}`, row);
      for (const [table, ids] of Object.entries(page.deleted)) for (const id of ids) replica.delete(`${table}/${id}`);
    }
    expect([...replica.keys()].sort()).toEqual(
      ['admissions/back-1', 'admissions/back-2', 'admissions/back-3', 'admissions/same-1', 'admissions/same-3', 'admissions/same-4', 'admissions/same-5', 'payout_jobs/j1:0'].sort(),
    );
    expect(replica.get('admissions/same-1')).toMatchObject({ id: 'same-1', acked_seq: 9, created_at: same, updated_at: same, at: same });
    expect(replica.get('payout_jobs/j1:0')).toMatchObject({ id: 'j1:0', job_id: 'j1', retry_count: 0, created_at: same, updated_at: same });
    // The seed's keys, plus seq, more, deleted; every table listed.
    expect(Object.keys(pages[0]!)).toEqual(['success', 'timestamp', 'data', 'counts', 'seq', 'more', 'deleted']);
    expect(Object.keys(pages[0]!.data)).toEqual(TABLES);
    // same-2 is deleted by a later change: the first page already lists it as deleted, not as data.
    expect(pages[0]!.counts).toEqual({ ...noRows, admissions: 2 });
    expect(pages[0]!.deleted).toMatchObject({ admissions: ['same-2'] });
    expect(pages[3]!.deleted).toMatchObject({ admissions: ['same-2'] });

    // An empty page: seq is the after given, more false.
    const empty = await k.body<AfterPage>('/api/sync/changes?after=11&limit=3');
    expect(empty).toMatchObject({ seq: 11, more: false, counts: { admissions: 0 } });
    // A page boundary exactly at the end: more is false on the page that takes the last change.
    expect(await k.body<AfterPage>('/api/sync/changes?after=8&limit=3')).toMatchObject({ seq: 11, more: false });
    expect(await k.body<AfterPage>('/api/sync/changes?after=7&limit=3')).toMatchObject({ seq: 10, more: true });
  });

  it('within one page a row is sent once in its final state: re-inserted after a delete it is data, deleted after an insert it is a tombstone', async () => {
    const k = await replicaKiosk();
    k.admit('x', '2026-01-15T03:00:00.000Z');
    k.db.prepare("DELETE FROM admissions WHERE id = 'x'").run();
    k.admit('x', '2026-01-15T03:00:01.000Z');
    k.admit('y', '2026-01-15T03:00:02.000Z');
    k.db.prepare("DELETE FROM admissions WHERE id = 'y'").run();
    const page = await k.body<AfterPage>('/api/sync/changes?after=0');
    expect(page.data.admissions!.map((r) => [r.id, r.at])).toEqual([['x', '2026-01-15T03:00:01.000Z']]);
    expect(page.deleted.admissions).toEqual(['y']);
  });

  it('the since= form: inclusive, ordered by updated_at, limit global across tables; timestamp is the start of the read, or the last row\'s updated_at on a full page', async () => {
    const k = await replicaKiosk();
    k.admit('a', '2026-01-15T01:00:00.000Z');
    k.admit('b', '2026-01-15T02:00:00.000Z');
    k.db.prepare("INSERT INTO payout_jobs (job_id, retry_count, transaction_id, quarters, received_at) VALUES ('j1', 0, 't1', 4, '2026-01-15T01:30:00.000Z')").run();
    // The seed's form of time (no zone, no milliseconds) is read as UTC; equal to a row's time includes it.
    const full = await k.body<AfterPage>('/api/sync/changes?since=2026-01-15T01:00:00&limit=2');
    expect(Object.keys(full)).toEqual(['success', 'timestamp', 'data', 'counts']);
    expect(full.data.admissions!.map((r) => r.id)).toEqual(['a']);
    expect(full.data.payout_jobs!.map((r) => r.id)).toEqual(['j1:0']);
    expect(full.timestamp).toBe('2026-01-15T01:30:00.000Z');
    const rest = await k.body<AfterPage>(`/api/sync/changes?since=${full.timestamp}&limit=2`);
    expect(rest.data.payout_jobs!.map((r) => r.id)).toEqual(['j1:0']); // the boundary row again: harmless to an upsert
    expect(rest.data.admissions!.map((r) => r.id)).toEqual(['b']);
    expect(rest.timestamp).toBe('2026-01-15T02:00:00.000Z');
    const last = await k.body<AfterPage>('/api/sync/changes?since=2026-01-15T02:00:00.000Z&limit=2');
    expect(last.counts.admissions).toBe(1);
    expect(last.timestamp).toBe('2026-01-15T03:00:00.000Z'); // not full: the start of the read (the kiosk's clock)
  });

  it('refuses a wrong key, bad parameters, and a cursor behind the floor or beyond the feed (the replica must do a full export)', async () => {
    const k = await replicaKiosk();
    for (const path of ['/api/sync/schema', '/api/sync/health', '/api/sync/changes?after=0', '/api/sync/full-export']) {
      for (const key of [undefined, 'wrong-key']) {
        const response = await k.get(path, { key });
        expect(response.status, path).toBe(401);
        expect(response.body).toEqual({ success: false, error: 'a valid X-API-Key header is required' });
      }
    }
    for (const query of ['', 'after=-1', 'after=abc', 'after=1&since=2026-01-01', 'since=yesterday', 'after=0&limit=0', 'after=0&limit=10001']) {
      expect((await k.get(`/api/sync/changes?${query}`)).status, query).toBe(400);
    }
    for (let i = 0; i < 4; i++) k.admit(`a${i}`, '2026-01-15T03:00:00.000Z');
    expect(await pruneFeed(k.db, k.clock.now(), 0)).toEqual({ pruned: 4, floor: 4 });
    k.admit('after-prune', '2026-01-15T03:00:00.000Z');
    const behind = await k.get('/api/sync/changes?after=3');
    expect(behind.status).toBe(410);
    expect(behind.body).toMatchObject({ success: false, seq: 5, floor: 4 });
    expect((behind.body as { error: string }).error).toMatch(/full export/);
    expect(await k.body<AfterPage>('/api/sync/changes?after=4')).toMatchObject({ seq: 5, data: { admissions: [{ id: 'after-prune' }] } });
    const beyond = await k.get('/api/sync/changes?after=99');
    expect(beyond.status).toBe(410);
    expect((beyond.body as { error: string }).error).toMatch(/replaced or reset/);
    expect(await k.body('/api/sync/health')).toMatchObject({ seq: 5, floor: 4 });
  });

  it('full export: the seed\'s keys plus seq, every declared table, no secret, consistent with its seq', async () => {
    const k = await replicaKiosk();
    for (let i = 0; i < 3; i++) k.admit(`a${i}`, '2026-01-15T03:00:00.000Z');
    k.db.prepare("INSERT INTO payout_transactions (id, reference, amount, created_here, created_at) VALUES ('tx-1', 'R', 1.5, 1, '2026-01-15T03:00:00.000Z')").run();
    k.kiosk.store.setSetting('secret.setting', 'SECRET-SETTING-VALUE', k.clock.now());
    k.kiosk.store.audit('api.key', 'SECRET-AUDIT-DETAIL', k.clock.now());
    const response = await k.get('/api/sync/full-export');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const text = JSON.stringify(response.body);
    expect(text).not.toContain('SECRET-SETTING-VALUE');
    expect(text).not.toContain('SECRET-AUDIT-DETAIL');
    expect(text).not.toContain(k.kiosk.store.kioskId); // meta is not exported either
    const body = response.body as { data: Record<string, Row[]>; counts: Record<string, number>; seq: number; exported_at: string };
    expect(Object.keys(body)).toEqual(['success', 'exported_at', 'seq', 'data', 'counts']);
    expect(body.exported_at).toMatch(ISO_MS);
    expect(Object.keys(body.data)).toEqual(TABLES);
    expect(body.counts).toEqual({ ...noRows, admissions: 3, payout_transactions: 1 });
    expect(body.seq).toBe(4);
    for (const row of Object.values(body.data).flat()) {
      expect(row.created_at).toMatch(ISO_MS);
      expect(row.updated_at).toMatch(ISO_MS);
    }

    // Consistent with its seq: rows written while it streams are neither in it nor counted in its seq.
    k.db.transaction(() => {
      for (let i = 0; i < 5000; i++) k.admit(`bulk-${i}`, '2026-01-15T03:00:00.000Z');
    })();
    const seqAtStart = createFeed(k.db, k.kiosk.store.replicatedTables).seq();
    const chunks: string[] = [];
    const stream = fullExportJson(k.kiosk.store.file, k.kiosk.store.replicatedTables, 'now');
    chunks.push((await stream.next()).value as string);
    chunks.push((await stream.next()).value as string);
    k.admit('during-export', '2026-01-15T03:00:00.000Z');
    for await (const chunk of stream) chunks.push(chunk);
    const exported = JSON.parse(chunks.join('')) as { seq: number; counts: Record<string, number>; data: Record<string, Row[]> };
    expect(exported.seq).toBe(seqAtStart);
    expect(exported.counts.admissions).toBe(5003);
    expect(exported.data.admissions!.some((r) => r.id === 'during-export')).toBe(false);
    // A replica that starts from it and follows the feed gets the rest.
    expect((await k.body<AfterPage>(`/api/sync/changes?after=${exported.seq}`)).data.admissions!.map((r) => r.id)).toEqual(['during-export']);
  });
});
