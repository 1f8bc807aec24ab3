/**
 * The replication part of the LAN API probed as an independently written
 * office client would use it, from CONTRACTS.md "Replication (seed 001)"
 * alone: real HTTPS and WebSocket with the pinned certificate and X-API-Key.
 */
import { once } from 'node:events';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { hashApiKey } from '../../main/api';
import type { BoothConfigInput } from '../../main/config';
import type { KioskOptions } from '../../main/kiosk';
import { testKiosk } from '../support/kiosk';
import { callApi, openApiSocket, type LiveEventMessage } from '../support/lan-api';
import { tempDir } from '../support/temp';

const KEY = 'test-key-0123456789abcdefghijklmnopqrstuvwxyz';

const running: { stop(): Promise<void> }[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  while (running.length) await running.pop()!.stop();
});

async function apiKiosk(input: BoothConfigInput, options: Partial<KioskOptions> = {}) {
  const dir = tempDir();
  const t = await testKiosk(dir, { services: { probeIntervalSeconds: 3600 }, lanApi: { enabled: true, port: 0, apiKeyHashes: [hashApiKey(KEY)] }, ...input }, {}, options);
  running.push(t.kiosk);
  t.kiosk.start();
  await t.kiosk.lanApi!.start();
  const port = t.kiosk.lanApi!.address()!.port;
  const fingerprint = t.kiosk.lanApi!.status().fingerprint!;
  const call = (path: string, more: { method?: string; body?: string; key?: string } = {}) => callApi({ port, fingerprint, key: KEY, path, ...more });
  const live = async (path: string) => {
    const socket = await openApiSocket({ port, fingerprint, path, key: KEY });
    sockets.push(socket);
    const events: LiveEventMessage[] = [];
    socket.on('message', (data) => events.push(JSON.parse(String(data)) as LiveEventMessage));
    const until = async (check: (events: LiveEventMessage[]) => boolean) => {
      const deadline = Date.now() + 5000;
      while (!check(events) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      return events;
    };
    return { socket, events, until };
  };
  /** A request whose answer is then never read: a client stalled (or gone without a reset) mid-answer. */
  const stalled = async (path: string) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    await once(socket, 'secureConnect');
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: ${KEY}\r\n\r\n`);
    await once(socket, 'data');
    socket.pause();
    running.push({ stop: async () => void socket.destroy() });
    return socket;
  };
  /** A live client that never answers a ping, as one gone without a reset looks to the kiosk. */
  const silentLive = async (path: string) => {
    const { WebSocket } = await import('ws');
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    await once(socket, 'secureConnect');
    const ws = new WebSocket(`wss://127.0.0.1:${port}${path}`, { headers: { 'X-API-Key': KEY }, createConnection: () => socket, rejectUnauthorized: false, autoPong: false });
    sockets.push(ws);
    await once(ws, 'open');
    return ws;
  };
  return { ...t, dir, port, fingerprint, call, live, stalled, silentLive, db: t.kiosk.store.db };
}

describe('replication as the contract writes it', () => {
  it('live events of seed 001\'s tables carry the seed\'s names: payload:received, batch:created, cattle:created, payload:updated', async () => {
    const k = await apiKiosk({ modules: ['intake'], intake: { pens: [{ name: 'Pen 1' }] } });
    const start = (await k.call('/api/sync/health')).body as { seq: number };
    const client = await k.live(`/api/sync/live?after=${start.seq}`);
    const posted = await k.call('/api/lora/receive', { method: 'POST', body: JSON.stringify({ payload: 'hxb:TEST001:LF999:UHF888' }) });
    expect(posted.status).toBe(202);
    const events = await client.until((e) => e.some((x) => x.table === 'lora_payload_buffer' && x.op === 'update'));
    expect(events.map((e) => [e.event, e.table, e.op])).toEqual([
      ['payload:received', 'lora_payload_buffer', 'insert'],
      ['batch:created', 'batches', 'insert'],
      ['cattle:created', 'cattle', 'insert'],
      ['payload:updated', 'lora_payload_buffer', 'update'],
    ]);
  });
});

