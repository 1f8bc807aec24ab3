/**
 * The outbox: every upload is a row written in the same transaction as the
 * business fact it reports, sent with a stable Idempotency-Key, in FIFO order
 * per key (a dead head blocks its key until redriven, so a server never sees
 * an older fact after a newer one), retried with full-jitter backoff for as
 * long as it takes when the failure is transient. Only a permanent rejection
 * or an item that cannot be encoded becomes dead: kept, shown, redrivable.
 * Nothing is ever deleted unsent.
 *
 * Draining is linear in the queue: the heads are read in id order a page at a
 * time, the next item of a key is looked up when its predecessor is
 * acknowledged, and results are recorded in one transaction together with the
 * marks of the items sent next (one commit per batch, not two per item).
 *
 * One unanswered request never holds back the others: new items are looked
 * at while requests are in flight, quick retries wait outside the send slots,
 * and a stalled request (unanswered for sync.stallSeconds) is handled as
 * stall.ts describes: one more request probes a server that answers nothing,
 * and once the server answers a later request, the stalled ones are sent again.
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
import { createStallWatch, type Flight } from './stall';

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

// Prepared once per connection: it runs for every acknowledgement.
const nextSyncSeqStatements = new WeakMap<Database.Database, Database.Statement>();

/** Next value of the sync sequence; call inside a transaction. */
export function nextSyncSeq(db: Database.Database): number {
  let statement = nextSyncSeqStatements.get(db);
  if (!statement) {
    statement = db.prepare("UPDATE counters SET value = value + 1 WHERE name = 'sync' RETURNING value");
    nextSyncSeqStatements.set(db, statement);
  }
  return (statement.get() as { value: number }).value;
}

/**
 * Rounds of `concurrency` items marked ahead of the free send slots (see
 * pump): more means fewer commits while draining, and acknowledgements
 * recorded a little later (they are idempotent if a crash loses them).
 */
const MARK_AHEAD_ROUNDS = 4;
/** How many heads one page of the queue walk reads. */
const HEAD_PAGE_SIZE = 500;
/** Status events are coalesced to one per this interval; the last state always goes out. */
const STATUS_EVENT_INTERVAL_MS = 200;

/** What came back for one item that was sent. */
type SendResult =
  | { outcome: 'acknowledged' }
  | { outcome: 'permanent'; error: string }
  /** `resendAfterMs`: the kiosk gave the request up itself; send it again then, without backoff. */
  | { outcome: 'transient'; error: string; retryAfterMs: number | null; resendAfterMs?: number };

/** An item marked as attempted (durably, before its request leaves) and its request. */
interface Sending {
  item: OutboxItem;
  kind: OutboxKind;
  /** Attempts including this one. */
  attempts: number;
  request: { endpoint: string; body: string };
}

interface Sent extends Sending {
  result: SendResult;
}

const oldest = <T extends { id: number }>(rows: T[]): T | undefined => rows.reduce<T | undefined>((a, r) => (a && a.id < r.id ? a : r), undefined);
const newest = <T extends { id: number }>(rows: T[]): T | undefined => rows.reduce<T | undefined>((a, r) => (a && a.id > r.id ? a : r), undefined);

