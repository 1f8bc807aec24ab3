/**
 * The payout ledger's rows and statements (tables of migrations 3 and 4, migrations.ts):
 * transactions with what is owed and paid, every delivery of a job, every
 * motor command with the counters before it and the coins seen while it ran.
 */
import type Database from 'better-sqlite3';
import type { CodedReason, OwedPayout } from '../../preload/contract';

/** A flag's detail as the screen's words: JSON for owed_detail_coded. */
export const codedDetail = (reason: CodedReason | null | undefined): string | null => (reason ? JSON.stringify(reason) : null);

export interface TransactionRow {
  id: string;
  reference: string;
  amount: number;
  created_here: number;
  created_at: string;
  expires_at: string | null;
  coins_owed: number | null;
  /** Coins known paid (hopper counters, or the attendant's hand count); never above coins_owed. */
  coins_paid: number;
  customer_present: number;
  owed_reason: OwedPayout['reason'] | null;
  owed_detail: string | null;
  /** JSON of a CodedReason: owed_detail for the screen's language (null in rows of older versions). */
  owed_detail_coded: string | null;
  resolved_at: string | null;
  quarters_asked: number | null;
  hand_count: number | null;
  hand_counted_at: string | null;
  coins_overpaid: number;
}

export interface StepRow {
  id: number;
  transaction_id: string;
  coins: number;
  event_counter_before: number;
  lifetime_before: number | null;
  state: 'intent' | 'done' | 'partial' | 'refused' | 'unknown' | 'mismatch';
  coins_paid: number | null;
  coins_seen: number;
  detail: string | null;
  counted_by_hand_at: string | null;
}

/** Why a payout stopped: the fault and, for a command the hopper ended, what that command paid. */
export type PayoutFault = { kind: 'jam' | 'empty' | 'unknown' | 'refused' | 'silent'; detail: string; command?: { paid: number; coins: number } };

/** Steps whose coins are not in coins_paid: open (intent, unknown) or not countable (mismatch), and not counted by hand. */
const UNCOUNTED = "state IN ('intent', 'unknown', 'mismatch') AND counted_by_hand_at IS NULL";

export function prepareLedger(db: Database.Database) {
  return {
    insertTransaction: db.prepare(
      `INSERT INTO payout_transactions (id, reference, amount, created_here, created_at, expires_at, customer_present)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO NOTHING`,
    ),
    transaction: db.prepare('SELECT * FROM payout_transactions WHERE id = ?'),
    setOwed: db.prepare('UPDATE payout_transactions SET coins_owed = ? WHERE id = ? AND coins_owed IS NULL'),
    setAsked: db.prepare('UPDATE payout_transactions SET quarters_asked = ? WHERE id = ?'),
    addPaid: db.prepare('UPDATE payout_transactions SET coins_paid = coins_paid + ? WHERE id = ?'),
    // (reason, English detail, the detail as a coded reason in JSON or null, id)
    flag: db.prepare('UPDATE payout_transactions SET owed_reason = ?, owed_detail = ?, owed_detail_coded = ?, resolved_at = NULL WHERE id = ?'),
    // A later "customer absent" must not hide why the coins are owed (a jam, a mismatch).
    flagUnlessOpen: db.prepare(
      'UPDATE payout_transactions SET owed_reason = ?, owed_detail = ?, owed_detail_coded = ?, resolved_at = NULL WHERE id = ? AND (owed_reason IS NULL OR resolved_at IS NOT NULL)',
    ),
    resolve: db.prepare('UPDATE payout_transactions SET resolved_at = ? WHERE id = ?'),
    handCounted: db.prepare(
      'UPDATE payout_transactions SET hand_count = ?, hand_counted_at = ?, coins_owed = ?, coins_paid = ?, coins_overpaid = ? WHERE id = ?',
    ),
    customerGone: db.prepare('UPDATE payout_transactions SET customer_present = 0 WHERE id = ?'),
    everyoneGone: db.prepare('UPDATE payout_transactions SET customer_present = 0 WHERE customer_present = 1'),
    insertJob: db.prepare(
      'INSERT OR IGNORE INTO payout_jobs (job_id, retry_count, transaction_id, quarters, received_at) VALUES (?, ?, ?, ?, ?)',
    ),
    job: db.prepare('SELECT * FROM payout_jobs WHERE job_id = ? AND retry_count = ?'),
    markReported: db.prepare('UPDATE payout_jobs SET reported = 1 WHERE job_id = ? AND retry_count = ?'),
    markUnreported: db.prepare('UPDATE payout_jobs SET reported = 0 WHERE job_id = ? AND retry_count = ?'),
    latestJob: db.prepare('SELECT job_id, retry_count FROM payout_jobs WHERE transaction_id = ? ORDER BY received_at DESC, retry_count DESC LIMIT 1'),
    transactionOfJob: db.prepare('SELECT transaction_id FROM payout_jobs WHERE job_id = ? LIMIT 1'),
    insertStep: db.prepare(
      `INSERT INTO payout_steps (transaction_id, coins, event_counter_before, lifetime_before, state, started_at)
       VALUES (?, ?, ?, ?, 'intent', ?)`,
    ),
    step: db.prepare('SELECT * FROM payout_steps WHERE id = ?'),
    // Written as each coin is seen, before it is shown: the lower bound survives a crash.
    seen: db.prepare('UPDATE payout_steps SET coins_seen = ? WHERE id = ? AND coins_seen < ?'),
    finishStep: db.prepare('UPDATE payout_steps SET state = ?, coins_paid = ?, finished_at = ?, detail = ? WHERE id = ?'),
    stepUnknown: db.prepare("UPDATE payout_steps SET state = 'unknown', detail = ? WHERE id = ?"),
    stepMismatch: db.prepare("UPDATE payout_steps SET state = 'mismatch', detail = ? WHERE id = ?"),
    openSteps: db.prepare("SELECT * FROM payout_steps WHERE state IN ('intent', 'unknown') ORDER BY id"),
    uncountedSteps: db.prepare(`SELECT * FROM payout_steps WHERE transaction_id = ? AND ${UNCOUNTED} ORDER BY id`),
    countByHand: db.prepare(
      `UPDATE payout_steps SET state = 'mismatch', counted_by_hand_at = ?, detail = COALESCE(detail || '; ', '') || 'counted by hand'
       WHERE transaction_id = ? AND ${UNCOUNTED}`,
    ),
    needingHandCount: db.prepare(`SELECT DISTINCT transaction_id FROM payout_steps WHERE state = 'mismatch' AND counted_by_hand_at IS NULL`),
    owed: db.prepare('SELECT * FROM payout_transactions WHERE owed_reason IS NOT NULL AND resolved_at IS NULL ORDER BY created_at'),
    recent: db.prepare('SELECT amount, coins_paid, coins_overpaid, created_at, created_here FROM payout_transactions WHERE created_at >= ?'),
  };
}

export type Ledger = ReturnType<typeof prepareLedger>;

/** What is known of a transaction's coins: confirmed, at least (with what was seen on uncounted commands), and whether a count is pending. */
export function coinsKnown(ledger: Ledger, tx: TransactionRow): { confirmed: number; atLeast: number; uncounted: boolean; needsHandCount: boolean } {
  const steps = ledger.uncountedSteps.all(tx.id) as StepRow[];
  const confirmed = tx.coins_paid + tx.coins_overpaid;
  return {
    confirmed,
    atLeast: confirmed + steps.reduce((sum, s) => sum + s.coins_seen, 0),
    uncounted: steps.length > 0,
    needsHandCount: steps.some((s) => s.state === 'mismatch'),
  };
}
