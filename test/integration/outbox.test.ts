import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { manualClock } from '../../main/clock';
import { createCloudClient } from '../../main/cloud';
import { configSchema } from '../../main/config';
import { memoryLogger } from '../../main/log';
import { openStore } from '../../main/store';
import { createOutbox, type OutboxItem } from '../../main/sync';
import { tempDir } from '../support/temp';

/** 'hang': the server accepts the request and never answers (until the kiosk gives up on it). */
type Reply = number | { status: number; headers?: Record<string, string>; endlessBody?: boolean } | 'network-error' | 'hang';

/** A body that never ends (a server gone wrong), 64 KB every 10 ms until the reader lets it go. */
const endlessBody = () =>
  new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((r) => setTimeout(r, 10));
      controller.enqueue(new Uint8Array(64 * 1024).fill(120));
    },
  });

/** A cloud whose answers the test writes, one per request, and which records what it got. */
function scriptedCloud(replies: Reply[] | ((body: { n: number }) => Reply)) {
  const received: { key: string; body: { n: number; key: string } }[] = [];
  /** Every request, including those that never reached the server (network errors). */
  const calls: number[] = [];
  const fetchImpl = async (_url: string, init?: RequestInit): Promise<Response> => {
    const body = JSON.parse(String(init?.body)) as { n: number; key: string };
    calls.push(body.n);
    const reply = typeof replies === 'function' ? replies(body) : (replies.shift() ?? 200);
    if (reply === 'network-error') throw new TypeError('fetch failed');
    if (reply === 'hang') {
      received.push({ key: new Headers(init?.headers).get('Idempotency-Key') ?? '', body });
      return new Promise<Response>((_resolve, reject) => {
        const signal = init?.signal;
        const stop = () => reject(signal?.reason instanceof Error ? signal.reason : new DOMException('aborted', 'AbortError'));
        if (signal?.aborted) stop();
        signal?.addEventListener('abort', stop, { once: true });
      });
    }
    received.push({ key: new Headers(init?.headers).get('Idempotency-Key') ?? '', body });
    const { status, headers, endlessBody: endless } = typeof reply === 'number' ? { status: reply, headers: {}, endlessBody: false } : reply;
    return new Response(endless ? endlessBody() : status === 204 ? null : '{}', { status, headers });
  };
  return { fetchImpl, received, calls };
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

  it('an answer whose body never ends: it is read no further than a cap: a 2xx is acknowledged, a 4xx refused', async () => {
    const t = await setup([{ status: 200, endlessBody: true }, { status: 422, endlessBody: true }]);
    t.add(1);
    t.add(2, 'k2');
    await t.outbox.drain();
    expect(t.acked).toEqual([1]);
    expect(t.outbox.status()).toMatchObject({ pending: 0, dead: 1 });
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
    expect(t.outbox.status()).toMatchObject({ pending: 1, dead: 0, lastErrorCoded: { code: 'net-unreachable', params: { endpoint: 'items' } } });
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

  it('waits no longer than sync.backoffCapSeconds, whatever Retry-After asks (a broken server asking for a year)', async () => {
    const t = await setup([{ status: 503, headers: { 'Retry-After': '31536000' } }, 200]);
    t.add(1);
    await t.outbox.drain();
    expect(t.acked).toEqual([]);
    t.clock.advance(61_000);
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
    // For the screen's language: refused, with the status; a kind without words of its own has none (its English is shown).
    expect(dead[0]).toMatchObject({ lastErrorCoded: { code: 'upload-refused', params: { status: 404 } }, summaryCoded: null });
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
    expect(t.outbox.deadItems()[0]?.lastErrorCoded).toEqual({ code: 'upload-unencodable', params: { detail: 'no encoder for this' } });
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

  it('never merges into a redriven item: its body went out under its key before', async () => {
    const t = await setup([404, 200, 200]);
    t.add(1);
    await t.outbox.drain();
    expect(t.outbox.deadItems()).toHaveLength(1);
    expect(t.outbox.redrive(1)).toBe(true);
    // Between the attendant's redrive and its send, a new change of the same key comes.
    const merged = t.store.db.transaction(() => t.outbox.coalesce('test.item', 'k1', (p) => ({ ...(p as object), n: 100 })))();
    expect(merged).toBe(false);
    t.add(2);
    await t.outbox.drain();
    const sent = t.cloud.received.map((r) => [r.key, r.body.n] as const);
    // The same key carries the same body every time; the new change goes under a key of its own.
    expect(sent.map(([, n]) => n)).toEqual([1, 1, 2]);
    expect(sent[1]![0]).toBe(sent[0]![0]);
    expect(sent[2]![0]).not.toBe(sent[0]![0]);
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

describe('outbox: one request does not hold back the others', () => {
  it('sends other keys while a request hangs, and sends again one the server left unanswered once it answers a later one', async () => {
    let first = true;
    const t = await setup((body) => (body.n === 1 && first ? ((first = false), 'hang') : 200), { sync: { concurrency: 2, stallSeconds: 5, backoffBaseSeconds: 1, backoffCapSeconds: 60 } });
    t.add(1, 'a');
    t.outbox.wake();
    await new Promise((r) => setTimeout(r, 20));
    // Added while item 1 hangs: sent at once, not after item 1's timeout.
    t.clock.advance(6_000);
    t.add(2, 'b');
    t.outbox.wake();
    await t.outbox.drain();
    expect(t.acked).toEqual([2, 1]);
    expect(t.cloud.received.map((r) => r.body.n)).toEqual([1, 2, 1]);
    const keys = t.cloud.received.filter((r) => r.body.n === 1).map((r) => r.key);
    expect(new Set(keys).size).toBe(1);
    expect(t.log.lines.some((l) => /outbox item 1 not sent \(no answer, while the server answered an upload sent 6 s later/.test(l))).toBe(true);
    await t.outbox.stop();
  });

  it('waits out the quick retries (api.retryDelaySeconds) without holding a send slot, then backs off', async () => {
    const replies: Reply[] = ['network-error', 200, 'network-error', 'network-error', 'network-error', 200];
    const t = await setup(replies, { api: { retryAttempts: 3, retryDelaySeconds: 5 }, sync: { concurrency: 1, backoffBaseSeconds: 1, backoffCapSeconds: 60 } });
    t.add(1, 'a');
    t.add(2, 'b');
    await t.outbox.drain();
    // Item 2 went while item 1 waited for its quick retry.
    expect(t.acked).toEqual([2]);
    expect(t.cloud.calls).toEqual([1, 2]);
    t.clock.advance(4_000);
    await t.outbox.drain();
    expect(t.cloud.calls).toHaveLength(2);
    for (let quick = 1; quick <= 3; quick++) {
      t.clock.advance(5_000);
      await t.outbox.drain();
      expect(t.cloud.calls).toHaveLength(2 + quick);
    }
    // The quick retries are used up: full-jitter backoff (0.5 × 1 s here), not another 5 s.
    t.clock.advance(500);
    await t.outbox.drain();
    expect(t.acked).toEqual([2, 1]);
    await t.outbox.stop();
  });

  it('honours Retry-After over the quick retries', async () => {
    const t = await setup([{ status: 503, headers: { 'Retry-After': '30' } }, 200], { api: { retryAttempts: 3, retryDelaySeconds: 5 } });
    t.add(1);
    await t.outbox.drain();
    t.clock.advance(10_000);
    await t.outbox.drain();
    expect(t.acked).toEqual([]);
    t.clock.advance(21_000);
    await t.outbox.drain();
    expect(t.acked).toEqual([1]);
    await t.outbox.stop();
  });
});
