import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { manualClock } from '../../main/clock';
import { createCloudClient } from '../../main/cloud';
import { configSchema } from '../../main/config';
import { memoryLogger } from '../../main/log';
import { openStore } from '../../main/store';
import { createOutbox, type OutboxItem } from '../../main/sync';
import { tempDir } from '../support/temp';

type Reply = number | { status: number; headers?: Record<string, string> } | 'network-error';

/** A cloud whose answers the test writes, one per request, and which records what it got. */
function scriptedCloud(replies: Reply[] | ((body: { n: number }) => Reply)) {
  const received: { key: string; body: { n: number; key: string } }[] = [];
  const fetchImpl = async (_url: string, init?: RequestInit): Promise<Response> => {
    const body = JSON.parse(String(init?.body)) as { n: number; key: string };
    const reply = typeof replies === 'function' ? replies(body) : (replies.shift() ?? 200);
    if (reply === 'network-error') throw new TypeError('fetch failed');
    received.push({ key: new Headers(init?.headers).get('Idempotency-Key') ?? '', body });
    const { status, headers } = typeof reply === 'number' ? { status: reply, headers: {} } : reply;
    return new Response(status === 204 ? null : '{}', { status, headers });
  };
  return { fetchImpl, received };
}

async function setup(replies: Parameters<typeof scriptedCloud>[0], configPatch: Record<string, unknown> = {}) {
  const dir = tempDir();
  const log = memoryLogger();
  const clock = manualClock();
  const store = await openStore({ file: path.join(dir, 'booth.db'), log });
  const config = configSchema.parse({
    api: { retryAttempts: 0, retryDelaySeconds: 0 },
    sync: { backoffBaseSeconds: 1, backoffCapSeconds: 60, concurrency: 4 },
    services: { syncIntervalSeconds: 3600 },
    ...configPatch,
  });
  const cloud = scriptedCloud(replies);
  const client = createCloudClient(config, { version: 't', isPackaged: false, dataDir: dir, clock, fetch: cloud.fetchImpl, log }, store.kioskId);
  const acked: number[] = [];
  const outbox = createOutbox({ store, cloud: client, config, clock, log, random: () => 0.5 });
  outbox.registerKind({
    kind: 'test.item',
    request: (payload) => {
      const p = payload as { n: number; key: string; unencodable?: boolean };
      if (p.unencodable) throw new Error('no encoder for this');
      return { endpoint: 'items', body: JSON.stringify(p) };
    },
    onAcknowledged: (item: OutboxItem) => acked.push((item.payload as { n: number }).n),
    describe: (payload) => `item ${(payload as { n: number }).n}`,
  });
  const add = (n: number, key = 'k1', extra: Record<string, unknown> = {}) =>
    store.db.transaction(() => outbox.enqueue({ kind: 'test.item', orderKey: key, payload: { n, key, ...extra } }))();
  outbox.start();
  return { store, outbox, clock, cloud, acked, add, log };
}