describe('the since= form', () => {
  it('reads a time zone sent unencoded in the query (its + arrives as a space) as the zone it is', async () => {
    const k = await apiKiosk({ modules: ['gate'] });
    const admit = k.db.prepare("INSERT INTO admissions (id, reference, attraction, persons, kiosk_id, at) VALUES (?, 'R', 'A', 1, 'k', ?)");
    admit.run('early', '2026-01-15T02:00:00.000Z');
    admit.run('late', '2026-01-15T04:00:00.000Z');
    // 10:00 at +07:00 is 03:00 UTC: only the later row.
    for (const since of ['2026-01-15T10:00:00+07:00', '2026-01-15T10:00:00%2B07:00', '2026-01-15T10:00:00.000+0700']) {
      const answer = await k.call(`/api/sync/changes?since=${since}`);
      expect(answer.status, since).toBe(200);
      expect((answer.body as { data: { admissions: { id: string }[] } }).data.admissions.map((r) => r.id), since).toEqual(['late']);
    }
  });
});

describe('clients that stall', () => {
  it('a live client that answers no ping is closed, so dead connections do not fill the live slots; one that answers stays', async () => {
    const k = await apiKiosk({ modules: ['gate'] }, { apiTimings: { livePingMs: 100, idleTimeoutMs: 200 } });
    const silent = await k.silentLive('/api/sync/live?after=0');
    const answering = await k.live('/api/sync/live?after=0');
    await once(answering.socket, 'open');
    const closed = once(silent, 'close');
    const outcome = await Promise.race([closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open'), 3000))]);
    expect(outcome).toBe('closed');
    expect(answering.socket.readyState).toBe(answering.socket.OPEN);
  });

  /** Rows far larger together than the sockets' buffers hold: a client that reads nothing stalls the answer. */
  const bulky = (k: Awaited<ReturnType<typeof apiKiosk>>, n: number) => {
    const padding = 'x'.repeat(2000);
    const admit = k.db.prepare("INSERT INTO admissions (id, reference, attraction, persons, kiosk_id, at) VALUES (?, ?, 'A', 1, 'k', '2026-01-15T03:00:00.000Z')");
    k.db.transaction(() => {
      for (let i = 0; i < n; i++) admit.run(`a${i}`, `${padding}${i}`);
    })();
  };

  it('an answer its client stopped reading is dropped with the connection, not kept in the kiosk\'s memory for ever', async () => {
    const k = await apiKiosk({ modules: ['gate'] }, { apiTimings: { idleTimeoutMs: 500 } });
    bulky(k, 10_000);
    const socket = await k.stalled('/api/sync/changes?after=0&limit=10000');
    await new Promise((r) => setTimeout(r, 1500));
    // Reading again: what was already on its way arrives, then the connection ends.
    const closed = once(socket, 'close');
    socket.resume();
    const outcome = await Promise.race([closed.then(() => 'closed'), new Promise((r) => setTimeout(() => r('still open'), 3000))]);
    expect(outcome).toBe('closed');
  });

  it('a route that takes longer than the idle timeout to answer (a job run) still answers', async () => {
    const slowJob = { name: 'test.slow', intervalMs: 3_600_000, run: () => new Promise<void>((resolve) => setTimeout(resolve, 1500)) };
    const k = await apiKiosk({ modules: ['gate'] }, { apiTimings: { idleTimeoutMs: 300 }, moduleFactories: { gate: () => ({ id: 'gate', jobs: [slowJob] }) } });
    const run = await k.call('/api/jobs/test.slow/run', { method: 'POST' });
    expect(run).toMatchObject({ status: 200, body: { success: true } });
  });

  it('a full export whose client stopped reading is cut off, so its slot and snapshot are not held for ever', async () => {
    const k = await apiKiosk({ modules: ['gate'] }, { apiTimings: { idleTimeoutMs: 500 } });
    bulky(k, 20_000);
    await k.stalled('/api/sync/full-export');
    await k.stalled('/api/sync/full-export');
    expect((await k.call('/api/sync/full-export')).status).toBe(503);
    // Once the stalled answers are given up, a replica can be built again.
    const deadline = Date.now() + 10_000;
    let status = 503;
    while (status === 503 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await k.call('/api/sync/full-export')).status;
    }
    expect(status).toBe(200);
  });
});
