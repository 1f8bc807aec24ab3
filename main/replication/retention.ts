/**
 * The feed's retention: changes older than the retention period are pruned,
 * and the floor raised with them in the same transaction, so a replica never
 * reads a page with a hole in it: a replica whose cursor is below the floor is
 * told to do a full export. Age is judged by marks (where the sequence stood
 * when, on the kiosk's clock) written by each run, so no feed row carries a
 * time and a write costs nothing more.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import { CURRENT_SEQ_SQL } from './triggers';

const CHUNK = 10_000;

export interface PruneResult {
  pruned: number;
  floor: number;
}

/**
 * A Pi boots with its clock at 1970 until the network sets it: a mark made
 * then would look decades old once the clock is right, and prune changes a
 * replica may still need. No mark and no pruning before this date.
 */
const CLOCK_PLAUSIBLE_FROM = Date.parse('2024-01-01T00:00:00Z');

export async function pruneFeed(db: Database.Database, now: Date, retentionMs: number): Promise<PruneResult> {
  const counter = db.prepare('SELECT value FROM counters WHERE name = ?').pluck();
  if (now.getTime() < CLOCK_PLAUSIBLE_FROM) return { pruned: 0, floor: counter.get('replication.floor') as number };
  const seq = db.prepare(CURRENT_SEQ_SQL).pluck().get() as number;
  db.prepare('INSERT OR IGNORE INTO replication_marks (seq, at) VALUES (?, ?)').run(seq, now.toISOString());
  const cutoff = new Date(now.getTime() - retentionMs).toISOString();
  const mark = db.prepare('SELECT seq FROM replication_marks WHERE at <= ? ORDER BY seq DESC LIMIT 1').pluck().get(cutoff) as number | undefined;
  let floor = counter.get('replication.floor') as number;
  let pruned = 0;
  if (mark === undefined || mark <= floor) return { pruned, floor };
  const prune = db.prepare('DELETE FROM replication_feed WHERE seq <= ?');
  const raise = db.prepare("UPDATE counters SET value = ? WHERE name = 'replication.floor'");
  while (floor < mark) {
    const upTo = Math.min(mark, floor + CHUNK);
    pruned += db.transaction(() => {
      const { changes } = prune.run(upTo);
      raise.run(upTo);
      return changes;
    })();
    floor = upTo;
    await nextTurn();
  }
  db.prepare('DELETE FROM replication_marks WHERE seq < ?').run(mark);
  return { pruned, floor };
}
