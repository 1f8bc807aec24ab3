/**
 * The updater's facts in the store (tables of ./migrations.ts): read before
 * each decision, written in one transaction with the decision's history row.
 */
import type Database from 'better-sqlite3';
import { compareSemVer } from './semver';

export interface UpdateFacts {
  highWater: string | null;
  reverted: string[];
}

export type HistoryEvent = 'checked' | 'refused' | 'failed' | 'waiting' | 'downloading' | 'staged' | 'installing' | 'installed' | 'reverted' | 'up-to-date';

export interface HistoryEntry {
  at: string;
  version: string | null;
  event: HistoryEvent;
  code: string | null;
  message: string;
}

export interface UpdateStateStore {
  facts(): UpdateFacts;
  /** Raises the high-water mark to `version` (never lowers it). */
  raiseHighWater(version: string): void;
  /**
   * The trusted time this table kept before the kiosk had one for every module
   * (main/clock/trust.ts, in the settings): read once at start and handed over.
   */
  earlierTrustedTime(): Date | null;
  markReverted(version: string, at: Date): void;
  record(entry: HistoryEntry): void;
  history(limit: number): HistoryEntry[];
  /** Runs `fn` in one transaction. */
  transaction<T>(fn: () => T): T;
}

export function createUpdateStateStore(db: Database.Database): UpdateStateStore {
  const sql = {
    facts: db.prepare('SELECT high_water, last_trusted_at FROM update_facts WHERE id = 1'),
    reverted: db.prepare('SELECT version FROM update_reverted ORDER BY at'),
    setHighWater: db.prepare('UPDATE update_facts SET high_water = ? WHERE id = 1'),
    revert: db.prepare('INSERT OR IGNORE INTO update_reverted (version, at) VALUES (?, ?)'),
    record: db.prepare('INSERT INTO update_history (at, version, event, code, message) VALUES (?, ?, ?, ?, ?)'),
    history: db.prepare('SELECT at, version, event, code, message FROM update_history ORDER BY id DESC LIMIT ?'),
  };
  const facts = (): UpdateFacts => {
    const row = sql.facts.get() as { high_water: string | null; last_trusted_at: string | null };
    return {
      highWater: row.high_water,
      reverted: (sql.reverted.all() as { version: string }[]).map((r) => r.version),
    };
  };
  return {
    facts,
    raiseHighWater(version) {
      const current = facts().highWater;
      if (!current || compareSemVer(version, current) > 0) sql.setHighWater.run(version);
    },
    earlierTrustedTime() {
      const row = sql.facts.get() as { last_trusted_at: string | null };
      const at = row.last_trusted_at ? Date.parse(row.last_trusted_at) : Number.NaN;
      return Number.isNaN(at) ? null : new Date(at);
    },
    markReverted(version, at) {
      sql.revert.run(version, at.toISOString());
    },
    record(entry) {
      sql.record.run(entry.at, entry.version, entry.event, entry.code, entry.message);
    },
    history: (limit) => sql.history.all(limit) as HistoryEntry[],
    transaction: (fn) => db.transaction(fn)(),
  };
}
