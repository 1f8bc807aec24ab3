/**
 * The coin payout contract (CONTRACTS.md "Coin payout", seed 002), simulated
 * under `/api/v2/`: transactions, dispense jobs polled per kiosk, and their
 * completion reports. The state and the test controls live in `PayoutSim`
 * (exposed as `sim.payout`); `registerPayoutRoutes` serves it over HTTP with
 * the simulator's fault injection, and adds `/__sim/payout/...` controls for
 * other processes.
 *
 * As in the seed's cloud:
 * - a job stays `pending` until the kiosk reports it, so each poll delivers
 *   it again (repeated delivery);
 * - a failed report puts the same job row back to `pending` with
 *   `retryCount` + 1 while `retryCount` < `maxRetries`, else marks it
 *   `failed` (1 attempt + `maxRetries` retries). The seed's poll query also
 *   skips jobs with `retryCount >= maxRetries`; the simulator does not, so
 *   its last retry and `retryJob` are delivered.
 * Unlike the seed, `jobs/{id}/complete` honours `Idempotency-Key` (Booth
 * sends one on every POST); `transaction/create` does not, as the seed's.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { UnparsedBody } from './upload';

/** The simulator's payout options; part of `SimOptions` (settable with `set()` and `POST /__sim/options`). */
export const payoutOptionsShape = {
  /** Leave `expiresAt` out of the create answer (a server as the seed's). */
  omitExpiresAt: z.boolean().default(false),
  /** Lifetime of a new transaction's payment link (the seed's 15 minutes). */
  transactionTtlSeconds: z.number().min(0).default(15 * 60),
  /** Answer 404 to `GET transaction/{id}` (a server without that optional route). */
  noTransactionStatus: z.boolean().default(false),
  /** Value of one coin: a paid transaction's job has `quarters` = floor(amount / coinValue). */
  coinValue: z.number().positive().default(0.25),
  /** `maxRetries` of new jobs (the seed's 3). */
  jobMaxRetries: z.number().int().min(0).default(3),
  /** The payment link is this followed by the transaction id. */
  payUrlBase: z.string().regex(/^https?:\/\/\S+$/, 'an http(s) URL').default('https://pay.cloud-sim.invalid/pay/'),
  /** The customer pays every transaction this many seconds after its creation (checked on each payout request); null: only `pay()` pays. For the demo. */
  autoPaySeconds: z.number().min(0).nullable().default(null),
};
const payoutOptionsSchema = z.object(payoutOptionsShape);
export type PayoutOptions = z.infer<typeof payoutOptionsSchema>;

export const transactionStatuses = ['pending', 'paid', 'expired', 'cancelled'] as const;
export type TransactionStatus = (typeof transactionStatuses)[number];
export const jobStatuses = ['pending', 'completed', 'failed'] as const;
export type JobStatus = (typeof jobStatuses)[number];
/** How a garbled `jobs/pending` answer is broken: 'mixed' cycles through the others. */
export const garbleKinds = ['bad-json', 'wrong-types', 'missing-fields'] as const;
export type GarbleKind = (typeof garbleKinds)[number];

export interface PayoutTransaction {
  id: string;
  amount: number;
  /** The X-Kiosk-Id that created it; null when the header was missing. */
  kioskId: string | null;
  qrUrl: string;
  status: TransactionStatus;
  createdAt: string;
  /** Kept even when `omitExpiresAt` leaves it out of the answer. */
  expiresAt: string;
  paidAt: string | null;
  /** When a job of it was reported successful. */
  paidOutAt: string | null;
  /** The `dispensed` totals reported for its jobs, in arrival order (replays excluded). */
  dispensedReports: number[];
}

export interface PayoutJob {
  id: string;
  transactionId: string;
  kioskId: string;
  /** A number, but not necessarily a sane one (see `createJob`). */
  quarters: number;
  status: JobStatus;
  retryCount: number;
  maxRetries: number;
  createdAt: string;
  /** Proper (not garbled) answers to `jobs/pending` that carried it. */
  deliveries: number;
  lastDeliveredAt: string | null;
  completedAt: string | null;
  /** The `error` of the last failed report. */
  errorMessage: string | null;
}

