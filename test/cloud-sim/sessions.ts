/**
 * Timed sessions (CONTRACTS.md "Timed sessions", seed 004), simulated: the
 * café's cloud, which the kiosk tells each resource's status
 * (`POST {base}{sessions.statusEndpoint}` `{"systemId","status","activeBooking","at"}`)
 * and, optionally, offers the sessions its customer app booked
 * (`GET {base}{sessions.pullEndpoint}`, Booth adds: `{"data":[{"id","systemId",
 * "sessionStartTime","sessionEndTime","status"}]}`). The state and test
 * controls live in `SessionsSim` (`sim.sessions`); server.ts serves it with
 * the simulator's fault injection, and `/__sim/sessions/...` for other
 * processes. The pull can be made hostile (`sessionsPullFault`): a body that
 * is not JSON, one of 64 MiB, or one that trickles in and never ends.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { UnparsedBody } from './upload';

export const sessionsPullFaults = ['none', 'malformed', 'huge', 'slow'] as const;
export type SessionsPullFault = (typeof sessionsPullFaults)[number];

/** The simulator's sessions options; part of `SimOptions`. */
export const sessionsOptionsShape = {
  sessionsStatusEndpoint: z.string().regex(/^[^/?#][^?#]*$/).default('sessions/status'),
  sessionsPullEndpoint: z.string().regex(/^[^/?#][^?#]*$/).default('sessions/bookings'),
  /** How the pull answer is broken (see the file's comment). */
  sessionsPullFault: z.enum(sessionsPullFaults).default('none'),
};

const statusBodySchema = z.strictObject({
  systemId: z.string().min(1).max(64),
  status: z.enum(['Available', 'Active', 'Maintenance']),
  activeBooking: z.string().min(1).nullable(),
  at: z.iso.datetime({ offset: true }),
});
export type StatusReport = z.infer<typeof statusBodySchema> & { kioskId: string | null };

export interface CloudBooking {
  id: string;
  systemId: string;
  sessionStartTime: string;
  sessionEndTime: string;
  status: 'Active' | 'Completed' | 'Cancelled';
}

export const bookRequestSchema = z.strictObject({
  systemId: z.string().min(1).max(64),
  minutes: z.number().positive().max(10_080),
  id: z.string().min(1).max(100).optional(),
  /** Minutes ago the booking started (default now). */
  startedMinutesAgo: z.number().min(0).default(0),
});

export interface SessionsAnswer {
  status: number;
  body: unknown;
  outcome: 'status-reported' | 'status-replayed' | 'status-refused' | 'sessions-pulled';
}

/** The size of the `huge` answer: far past what a kiosk should read. */
export const HUGE_PULL_BYTES = 64 * 1024 * 1024;

export class SessionsSim {
  /** Every accepted report, in arrival order (replays excluded). */
  readonly reports: StatusReport[] = [];
  /** The status the cloud believes each resource has (the customer app's view). */
  readonly systems = new Map<string, StatusReport>();
  private readonly bookings = new Map<string, CloudBooking>();
  private readonly answered = new Map<string, { status: number; body: unknown }>();
  /** Bytes of pull answers actually written to a client (the hostile ones end early when the client gives up). */
  pullBytesSent = 0;

  handleStatus(body: unknown, idempotencyKey: string | undefined, kioskId: string | undefined): SessionsAnswer {
    if (idempotencyKey && this.answered.has(idempotencyKey)) return { ...this.answered.get(idempotencyKey)!, outcome: 'status-replayed' };
    const parsed = statusBodySchema.safeParse(body instanceof UnparsedBody ? undefined : body);
    if (!parsed.success) return { status: 400, body: { success: false, error: z.prettifyError(parsed.error) }, outcome: 'status-refused' };
    const report = { ...parsed.data, kioskId: kioskId ?? null };
    this.reports.push(report);
    this.systems.set(report.systemId, report);
    const answer = { status: 200, body: { success: true } };
    if (idempotencyKey) this.answered.set(idempotencyKey, answer);
    return { ...answer, outcome: 'status-reported' };
  }

  /** The customer app books a resource. */
  book(input: z.input<typeof bookRequestSchema>): CloudBooking {
    const request = bookRequestSchema.parse(input);
    const start = Date.now() - request.startedMinutesAgo * 60_000;
    const booking: CloudBooking = {
      id: request.id ?? randomUUID(),
      systemId: request.systemId,
      sessionStartTime: new Date(start).toISOString(),
      sessionEndTime: new Date(start + request.minutes * 60_000).toISOString(),
      status: 'Active',
    };
    this.bookings.set(booking.id, booking);
    return booking;
  }

  /** The customer app cancels (or the cloud completes) a booking. */
  end(id: string, status: 'Completed' | 'Cancelled'): CloudBooking | null {
    const booking = this.bookings.get(id);
    if (!booking) return null;
    booking.status = status;
    return booking;
  }

  /** Bookings as the pull answers them: a booking past its end is Completed, as the seed's cron makes it. */
  list(): CloudBooking[] {
    const now = Date.now();
    for (const b of this.bookings.values()) if (b.status === 'Active' && Date.parse(b.sessionEndTime) <= now) b.status = 'Completed';
    return [...this.bookings.values()];
  }

  /** The pull's answer body: its text, or a stream for the hostile kinds. */
  pullBody(fault: SessionsPullFault, closing: AbortSignal): { text: string } | { stream: Readable } {
    const count = (chunk: string) => {
      this.pullBytesSent += Buffer.byteLength(chunk);
      return chunk;
    };
    switch (fault) {
      case 'malformed':
        return { text: count('{"data": [{"id": "b1", "systemId": "PC01", "sessionStartTime": ') };
      case 'huge': {
        // Valid JSON all the way: a first booking a kiosk would apply, then bookings without end.
        const first = this.list()[0];
        const filler = JSON.stringify({ id: 'filler', systemId: 'NO-SUCH-PC', sessionStartTime: new Date().toISOString(), sessionEndTime: new Date(Date.now() + 60_000).toISOString(), status: 'Active' });
        const head = `{"data":[${first ? `${JSON.stringify(first)},` : ''}`;
        const tail = `${filler}]}`;
        const unit = `${filler},`.repeat(500);
        const units = Math.ceil((HUGE_PULL_BYTES - head.length - tail.length) / unit.length);
        function* chunks() {
          yield count(head);
          for (let i = 0; i < units; i++) yield count(unit);
          yield count(tail);
        }
        // Chunked, without Content-Length: the size shows only as it is read.
        return { stream: Readable.from(chunks()) };
      }
      case 'slow': {
        // Headers at once, then a byte a second for ever: only the client's own deadline ends it.
        const body = `{"data":${JSON.stringify(this.list())}`;
        async function* drip() {
          for (let i = 0; ; i++) {
            yield count(body[i] ?? ' ');
            try {
              await sleep(1_000, undefined, { signal: closing });
            } catch {
              return;
            }
          }
        }
        return { stream: Readable.from(drip()) };
      }
      default:
        return { text: count(JSON.stringify({ data: this.list() })) };
    }
  }
}
