/**
 * The outbox: every upload is a row written in the same transaction as the
 * business fact it reports, sent with a stable Idempotency-Key, in FIFO order
 * per key (a dead head blocks its key until redriven, so a server never sees
 * an older fact after a newer one), retried with full-jitter backoff for as
 * long as it takes when the failure is transient. Only a permanent rejection
 * or an item that cannot be encoded becomes dead: kept, shown, redrivable.
 * Nothing is ever deleted unsent.
 */
import crypto from 'node:crypto';
import type Database from 'better-sqlite3';
import type { OutboxItemView, SyncStatus } from '../../preload/contract';
import { CloudNetworkError, type CloudClient } from '../cloud';
import type { BoothConfig } from '../config';
import type { EventBus } from '../dispatch';
import type { ScopedLog } from '../log';
import type { Clock } from '../clock';
import type { Store } from '../store';
import { crashPoint } from '../crash-points';
import { classifyStatus, fullJitterDelay, parseRetryAfter } from './backoff';

export interface OutboxItem {
  id: number;
  kind: string;
  orderKey: string;
  idempotencyKey: string;
  payload: unknown;
  dependsOn: number | null;
  attempts: number;
  createdAt: string;
}

export interface OutboxKind {
  kind: string;
  /** The request for an item. Throwing means it cannot be encoded: the item goes dead. */
  request(payload: unknown): { endpoint: string; body: string };
  /** Runs inside the transaction that marks the item done; `seq` orders it against downloads. */
  onAcknowledged(item: OutboxItem, seq: number): void;
  /** One line for the attendant. */
  describe(payload: unknown): string;
}

export interface NewOutboxItem {
  kind: string;
  orderKey: string;
  payload: unknown;
  dependsOn?: number | null;
}

export interface Outbox {
  registerKind(kind: OutboxKind): void;
  /** Adds an item; call inside the transaction that writes the business row. */
  enqueue(item: NewOutboxItem): number;
  /**
   * Merges into the newest pending item of `orderKey` that was never sent;
   * returns false when there is none (then enqueue a new one). Call inside the
   * business transaction.
   */
  coalesce(kind: string, orderKey: string, merge: (payload: unknown) => unknown): boolean;
  /** Sends what is sendable now; resolves when nothing more can be sent without waiting. */
  drain(): Promise<void>;
  /** Asks the sender to look at the queue soon (after a commit). */
  wake(): void;
  status(): SyncStatus;
  deadItems(limit?: number): OutboxItemView[];
  redrive(id: number): boolean;
  start(): void;
  stop(): Promise<void>;
}

export interface OutboxDeps {
  store: Store;
  cloud: CloudClient;
  config: BoothConfig;
  clock: Clock;
  log: ScopedLog;
  events?: EventBus;
  random?: () => number;
}

interface Row {
  id: number;
  kind: string;
  order_key: string;
  idempotency_key: string;
  payload: string;
  depends_on: number | null;
  state: 'pending' | 'done' | 'dead';
  attempts: number;
  last_error: string | null;
  created_at: string;
}

const toItem = (row: Row): OutboxItem => ({
  id: row.id,
  kind: row.kind,
  orderKey: row.order_key,
  idempotencyKey: row.idempotency_key,
  payload: JSON.parse(row.payload) as unknown,
  dependsOn: row.depends_on,
  attempts: row.attempts,
  createdAt: row.created_at,
});

/** Next value of the sync sequence; call inside a transaction. */
export function nextSyncSeq(db: Database.Database): number {
  return (db.prepare("UPDATE counters SET value = value + 1 WHERE name = 'sync' RETURNING value").get() as { value: number }).value;
}

