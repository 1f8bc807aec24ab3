/**
 * The usage upload (`POST {base}{syncEndpoint}`), without HTTP: validates the
 * body, applies it in one of two server behaviours and keeps the idempotency
 * record, so faults and transport stay in server.ts.
 */
import { z } from 'zod';
import type { AttractionCount, TicketStore } from './tickets';

/**
 * - 'admissions': the server that reads Booth's `admissions` list: sums each
 *   admission id once and replays the first answer for a repeated
 *   `Idempotency-Key` (a body without `admissions`, as the seed's client
 *   sends, is applied as absolute counts).
 * - 'absolute': the seed's server: reads only the absolute `used` counts,
 *   last writer wins, ignores admissions and idempotency keys, so two gates
 *   admitting at once lose a count (what Booth must detect).
 */
export const usageModes = ['admissions', 'absolute'] as const;
export type UsageMode = (typeof usageModes)[number];

const count = z.number().int().min(0);

/** Extra fields are allowed: a real server ignores what it does not know. */
export const uploadBodySchema = z.looseObject({
  bookingDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD'),
  referenceNo: z.string().min(1),
  attractions: z.record(z.string().min(1), z.looseObject({ pax: count.optional(), used: count })),
  admissions: z
    .array(
      z.looseObject({
        id: z.string().min(1),
        attraction: z.string().min(1),
        persons: z.number().int().min(1),
        at: z.iso.datetime({ offset: true }),
      }),
    )
    .optional(),
});
export type UploadBody = z.infer<typeof uploadBodySchema>;

/** A request body that was sent as JSON but does not parse; kept as text for the received log. */
export class UnparsedBody {
  constructor(readonly text: string) {}
}

export type UploadOutcome = 'applied' | 'replayed' | 'bad-request' | 'not-found' | 'unprocessable' | 'key-reused';

export type UploadAnswer =
  | {
      ok: true;
      referenceNo: string;
      /** The server's counts after this upload, for the attractions it touched. */
      attractions: Record<string, AttractionCount>;
      admissions: { applied: number; repeats: number };
    }
  | { ok: false; error: string; details?: unknown };

export interface UploadResult {
  status: number;
  body: UploadAnswer;
  outcome: UploadOutcome;
}

export interface IdempotencyCounters {
  /** Distinct keys whose request was applied. */
  keysApplied: number;
  /** Requests answered from the stored first answer instead of being applied again. */
  replays: number;
  /** A key sent again with a different body (answered 422: a client bug). */
  mismatches: number;
  /** Keys applied more than once (only possible in 'absolute' mode, which ignores keys). */
  keysReapplied: number;
}

export class UploadHandler {
  private readonly answers = new Map<string, { fingerprint: string; result: UploadResult }>();
  private readonly applications = new Map<string, number>();
  private readonly counters: IdempotencyCounters = { keysApplied: 0, replays: 0, mismatches: 0, keysReapplied: 0 };

  constructor(private readonly store: TicketStore) {}

  handle(raw: unknown, idempotencyKey: string | undefined, mode: UsageMode): UploadResult {
    if (raw instanceof UnparsedBody || raw === undefined) {
      return { status: 400, outcome: 'bad-request', body: { ok: false, error: 'the body is not JSON' } };
    }
    const parsed = uploadBodySchema.safeParse(raw);
    if (!parsed.success) {
      const details = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
      return { status: 400, outcome: 'bad-request', body: { ok: false, error: 'malformed body', details } };
    }
    const body = parsed.data;
    const key = mode === 'admissions' ? idempotencyKey : undefined;
    const fingerprint = key ? canonicalJson(body) : '';
    const previous = key ? this.answers.get(key) : undefined;
    if (previous) {
      if (previous.fingerprint !== fingerprint) {
        this.counters.mismatches++;
        return {
          status: 422,
          outcome: 'key-reused',
          body: { ok: false, error: 'Idempotency-Key already used with a different body' },
        };
      }
      this.counters.replays++;
      return { ...previous.result, outcome: 'replayed' };
    }

    const result = this.apply(body, mode);
    if (result.outcome === 'applied' && idempotencyKey) {
      const times = (this.applications.get(idempotencyKey) ?? 0) + 1;
      this.applications.set(idempotencyKey, times);
      if (times === 1) this.counters.keysApplied++;
      if (times === 2) this.counters.keysReapplied++;
      // Only what was applied is remembered: a refused request may succeed later (e.g. once the ticket exists).
      if (key) this.answers.set(key, { fingerprint, result });
    }
    return result;
  }

  stats(): IdempotencyCounters {
    return { ...this.counters };
  }

  /** How many times a request with this key was applied (1 = exactly once). */
  keyApplications(key: string): number {
    return this.applications.get(key) ?? 0;
  }

  private apply(body: UploadBody, mode: UsageMode): UploadResult {
    const { referenceNo } = body;
    if (!this.store.has(referenceNo)) {
      return { status: 404, outcome: 'not-found', body: { ok: false, error: 'unknown referenceNo', details: { referenceNo } } };
    }
    const admissions = body.admissions;
    const named = new Set([...Object.keys(body.attractions), ...(admissions ?? []).map((a) => a.attraction)]);
    const unknown = this.store.unknownAttractions(referenceNo, named);
    if (unknown.length > 0) {
      return {
        status: 422,
        outcome: 'unprocessable',
        body: { ok: false, error: 'attraction not on this ticket', details: { referenceNo, attractions: unknown } },
      };
    }
    let applied = { applied: 0, repeats: 0 };
    if (mode === 'admissions' && admissions) applied = this.store.applyAdmissions(referenceNo, admissions);
    else this.store.applyAbsolute(referenceNo, body.attractions);
    return {
      status: 200,
      outcome: 'applied',
      body: { ok: true, referenceNo, attractions: this.store.counts(referenceNo, named), admissions: applied },
    };
  }
}

/** JSON with object keys sorted, so the same body re-serialized in another key order compares equal. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
