/**
 * The outbox: every upload is a row written in the same transaction as the
 * business fact it reports, sent with a stable Idempotency-Key, in FIFO order
 * per key (a dead head blocks its key until redriven, so a server never sees
 * an older fact after a newer one), retried with full-jitter backoff for as
 * long as it takes when the failure is transient. Only a permanent rejection
 * or an item that cannot be encoded becomes dead: kept, shown, redrivable.
 * Nothing is ever deleted unsent.
 *
 * Where to look: outbox-store.ts (items, kinds, rows), head-walk.ts (which
 * item may go next), pump.ts (the sending loop: batches, retries, backoff),
 * stall.ts (requests that get no answer). This file is the outbox's public
 * face: enqueue, coalesce, status, dead items and redrive, start and stop,
 * and when the pump runs.
 */
import crypto from 'node:crypto';
import type { CodedReason, OutboxItemView, SyncStatus } from '../../preload/contract';
import type { CloudClient } from '../cloud';
import type { BoothConfig } from '../config';
import type { EventBus } from '../dispatch';
import type { ScopedLog } from '../log';
import type { Clock } from '../clock';
import type { Store } from '../store';
import { newest, prepareOutboxStatements, type NewOutboxItem, type OutboxKind, type OutboxRow } from './outbox-store';
import { createOutboxPump } from './pump';
import { storedErrorReason } from './send';

export { nextSyncSeq, type NewOutboxItem, type OutboxItem, type OutboxKind } from './outbox-store';

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
  /**
   * Withdraws the key's pending items not in flight (settled unsent, with the
   * reason): their business fact was undone (a cancelled booking's video).
   * Inside that transaction. Returns how many; one in flight is not stopped.
   */
  withdraw(orderKey: string, reason: string): { withdrawn: number; inFlight: number };
  /** The key's items go now: a pending one's wait ends, a dead one is redriven (the attendant's redrive of a task). */
  retryNow(orderKey: string): boolean;
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

/** Status events are coalesced to one per this interval; the last state always goes out. */
const STATUS_EVENT_INTERVAL_MS = 200;

