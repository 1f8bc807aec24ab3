/**
 * The venue cloud, simulated on loopback for tests, benchmarks and the demo.
 * Each contract of ../shared/CONTRACTS.md is added here as Booth learns it,
 * with fault injection. Never packaged into the app.
 *
 * Routes:
 * - `/api/` (HEAD/GET): the connectivity probe; honours only `down` and `latencyMs`.
 * - `GET /api/{fetchEndpoint}`: the ticket download (ETag / 304), see download.ts.
 * - `POST /api/{syncEndpoint}`: the usage upload, see upload.ts.
 * - `/api/v2/transaction/create`, `transaction/{id}`, `jobs/pending`,
 *   `jobs/{id}/complete`: the coin payout, see payout.ts (`sim.payout`).
 * - `/__sim/...`: test control, never delayed or dropped (so another process
 *   can switch `down` off again): options, received log, tickets, stats,
 *   payout (`/__sim/payout/...`: transactions, pay, expire, cancel, jobs,
 *   retry, garble, reports, kiosks).
 * - `POST /api/{sessionsStatusEndpoint}`, `GET /api/{sessionsPullEndpoint}`:
 *   timed sessions, see sessions.ts (`sim.sessions`; `/__sim/sessions...`).
 */
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { type DownloadBody, DownloadCache, etagMatches, malformedDownloadKinds } from './download';
import { drawFault } from './faults';
import { type PayoutControls, type PayoutOutcome, payoutOptionsShape, PayoutSim, registerPayoutRoutes } from './payout';
import { type Random, seededRandom } from './random';
import { bookRequestSchema, type SessionsAnswer, sessionsOptionsShape, SessionsSim } from './sessions';
import {
  type AdmissionCounters,
  generateSpecSchema,
  type TicketRecordInput,
  ticketRecordSchema,
  TicketStore,
} from './tickets';
import { type IdempotencyCounters, UnparsedBody, type UploadOutcome, UploadHandler, usageModes } from './upload';

