/**
 * The replication routes of the LAN API (CONTRACTS.md "Replication (seed
 * 001)"), with the seed's JSON keys: schema, full export (streamed), changes
 * since a time (the seed's form) or after a seq (Booth's), health.
 */
import { Readable } from 'node:stream';
import { z } from 'zod';
import { sendError, type ApiApp } from '../api';
import type { Clock } from '../clock';
import { fullExportJson } from './export';
import type { Feed } from './feed';

export const DEFAULT_LIMIT = 1000;
export const MAX_LIMIT = 10_000;
/** Full exports at once: each holds a snapshot and a connection; a Pi has few to spare. */
const MAX_EXPORTS = 2;

const wholeNumber = z.string().regex(/^\d{1,15}$/, 'a whole number').transform(Number);
/**
 * ISO 8601 as the seed sends it: a date, or a date and time with optional seconds, fraction and zone; no zone means UTC.
 * A `+hh:mm` zone sent unencoded (`?since=2024-01-15T10:30:00+07:00`, legal in a URL's query) reaches us with
 * the `+` read as a space by form decoding: a space where only the zone's sign can be is read back as `+`.
 */
const isoTime = z
  .string()
  .transform((text) => text.replace(/^(\d{4}-\d{2}-\d{2}T[\d:.]+) (\d{2}:?\d{2})$/, '$1+$2'))
  .pipe(z.string().regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/, 'an ISO 8601 time'))
  .transform((text, ctx) => {
    const zoned = /T.*(Z|[+-]\d{2}:?\d{2})$/.test(text) ? text : text.includes('T') ? `${text}Z` : `${text}T00:00:00Z`;
    const ms = Date.parse(zoned.replace(/(\.\d{3})\d+/, '$1'));
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: 'an ISO 8601 time' });
      return z.NEVER;
    }
    return new Date(ms).toISOString();
  });

const changesQuery = z
  .object({ since: isoTime.optional(), after: wholeNumber.optional(), limit: wholeNumber.pipe(z.number().int().min(1).max(MAX_LIMIT)).optional() })
  .refine((q) => (q.since === undefined) !== (q.after === undefined), 'give either since=<ISO time> or after=<seq>');

const firstIssue = (error: z.ZodError) => {
  const issue = error.issues[0]!;
  return issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message;
};

/** Why a replica at `after` cannot follow the feed from there, or null when it can. */
export function cursorProblem(feed: Feed, after: number): string | null {
  const floor = feed.floor();
  if (after < floor) return `after=${after} is behind this kiosk's feed floor ${floor} (older changes were pruned): do a full export`;
  const seq = feed.seq();
  if (after > seq) return `after=${after} is beyond this kiosk's feed (seq ${seq}): its database was replaced or reset; do a full export`;
  return null;
}

export function replicationRoutes(app: ApiApp, deps: { feed: Feed; clock: Clock; file: string; schemaVersion(): number }): void {
  const { feed, clock } = deps;
  const now = () => clock.now().toISOString();
  let exporting = 0;

  app.get('/api/sync/schema', async () => ({
    success: true,
    schema_version: String(deps.schemaVersion()),
    tables: feed.tables.map((t) => t.table),
    timestamp: now(),
  }));

  // Booth adds `floor`: a replica whose seq is below it must do a full export.
  app.get('/api/sync/health', async () => ({ success: true, status: 'ok', seq: feed.seq(), timestamp: now(), floor: feed.floor() }));

  app.get('/api/sync/changes', async (request, reply) => {
    const parsed = changesQuery.safeParse(request.query);
    if (!parsed.success) return sendError(reply, 400, firstIssue(parsed.error));
    const { since, after, limit = DEFAULT_LIMIT } = parsed.data;
    if (after !== undefined) {
      const problem = cursorProblem(feed, after);
      if (problem) return reply.code(410).send({ success: false, error: problem, seq: feed.seq(), floor: feed.floor() });
      const page = feed.changesAfter(after, limit);
      return { success: true, timestamp: now(), data: page.data, counts: page.counts, seq: page.seq, more: page.more, deleted: page.deleted };
    }
    // The seed's form: the start of the read, or the last row's updated_at when the page is full.
    const startedAt = now();
    const page = feed.changesSince(since!, limit);
    return { success: true, timestamp: page.lastUpdatedAt ?? startedAt, data: page.data, counts: page.counts };
  });

  // A client that stops taking the stream is cut off by the server's idle timeout (main/api/server.ts),
  // which ends the stream, its snapshot and its slot.
  app.get('/api/sync/full-export', async (_request, reply) => {
    if (exporting >= MAX_EXPORTS) {
      reply.header('Retry-After', '10');
      return sendError(reply, 503, `${MAX_EXPORTS} full exports are already running; ask again shortly`);
    }
    exporting++;
    const stream = Readable.from(fullExportJson(deps.file, feed.tables, now()), { objectMode: false, highWaterMark: 256 * 1024 });
    stream.once('close', () => exporting--);
    return reply.type('application/json; charset=utf-8').send(stream);
  });
}