export function createOutbox(deps: OutboxDeps): Outbox {
  const { store, cloud, config, clock, log } = deps;
  const db = store.db;
  const kinds = new Map<string, OutboxKind>();
  const notBefore = new Map<number, number>();
  const inflight = new Set<number>();
  let running = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let pumping: Promise<void> | null = null;
  let lastStatusJson = '';
  let statusTimer: NodeJS.Timeout | null = null;
  const sql = prepareOutboxStatements(db);

  /** What an upload is, for the screen's language; a kind that is not registered here, as unreadable. */
  const summaryOf = (row: OutboxRow): CodedReason | null => {
    const kind = kinds.get(row.kind);
    if (!kind) return { code: 'outbox-unreadable', params: { kind: row.kind } };
    return kind.summary?.(JSON.parse(row.payload)) ?? null;
  };

  const status = (): SyncStatus => {
    const rows = sql.counts.all() as { state: string; n: number }[];
    const count = (s: string) => rows.find((r) => r.state === s)?.n ?? 0;
    return { pending: count('pending'), dead: count('dead'), lastUploadAt: sender.lastUploadAt(), lastError: sender.lastError(), lastErrorCoded: sender.lastErrorCoded() };
  };

  const publishNow = () => {
    if (statusTimer) clearTimeout(statusTimer);
    statusTimer = null;
    if (!deps.events || stopped) return;
    const now = status();
    const json = JSON.stringify(now);
    if (json !== lastStatusJson) {
      lastStatusJson = json;
      deps.events.emit('sync:status', now);
    }
  };

  /**
   * Counting the queue costs a scan of it: status events go out at most once
   * per interval (a busy gate or a long drain would otherwise count after every
   * item), always with the state at the end of the interval.
   */
  const publishSoon = () => {
    if (!deps.events || statusTimer || stopped) return;
    statusTimer = setTimeout(publishNow, STATUS_EVENT_INTERVAL_MS);
    statusTimer.unref?.();
  };

  const sender = createOutboxPump({
    db,
    sql,
    cloud,
    config,
    clock,
    log,
    random: deps.random ?? Math.random,
    kinds,
    notBefore,
    inflight,
    running: () => running,
    publishSoon,
  });

  function schedule(delayMs: number) {
    if (!running) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void run('whole-queue'), delayMs);
    timer.unref?.();
  }

  function nextWakeDelay(): number {
    const idle = config.services.syncIntervalSeconds * 1000;
    const now = clock.monotonicMs();
    let soonest = idle;
    for (const at of notBefore.values()) soonest = Math.min(soonest, Math.max(0, at - now));
    return Math.max(soonest, 10);
  }

  function run(scope: 'whole-queue' | 'new-items'): Promise<void> {
    sender.want(scope);
    if (!config.services.syncEnabled || !running) return Promise.resolve();
    if (pumping) {
      sender.poke();
      return pumping;
    }
    pumping = sender
      .pump()
      .catch((error: unknown) => log.error('outbox pump failed:', error))
      .finally(() => {
        pumping = null;
        publishSoon();
        schedule(nextWakeDelay());
      });
    return pumping;
  }

  const wake = () => {
    publishSoon();
    if (running) queueMicrotask(() => void run('new-items'));
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
      // Only into the key's newest item, and only if it is pending, of this kind and never sent (a redriven one was).
      const row = newest(sql.pendingOfKey.all(orderKey) as OutboxRow[]);
      if (!row || row.kind !== kind || row.attempts !== 0 || row.sent !== 0 || inflight.has(row.id)) return false;
      if (sql.settledAfter.get(orderKey, row.id)) return false;
      sql.setPayload.run(JSON.stringify(merge(JSON.parse(row.payload))), row.id);
      return true;
    },
    drain: () => run('whole-queue'),
    wake,
    status,
    deadItems(limit = 50): OutboxItemView[] {
      return (sql.deadList.all(limit) as OutboxRow[]).map((row) => ({
        id: row.id,
        kind: row.kind,
        key: row.order_key,
        state: row.state,
        attempts: row.attempts,
        createdAt: row.created_at,
        lastError: row.last_error,
        lastErrorCoded: storedErrorReason(row.last_error),
        summary: kinds.get(row.kind)?.describe(JSON.parse(row.payload)) ?? row.kind,
        summaryCoded: summaryOf(row),
      }));
    },
    redrive(id) {
      const changed = sql.redrive.run(id).changes > 0;
      if (changed) {
        notBefore.delete(id);
        log.info(`outbox item ${id} redriven by the attendant`);
        publishSoon();
        // The item is behind the walk's cursor: walk the whole queue.
        if (running) queueMicrotask(() => void run('whole-queue'));
      }
      return changed;
    },
    withdraw(orderKey, reason) {
      let withdrawn = 0;
      let inFlight = 0;
      for (const row of sql.pendingOfKey.all(orderKey) as OutboxRow[]) {
        if (inflight.has(row.id)) inFlight++;
        else withdrawn += sql.withdraw.run(clock.now().toISOString(), `withdrawn: ${reason}`, row.id).changes;
      }
      if (withdrawn > 0) publishSoon();
      return { withdrawn, inFlight };
    },
    retryNow(orderKey) {
      let found = false;
      for (const row of sql.unsettledRowsOfKey.all(orderKey) as OutboxRow[]) {
        found = true;
        notBefore.delete(row.id);
        if (row.state === 'dead') sql.redrive.run(row.id);
      }
      if (found) {
        publishSoon();
        if (running) queueMicrotask(() => void run('whole-queue'));
      }
      return found;
    },
    start() {
      running = true;
      stopped = false;
      publishNow();
      schedule(0);
    },
    async stop() {
      running = false;
      stopped = true;
      if (timer) clearTimeout(timer);
      if (statusTimer) clearTimeout(statusTimer);
      statusTimer = null;
      // Requests in flight are given up: each is sent again (same key) after the next start.
      sender.giveUpAll('the kiosk stopped before an answer came');
      sender.poke();
      await pumping;
    },
  };
}