/** A job as `GET jobs/pending` sends it (the contract's fields only). */
export interface PendingJobAnswer {
  id: string;
  transactionId: string;
  quarters: number;
  status: 'pending';
  retryCount: number;
  maxRetries: number;
  createdAt: string;
}

export type PayoutOutcome =
  | 'transaction-created'
  | 'transaction-status'
  | 'job-delivered'
  | 'no-job'
  | 'job-garbled'
  | 'job-completed'
  | 'job-retry'
  | 'job-failed'
  /** A report for a job that is already completed (or a failure for a failed one): answered 200, nothing changed. */
  | 'report-ignored'
  | 'replayed'
  | 'bad-request'
  | 'not-found'
  | 'no-such-endpoint';

/** One request to `POST jobs/{id}/complete` that reached the handler. */
export interface PayoutReport {
  at: string;
  jobId: string;
  idempotencyKey: string | null;
  /** The X-Kiosk-Id header. */
  kioskId: string | null;
  /** Parsed JSON, or the raw text when it was not JSON. */
  body: unknown;
  /** The `dispensed` of a well-formed body, else null. */
  dispensed: number | null;
  outcome: PayoutOutcome;
  status: number;
}

export interface KioskSeen {
  kioskId: string;
  lastSeen: string;
  polls: number;
}

export interface CreateJobSpec {
  id?: string;
  /** Default: a new id of a transaction the simulator never saw (created elsewhere). */
  transactionId?: string;
  kioskId: string;
  /** Any number: negative, zero, huge and non-integer values are sent as given. */
  quarters: number;
  status?: JobStatus;
  retryCount?: number;
  maxRetries?: number;
  createdAt?: string;
}

export interface PayOverrides {
  /** Deliver the job to this kiosk instead of the creating one. */
  kioskId?: string;
  /** Instead of floor(amount / coinValue). */
  quarters?: number;
}

/** The in-process controls and reads, `sim.payout`. Returned records are copies. */
export interface PayoutControls {
  /** The customer paid: the transaction becomes `paid` and a pending job goes to its creating kiosk. A late payment of an expired transaction is allowed. */
  pay(transactionId: string, overrides?: PayOverrides): PayoutJob;
  /** A job as the cloud would store it, for transactions created elsewhere and hostile values. */
  createJob(spec: CreateJobSpec): PayoutJob;
  /** The next `count` answers of `jobs/pending` (any kiosk) are garbled. */
  garbleNextJobs(count: number, kind?: GarbleKind | 'mixed'): void;
  /** The cloud retries the job under the same id: pending again with `retryCount` + 1 (whatever its status). */
  retryJob(jobId: string): PayoutJob;
  /** The payment link expires now. */
  expire(transactionId: string): PayoutTransaction;
  cancel(transactionId: string): PayoutTransaction;
  transactions(): PayoutTransaction[];
  transaction(id: string): PayoutTransaction | undefined;
  jobs(): PayoutJob[];
  job(id: string): PayoutJob | undefined;
  /** Every report, or those of one job, in arrival order. */
  reports(jobId?: string): PayoutReport[];
  /** The `dispensed` totals reported for a transaction (replays excluded). */
  dispensed(transactionId: string): number[];
  /** ISO time of the kiosk's last `jobs/pending` poll, or null. */
  lastSeen(kioskId: string): string | null;
  kiosks(): KioskSeen[];
  /** Garbled answers still to come. */
  garblesPending(): number;
  /** Forget every transaction, job, report, key and kiosk. */
  clear(): void;
}

/** A control refused: `status` is what the HTTP control route answers. */
export class PayoutControlError extends Error {
  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
    this.name = 'PayoutControlError';
  }
}

/** What one API request is answered with: `text` is sent as is (garbled answers), else `body` as JSON. */
export interface PayoutAnswer {
  status: number;
  outcome: PayoutOutcome;
  body?: unknown;
  text?: string;
}