export function createOutbox(deps: OutboxDeps): Outbox {
  const { store, cloud, config, clock, log } = deps;
  const db = store.db;
  const random = deps.random ?? Math.random;
  const kinds = new Map<string, OutboxKind>();
  const notBefore = new Map<number, number>();
  const inflight = new Set<number>();
  const busyKeys = new Set<string>();
  /** Quick retries used in the current attempt, per item (the seed's retry_attempts). */
  const quickRetries = new Map<number, number>();
  const stall = createStallWatch({ stallMs: config.sync.stallSeconds * 1000, concurrency: config.sync.concurrency, clock });
  /** Wakes a pump waiting on its requests (new items, stop). */
  let poke: (() => void) | null = null;
  /**
   * Items waiting out a retry delay, looked at again when it ends even while a
   * pump runs (a stalled request may keep one running for long).
   */
  const parked: { id: number; at: number }[] = [];
  let parkedSoonest = Infinity;
  let running = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let pumping: Promise<void> | null = null;
  // What the next pump iteration must look at: the whole queue (start, timer,
  // drain, redrive), or only items added after the walk's cursor (wake after an enqueue).
  let wholeQueueWanted = true;
  let newItemsWanted = false;
  let lastUploadAt: string | null = null;
  let lastError: string | null = null;
  let lastStatusJson = '';
  let statusTimer: NodeJS.Timeout | null = null;

  const sql = {
    insert: db.prepare(
      `INSERT INTO outbox (kind, order_key, idempotency_key, payload, depends_on, state, created_at)
       VALUES (?, ?, ?, ?, ?, 'pending', ?)`,
    ),
    // A key has few pending (or dead) items: they are read whole and the oldest or newest
    // picked here. On this index, MIN/MAX(id) or ORDER BY id take 10 times as long (measured).
    pendingOfKey: db.prepare("SELECT * FROM outbox WHERE state = 'pending' AND order_key = ?"),
    settledAfter: db.prepare("SELECT 1 AS found FROM outbox WHERE state IN ('done', 'dead') AND order_key = ? AND id > ? LIMIT 1"),
    setPayload: db.prepare('UPDATE outbox SET payload = ? WHERE id = ?'),
    walkStart: db.prepare(
      "SELECT (SELECT MIN(id) FROM outbox WHERE state = 'pending') AS firstPending, (SELECT MAX(id) FROM outbox) AS last",
    ),
    // Heads after a cursor, in id order: walks the primary key from the cursor
    // (NOT INDEXED keeps SQLite from sorting every pending row for each page).
    headsAfter: db.prepare(
      `SELECT o.id FROM outbox o NOT INDEXED
       WHERE o.id > ? AND o.state = 'pending'
         AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.state IN ('pending', 'dead') AND p.order_key = o.order_key AND p.id < o.id)
       ORDER BY o.id LIMIT ?`,
    ),
    unsettledOfKey: db.prepare("SELECT id FROM outbox WHERE state IN ('pending', 'dead') AND order_key = ?"),
    byId: db.prepare('SELECT * FROM outbox WHERE id = ?'),
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

  /** The oldest pending or dead item of a key: the only one of it that may be sent. */
  const headOfKey = (orderKey: string): number | undefined =>
    oldest(sql.unsettledOfKey.all(orderKey) as { id: number }[])?.id;

  /**
   * Walks the queue's heads (the oldest pending-or-dead item of each key, when
   * pending) in id order, a page at a time. The cursor survives between pumps,
   * so a wake after an enqueue reads only the new items; an item behind the
   * cursor comes back by `acknowledged` (its predecessor or the item it
   * depends on was acknowledged) or by a walk of the whole queue (timer,
   * drain, redrive).
   */
  function createHeadWalk() {
    let cursor = 0;
    let page: number[] = [];
    let pageIndex = 0;
    let atEnd = false;
    const keysToFollow: string[] = [];
    const idsToRetry: number[] = [];
    // Heads skipped because the item they depend on was not done, by that item's id.
    const waitingOn = new Map<number, number[]>();

    const nextId = (): number | undefined => {
      if (idsToRetry.length > 0) return idsToRetry.shift();
      while (keysToFollow.length > 0) {
        const head = headOfKey(keysToFollow.shift()!);
        if (head !== undefined) return head;
      }
      if (pageIndex >= page.length) {
        if (atEnd) return undefined;
        page = (sql.headsAfter.all(cursor, HEAD_PAGE_SIZE) as { id: number }[]).map((r) => r.id);
        pageIndex = 0;
        atEnd = page.length < HEAD_PAGE_SIZE;
        if (page.length === 0) return undefined;
        cursor = page.at(-1)!;
      }
      return page[pageIndex++];
    };

    return {
      /** Walk from the first pending item again. */
      restart() {
        const start = sql.walkStart.get() as { firstPending: number | null; last: number | null };
        cursor = start.firstPending !== null ? start.firstPending - 1 : (start.last ?? 0);
        page = [];
        pageIndex = 0;
        atEnd = false;
        keysToFollow.length = 0;
        idsToRetry.length = 0;
        waitingOn.clear();
      },
      /** Items may have been added after the cursor. */
      reopen() {
        atEnd = false;
      },
      /** The item may go again now (behind the cursor: looked at first). */
      retry(id: number) {
        idsToRetry.push(id);
      },
      /** The item was acknowledged: its key's next item and the heads waiting on it may go now. */
      acknowledged(item: OutboxItem) {
        keysToFollow.push(item.orderKey);
        const waiting = waitingOn.get(item.id);
        if (waiting) {
          idsToRetry.push(...waiting);
          waitingOn.delete(item.id);
        }
      },
      /** The next item that may be sent now, read fresh (a queued id may be stale). */
      next(nowMs: number): Row | undefined {
        for (let id = nextId(); id !== undefined; id = nextId()) {
          if (inflight.has(id) || (notBefore.get(id) ?? 0) > nowMs) continue;
          const row = sql.byId.get(id) as Row | undefined;
          if (!row || row.state !== 'pending' || busyKeys.has(row.order_key)) continue;
          if (headOfKey(row.order_key) !== row.id) continue;
          if (row.depends_on !== null) {
            const dep = sql.stateOf.get(row.depends_on) as { state: string } | undefined;
            if (dep && dep.state !== 'done') {
              waitingOn.set(row.depends_on, [...(waitingOn.get(row.depends_on) ?? []), row.id]);
              continue;
            }
          }
          return row;
        }
        return undefined;
      },
    };
  }
  const walk = createHeadWalk();

  /** One request for a marked item; never throws. Its answer (any HTTP status) goes to the stall watch. */
  async function sendOnce(sending: Sending, flight: Flight): Promise<SendResult> {
    const { item, request } = sending;
    try {
      crashPoint('outbox.before-send');
      const response = await cloud.request(request.endpoint, {
        method: 'POST',
        body: request.body,
        idempotencyKey: item.idempotencyKey,
        signal: flight.controller.signal,
      });
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), clock.now().getTime());
      stall.answered(flight, classifyStatus(response.status) === 'transient' ? retryAfterMs : null);
      crashPoint('outbox.after-response');
      const text = await response.text().catch(() => '');
      const verdict = classifyStatus(response.status);
      if (verdict === 'acknowledged') return { outcome: 'acknowledged' };
      const error = `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
      if (verdict === 'permanent') return { outcome: 'permanent', error };
      return { outcome: 'transient', error, retryAfterMs };
    } catch (error) {
      const message = error instanceof CloudNetworkError ? error.message : `request failed: ${(error as Error).message}`;
      return { outcome: 'transient', error: message, retryAfterMs: null };
    }
  }

  /** Sends one marked item once; a request the stall watch gave up comes back to be sent again. */
  async function send(sending: Sending, flight: Flight): Promise<Sent> {
    const result = await sendOnce(sending, flight);
    const givenUp = flight.givenUp;
    if (givenUp && result.outcome === 'transient') {
      return { ...sending, result: { outcome: 'transient', error: givenUp.why, retryAfterMs: null, resendAfterMs: givenUp.resendAfterMs } };
    }
    return { ...sending, result };
  }

  /**
   * How long a transient failure waits: the quick retries of one attempt
   * (api.retryAttempts × api.retryDelaySeconds, outside the send slots), then
   * full-jitter backoff per attempt; a Retry-After is the least wait.
   */
  function transientDelay(sent: Sent, result: Extract<SendResult, { outcome: 'transient' }>): number {
    const id = sent.item.id;
    if (result.resendAfterMs !== undefined) return result.resendAfterMs;
    const quick = quickRetries.get(id) ?? 0;
    if (result.retryAfterMs === null && quick < config.api.retryAttempts) {
      quickRetries.set(id, quick + 1);
      return config.api.retryDelaySeconds * 1000;
    }
    quickRetries.delete(id);
    const attempt = Math.ceil(sent.attempts / (config.api.retryAttempts + 1));
    return Math.max(
      fullJitterDelay(attempt, { baseMs: config.sync.backoffBaseSeconds * 1000, capMs: config.sync.backoffCapSeconds * 1000 }, random),
      result.retryAfterMs ?? 0,
    );
  }

  /**
   * Marks the next sendable items as attempted (before their request leaves:
   * an item that may have reached the server is never merged into again);
   * one that has no sender or cannot be encoded is kept as dead instead.
   * Runs inside the batch transaction.
   */
  function markNext(slots: number): Sending[] {
    const marked: Sending[] = [];
    while (marked.length < slots && running) {
      const row = walk.next(clock.monotonicMs());
      if (!row) break;
      sql.startAttempt.run(row.id);
      const kind = kinds.get(row.kind);
      if (!kind) {
        sql.dead.run(`no sender for kind ${row.kind}`, row.id);
        log.error(`outbox item ${row.id}: unknown kind ${row.kind}; kept as dead`);
        continue;
      }
      let item: OutboxItem;
      let request: { endpoint: string; body: string };
      try {
        item = toItem(row);
        request = kind.request(item.payload);
      } catch (error) {
        sql.dead.run(`cannot be encoded: ${(error as Error).message}`, row.id);
        log.error(`outbox item ${row.id} cannot be encoded; kept as dead`);
        continue;
      }
      // Taken now, so that the same head is not marked twice in one batch.
      inflight.add(item.id);
      busyKeys.add(item.orderKey);
      marked.push({ item, kind, attempts: row.attempts + 1, request });
    }
    return marked;
  }

  type Recorded = { sent: Sent; ok: true; delayMs: number } | { sent: Sent; ok: false; error: unknown };

  /** A result that could not be written: the item stays pending and goes again after a pause. */
  function keepForLater(sent: Sent, error: unknown): Recorded {
    inflight.delete(sent.item.id);
    busyKeys.delete(sent.item.orderKey);
    notBefore.set(sent.item.id, clock.monotonicMs() + config.sync.backoffBaseSeconds * 1000);
    return { sent, ok: false, error };
  }

  /**
   * Writes one result inside the batch transaction, in its own savepoint (a
   * failing acknowledgement hook must not undo the others), and updates what
   * decides eligibility at once: the batch marks what goes next right after.
   */
  function record(sent: Sent): Recorded {
    const { item, kind, result } = sent;
    let delayMs = 0;
    try {
      db.transaction(() => {
        if (result.outcome === 'acknowledged') {
          sql.done.run(clock.now().toISOString(), item.id);
          kind.onAcknowledged(item, nextSyncSeq(db));
        } else if (result.outcome === 'permanent') {
          sql.dead.run(result.error, item.id);
        } else {
          delayMs = transientDelay(sent, result);
          sql.failed.run(result.error, item.id);
        }
      })();
    } catch (error) {
      return keepForLater(sent, error);
    }
    inflight.delete(item.id);
    busyKeys.delete(item.orderKey);
    if (result.outcome === 'transient') {
      const at = clock.monotonicMs() + delayMs;
      notBefore.set(item.id, at);
      if (delayMs <= 0) walk.retry(item.id);
      else {
        parked.push({ id: item.id, at });
        parkedSoonest = Math.min(parkedSoonest, at);
      }
    } else {
      notBefore.delete(item.id);
      quickRetries.delete(item.id);
      stall.forget(item.id);
      if (result.outcome === 'acknowledged') walk.acknowledged(item);
    }
    return { sent, ok: true, delayMs };
  }

  /** Once the batch is committed: the status and the log. */
  function report(recorded: Recorded): void {
    const { item, kind, result, attempts } = recorded.sent;
    if (!recorded.ok) {
      log.error(`outbox item ${item.id}: local error while recording its result; it stays pending:`, recorded.error);
      return;
    }
    if (result.outcome === 'acknowledged') {
      lastUploadAt = clock.now().toISOString();
      lastError = null;
    } else if (result.outcome === 'permanent') {
      lastError = result.error;
      log.warn(`outbox item ${item.id} (${kind.describe(item.payload)}) refused by the server: ${result.error}; kept as dead`);
    } else {
      lastError = result.error;
      if (attempts === 1 || attempts % 10 === 0) {
        log.info(`outbox item ${item.id} not sent (${result.error}); attempt ${attempts}, next in ${Math.round(recorded.delayMs)} ms`);
      }
    }
  }

  /**
   * One transaction (one commit) records what came back and marks what goes
   * next; returns the items to send now. If the commit fails, none of it
   * happened: the items stay pending (a resend carries the same key) and
   * nothing is sent.
   */
  function recordAndMark(results: Sent[], slots: number): Sending[] {
    let recorded: Recorded[] = [];
    let marked: Sending[] = [];
    try {
      db.transaction(() => {
        recorded = results.map(record);
        marked = markNext(slots);
      })();
    } catch (error) {
      for (const m of marked) {
        inflight.delete(m.item.id);
        busyKeys.delete(m.item.orderKey);
      }
      for (const sent of results) report(keepForLater(sent, error));
      return [];
    }
    if (recorded.some((r) => r.ok && r.sent.result.outcome === 'acknowledged')) crashPoint('outbox.after-ack');
    for (const r of recorded) report(r);
    if (results.length > 0 || marked.length > 0) publishSoon();
    return marked;
  }

  /** Parked items whose delay is over go back to the walk. */
  function sweepParked(now: number): void {
    if (parkedSoonest > now) return;
    let soonest = Infinity;
    for (let i = parked.length - 1; i >= 0; i--) {
      const { id, at } = parked[i]!;
      if (at <= now) {
        parked.splice(i, 1);
        walk.retry(id);
      } else soonest = Math.min(soonest, at);
    }
    parkedSoonest = soonest;
  }

  /** Until a send ends, new items are enqueued (poke), a request stalls, or a parked item is due. */
  async function waitForChange(sends: Set<Promise<void>>, now: number): Promise<void> {
    const waits: number[] = [];
    const stallIn = stall.nextCheckInMs(now);
    if (stallIn !== null) waits.push(stallIn);
    if (parkedSoonest !== Infinity) waits.push(parkedSoonest - now);
    let timer: NodeJS.Timeout | null = null;
    try {
      await Promise.race([
        ...sends,
        new Promise<void>((resolve) => {
          poke = resolve;
          if (waits.length > 0) timer = setTimeout(resolve, Math.max(1, Math.min(...waits)));
        }),
      ]);
    } finally {
      poke = null;
      if (timer) clearTimeout(timer);
    }
  }

  /**
   * Keeps up to `concurrency` sends in flight (one more while they are all
   * stalled, see stall.ts) until nothing is sendable now. Each batch marks
   * MARK_AHEAD_ROUNDS rounds more than the free slots: the extra items wait
   * marked (never merged into, not yet sent), their slots fill without a
   * commit, and results are recorded with the next batch (or at once when the
   * requests still in flight are stalled). So a commit (an fsync, which also
   * stalls the event loop) serves a batch of items instead of two per item. A
   * key's next item is only marked in a batch after the one that records its
   * predecessor done. New items are looked at while requests are in flight.
   */
  async function pump(): Promise<void> {
    const sends = new Set<Promise<void>>();
    const results: Sent[] = [];
    const marked: Sending[] = [];
    const release = (sending: Sending) => {
      inflight.delete(sending.item.id);
      busyKeys.delete(sending.item.orderKey);
    };
    const start = (sending: Sending) => {
      const flight = stall.begin(sending.item.id);
      const p: Promise<void> = send(sending, flight)
        .then((sent) => void results.push(sent))
        .finally(() => {
          stall.end(flight);
          sends.delete(p);
        });
      sends.add(p);
    };
    try {
      for (;;) {
        if (wholeQueueWanted) {
          wholeQueueWanted = false;
          newItemsWanted = false;
          walk.restart();
        } else if (newItemsWanted) {
          newItemsWanted = false;
          walk.reopen();
        }
        const now = clock.monotonicMs();
        sweepParked(now);
        // Stopping: what is marked stays unsent (and is sent after the next start).
        if (!running) marked.splice(0).forEach(release);
        const limit = running ? stall.limit(now) : 0;
        const free = limit - stall.activeCount();
        if (marked.length < free || (results.length > 0 && stall.allStalled(now))) {
          marked.push(...recordAndMark(results.splice(0), Math.max(0, free - marked.length) + config.sync.concurrency * MARK_AHEAD_ROUNDS));
        }
        while (running && stall.activeCount() < limit && marked.length > 0) start(marked.shift()!);
        if (sends.size === 0) {
          if (running && (wholeQueueWanted || newItemsWanted || results.length > 0)) continue;
          return;
        }
        await waitForChange(sends, now);
      }
    } finally {
      marked.forEach(release);
    }
  }

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
    if (scope === 'whole-queue') wholeQueueWanted = true;
    else newItemsWanted = true;
    if (!config.services.syncEnabled || !running) return Promise.resolve();
    if (pumping) {
      poke?.();
      return pumping;
    }
    pumping = pump()
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
      // Only into the key's newest item, and only if it is pending, of this kind and never sent.
      const row = newest(sql.pendingOfKey.all(orderKey) as Row[]);
      if (!row || row.kind !== kind || row.attempts !== 0 || inflight.has(row.id)) return false;
      if (sql.settledAfter.get(orderKey, row.id)) return false;
      sql.setPayload.run(JSON.stringify(merge(JSON.parse(row.payload))), row.id);
      return true;
    },
    drain: () => run('whole-queue'),
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
        publishSoon();
        // The item is behind the walk's cursor: walk the whole queue.
        if (running) queueMicrotask(() => void run('whole-queue'));
      }
      return changed;
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
      stall.giveUpAll('the kiosk stopped before an answer came');
      poke?.();
      await pumping;
    },
  };
}
