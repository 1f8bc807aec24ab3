/**
 * Reads what the store knows about one ticket and decides: one indexed query
 * on the hot path (the ticket with its pending local persons); the last use
 * and test counts are read only when the answer needs them.
 */
import type Database from 'better-sqlite3';
import type { ScanDecision } from '../../preload/contract';
import type { ScopedLog } from '../log';
import { countsOthers, decide, type TicketFacts } from './decide';
import { allowanceSchema, storedAttractionsSchema } from './records';

export interface LookupContext {
  testMode: boolean;
  today: string;
  lastDownloadAt: string | null;
}

export interface LookupResult {
  decision: ScanDecision;
  ticket: TicketFacts | null;
  bookingDate: string | null;
  /** Every attraction's allowance as downloaded (for servers that want them all). */
  allAttractions(): Record<string, { pax: number; used: number }>;
}

export interface TicketLookup {
  decide(reference: string, test: boolean, context: LookupContext): LookupResult;
}

export function createTicketLookup(
  db: Database.Database,
  options: { attraction: string; kioskName: string; validDaysBefore: number; validDaysAfter: number; log: ScopedLog },
): TicketLookup {
  const { attraction, log } = options;
  const ticketQuery = db.prepare(
    `SELECT t.booking_date, t.raw_json, t.withdrawn_at,
       (SELECT COALESCE(SUM(m.persons), 0) FROM admissions m
         WHERE m.reference = t.reference AND m.attraction = ? AND m.included = 0 AND m.test = ?) AS pending,
       (SELECT COALESCE(SUM(m.persons), 0) FROM admissions m
         WHERE m.reference = t.reference AND m.attraction = ? AND m.included = 1 AND m.test = ?) AS included
     FROM tickets t WHERE t.reference = ?`,
  );
  const testUsed = db.prepare('SELECT COALESCE(SUM(persons), 0) AS n FROM admissions WHERE reference = ? AND attraction = ? AND test = 1');
  const lastUse = db.prepare('SELECT at FROM admissions WHERE reference = ? AND attraction = ? ORDER BY at DESC LIMIT 1');
  // Persons of this gate the server's downloaded count can include: acknowledged before
  // that download, or admitted before it (an upload whose answer was lost).
  const ownInCount = db.prepare(
    `SELECT COALESCE(SUM(m.persons), 0) AS n FROM admissions m JOIN tickets t ON t.reference = m.reference
     WHERE m.reference = ? AND m.attraction = ? AND m.test = 0 AND (m.included = 1 OR m.at < t.downloaded_at)`,
  );

  return {
    decide(reference, test, context) {
      const row = ticketQuery.get(attraction, test ? 1 : 0, attraction, test ? 1 : 0, reference) as
        | { booking_date: string; raw_json: string; withdrawn_at: string | null; pending: number; included: number }
        | undefined;
      let ticket: TicketFacts | null = null;
      let raw: unknown = null;
      if (row) {
        let allowance: TicketFacts['allowance'] = null;
        try {
          raw = JSON.parse(row.raw_json);
          const entry = allowanceSchema.safeParse((raw as { attractions?: Record<string, unknown> } | null)?.attractions?.[attraction]);
          if (entry.success) allowance = { pax: entry.data.pax, serverUsed: entry.data.used };
        } catch {
          log.warn(`stored ticket ${reference} is not JSON; treated as having no allowance here`);
        }
        ticket = { bookingDate: row.booking_date, withdrawnAt: row.withdrawn_at, allowance, pendingPersons: row.pending, includedPersons: row.included };
      }
      const decision = decide({
        reference,
        test,
        testMode: context.testMode,
        attraction,
        today: context.today,
        validDaysBefore: options.validDaysBefore,
        validDaysAfter: options.validDaysAfter,
        ticket,
        testPersonsUsed: !ticket && test ? (testUsed.get(reference, attraction) as { n: number }).n : 0,
        lastDownloadAt: context.lastDownloadAt,
        lastUse: null,
      });
      if (decision.kind === 'already-used') {
        const used = lastUse.get(reference, attraction) as { at: string } | undefined;
        if (used) {
          decision.lastUsedAt = used.at;
          decision.lastUsedGate = options.kioskName;
        }
        if (!test && ticket?.allowance) {
          decision.usedElsewhere = countsOthers(ticket.allowance.serverUsed, (ownInCount.get(reference, attraction) as { n: number }).n);
        }
      }
      return {
        decision,
        ticket,
        bookingDate: row?.booking_date ?? null,
        allAttractions() {
          const parsed = storedAttractionsSchema.safeParse(raw);
          return parsed.success ? parsed.data.attractions : {};
        },
      };
    },
  };
}