const rate = z.number().min(0).max(1);
/** A path relative to /api/, as config.json's endpoints are. */
const endpoint = z.string().regex(/^[^/?#][^?#]*$/, 'a path relative to /api/, without a leading "/" or a query');

export const simOptionsSchema = z
  .object({
    /** Added to the Date header, to show the kiosk a wrong clock. */
    clockOffsetMs: z.number().default(0),
    /** Extra latency on every request. */
    latencyMs: z.number().min(0).default(0),
    /** Drop every connection without an answer (the network is "down"). */
    down: z.boolean().default(false),
    /** How uploads are applied: see `usageModes` in upload.ts. */
    usageMode: z.enum(usageModes).default('admissions'),
    /** API endpoints (tickets, payout): share of requests answered 500 without being applied. */
    errorRate: rate.default(0),
    /** API endpoints (tickets, payout): share of requests answered 429 with `Retry-After`, not applied. */
    rateLimitRate: rate.default(0),
    /** The `Retry-After` of a 429, in seconds. */
    retryAfterSeconds: z.number().int().min(0).default(1),
    /** API endpoints (tickets, payout): share of requests never answered (held until the client gives up), not applied. */
    timeoutRate: rate.default(0),
    /** API endpoints (tickets, payout): share of requests applied, then the connection dropped without an answer. */
    lostResponseRate: rate.default(0),
    /** Break the download body: see `recordFault` in download.ts. */
    malformedDownload: z.enum(malformedDownloadKinds).default('none'),
    /** Seed of the fault draws; setting it restarts the sequence. */
    randomSeed: z.number().int().default(1),
    fetchEndpoint: endpoint.default('bookings/summary'),
    syncEndpoint: endpoint.default('bookings/update-used'),
    /** Coin payout options (under /api/v2/): see payout.ts. The fault rates above apply to its routes too. */
    ...payoutOptionsShape,
    /** Timed sessions (under /api/): see sessions.ts. The fault rates above apply to its routes too. */
    ...sessionsOptionsShape,
  })
  .strict();
export type SimOptions = z.infer<typeof simOptionsSchema>;

/** Validates a partial options change; only the keys sent are returned. */
export function parseSimOptionsPatch(input: unknown): Partial<SimOptions> {
  const parsed = simOptionsSchema.partial().parse(input);
  // zod 4 fills defaults even in a partial schema: keep only what was sent, so a patch resets nothing else.
  const sent = typeof input === 'object' && input !== null ? input : {};
  return Object.fromEntries(Object.entries(parsed).filter(([key]) => key in sent)) as Partial<SimOptions>;
}

/** What the simulator did with a request to the API (not /__sim). */
export type SimOutcome =
  | UploadOutcome
  | PayoutOutcome
  | SessionsAnswer['outcome']
  | 'probe'
  | 'downloaded'
  | 'not-modified'
  | 'no-such-endpoint'
  | 'fault-timeout'
  | 'fault-lost-response'
  | 'fault-error'
  | 'fault-rate-limit';

export interface ReceivedRequest {
  at: string;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON; the raw text when it was not JSON; undefined for a GET. */
  body: unknown;
  idempotencyKey?: string;
  kioskId?: string;
  outcome?: SimOutcome;
  /** The status answered; absent when no answer was sent (timeout, lost response). */
  status?: number;
}

export interface DownloadInfo {
  etag: string;
  records: number;
  bytes: number;
  buildMs: number;
  faults: DownloadBody['faults'];
}

export interface SimStats {
  tickets: number;
  version: number;
  requests: { total: number; byOutcome: Partial<Record<SimOutcome, number>> };
  idempotency: IdempotencyCounters;
  admissions: AdmissionCounters;
  /** Requests currently held by the timeout fault. */
  heldRequests: number;
  lastDownload: DownloadInfo | null;
}

export interface CloudSim {
  url: string;
  /** Base URL of the API (ends in /api/). */
  apiUrl: string;
  app: FastifyInstance;
  options: SimOptions;
  received: ReceivedRequest[];
  /** The ticket table: seed(records), generate(spec), get(ref), totals(), admissionArrivals(id)… */
  tickets: TicketStore;
  /** The coin payout: pay(id), createJob(spec), garbleNextJobs(n), retryJob(id), expire(id), transactions(), jobs(), reports(), lastSeen(kiosk)… */
  payout: PayoutControls;
  /** Timed sessions: reports, systems (the cloud's view of each resource), book(spec), end(id, status), list(). */
  sessions: SessionsSim;
  set(patch: Partial<SimOptions>): void;
  stats(): SimStats;
  /** How many times a request with this Idempotency-Key was applied. */
  keyApplications(key: string): number;
  /** Builds the download body now (benchmarks call it so the first timed GET does not pay for it). */
  prepareDownload(): DownloadInfo;
  close(): Promise<void>;
}

export interface StartCloudSimOptions {
  port?: number;
  initial?: Partial<SimOptions>;
  tickets?: TicketRecordInput[];
}

const seedRequestSchema = z.union([
  z.array(ticketRecordSchema),
  z
    .object({
      records: z.array(ticketRecordSchema).optional(),
      generate: generateSpecSchema.optional(),
      /** Remove every ticket first. */
      replace: z.boolean().default(false),
    })
    .strict(),
]);

export async function startCloudSim(options: StartCloudSimOptions = {}): Promise<CloudSim> {
  // forceCloseConnections: close() must not wait for requests held by the timeout fault.
  const app = Fastify({ logger: false, bodyLimit: 256 * 1024 * 1024, forceCloseConnections: true });
  const state: SimOptions = simOptionsSchema.parse(options.initial ?? {});
  const received: ReceivedRequest[] = [];
  const entries = new WeakMap<FastifyRequest, ReceivedRequest>();
  const byOutcome: Partial<Record<SimOutcome, number>> = {};
  const tickets = new TicketStore();
  if (options.tickets) tickets.seed(options.tickets);
  const downloads = new DownloadCache(tickets);
  const uploads = new UploadHandler(tickets);
  const payout = new PayoutSim(() => state);
  const sessions = new SessionsSim();
  const held = new Set<Socket>();
  const closing = new AbortController();
  let random: Random = seededRandom(state.randomSeed);
  let lastDownload: DownloadInfo | null = null;

  const set = (patch: Partial<SimOptions>) => {
    const checked = parseSimOptionsPatch(patch);
    Object.assign(state, checked);
    if (checked.randomSeed !== undefined) random = seededRandom(checked.randomSeed);
  };
  const isControl = (request: FastifyRequest) => request.url.startsWith('/__sim');
  const header = (request: FastifyRequest, name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };

  const finish = (request: FastifyRequest, outcome: SimOutcome, status?: number) => {
    byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
    const entry = entries.get(request);
    if (entry) {
      entry.outcome = outcome;
      if (status !== undefined) entry.status = status;
    }
  };
  /** End the exchange without an answer: the client sees a reset connection. */
  const drop = (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    request.raw.socket.destroy();
    return reply;
  };
  /** Never answer; the client's own timeout ends it (or close()). */
  const hold = (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    const socket = request.raw.socket;
    held.add(socket);
    socket.once('close', () => held.delete(socket));
    finish(request, 'fault-timeout');
    return reply;
  };
  /**
   * Draws this request's fault and answers the ones that apply nothing.
   * Returns 'answered' when the reply is already decided, else whether the
   * response must be lost after the work is done.
   */
  const injectFault = (request: FastifyRequest, reply: FastifyReply): 'answered' | 'lose-response' | 'normal' => {
    switch (drawFault(random, state)) {
      case 'timeout':
        hold(request, reply);
        return 'answered';
      case 'error':
        finish(request, 'fault-error', 500);
        void reply.code(500).send({ ok: false, error: 'simulated server error' });
        return 'answered';
      case 'rate-limit':
        finish(request, 'fault-rate-limit', 429);
        void reply.code(429).header('Retry-After', String(state.retryAfterSeconds)).send({ ok: false, error: 'rate limited' });
        return 'answered';
      case 'lost-response':
        return 'lose-response';
      default:
        return 'normal';
    }
  };

  // Keep the text of a JSON body that does not parse, so the log shows what came and the handler answers 400.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    try {
      done(null, JSON.parse(String(text)) as unknown);
    } catch {
      done(null, new UnparsedBody(String(text)));
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('Date', new Date(Date.now() + state.clockOffsetMs).toUTCString());
    if (isControl(request)) return undefined;
    if (state.down) return drop(request, reply);
    const entry: ReceivedRequest = {
      at: new Date().toISOString(),
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: undefined,
      idempotencyKey: header(request, 'idempotency-key'),
      kioskId: header(request, 'x-kiosk-id'),
    };
    received.push(entry);
    entries.set(request, entry);
    if (state.latencyMs > 0) {
      try {
        await sleep(state.latencyMs, undefined, { signal: closing.signal });
      } catch {
        return drop(request, reply); // the simulator is closing
      }
      // The Date header describes when the answer leaves, after the delay.
      reply.header('Date', new Date(Date.now() + state.clockOffsetMs).toUTCString());
    }
    return undefined;
  });
  app.addHook('preHandler', async (request) => {
    const entry = entries.get(request);
    if (entry) entry.body = request.body instanceof UnparsedBody ? request.body.text : request.body;
  });
  app.addHook('onResponse', async (request, reply) => {
    const entry = entries.get(request);
    if (entry) entry.status = reply.statusCode;
  });

  app.get('/api/', async (request) => {
    finish(request, 'probe');
    return { ok: true, service: 'booth cloud simulator' };
  });

  const endpointOf = (request: FastifyRequest<{ Params: { '*': string } }>) => request.params['*'];

  app.get<{ Params: { '*': string } }>('/api/*', async (request, reply) => {
    if (endpointOf(request) === state.sessionsPullEndpoint) {
      const fault = injectFault(request, reply);
      if (fault === 'answered') return reply;
      if (fault === 'lose-response') {
        finish(request, 'fault-lost-response');
        return drop(request, reply);
      }
      finish(request, 'sessions-pulled', 200);
      const body = sessions.pullBody(state.sessionsPullFault, closing.signal);
      reply.header('Content-Type', 'application/json; charset=utf-8');
      if ('text' in body) return reply.send(body.text);
      return reply.send(body.stream);
    }
    if (endpointOf(request) !== state.fetchEndpoint) {
      finish(request, 'no-such-endpoint', 404);
      return reply.code(404).send({ ok: false, error: 'no such endpoint' });
    }
    const fault = injectFault(request, reply);
    if (fault === 'answered') return reply;
    if (fault === 'lose-response') {
      finish(request, 'fault-lost-response');
      return drop(request, reply);
    }
    const kind = state.malformedDownload;
    const etag = downloads.etag(kind);
    reply.header('ETag', etag).header('Cache-Control', 'no-cache');
    if (etagMatches(header(request, 'if-none-match'), etag)) {
      finish(request, 'not-modified', 304);
      return reply.code(304).send();
    }
    const body = downloads.body(kind);
    lastDownload = infoOf(body);
    finish(request, 'downloaded', 200);
    reply.header('Content-Type', 'application/json; charset=utf-8').header('Content-Length', String(body.bytes));
    return reply.send(body.chunks.length === 1 ? body.chunks[0] : Readable.from(body.chunks));
  });

  app.post<{ Params: { '*': string } }>('/api/*', async (request, reply) => {
    if (endpointOf(request) === state.sessionsStatusEndpoint) {
      const fault = injectFault(request, reply);
      if (fault === 'answered') return reply;
      const answer = sessions.handleStatus(request.body, header(request, 'idempotency-key'), header(request, 'x-kiosk-id'));
      if (fault === 'lose-response') {
        finish(request, 'fault-lost-response');
        return drop(request, reply);
      }
      finish(request, answer.outcome, answer.status);
      if (answer.outcome === 'status-replayed') reply.header('Idempotent-Replayed', 'true');
      return reply.code(answer.status).send(answer.body);
    }
    if (endpointOf(request) !== state.syncEndpoint) {
      finish(request, 'no-such-endpoint', 404);
      return reply.code(404).send({ ok: false, error: 'no such endpoint' });
    }
    const fault = injectFault(request, reply);
    if (fault === 'answered') return reply;
    const result = uploads.handle(request.body, header(request, 'idempotency-key'), state.usageMode);
    if (fault === 'lose-response') {
      // Applied (or refused) for real; only the answer never reaches the client.
      finish(request, 'fault-lost-response');
      return drop(request, reply);
    }
    finish(request, result.outcome, result.status);
    if (result.outcome === 'replayed') reply.header('Idempotent-Replayed', 'true');
    return reply.code(result.status).send(result.body);
  });

  registerPayoutRoutes(app, payout, { options: () => state, injectFault, finish, drop });

  const stats = (): SimStats => ({
    tickets: tickets.size,
    version: tickets.version,
    requests: { total: received.length, byOutcome: { ...byOutcome } },
    idempotency: uploads.stats(),
    admissions: tickets.admissionStats(),
    heldRequests: held.size,
    lastDownload,
  });
  const prepareDownload = () => (lastDownload = infoOf(downloads.body(state.malformedDownload)));

  // Test control, for tests and benchmarks in other processes.
  app.get('/__sim/options', async () => state);
  app.post('/__sim/options', async (request, reply) => {
    try {
      set(parseSimOptionsPatch(request.body));
    } catch (error) {
      return reply.code(400).send({ ok: false, error: error instanceof z.ZodError ? z.prettifyError(error) : String(error) });
    }
    return state;
  });
  app.get<{ Querystring: { since?: string } }>('/__sim/received', async (request) =>
    received.slice(Number(request.query.since ?? 0) || 0),
  );
  app.delete('/__sim/received', async () => {
    received.length = 0;
    return { ok: true };
  });
  app.get<{ Querystring: { detail?: string } }>('/__sim/stats', async (request) =>
    request.query.detail ? { ...stats(), arrivalsById: tickets.arrivals() } : stats(),
  );
  app.get('/__sim/totals', async () => tickets.totals());
  app.get<{ Params: { ref: string } }>('/__sim/tickets/:ref', async (request, reply) => {
    const ticket = tickets.get(request.params.ref);
    return ticket ?? reply.code(404).send({ ok: false, error: 'unknown referenceNo' });
  });
  app.post('/__sim/tickets', async (request, reply) => {
    const parsed = seedRequestSchema.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send({ ok: false, error: z.prettifyError(parsed.error) });
    const seedRequest = Array.isArray(parsed.data) ? { records: parsed.data, replace: false } : parsed.data;
    if (seedRequest.replace) tickets.clear();
    if (seedRequest.records) tickets.seed(seedRequest.records);
    const generated = seedRequest.generate ? tickets.generate(seedRequest.generate) : null;
    return { ok: true, tickets: tickets.size, version: tickets.version, generated };
  });
  app.delete('/__sim/tickets', async () => {
    tickets.clear();
    return { ok: true };
  });
  app.post('/__sim/download/prepare', async () => prepareDownload());
  app.get('/__sim/sessions', async () => ({ systems: Object.fromEntries(sessions.systems), reports: sessions.reports, bookings: sessions.list() }));
  app.post('/__sim/sessions/bookings', async (request, reply) => {
    const parsed = bookRequestSchema.safeParse(request.body);
    if (!parsed.success) return reply.code(400).send({ ok: false, error: z.prettifyError(parsed.error) });
    return sessions.book(parsed.data);
  });
  app.post<{ Params: { id: string; status: string } }>('/__sim/sessions/bookings/:id/:status', async (request, reply) => {
    const status = request.params.status === 'cancel' ? 'Cancelled' : request.params.status === 'complete' ? 'Completed' : null;
    const booking = status ? sessions.end(request.params.id, status) : null;
    return booking ?? reply.code(404).send({ ok: false, error: 'unknown booking, or not cancel|complete' });
  });

  const address = await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  return {
    url: address,
    apiUrl: `${address}/api/`,
    app,
    options: state,
    received,
    tickets,
    payout,
    sessions,
    set,
    stats,
    keyApplications: (key) => uploads.keyApplications(key),
    prepareDownload,
    close: async () => {
      closing.abort();
      for (const socket of held) socket.destroy();
      await app.close();
    },
  };
}

function infoOf(body: DownloadBody): DownloadInfo {
  return { etag: body.etag, records: body.records, bytes: body.bytes, buildMs: body.buildMs, faults: body.faults };
}