export function createOutbox(deps: OutboxDeps): Outbox {
  const { store, cloud, config, clock, log } = deps;
  const db = store.db;
  const random = deps.random ?? Math.random;
  const kinds = new Map<string, OutboxKind>();
  const notBefore = new Map<number, number>();
  const inflight = new Set<number>();
  const busyKeys = new Set<string>();
  let running = false;
  let timer: NodeJS.Timeout | null = null;
  let pumping: Promise<void> | null = null;
  let wakeAgain = false;
  let lastUploadAt: string | null = null;
  let lastError: string | null = null;
  let lastStatusJson = '';

  const sql = {
    insert: db.prepare(
      `INSERT INTO outbox (kind, order_key, idempotency_key, payload, depends_on, state, created_at)
       VALUES (?, ?, ?, ?, ?, 'pending', ?)`,
    ),
    newestUnsent: db.prepare(
      `SELECT * FROM outbox WHERE order_key = ? AND kind = ? AND state = 'pending' AND attempts = 0
       AND id = (SELECT MAX(id) FROM outbox WHERE order_key = ?)`,
    ),
    setPayload: db.prepare('UPDATE outbox SET payload = ? WHERE id = ?'),
    heads: db.prepare(
      `SELECT o.* FROM outbox o
       WHERE o.state = 'pending'
         AND o.id = (SELECT MIN(id) FROM outbox p WHERE p.order_key = o.order_key AND p.state IN ('pending', 'dead'))
       ORDER BY o.id LIMIT 500`,
    ),
    stateOf: db.prepare('SELECT state FROM outbox WHERE id = ?'),
    startAttempt: db.prepare('UPDATE outbox SET attempts = attempts + 1 WHERE id = ?'),
    done: db.prepare("UPDATE outbox SET state = 'done', done_at = ?, last_error = NULL WHERE id = ?"),
    dead: db.prepare("UPDATE outbox SET state = 'dead', last_error = ? WHERE id = ?"),
    failed: db.prepare('UPDATE outbox SET last_error = ? WHERE id = ?'),
    counts: db.prepare("SELECT state, COUNT(*) AS n FROM outbox WHERE state IN ('pending', 'dead') GROUP BY state"),
    deadList: db.prepare("SELECT * FROM outbox WHERE state = 'dead' ORDER BY id LIMIT ?"),
    redrive: db.prepare("UPDATE outbox SET state = 'pending', attempts = 0, last_error = NULL WHERE id = ? AND state = 'dead'"),
  };

  const status = (): SyncStatus => {
    const rows = sql.counts.all() as { state: string; n: number }[];
    const count = (s: string) => rows.find((r) => r.state === s)?.n ?? 0;
    return { pending: count('pending'), dead: count('dead'), lastUploadAt, lastError };
  };

  const publish = () => {
    if (!deps.events) return;
    const now = status();
    const json = JSON.stringify(now);
    if (json !== lastStatusJson) {
      lastStatusJson = json;
      deps.events.emit('sync:status', now);
    }
  };

  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.());

  function eligible(row: Row, nowMs: number): boolean {
    if (inflight.has(row.id) || busyKeys.has(row.order_key)) return false;
    if ((notBefore.get(row.id) ?? 0) > nowMs) return false;
    if (row.depends_on !== null) {
      const dep = sql.stateOf.get(row.depends_on) as { state: string } | undefined;
      if (dep && dep.state !== 'done') return false;
    }
    return true;
  }

  type Try = { outcome: 'acknowledged' } | { outcome: 'permanent'; error: string } | { outcome: 'transient'; error: string; retryAfterMs: number | null };

  async function sendOnce(item: OutboxItem, request: { endpoint: string; body: string }): Promise<Try> {
    try {
      crashPoint('outbox.before-send');
      const response = await cloud.request(request.endpoint, { method: 'POST', body: request.body, idempotencyKey: item.idempotencyKey });
      crashPoint('outbox.after-response');
      const text = await response.text().catch(() => '');
      const verdict = classifyStatus(response.status);
      if (verdict === 'acknowledged') return { outcome: 'acknowledged' };
      const error = `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
      if (verdict === 'permanent') return { outcome: 'permanent', error };
      return { outcome: 'transient', error, retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), clock.now().getTime()) };
    } catch (error) {
      const message = error instanceof CloudNetworkError ? error.message : `request failed: ${(error as Error).message}`;
      return { outcome: 'transient', error: message, retryAfterMs: null };
    }
  }

  async function attempt(row: Row): Promise<void> {
    const item = toItem(row);
    const kind = kinds.get(item.kind);
    inflight.add(item.id);
    busyKeys.add(item.orderKey);
    try {
      sql.startAttempt.run(item.id);
      const attempts = item.attempts + 1;
      if (!kind) {
        sql.dead.run(`no sender for kind ${item.kind}`, item.id);
        log.error(`outbox item ${item.id}: unknown kind ${item.kind}; kept as dead`);
        return;
      }
      let request: { endpoint: string; body: string };
      try {
        request = kind.request(item.payload);
      } catch (error) {
        sql.dead.run(`cannot be encoded: ${(error as Error).message}`, item.id);
        log.error(`outbox item ${item.id} cannot be encoded; kept as dead`);
        return;
      }
      let last: Try = { outcome: 'transient', error: 'not sent', retryAfterMs: null };
      for (let quick = 0; quick <= config.api.retryAttempts && running; quick++) {
        last = await sendOnce(item, request);
        if (last.outcome !== 'transient' || last.retryAfterMs !== null) break;
        if (quick < config.api.retryAttempts) await sleep(config.api.retryDelaySeconds * 1000);
      }
      if (last.outcome === 'acknowledged') {
        db.transaction(() => {
          sql.done.run(clock.now().toISOString(), item.id);
          kind.onAcknowledged(item, nextSyncSeq(db));
        })();
        crashPoint('outbox.after-ack');
        notBefore.delete(item.id);
        lastUploadAt = clock.now().toISOString();
        lastError = null;
        return;
      }
      if (last.outcome === 'permanent') {
        sql.dead.run(last.error, item.id);
        lastError = last.error;
        log.warn(`outbox item ${item.id} (${kind.describe(item.payload)}) refused by the server: ${last.error}; kept as dead`);
        return;
      }
      const delay = Math.max(
        fullJitterDelay(attempts, { baseMs: config.sync.backoffBaseSeconds * 1000, capMs: config.sync.backoffCapSeconds * 1000 }, random),
        last.retryAfterMs ?? 0,
      );
      notBefore.set(item.id, clock.monotonicMs() + delay);
      sql.failed.run(last.error, item.id);
      lastError = last.error;
      if (attempts === 1 || attempts % 10 === 0) log.info(`outbox item ${item.id} not sent (${last.error}); attempt ${attempts}, next in ${Math.round(delay)} ms`);
    } catch (error) {
      // A local failure (database) must not lose the item: it stays pending.
      notBefore.set(item.id, clock.monotonicMs() + config.sync.backoffBaseSeconds * 1000);
      log.error(`outbox item ${item.id}: local error while sending:`, error);
    } finally {
      inflight.delete(item.id);
      busyKeys.delete(item.orderKey);
      publish();
    }
  }

  /** Runs up to `concurrency` sends at a time until nothing is sendable now. */
  async function pump(): Promise<void> {
    const active = new Set<Promise<void>>();
    for (;;) {
      wakeAgain = false;
      const nowMs = clock.monotonicMs();
      const candidates = (sql.heads.all() as Row[]).filter((r) => eligible(r, nowMs));
      for (const row of candidates) {
        if (active.size >= config.sync.concurrency || !running) break;
        if (!eligible(row, clock.monotonicMs())) continue;
        const p: Promise<void> = attempt(row).finally(() => active.delete(p));
        active.add(p);
      }
      if (active.size === 0) {
        if (wakeAgain && running) continue;
        return;
      }
      await Promise.race(active);
    }
  }

  function schedule(delayMs: number) {
    if (!running) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void run(), delayMs);
    timer.unref?.();
  }

  function nextWakeDelay(): number {
    const idle = config.services.syncIntervalSeconds * 1000;
    const now = clock.monotonicMs();
    let soonest = idle;
    for (const at of notBefore.values()) soonest = Math.min(soonest, Math.max(0, at - now));
    return Math.max(soonest, 10);
  }

  function run(): Promise<void> {
    if (!config.services.syncEnabled || !running) return Promise.resolve();
    if (pumping) {
      wakeAgain = true;
      return pumping;
    }
    pumping = pump()
      .catch((error: unknown) => log.error('outbox pump failed:', error))
      .finally(() => {
        pumping = null;
        schedule(nextWakeDelay());
      });
    return pumping;
  }

  const wake = () => {
    publish();
    if (running) queueMicrotask(() => void run());
  };

  return {
    registerKind(kind) {
      kinds.set(kind.kind, kind);
    },
    enqueue(item) {
      const result = sql.insert.run(
        item.kind,
        item.orderKey,
        crypto.randomUUID(),
        JSON.stringify(item.payload),
        item.dependsOn ?? null,
        clock.now().toISOString(),
      );
      return Number(result.lastInsertRowid);
    },
    coalesce(kind, orderKey, merge) {
      const row = sql.newestUnsent.get(orderKey, kind, orderKey) as Row | undefined;
      if (!row || inflight.has(row.id)) return false;
      sql.setPayload.run(JSON.stringify(merge(JSON.parse(row.payload))), row.id);
      return true;
    },
    drain: () => run(),
    wake,
    status,
    deadItems(limit = 50) {
      return (sql.deadList.all(limit) as Row[]).map((row) => ({
        id: row.id,
        kind: row.kind,
        key: row.order_key,
        state: row.state,
        attempts: row.attempts,
        createdAt: row.created_at,
        lastError: row.last_error,
        summary: kinds.get(row.kind)?.describe(JSON.parse(row.payload)) ?? row.kind,
      }));
    },
    redrive(id) {
      const changed = sql.redrive.run(id).changes > 0;
      if (changed) {
        notBefore.delete(id);
        log.info(`outbox item ${id} redriven by the attendant`);
        wake();
      }
      return changed;
    },
    start() {
      running = true;
      publish();
      schedule(0);
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      await pumping;
    },
  };
}