const createBodySchema = z.looseObject({ amount: z.number().positive().max(1e12) });
const completeBodySchema = z.looseObject({
  success: z.boolean(),
  error: z.string().nullable().optional(),
  kioskId: z.string().min(1),
  timestamp: z.string().min(1),
  /** Booth adds: coins paid out for the transaction so far, in total. */
  dispensed: z.number().int().min(0).optional(),
});

export class PayoutSim implements PayoutControls {
  private readonly transactionsById = new Map<string, PayoutTransaction>();
  private readonly jobsById = new Map<string, PayoutJob>();
  private readonly reportLog: PayoutReport[] = [];
  private readonly answersByKey = new Map<string, PayoutAnswer>();
  private readonly seen = new Map<string, KioskSeen>();
  private readonly garbleQueue: GarbleKind[] = [];
  private garbleCycle = 0;

  constructor(
    private readonly options: () => PayoutOptions,
    private readonly now: () => number = Date.now,
  ) {}

  // ---- the API (called by the routes) ----

  /** `POST transaction/create`. */
  handleCreate(raw: unknown, kioskId: string | undefined): PayoutAnswer {
    const parsed = parseBody(createBodySchema, raw);
    if (!parsed.ok) return parsed.answer;
    const options = this.options();
    const id = randomUUID();
    const created = this.now();
    const transaction: PayoutTransaction = {
      id,
      amount: parsed.data.amount,
      kioskId: kioskId ?? null,
      qrUrl: `${options.payUrlBase}${id}`,
      status: 'pending',
      createdAt: new Date(created).toISOString(),
      expiresAt: new Date(created + options.transactionTtlSeconds * 1000).toISOString(),
      paidAt: null,
      paidOutAt: null,
      dispensedReports: [],
    };
    this.transactionsById.set(id, transaction);
    const body: Record<string, unknown> = { id, qrUrl: transaction.qrUrl, amount: transaction.amount };
    if (!options.omitExpiresAt) body.expiresAt = transaction.expiresAt;
    return { status: 200, outcome: 'transaction-created', body };
  }

  /** `GET transaction/{id}` (the route answers 404 itself under `noTransactionStatus`). */
  handleStatus(id: string): PayoutAnswer {
    this.autoPay();
    const transaction = this.transactionsById.get(id);
    if (!transaction) return { status: 404, outcome: 'not-found', body: { ok: false, error: 'unknown transaction' } };
    return { status: 200, outcome: 'transaction-status', body: { id, status: this.refreshStatus(transaction) } };
  }

  /** `GET jobs/pending`: the oldest pending job of the calling kiosk, or null; records the kiosk as seen. */
  handlePoll(kioskId: string | undefined): PayoutAnswer {
    this.autoPay();
    const at = new Date(this.now()).toISOString();
    if (kioskId !== undefined) {
      const seen = this.seen.get(kioskId);
      if (seen) {
        seen.lastSeen = at;
        seen.polls++;
      } else this.seen.set(kioskId, { kioskId, lastSeen: at, polls: 1 });
    }
    const job = kioskId === undefined ? undefined : this.oldestPendingJob(kioskId);
    const garble = this.garbleQueue.shift();
    if (garble) return { status: 200, outcome: 'job-garbled', text: garbledJob(garble, job) };
    if (!job) return { status: 200, outcome: 'no-job', text: 'null' };
    job.deliveries++;
    job.lastDeliveredAt = at;
    return { status: 200, outcome: 'job-delivered', body: pendingAnswer(job) };
  }

