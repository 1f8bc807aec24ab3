/**
 * Office replica tests: kiosks with their LAN API on (real HTTPS, the
 * certificate pinned, the API key), the replica following them in-process
 * or as a child process (`booth replica --config FILE`), and the comparison
 * of a kiosk's rows (as its feed presents them) with the replica's.
 */
import net from 'node:net';
import path from 'node:path';
import { afterEach, expect } from 'vitest';
import { hashApiKey } from '../../main/api';
import { memoryLogger } from '../../main/log';
import { createFeed } from '../../main/replication';
import { createReplica, replicaConfigSchema, type ReplicaConfigInput } from '../../main/replica';
import type { Row } from '../../main/replica/store';
import { testKiosk } from './kiosk';
import { tempDir } from './temp';

export const REPLICA_KEY = 'replica-key-0123456789abcdefghijklmnopqrstuvwxyz';

export async function until<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await fn();
    if (last) return last as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export type ReplicaKiosk = Awaited<ReturnType<typeof replicaKiosk>>;

/** A gate kiosk with the LAN API on loopback, and helpers that write admissions as any connection would. */
export async function replicaKiosk(dir = tempDir()) {
  const t = await testKiosk(dir, {
    modules: ['gate'],
    services: { probeIntervalSeconds: 3600 },
    lanApi: { enabled: true, port: 0, apiKeyHashes: [hashApiKey(REPLICA_KEY)], rateLimitPerMinute: 100_000 },
  });
  t.kiosk.start();
  await t.kiosk.lanApi!.start();
  const port = t.kiosk.lanApi!.address()!.port;
  const fingerprint = t.kiosk.lanApi!.status().fingerprint!;
  const db = t.kiosk.store.db;
  const insert = db.prepare("INSERT INTO admissions (id, reference, attraction, persons, kiosk_id, at) VALUES (?, ?, 'A', ?, 'k', ?)");
  const admit = (id: string, at = '2026-01-15T03:00:00.000Z', persons = 1, reference = 'REF-1') => insert.run(id, reference, persons, at);
  const feed = createFeed(db, t.kiosk.store.replicatedTables);
  /** Every replicated row as the kiosk presents it to replicas, by table. */
  const rowsNow = () => Object.fromEntries(feed.tables.map((ft) => [ft.table, db.prepare(`SELECT ${ft.selectList} FROM "${ft.table}"`).all() as Row[]]));
  return { ...t, dir, port, fingerprint, db, admit, feed, rowsNow, url: `https://127.0.0.1:${port}` };
}

export function kioskSource(k: { port: number; fingerprint: string }, id = 'gate-a', extra: Partial<{ apiKey: string; fingerprint: string; url: string; schemaVersion: string }> = {}) {
  return { id, url: `https://127.0.0.1:${k.port}`, apiKey: REPLICA_KEY, fingerprint: k.fingerprint, ...extra };
}

export const fastTuning = { retryMinMs: 100, retryMaxMs: 1000, heartbeatMs: 500 };

export async function startReplica(input: Omit<ReplicaConfigInput, 'http'> & { http?: ReplicaConfigInput['http'] }, log = memoryLogger()) {
  const config = replicaConfigSchema.parse({ syncIntervalSeconds: 1, http: { host: '127.0.0.1', port: 0 }, ...input });
  const replica = await createReplica(config, log.scope('sync'), fastTuning);
  await replica.start();
  const base = `http://127.0.0.1:${replica.office.address()!.port}`;
  const status = (id: string) => replica.statuses().find((s) => s.kiosk_id === id)!;
  const rowsOf = async (kioskId: string) => {
    const out: Record<string, Row[]> = {};
    for (const { table } of await replica.store.tables(kioskId)) out[table] = await replica.store.rows(kioskId, table, 0, 1_000_000);
    return out;
  };
  return { replica, config, log, base, status, rowsOf };
}

export const sqliteStore = (dir = tempDir()) => ({ kind: 'sqlite' as const, file: path.join(dir, 'replica.db') });

/** Rows by table, each sorted by id, empty tables left out: the kiosk's and the replica's compare equal when they hold the same. */
export function normalised(byTable: Record<string, Row[]>): Record<string, Row[]> {
  const out: Record<string, Row[]> = {};
  for (const [table, rows] of Object.entries(byTable)) {
    if (rows.length === 0) continue;
    out[table] = [...rows].sort((a, b) => (String(a.id) < String(b.id) ? -1 : String(a.id) > String(b.id) ? 1 : 0));
  }
  return out;
}

export async function expectSameRows(kiosk: { rowsNow(): Record<string, Row[]> }, rowsOf: () => Promise<Record<string, Row[]>>, timeoutMs = 10_000) {
  let last: unknown;
  try {
    await until(
      'the replica to hold the kiosk\'s rows',
      async () => {
        const want = JSON.stringify(normalised(kiosk.rowsNow()));
        const got = JSON.stringify(normalised(await rowsOf()));
        last = got;
        return want === got;
      },
      timeoutMs,
    );
  } catch {
    expect(normalised((JSON.parse(String(last)) ?? {}) as Record<string, Row[]>)).toEqual(normalised(kiosk.rowsNow()));
  }
}

/**
 * A TCP relay between the replica and a kiosk that the test can cut (every
 * connection dropped, new ones refused as by a dead link) and restore, or cut
 * after a number of bytes towards the replica.
 */
export async function cuttableLink(targetPort: number) {
  const sockets = new Set<net.Socket>();
  let up = true;
  let cutAfterBytes: number | null = null;
  const server = net.createServer((client) => {
    if (!up) return client.destroy();
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let sent = 0;
    upstream.on('data', (d: Buffer) => {
      sent += d.length;
      if (cutAfterBytes !== null && sent > cutAfterBytes) {
        const keep = d.length - (sent - cutAfterBytes);
        cutAfterBytes = null;
        client.write(d.subarray(0, keep));
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(d);
    });
    client.on('data', (d: Buffer) => upstream.write(d));
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    cut() {
      up = false;
      for (const s of sockets) s.destroy();
    },
    restore() {
      up = true;
    },
    /** The next connection's answer is cut after `bytes` bytes (a kiosk dying mid-export). */
    cutNextAfter(bytes: number) {
      cutAfterBytes = bytes;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * A test file's kiosks and replicas, each stopped after its test (newest
 * first). A test that stops one itself pops it from `running`.
 */
export function stoppedAfterEachTest() {
  const running: { stop(): Promise<void> }[] = [];
  afterEach(async () => {
    while (running.length) await running.pop()!.stop();
  });
  return {
    running,
    async kiosk() {
      const k = await replicaKiosk();
      running.push(k.kiosk);
      return k;
    },
    async replicaOf(input: Parameters<typeof startReplica>[0]) {
      const r = await startReplica(input);
      running.push(r.replica);
      return r;
    },
  };
}
