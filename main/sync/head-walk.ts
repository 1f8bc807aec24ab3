/**
 * The queue walk: which item may be sent next. Only a key's head (its oldest
 * pending-or-dead item, when pending) may go, and only once the item it
 * depends on is done; the heads are read in id order a page at a time, so
 * draining is linear in the queue.
 */
import { oldest, type OutboxItem, type OutboxRow, type OutboxStatements } from './outbox-store';

/** How many heads one page of the queue walk reads. */
const HEAD_PAGE_SIZE = 500;

export interface HeadWalkDeps {
  sql: OutboxStatements;
  /** Items being sent (or marked to be). */
  inflight: ReadonlySet<number>;
  /** Keys with an item being sent: the next of a key waits for its predecessor's answer. */
  busyKeys: ReadonlySet<string>;
  /** Items waiting out a retry delay, until this monotonic time. */
  notBefore: ReadonlyMap<number, number>;
}

export type HeadWalk = ReturnType<typeof createHeadWalk>;

/** The oldest pending or dead item of a key: the only one of it that may be sent. */
const headOfKey = (sql: OutboxStatements, orderKey: string): number | undefined =>
  oldest(sql.unsettledOfKey.all(orderKey) as { id: number }[])?.id;

/**
 * Walks the queue's heads (the oldest pending-or-dead item of each key, when
 * pending) in id order, a page at a time. The cursor survives between pumps,
 * so a wake after an enqueue reads only the new items; an item behind the
 * cursor comes back by `acknowledged` (its predecessor or the item it
 * depends on was acknowledged) or by a walk of the whole queue (timer,
 * drain, redrive).
 */
export function createHeadWalk({ sql, inflight, busyKeys, notBefore }: HeadWalkDeps) {
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
      const head = headOfKey(sql, keysToFollow.shift()!);
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
    next(nowMs: number): OutboxRow | undefined {
      for (let id = nextId(); id !== undefined; id = nextId()) {
        if (inflight.has(id) || (notBefore.get(id) ?? 0) > nowMs) continue;
        const row = sql.byId.get(id) as OutboxRow | undefined;
        if (!row || row.state !== 'pending' || busyKeys.has(row.order_key)) continue;
        if (headOfKey(sql, row.order_key) !== row.id) continue;
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