  /** `POST jobs/{id}/complete`. */
  handleComplete(jobId: string, raw: unknown, idempotencyKey: string | undefined, kioskId: string | undefined): PayoutAnswer {
    const parsed = parseBody(completeBodySchema, raw);
    const previous = parsed.ok && idempotencyKey !== undefined ? this.answersByKey.get(idempotencyKey) : undefined;
    const answer = previous
      ? { ...previous, outcome: 'replayed' as const }
      : parsed.ok
        ? this.applyReport(jobId, parsed.data)
        : parsed.answer;
    if (!previous && idempotencyKey !== undefined && answer.status === 200) this.answersByKey.set(idempotencyKey, answer);
    const dispensed = parsed.ok ? (parsed.data.dispensed ?? null) : null;
    this.reportLog.push({
      at: new Date(this.now()).toISOString(),
      jobId,
      idempotencyKey: idempotencyKey ?? null,
      kioskId: kioskId ?? null,
      body: raw instanceof UnparsedBody ? raw.text : raw,
      dispensed,
      outcome: answer.outcome,
      status: answer.status,
    });
    const transactionId = this.jobsById.get(jobId)?.transactionId;
    const transaction = transactionId === undefined ? undefined : this.transactionsById.get(transactionId);
    if (transaction && dispensed !== null && answer.status === 200 && !previous) transaction.dispensedReports.push(dispensed);
    return answer;
  }

  // ---- controls ----

  pay(transactionId: string, overrides: PayOverrides = {}): PayoutJob {
    const transaction = this.requireTransaction(transactionId);
    const status = this.refreshStatus(transaction);
    if (status === 'paid' || status === 'cancelled') throw new PayoutControlError(409, `transaction ${transactionId} is ${status}`);
    const kioskId = overrides.kioskId ?? transaction.kioskId;
    if (kioskId === null) {
      throw new PayoutControlError(409, `transaction ${transactionId} was created without X-Kiosk-Id: pass a kioskId`);
    }
    transaction.status = 'paid';
    transaction.paidAt = new Date(this.now()).toISOString();
    // The epsilon keeps 0.3 / 0.1 at 3 coins.
    const quarters = overrides.quarters ?? Math.floor(transaction.amount / this.options().coinValue + 1e-9);
    return this.createJob({ transactionId, kioskId, quarters });
  }

  createJob(spec: CreateJobSpec): PayoutJob {
    const id = spec.id ?? randomUUID();
    if (this.jobsById.has(id)) throw new PayoutControlError(409, `job ${id} exists`);
    const job: PayoutJob = {
      id,
      transactionId: spec.transactionId ?? randomUUID(),
      kioskId: spec.kioskId,
      quarters: spec.quarters,
      status: spec.status ?? 'pending',
      retryCount: spec.retryCount ?? 0,
      maxRetries: spec.maxRetries ?? this.options().jobMaxRetries,
      createdAt: spec.createdAt ?? new Date(this.now()).toISOString(),
      deliveries: 0,
      lastDeliveredAt: null,
      completedAt: null,
      errorMessage: null,
    };
    this.jobsById.set(id, job);
    return { ...job };
  }

  garbleNextJobs(count: number, kind: GarbleKind | 'mixed' = 'mixed'): void {
    if (!Number.isInteger(count) || count < 0) throw new PayoutControlError(400, 'count must be an integer >= 0');
    for (let i = 0; i < count; i++) {
      this.garbleQueue.push(kind === 'mixed' ? garbleKinds[this.garbleCycle++ % garbleKinds.length]! : kind);
    }
  }

  retryJob(jobId: string): PayoutJob {
    const job = this.jobsById.get(jobId);
    if (!job) throw new PayoutControlError(404, `unknown job ${jobId}`);
    job.status = 'pending';
    job.retryCount++;
    job.completedAt = null;
    return { ...job };
  }

  expire(transactionId: string): PayoutTransaction {
    const transaction = this.requireTransaction(transactionId);
    transaction.status = 'expired';
    transaction.expiresAt = new Date(Math.min(Date.parse(transaction.expiresAt), this.now())).toISOString();
    return copyTransaction(transaction);
  }

  cancel(transactionId: string): PayoutTransaction {
    const transaction = this.requireTransaction(transactionId);
    transaction.status = 'cancelled';
    return copyTransaction(transaction);
  }

  // ---- reads ----

