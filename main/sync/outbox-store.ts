/**
 * What goes through the outbox and how it is kept: an item, the kind that
 * encodes and acknowledges it (one per module: gate usage, payout reports),
 * the outbox table's rows and the statements on them, and the sync sequence
 * that orders acknowledgements against downloads.
 */
import type { CodedReason } from '../../preload/contract';
import type Database from 'better-sqlite3';

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
  /** One line for the log (English). */
  describe(payload: unknown): string;
  /** The same for the attendant's screen, in its language (without it the screen shows `describe`'s English). */
  summary?(payload: unknown): CodedReason;
  /**
   * The kind's own retry policy (e.g. seed 003's notify: 3, 6, 12 s): the delay
   * after the n-th failed attempt, for its first attempts; after them the
   * outbox's backoff (the offline queue: for as long as it takes).
   */
  retryDelaysMs?: readonly number[];
  /**
   * A send that failed (transient: it goes again; permanent: kept as dead),
   * inside the transaction that records it: e.g. a task pipeline showing the
   * step's tries to the attendant.
   */
  onAttemptFailed?(item: OutboxItem, failure: { attempts: number; error: string; permanent: boolean }): void;
}

export interface NewOutboxItem {
  kind: string;
  orderKey: string;
  payload: unknown;
  dependsOn?: number | null;
}

export interface OutboxRow {
  id: number;
  kind: string;
  order_key: string;
  idempotency_key: string;
  payload: string;
  depends_on: number | null;
  state: 'pending' | 'done' | 'dead';
  attempts: number;
  /** 1 once a request of it has left (attempts starts over at a redrive; this does not). */
  sent: number;
  last_error: string | null;
  created_at: string;
}

export const toItem = (row: OutboxRow): OutboxItem => ({
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

export function prepareOutboxStatements(db: Database.Database) {
  return {
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
    startAttempt: db.prepare('UPDATE outbox SET attempts = attempts + 1, sent = 1 WHERE id = ?'),
    done: db.prepare("UPDATE outbox SET state = 'done', done_at = ?, last_error = NULL WHERE id = ?"),
    dead: db.prepare("UPDATE outbox SET state = 'dead', last_error = ? WHERE id = ?"),
    failed: db.prepare('UPDATE outbox SET last_error = ? WHERE id = ?'),
    counts: db.prepare("SELECT state, COUNT(*) AS n FROM outbox WHERE state IN ('pending', 'dead') GROUP BY state"),
    deadList: db.prepare("SELECT * FROM outbox WHERE state = 'dead' ORDER BY id LIMIT ?"),
    // Settled without being acknowledged: its reason of being is gone (e.g. a cancelled booking's notification).
    withdraw: db.prepare("UPDATE outbox SET state = 'done', done_at = ?, last_error = ? WHERE id = ? AND state = 'pending'"),
    unsettledRowsOfKey: db.prepare("SELECT * FROM outbox WHERE state IN ('pending', 'dead') AND order_key = ?"),
    redrive: db.prepare("UPDATE outbox SET state = 'pending', attempts = 0, last_error = NULL WHERE id = ? AND state = 'dead'"),
  };
}

export type OutboxStatements = ReturnType<typeof prepareOutboxStatements>;

export const oldest = <T extends { id: number }>(rows: T[]): T | undefined => rows.reduce<T | undefined>((a, r) => (a && a.id < r.id ? a : r), undefined);
export const newest = <T extends { id: number }>(rows: T[]): T | undefined => rows.reduce<T | undefined>((a, r) => (a && a.id > r.id ? a : r), undefined);

