/**
 * The gate's decision for one scanned reference, from what the store knows.
 * Pure: the same facts always give the same answer, so every result is tested
 * without a database or a clock.
 */
import type { ScanDecision } from '../../preload/contract';

export interface TicketFacts {
  bookingDate: string;
  withdrawnAt: string | null;
  /** null when the ticket has no allowance for this attraction. */
  allowance: { pax: number; serverUsed: number } | null;
  /** Persons admitted here that the server's count does not include yet. */
  pendingPersons: number;
  /** Persons admitted here that the server acknowledged and its count should include. */
  includedPersons: number;
}

export interface DecisionInput {
  reference: string;
  test: boolean;
  testMode: boolean;
  attraction: string;
  /** Today in the venue's time zone (YYYY-MM-DD). */
  today: string;
  validDaysBefore: number;
  validDaysAfter: number;
  ticket: TicketFacts | null;
  /** Test admissions already recorded for an unknown test code (test mode). */
  testPersonsUsed: number;
  lastDownloadAt: string | null;
  lastUse: { at: string; gate: string } | null;
}

/**
 * Persons left: the kiosk never admits past what it recorded itself, so a
 * server count below this kiosk's acknowledged admissions (a server that lost
 * a count) does not give persons back.
 */
export function personsLeft(pax: number, ticket: Pick<TicketFacts, 'pendingPersons' | 'includedPersons'>, serverUsed: number): number {
  return pax - Math.max(serverUsed, ticket.includedPersons) - ticket.pendingPersons;
}

/**
 * Only what is known: the server's count shows persons from another gate when
 * it is above every person of this gate that it can include.
 */
export const countsOthers = (serverUsed: number, ownPersonsItCanInclude: number): boolean => serverUsed > ownPersonsItCanInclude;

/** A test code with no downloaded record admits one person in test mode. */
export const TEST_TICKET_PAX = 1;

export function daysBetween(fromDate: string, toDate: string): number {
  return Math.round((Date.parse(`${toDate}T00:00:00Z`) - Date.parse(`${fromDate}T00:00:00Z`)) / 86_400_000);
}

export function decide(input: DecisionInput): ScanDecision {
  const { reference, ticket } = input;
  if (input.test && !input.testMode) return { kind: 'test-ticket', reference };

  if (!ticket) {
    if (input.test) {
      const left = TEST_TICKET_PAX - input.testPersonsUsed;
      return left > 0
        ? { kind: 'valid', reference, bookingDate: input.today, pax: TEST_TICKET_PAX, left, test: true }
        : { kind: 'already-used', reference, pax: TEST_TICKET_PAX, lastUsedAt: input.lastUse?.at ?? null, lastUsedGate: input.lastUse?.gate ?? null, usedElsewhere: false };
    }
    return { kind: 'unknown', reference, lastDownloadAt: input.lastDownloadAt };
  }

  if (ticket.withdrawnAt) return { kind: 'withdrawn', reference, withdrawnAt: ticket.withdrawnAt };

  if (!input.test) {
    // Days from the booking date to today: negative = too early.
    const offset = daysBetween(ticket.bookingDate, input.today);
    if (Number.isNaN(offset) || offset < -input.validDaysBefore || offset > input.validDaysAfter) {
      return { kind: 'wrong-day', reference, bookingDate: ticket.bookingDate, today: input.today };
    }
  }

  if (!ticket.allowance || ticket.allowance.pax <= 0) {
    return { kind: 'not-for-attraction', reference, attraction: input.attraction };
  }

  const { pax, serverUsed } = ticket.allowance;
  const left = personsLeft(pax, ticket, serverUsed);
  if (left <= 0) {
    return {
      kind: 'already-used',
      reference,
      pax,
      lastUsedAt: input.lastUse?.at ?? null,
      lastUsedGate: input.lastUse?.gate ?? null,
      // What these facts can tell; the lookup narrows it with the admissions' times.
      usedElsewhere: countsOthers(serverUsed, ticket.includedPersons + ticket.pendingPersons),
    };
  }
  return { kind: 'valid', reference, bookingDate: ticket.bookingDate, pax, left, test: input.test };
}