  transactions(): PayoutTransaction[] {
    return [...this.transactionsById.values()].map((t) => (this.refreshStatus(t), copyTransaction(t)));
  }
  transaction(id: string): PayoutTransaction | undefined {
    const transaction = this.transactionsById.get(id);
    if (!transaction) return undefined;
    this.refreshStatus(transaction);
    return copyTransaction(transaction);
  }
  jobs(): PayoutJob[] {
    return [...this.jobsById.values()].map((job) => ({ ...job }));
  }
  job(id: string): PayoutJob | undefined {
    const job = this.jobsById.get(id);
    return job && { ...job };
  }
  reports(jobId?: string): PayoutReport[] {
    return this.reportLog.filter((report) => jobId === undefined || report.jobId === jobId).map((report) => ({ ...report }));
  }
  dispensed(transactionId: string): number[] {
    return [...(this.transactionsById.get(transactionId)?.dispensedReports ?? [])];
  }
  lastSeen(kioskId: string): string | null {
    return this.seen.get(kioskId)?.lastSeen ?? null;
  }
  kiosks(): KioskSeen[] {
    return [...this.seen.values()].map((kiosk) => ({ ...kiosk }));
  }
  garblesPending(): number {
    return this.garbleQueue.length;
  }
  clear(): void {
    this.transactionsById.clear();
    this.jobsById.clear();
    this.reportLog.length = 0;
    this.answersByKey.clear();
    this.seen.clear();
    this.garbleQueue.length = 0;
    this.garbleCycle = 0;
  }

  // ---- internals ----

  private applyReport(jobId: string, report: z.infer<typeof completeBodySchema>): PayoutAnswer {
    const job = this.jobsById.get(jobId);
    if (!job) return { status: 404, outcome: 'not-found', body: { ok: false, error: 'unknown job' } };
    let outcome: PayoutOutcome;
    if (report.success && job.status !== 'completed') {
      // A success after the cloud gave up on the job still means the coins went out.
      job.status = 'completed';
      job.completedAt = new Date(this.now()).toISOString();
      const transaction = this.transactionsById.get(job.transactionId);
      if (transaction) transaction.paidOutAt = job.completedAt;
      outcome = 'job-completed';
    } else if (!report.success && job.status === 'pending') {
      job.errorMessage = report.error ?? null;
      if (job.retryCount < job.maxRetries) {
        job.retryCount++;
        outcome = 'job-retry';
      } else {
        job.status = 'failed';
        outcome = 'job-failed';
      }
    } else {
      outcome = 'report-ignored';
    }
    return { status: 200, outcome, body: { ok: true, job: { ...pendingAnswer(job), status: job.status } } };
  }

  private oldestPendingJob(kioskId: string): PayoutJob | undefined {
    let oldest: PayoutJob | undefined;
    for (const job of this.jobsById.values()) {
      // Insertion order breaks ties, so "oldest" is stable.
      if (job.kioskId === kioskId && job.status === 'pending' && (!oldest || job.createdAt < oldest.createdAt)) oldest = job;
    }
    return oldest;
  }

  private requireTransaction(id: string): PayoutTransaction {
    const transaction = this.transactionsById.get(id);
    if (!transaction) throw new PayoutControlError(404, `unknown transaction ${id}`);
    return transaction;
  }

  /** A pending transaction past its expiry becomes expired. */
  private refreshStatus(transaction: PayoutTransaction): TransactionStatus {
    if (transaction.status === 'pending' && this.now() >= Date.parse(transaction.expiresAt)) transaction.status = 'expired';
    return transaction.status;
  }

  private autoPay(): void {
    const delay = this.options().autoPaySeconds;
    if (delay === null) return;
    for (const transaction of this.transactionsById.values()) {
      if (
        transaction.status === 'pending' &&
        transaction.kioskId !== null &&
        this.now() >= Date.parse(transaction.createdAt) + delay * 1000 &&
        this.refreshStatus(transaction) === 'pending'
      ) {
        this.pay(transaction.id);
      }
    }
  }
}

