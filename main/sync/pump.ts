/**
 * The sending loop. Keeps up to sync.concurrency requests in flight; marks
 * each item attempted (durably) before its request leaves; records what came
 * back and marks what goes next in one transaction (one commit per batch, not
 * two per item); sends a transient failure again after its quick retries
 * (api.retryAttempts) and full-jitter backoff, a Retry-After being the least
 * wait; keeps a permanent rejection or an item that cannot be encoded as
 * dead. One unanswered request never holds back the others: new items are
 * looked at while requests are in flight, quick retries wait outside the send
 * slots, and a stalled request is handled as stall.ts describes.
 */
import type Database from 'better-sqlite3';
import type { CodedReason } from '../../preload/contract';
import type { Clock } from '../clock';
import type { CloudClient } from '../cloud';
import type { BoothConfig } from '../config';
import { crashPoint } from '../crash-points';
import type { ScopedLog } from '../log';
import { fullJitterDelay } from './backoff';
import { createHeadWalk } from './head-walk';
import { nextSyncSeq, toItem, type OutboxItem, type OutboxKind, type OutboxStatements } from './outbox-store';
import { send, type SendResult, type Sending, type Sent } from './send';
import { createStallWatch } from './stall';

/**
 * Rounds of `concurrency` items marked ahead of the free send slots (see
 * pump): more means fewer commits while draining, and acknowledgements
 * recorded a little later (they are idempotent if a crash loses them).
 */
const MARK_AHEAD_ROUNDS = 4;

export interface OutboxPumpDeps {
  db: Database.Database;
  sql: OutboxStatements;
  cloud: CloudClient;
  config: BoothConfig;
  clock: Clock;
  log: ScopedLog;
  random: () => number;
  kinds: ReadonlyMap<string, OutboxKind>;
  /** Items waiting out a retry delay, until this monotonic time (the outbox's wake timer reads it too). */
  notBefore: Map<number, number>;
  /** Items being sent or marked to be (coalesce never merges into them). */
  inflight: Set<number>;
  /** Between the outbox's start() and stop(). */
  running(): boolean;
  /** The counts changed: a status event soon. */
  publishSoon(): void;
}

export type OutboxPump = ReturnType<typeof createOutboxPump>;

export function createOutboxPump(deps: OutboxPumpDeps) {
  const { db, sql, cloud, config, clock, log, random, kinds, notBefore, inflight } = deps;
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
  // What the next pump iteration must look at: the whole queue (start, timer,
  // drain, redrive), or only items added after the walk's cursor (wake after an enqueue).
  let wholeQueueWanted = true;
  let newItemsWanted = false;
  let lastUploadAt: string | null = null;
  let lastError: string | null = null;
  let lastErrorCoded: CodedReason | null = null;
  const walk = createHeadWalk({ sql, inflight, busyKeys, notBefore });
  const sendDeps = { cloud, clock, stall };

  /**
   * How long a transient failure waits: the quick retries of one attempt
   * (api.retryAttempts × api.retryDelaySeconds, outside the send slots), then
   * full-jitter backoff per attempt; a Retry-After is the least wait, up to
   * the backoff cap.
   */
  function transientDelay(sent: Sent, answer: Extract<SendResult, { outcome: 'transient' }>): number {
    const id = sent.item.id;
    // sync.backoffCapSeconds is the longest wait between attempts, whatever a
    // server's Retry-After says (a broken one asking for a year would park the item that long).
    const capMs = config.sync.backoffCapSeconds * 1000;
    const result = answer.retryAfterMs === null ? answer : { ...answer, retryAfterMs: Math.min(answer.retryAfterMs, capMs) };
    if (result.resendAfterMs !== undefined) return Math.min(result.resendAfterMs, capMs);
    const own = sent.kind.retryDelaysMs;
    if (own && sent.attempts <= own.length) return Math.max(own[sent.attempts - 1]!, result.retryAfterMs ?? 0);
    const quick = quickRetries.get(id) ?? 0;
    if (result.retryAfterMs === null && quick < config.api.retryAttempts) {
      quickRetries.set(id, quick + 1);
      return config.api.retryDelaySeconds * 1000;
    }
    quickRetries.delete(id);
    const attempt = Math.ceil(sent.attempts / (config.api.retryAttempts + 1));
    return Math.max(
      fullJitterDelay(attempt, { baseMs: config.sync.backoffBaseSeconds * 1000, capMs }, random),
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
    while (marked.length < slots && deps.running()) {
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
          kind.onAttemptFailed?.(item, { attempts: sent.attempts, error: result.error, permanent: true });
        } else {
          delayMs = transientDelay(sent, result);
          sql.failed.run(result.error, item.id);
          kind.onAttemptFailed?.(item, { attempts: sent.attempts, error: result.error, permanent: false });
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
      lastErrorCoded = null;
    } else if (result.outcome === 'permanent') {
      lastError = result.error;
      lastErrorCoded = result.reason;
      log.warn(`outbox item ${item.id} (${kind.describe(item.payload)}) refused by the server: ${result.error}; kept as dead`);
    } else {
      lastError = result.error;
      lastErrorCoded = result.reason;
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
    if (results.length > 0 || marked.length > 0) deps.publishSoon();
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
      const p: Promise<void> = send(sendDeps, sending, flight)
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
        if (!deps.running()) marked.splice(0).forEach(release);
        const limit = deps.running() ? stall.limit(now) : 0;
        const free = limit - stall.activeCount();
        if (marked.length < free || (results.length > 0 && stall.allStalled(now))) {
          marked.push(...recordAndMark(results.splice(0), Math.max(0, free - marked.length) + config.sync.concurrency * MARK_AHEAD_ROUNDS));
        }
        while (deps.running() && stall.activeCount() < limit && marked.length > 0) start(marked.shift()!);
        if (sends.size === 0) {
          if (deps.running() && (wholeQueueWanted || newItemsWanted || results.length > 0)) continue;
          return;
        }
        await waitForChange(sends, now);
      }
    } finally {
      marked.forEach(release);
    }
  }

  return {
    pump,
    /** What the next pump iteration must look at. */
    want(scope: 'whole-queue' | 'new-items') {
      if (scope === 'whole-queue') wholeQueueWanted = true;
      else newItemsWanted = true;
    },
    /** Wakes a pump that waits on its requests. */
    poke: () => poke?.(),
    /** Requests in flight are given up: each is sent again (same key) later. */
    giveUpAll: (why: string) => stall.giveUpAll(why),
    lastUploadAt: () => lastUploadAt,
    lastError: () => lastError,
    lastErrorCoded: () => lastErrorCoded,
  };
}
