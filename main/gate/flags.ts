/**
 * Flags for the attendant (over-admission, count conflict): raised by the
 * ticket import, kept current while open, resolved by the attendant. A
 * resolved flag comes back only when its counts change, so resolving a
 * settled over-admission is not undone by the next download.
 */
import type Database from 'better-sqlite3';
import { z } from 'zod';
import type { GateFlag, GateFlagFacts, GateFlagPage } from '../../preload/contract';

export type FlagKind = GateFlag['kind'];

const count = z.number().int().min(0);
const factsSchema = z.object({ pax: count, serverUsed: count, acknowledged: count, pending: count, resent: count.nullable() });

/** Persons admitted in all, as this kiosk knows it. */
export const knownTotal = (f: Pick<GateFlagFacts, 'serverUsed' | 'acknowledged' | 'pending'>): number =>
  Math.max(f.serverUsed, f.acknowledged) + f.pending;

/** The flag in English (logs and the `detail` field); the counts that decide whether it changed. */
export function flagDetail(kind: FlagKind, facts: GateFlagFacts): string {
  return kind === 'over-admission'
    ? `${knownTotal(facts)} persons admitted on ${facts.pax} allowed`
    : `the server counts ${facts.serverUsed} but acknowledged ${facts.acknowledged} from this kiosk: it lost a count`;
}

const withResent = (detail: string, facts: GateFlagFacts | null) =>
  facts?.resent != null ? `${detail}; this kiosk sends its count (${facts.resent}) again to restore it` : detail;

interface FlagRow {
  id: number;
  reference: string;
  attraction: string;
  kind: FlagKind;
  detail: string;
  facts: string | null;
  created_at: string;
  updated_at: string | null;
}

function parseFacts(json: string | null): GateFlagFacts | null {
  if (json === null) return null;
  try {
    const parsed = factsSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const toFlag = (row: FlagRow): GateFlag => {
  const facts = parseFacts(row.facts);
  return {
    id: row.id,
    reference: row.reference,
    attraction: row.attraction,
    kind: row.kind,
    detail: withResent(row.detail, facts),
    facts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
};

export type RaiseOutcome = 'raised' | 'updated' | 'unchanged';

/** Writes flags; used by the import (its own connection) and by the main thread. */
export function createFlagWriter(db: Database.Database) {
  const open = db.prepare('SELECT id, detail, facts FROM gate_flags WHERE reference = ? AND attraction = ? AND kind = ? AND resolved_at IS NULL');
  const lastResolved = db.prepare(
    'SELECT detail FROM gate_flags WHERE reference = ? AND attraction = ? AND kind = ? AND resolved_at IS NOT NULL ORDER BY id DESC LIMIT 1',
  );
  const insert = db.prepare('INSERT INTO gate_flags (reference, attraction, kind, detail, facts, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  const update = db.prepare('UPDATE gate_flags SET detail = ?, facts = ?, updated_at = ? WHERE id = ?');

  return {
    /** Raises a flag, or brings the open one up to date (keeping a count already re-sent). */
    raise(reference: string, attraction: string, kind: FlagKind, facts: Omit<GateFlagFacts, 'resent'>, now: string): RaiseOutcome {
      const existing = open.get(reference, attraction, kind) as { id: number; detail: string; facts: string | null } | undefined;
      const next: GateFlagFacts = { ...facts, resent: parseFacts(existing?.facts ?? null)?.resent ?? null };
      const detail = flagDetail(kind, next);
      if (existing) {
        const json = JSON.stringify(next);
        if (existing.detail === detail && existing.facts === json) return 'unchanged';
        update.run(detail, json, now, existing.id);
        return 'updated';
      }
      const resolved = lastResolved.get(reference, attraction, kind) as { detail: string } | undefined;
      if (resolved?.detail === detail) return 'unchanged';
      insert.run(reference, attraction, kind, detail, JSON.stringify(next), now);
      return 'raised';
    },
    /** Notes on the open count conflict that the kiosk sends `total` again to restore the server. */
    noteResent(reference: string, attraction: string, total: number, now: string): void {
      const existing = open.get(reference, attraction, 'count-conflict') as { id: number; detail: string; facts: string | null } | undefined;
      const facts = parseFacts(existing?.facts ?? null);
      if (!existing || !facts || facts.resent === total) return;
      update.run(existing.detail, JSON.stringify({ ...facts, resent: total }), now, existing.id);
    },
  };
}

/** The attendant's side: pages of open flags, and resolving one. */
export function createFlagReader(db: Database.Database) {
  const page = db.prepare('SELECT * FROM gate_flags WHERE resolved_at IS NULL AND id < ? ORDER BY id DESC LIMIT ?');
  const total = db.prepare('SELECT COUNT(*) FROM gate_flags WHERE resolved_at IS NULL').pluck();
  const byId = db.prepare('SELECT * FROM gate_flags WHERE id = ?');
  const resolve = db.prepare('UPDATE gate_flags SET resolved_at = ?, resolved_note = ? WHERE id = ? AND resolved_at IS NULL');

  return {
    page(before: number | undefined, limit: number): GateFlagPage {
      // One more than asked: whether there is a next page, without a second count.
      const rows = page.all(before ?? Number.MAX_SAFE_INTEGER, limit + 1) as FlagRow[];
      const shown = rows.slice(0, limit);
      return {
        flags: shown.map(toFlag),
        total: total.get() as number,
        nextBefore: rows.length > limit ? shown.at(-1)!.id : null,
      };
    },
    /** Marks an open flag resolved; null when there is no open flag with that id. */
    resolve(id: number, note: string | null, now: string): GateFlag | null {
      if (resolve.run(now, note, id).changes === 0) return null;
      return toFlag(byId.get(id) as FlagRow);
    },
  };
}
