/**
 * Answers of jobs/pending that are not a job this kiosk can read: kept (one
 * row per distinct answer, the newest few hundred) for the attendant. One
 * with a readable id is reported failed once per distinct answer, so a
 * server that offers the oldest job first moves on to the next.
 */
import type Database from 'better-sqlite3';
import type { UnreadableJob } from '../../preload/contract';
import type { JobAnswer } from './jobs';

export type UnreadableAnswer = Extract<JobAnswer, { kind: 'unreadable' }>;

const KEEP_ROWS = 200;

interface Row {
  fingerprint: string;
  job_id: string | null;
  transaction_id: string | null;
  problem: string;
  excerpt: string;
  first_seen: string;
  last_seen: string;
  deliveries: number;
  reported: number;
}

export function createUnreadableJobs(db: Database.Database) {
  const sql = {
    get: db.prepare('SELECT * FROM payout_unreadable_jobs WHERE fingerprint = ?'),
    insert: db.prepare(
      `INSERT INTO payout_unreadable_jobs (fingerprint, job_id, transaction_id, problem, excerpt, first_seen, last_seen)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    seenAgain: db.prepare('UPDATE payout_unreadable_jobs SET deliveries = deliveries + 1, last_seen = ? WHERE fingerprint = ?'),
    reported: db.prepare('UPDATE payout_unreadable_jobs SET reported = 1 WHERE fingerprint = ?'),
    prune: db.prepare(
      `DELETE FROM payout_unreadable_jobs WHERE fingerprint NOT IN
         (SELECT fingerprint FROM payout_unreadable_jobs ORDER BY last_seen DESC LIMIT ${KEEP_ROWS})`,
    ),
    list: db.prepare('SELECT * FROM payout_unreadable_jobs ORDER BY last_seen DESC LIMIT ?'),
  };

  return {
    /** Records a delivery; true when this answer was not seen before (log it, and report it when it has an id). */
    record(answer: UnreadableAnswer, at: Date): boolean {
      const iso = at.toISOString();
      const known = sql.get.get(answer.fingerprint) as Row | undefined;
      if (known) {
        sql.seenAgain.run(iso, answer.fingerprint);
        return false;
      }
      sql.insert.run(answer.fingerprint, answer.jobId, answer.transactionId, answer.problem, answer.excerpt, iso, iso);
      sql.prune.run();
      return true;
    },
    markReported(fingerprint: string): void {
      sql.reported.run(fingerprint);
    },
    list(limit = 20): UnreadableJob[] {
      return (sql.list.all(limit) as Row[]).map((r) => ({
        jobId: r.job_id,
        transactionId: r.transaction_id,
        problem: r.problem,
        excerpt: r.excerpt,
        firstSeen: r.first_seen,
        lastSeen: r.last_seen,
        deliveries: r.deliveries,
        reported: r.reported === 1,
      }));
    },
  };
}