describe('outbox', () => {
  it('sends items of one key in order, each once, and marks them done', async () => {
    const t = await setup([]);
    for (let n = 1; n <= 5; n++) t.add(n);
    await t.outbox.drain();
    expect(t.cloud.received.map((r) => r.body.n)).toEqual([1, 2, 3, 4, 5]);
    expect(t.acked).toEqual([1, 2, 3, 4, 5]);
    expect(t.outbox.status()).toMatchObject({ pending: 0, dead: 0 });
    await t.outbox.stop();
  });

  it('retries a transient failure later with the same idempotency key, keeping order', async () => {
    const t = await setup([503, 'network-error', 200, 200]);
    t.add(1);
    t.add(2);
    await t.outbox.drain();
    expect(t.acked).toEqual([]);
    expect(t.outbox.status().pending).toBe(2);
    t.clock.advance(1000);
    await t.outbox.drain();
    t.clock.advance(2000);
    await t.outbox.drain();
    expect(t.acked).toEqual([1, 2]);
    const keys = t.cloud.received.filter((r) => r.body.n === 1).map((r) => r.key);
    expect(keys).toHaveLength(2);
    expect(new Set(keys).size).toBe(1);
    await t.outbox.stop();
  });

  it('keeps retrying transient failures for as long as it takes (a day offline)', async () => {
    let up = false;
    const t = await setup(() => (up ? 200 : 'network-error'));
    t.add(1);
    for (let hour = 0; hour < 24 * 12; hour++) {
      t.clock.advance(5 * 60_000);
      await t.outbox.drain();
    }
    expect(t.outbox.status()).toMatchObject({ pending: 1, dead: 0 });
    up = true;
    t.clock.advance(60_000);
    await t.outbox.drain();
    expect(t.acked).toEqual([1]);
    await t.outbox.stop();
  });

  it('honours Retry-After as the least wait', async () => {
    const t = await setup([{ status: 429, headers: { 'Retry-After': '30' } }, 200]);
    t.add(1);
    await t.outbox.drain();
    t.clock.advance(29_000);
    await t.outbox.drain();
    expect(t.acked).toEqual([]);
    t.clock.advance(1_500);
    await t.outbox.drain();
    expect(t.acked).toEqual([1]);
    await t.outbox.stop();
  });

  it('keeps a permanently refused item as dead, blocks its key, and sends it again when redriven', async () => {
    const t = await setup([404, 200, 200, 200]);
    t.add(1, 'a');
    t.add(2, 'a');
    t.add(3, 'b');
    await t.outbox.drain();
    expect(t.acked).toEqual([3]);
    expect(t.outbox.status()).toMatchObject({ pending: 1, dead: 1 });
    const dead = t.outbox.deadItems();
    expect(dead).toEqual([expect.objectContaining({ id: 1, summary: 'item 1', lastError: expect.stringContaining('HTTP 404') })]);
    expect(t.outbox.redrive(1)).toBe(true);
    await t.outbox.drain();
    expect(t.acked).toEqual([3, 1, 2]);
    expect(t.store.db.prepare('SELECT COUNT(*) AS n FROM outbox').get()).toEqual({ n: 3 });
    await t.outbox.stop();
  });

  it('keeps an item that cannot be encoded as dead instead of dropping it', async () => {
    const t = await setup([]);
    t.add(1, 'x', { unencodable: true });
    await t.outbox.drain();
    expect(t.outbox.deadItems()[0]?.lastError).toMatch(/cannot be encoded/);
    expect(t.cloud.received).toHaveLength(0);
    await t.outbox.stop();
  });

  it('merges into an unsent item only, never into one already sent', async () => {
    const t = await setup(['network-error', 200, 200]);
    t.add(1);
    const merge = () =>
      t.store.db.transaction(() =>
        t.outbox.coalesce('test.item', 'k1', (p) => ({ ...(p as object), n: (p as { n: number }).n + 100 })),
      )();
    expect(merge()).toBe(true);
    await t.outbox.drain();
    // Item 1 was sent once (as 101) and failed: its payload is now fixed under its key.
    expect(merge()).toBe(false);
    t.add(2);
    t.clock.advance(5_000);
    await t.outbox.drain();
    expect(t.cloud.received.map((r) => r.body.n)).toEqual([101, 2]);
    await t.outbox.stop();
  });

  it('waits for the item it depends on', async () => {
    const t = await setup([503, 200, 200]);
    const first = t.add(1, 'a');
    t.store.db.transaction(() => t.outbox.enqueue({ kind: 'test.item', orderKey: 'b', payload: { n: 2, key: 'b' }, dependsOn: first }))();
    await t.outbox.drain();
    expect(t.cloud.received.map((r) => r.body.n)).toEqual([1]);
    t.clock.advance(2_000);
    await t.outbox.drain();
    expect(t.acked).toEqual([1, 2]);
    await t.outbox.stop();
  });
});
