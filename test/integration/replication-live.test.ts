/**
 * The live feed, /api/sync/live?after=<seq> (CONTRACTS.md "Live events"),
 * through a real WebSocket client over TLS with the pinned certificate:
 * the key checked before the handshake, catch-up in seq order with rows as
 * they are now, then each change as it commits.
 */
import { once } from 'node:events';
import Database from 'better-sqlite3';
import type { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../main/api';
import { pruneFeed } from '../../main/replication/retention';
import { testKiosk } from '../support/kiosk';
import { openApiSocket, type LiveEventMessage } from '../support/lan-api';
import { tempDir } from '../support/temp';

const KEY = 'test-key-0123456789abcdefghijklmnopqrstuvwxyz';

const running: { stop(): Promise<void> }[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  while (running.length) await running.pop()!.stop();
});

async function liveKiosk() {
  const dir = tempDir();
  const t = await testKiosk(dir, { modules: ['gate'], services: { probeIntervalSeconds: 3600 }, lanApi: { enabled: true, port: 0, apiKeyHashes: [hashApiKey(KEY)] } });
  running.push(t.kiosk);
  t.kiosk.start();
  await t.kiosk.lanApi!.start();
  const port = t.kiosk.lanApi!.address()!.port;
  const fingerprint = t.kiosk.lanApi!.status().fingerprint!;
  const db = t.kiosk.store.db;
  const admit = (id: string, at = '2026-01-15T03:00:00.000Z') =>
    db.prepare("INSERT INTO admissions (id, reference, attraction, persons, kiosk_id, at) VALUES (?, 'REF-1', 'A', 1, 'k', ?)").run(id, at);
  /** Opens the live socket and collects what it sends. */
  const connect = async (path: string, key: string | undefined = KEY) => {
    const socket = await openApiSocket({ port, fingerprint, path, ...(key === undefined ? {} : { key }) });
    sockets.push(socket);
    const events: LiveEventMessage[] = [];
    socket.on('message', (data) => events.push(JSON.parse(String(data)) as LiveEventMessage));
    const received = async (n: number) => {
      const deadline = Date.now() + 5000;
      while (events.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(events.length, JSON.stringify(events)).toBeGreaterThanOrEqual(n);
      return events.slice(0, n);
    };
    return { socket, events, received };
  };
  /** The HTTP answer to an upgrade that is refused before the handshake. */
  const refusal = async (path: string, key?: string) => {
    const socket = await openApiSocket({ port, fingerprint, path, ...(key === undefined ? {} : { key }) });
    socket.on('error', () => undefined); // closed without a handshake: expected here
    const [, response] = (await once(socket, 'unexpected-response')) as [unknown, import('node:http').IncomingMessage];
    const closed = once(response.socket, 'close');
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    // The kiosk closes the connection after its answer: no half-open upgrade is left behind.
    await closed;
    return { status: response.statusCode, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> };
  };
  return { ...t, dir, db, admit, connect, refusal };
}

describe('live replication events', () => {
  it('refuses the upgrade without a valid key (401 before any handshake), a bad cursor (400) and one behind the floor (410)', async () => {
    const k = await liveKiosk();
    expect(await k.refusal('/api/sync/live?after=0')).toEqual({ status: 401, body: { success: false, error: 'a valid X-API-Key header is required' } });
    expect((await k.refusal('/api/sync/live?after=0', 'wrong-key')).status).toBe(401);
    expect((await k.refusal('/api/sync/live?after=x', KEY)).status).toBe(400);
    k.admit('a');
    k.admit('b');
    await pruneFeed(k.db, k.clock.now(), 0);
    const behind = await k.refusal('/api/sync/live?after=1', KEY);
    expect(behind.status).toBe(410);
    expect(behind.body).toMatchObject({ success: false, floor: 2 });
  });

  it('catches up from after= in seq order with each row as it is now (a deleted row as a delete), then sends each change as it commits', async () => {
    const k = await liveKiosk();
    k.admit('a1');
    k.admit('a2');
    k.admit('a3');
    k.db.prepare("UPDATE admissions SET acked_seq = 5 WHERE id = 'a1'").run();
    k.db.prepare("DELETE FROM admissions WHERE id = 'a2'").run();
    k.db.prepare("INSERT INTO payout_jobs (job_id, retry_count, transaction_id, quarters, received_at) VALUES ('j', 1, 't', 4, '2026-01-15T03:00:00.000Z')").run();

    const live = await k.connect('/api/sync/live?after=1');
    const catchUp = await live.received(5);
    expect(catchUp.map((e) => [e.seq, e.event, e.op, e.row.id])).toEqual([
      [2, 'admission:deleted', 'delete', 'a2'], // inserted, then deleted since: sent as a delete
      [3, 'admission:created', 'insert', 'a3'],
      [4, 'admission:updated', 'update', 'a1'],
      [5, 'admission:deleted', 'delete', 'a2'],
      [6, 'payout_job:created', 'insert', 'j:1'],
    ]);
    expect(Object.keys(catchUp[1]!)).toEqual(['event', 'table', 'op', 'seq', 'row']);
    expect(catchUp[1]).toMatchObject({ table: 'admissions', row: { id: 'a3', created_at: '2026-01-15T03:00:00.000Z', updated_at: '2026-01-15T03:00:00.000Z' } });
    expect(catchUp[2]!.row).toMatchObject({ id: 'a1', acked_seq: 5 });
    expect(catchUp[0]!.row).toEqual({ id: 'a2' });

    // Then live: a change by the kiosk's code path, and one by another connection (raw SQL).
    k.admit('live-1');
    await live.received(6);
    const other = new Database(k.kiosk.store.file);
    other.prepare("INSERT INTO admissions (id, reference, attraction, persons, kiosk_id, at) VALUES ('live-2', 'R', 'A', 2, 'k', '2026-01-15T03:00:01.000Z')").run();
    other.close();
    const all = await live.received(7);
    expect(all.slice(5).map((e) => [e.seq, e.event, e.row.id])).toEqual([
      [7, 'admission:created', 'live-1'],
      [8, 'admission:created', 'live-2'],
    ]);
  });

  it('closes a client with 4410 when retention pruned changes it had not been sent yet (it must do a full export)', async () => {
    const k = await liveKiosk();
    const live = await k.connect('/api/sync/live?after=0');
    await once(live.socket, 'open');
    // A change and its pruning in one turn of the event loop: the client never had it.
    k.admit('pruned-unsent');
    const pruning = pruneFeed(k.db, k.clock.now(), 0);
    const [code, reason] = (await once(live.socket, 'close')) as [number, Buffer];
    await pruning;
    expect(code).toBe(4410);
    expect(String(reason)).toMatch(/full export/);
    expect(live.events).toEqual([]);
  });

  it('without after= it sends only what commits from then on; many clients each get every change once, in order', async () => {
    const k = await liveKiosk();
    k.admit('before');
    const first = await k.connect('/api/sync/live');
    const second = await k.connect('/api/sync/live?after=0');
    await second.received(1);
    k.db.transaction(() => {
      for (let i = 0; i < 1200; i++) k.admit(`bulk-${String(i).padStart(4, '0')}`);
    })();
    const a = await first.received(1200);
    const b = await second.received(1201);
    expect(a.map((e) => e.seq)).toEqual(Array.from({ length: 1200 }, (_, i) => i + 2));
    expect(b.map((e) => e.seq)).toEqual(Array.from({ length: 1201 }, (_, i) => i + 1));
    await new Promise((r) => setTimeout(r, 100));
    expect(first.events.length).toBe(1200); // nothing twice
  });

  it('never sends what a transaction still open on the kiosk wrote: a rolled-back row is never seen, the next commit is', async () => {
    const k = await liveKiosk();
    const client = await k.connect('/api/sync/live?after=0');
    k.admit('committed-1');
    await client.received(1);
    // A transaction held open across turns of the loop (as one awaiting something would be).
    k.db.exec('BEGIN');
    k.admit('never-committed');
    await new Promise((r) => setTimeout(r, 200)); // several polls and write signals' worth
    k.db.exec('ROLLBACK');
    k.admit('committed-2');
    const events = await client.received(2);
    await new Promise((r) => setTimeout(r, 100));
    expect(client.events.map((e) => e.row.id)).toEqual(['committed-1', 'committed-2']);
    expect(events.map((e) => e.op)).toEqual(['insert', 'insert']);
  });

  it('sends a change written by another connection to the kiosk file (the sqlite3 shell, a script), which the write signal does not touch', async () => {
    const k = await liveKiosk();
    const client = await k.connect('/api/sync/live?after=0');
    k.admit('by-booth');
    await client.received(1);
    const other = new Database(k.kiosk.store.file);
    try {
      other.pragma('busy_timeout = 2000');
      other.prepare("INSERT INTO admissions (id, reference, attraction, persons, kiosk_id, at) VALUES ('by-shell', 'REF-9', 'A', 2, 'k', '2026-01-15T03:00:00.000Z')").run();
    } finally {
      other.close();
    }
    const [, second] = await client.received(2);
    expect(second).toMatchObject({ table: 'admissions', op: 'insert', row: { id: 'by-shell', reference: 'REF-9', persons: 2 } });
  });
});