function parseBody<T extends z.ZodType>(
  schema: T,
  raw: unknown,
): { ok: true; data: z.infer<T> } | { ok: false; answer: PayoutAnswer } {
  if (raw instanceof UnparsedBody || raw === undefined || raw === null) {
    return { ok: false, answer: { status: 400, outcome: 'bad-request', body: { ok: false, error: 'the body is not JSON' } } };
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { ok: true, data: parsed.data };
  const details = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
  return { ok: false, answer: { status: 400, outcome: 'bad-request', body: { ok: false, error: 'malformed body', details } } };
}

function pendingAnswer(job: PayoutJob): PendingJobAnswer {
  return {
    id: job.id,
    transactionId: job.transactionId,
    quarters: job.quarters,
    status: 'pending',
    retryCount: job.retryCount,
    maxRetries: job.maxRetries,
    createdAt: job.createdAt,
  };
}

/** A broken `jobs/pending` answer, built on the job that would have been sent (or a made-up one). */
function garbledJob(kind: GarbleKind, job: PayoutJob | undefined): string {
  const answer = job
    ? pendingAnswer(job)
    : pendingAnswer({ ...placeholderJob, id: randomUUID(), transactionId: randomUUID(), createdAt: new Date().toISOString() });
  switch (kind) {
    case 'bad-json': {
      const text = JSON.stringify(answer);
      return text.slice(0, Math.floor(text.length / 2));
    }
    case 'wrong-types':
      return JSON.stringify({
        id: 12345,
        transactionId: false,
        quarters: String(answer.quarters),
        status: 1,
        retryCount: '0',
        maxRetries: null,
        createdAt: 0,
      });
    case 'missing-fields':
      return JSON.stringify({ id: answer.id, status: 'pending' });
  }
}

const placeholderJob: PayoutJob = {
  id: '',
  transactionId: '',
  kioskId: '',
  quarters: 20,
  status: 'pending',
  retryCount: 0,
  maxRetries: 3,
  createdAt: '',
  deliveries: 0,
  lastDeliveredAt: null,
  completedAt: null,
  errorMessage: null,
};

function copyTransaction(transaction: PayoutTransaction): PayoutTransaction {
  return { ...transaction, dispensedReports: [...transaction.dispensedReports] };
}

// ---- HTTP ----

/** What the routes need from the simulator around them (server.ts). */
export interface PayoutHttpContext {
  options(): PayoutOptions;
  /** Draws the request's fault; 'answered' when the reply is already decided. */
  injectFault(request: FastifyRequest, reply: FastifyReply): 'answered' | 'lose-response' | 'normal';
  /** Records the outcome in the received log and the stats. */
  finish(request: FastifyRequest, outcome: PayoutOutcome | 'fault-lost-response', status?: number): void;
  /** Ends the exchange without an answer. */
  drop(request: FastifyRequest, reply: FastifyReply): FastifyReply;
}

const headerOf = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const payBodySchema = z.strictObject({ kioskId: z.string().min(1).optional(), quarters: z.number().optional() }).optional();
const createJobBodySchema = z.strictObject({
  id: z.string().min(1).optional(),
  transactionId: z.string().optional(),
  kioskId: z.string(),
  quarters: z.number(),
  status: z.enum(jobStatuses).optional(),
  retryCount: z.number().optional(),
  maxRetries: z.number().optional(),
  createdAt: z.string().optional(),
});
const garbleBodySchema = z.strictObject({
  count: z.number().int().min(0),
  kind: z.enum([...garbleKinds, 'mixed']).optional(),
});

type IdParams = { Params: { id: string } };

/**
 * API routes under `/api/v2/` (faults apply), and test controls under
 * `/__sim/payout/` (never faulted): see the list in server.ts.
 */
export function registerPayoutRoutes(app: FastifyInstance, payout: PayoutSim, http: PayoutHttpContext): void {
  const serve = (request: FastifyRequest, reply: FastifyReply, work: () => PayoutAnswer): FastifyReply => {
    const fault = http.injectFault(request, reply);
    if (fault === 'answered') return reply;
    const answer = work();
    if (fault === 'lose-response') {
      // Applied for real; only the answer never reaches the client.
      http.finish(request, 'fault-lost-response');
      return http.drop(request, reply);
    }
    http.finish(request, answer.outcome, answer.status);
    if (answer.outcome === 'replayed') reply.header('Idempotent-Replayed', 'true');
    reply.code(answer.status);
    if (answer.text !== undefined) return reply.type('application/json; charset=utf-8').send(answer.text);
    return reply.send(answer.body);
  };

  app.post('/api/v2/transaction/create', async (request, reply) =>
    serve(request, reply, () => payout.handleCreate(request.body, headerOf(request, 'x-kiosk-id'))),
  );
  app.get<IdParams>('/api/v2/transaction/:id', async (request, reply) => {
    if (http.options().noTransactionStatus) {
      http.finish(request, 'no-such-endpoint', 404);
      return reply.code(404).send({ ok: false, error: 'no such endpoint' });
    }
    return serve(request, reply, () => payout.handleStatus(request.params.id));
  });
  app.get('/api/v2/jobs/pending', async (request, reply) =>
    serve(request, reply, () => payout.handlePoll(headerOf(request, 'x-kiosk-id'))),
  );
  app.post<IdParams>('/api/v2/jobs/:id/complete', async (request, reply) =>
    serve(request, reply, () =>
      payout.handleComplete(request.params.id, request.body, headerOf(request, 'idempotency-key'), headerOf(request, 'x-kiosk-id')),
    ),
  );

  // ---- test controls ----
  const control = <T>(reply: FastifyReply, run: () => T): T | FastifyReply => {
    try {
      return run();
    } catch (error) {
      if (error instanceof PayoutControlError) return reply.code(error.status).send({ ok: false, error: error.message });
      if (error instanceof z.ZodError) return reply.code(400).send({ ok: false, error: z.prettifyError(error) });
      throw error;
    }
  };
  app.get('/__sim/payout/transactions', async () => payout.transactions());
  app.get<IdParams>('/__sim/payout/transactions/:id', async (request, reply) => {
    const transaction = payout.transaction(request.params.id);
    return transaction ?? reply.code(404).send({ ok: false, error: 'unknown transaction' });
  });
  app.post<IdParams>('/__sim/payout/transactions/:id/pay', async (request, reply) =>
    control(reply, () => payout.pay(request.params.id, payBodySchema.parse(request.body) ?? {})),
  );
  app.post<IdParams>('/__sim/payout/transactions/:id/expire', async (request, reply) =>
    control(reply, () => payout.expire(request.params.id)),
  );
  app.post<IdParams>('/__sim/payout/transactions/:id/cancel', async (request, reply) =>
    control(reply, () => payout.cancel(request.params.id)),
  );
  app.get('/__sim/payout/jobs', async () => payout.jobs());
  app.post('/__sim/payout/jobs', async (request, reply) =>
    control(reply, () => payout.createJob(createJobBodySchema.parse(request.body))),
  );
  app.get<IdParams>('/__sim/payout/jobs/:id', async (request, reply) => {
    const job = payout.job(request.params.id);
    return job ?? reply.code(404).send({ ok: false, error: 'unknown job' });
  });
  app.post<IdParams>('/__sim/payout/jobs/:id/retry', async (request, reply) => control(reply, () => payout.retryJob(request.params.id)));
  app.post('/__sim/payout/garble', async (request, reply) =>
    control(reply, () => {
      const { count, kind } = garbleBodySchema.parse(request.body);
      payout.garbleNextJobs(count, kind);
      return { ok: true, pending: payout.garblesPending() };
    }),
  );
  app.get<{ Querystring: { jobId?: string } }>('/__sim/payout/reports', async (request) => payout.reports(request.query.jobId));
  app.get('/__sim/payout/kiosks', async () => payout.kiosks());
  app.get<IdParams>('/__sim/payout/kiosks/:id', async (request) => ({
    kioskId: request.params.id,
    lastSeen: payout.lastSeen(request.params.id),
  }));
  app.delete('/__sim/payout', async () => {
    payout.clear();
    return { ok: true };
  });
}
