/**
 * Reading an answer of `GET jobs/pending`, and bounding the coin count a job
 * asks for (CONTRACTS.md "Coin payout": the money rule bounds what the server
 * may ask). Pure functions; the ledger acts on their verdicts.
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import type { CodedReason } from '../../preload/contract';

const idSchema = z.string().min(1).max(100);

/** A job as the cloud sends it; quarters is checked separately so a bad count is reported, not dropped. */
export const jobSchema = z.object({
  id: idSchema,
  transactionId: idSchema,
  quarters: z.number(),
  // A null (from a nullable column) reads as absent, as a missing field does (retryCount 0),
  // never as a reason to refuse the job: status, maxRetries and createdAt are not used here.
  status: z.string().nullish(),
  retryCount: z.number().int().min(0).nullish().transform((n) => n ?? 0),
  maxRetries: z.number().int().nullish(),
  createdAt: z.string().nullish(),
});
export type Job = z.infer<typeof jobSchema>;

export type JobAnswer =
  | { kind: 'none' }
  | { kind: 'job'; job: Job }
  | {
      kind: 'unreadable';
      /** The job's id when it can be read: the job can then be reported failed. */
      jobId: string | null;
      transactionId: string | null;
      /** What is wrong, for the log and the attendant. */
      problem: string;
      /** The same answer delivered again has the same fingerprint. */
      fingerprint: string;
      /** The start of the answer, printable, for the attendant. */
      excerpt: string;
    };

const EXCERPT_CHARS = 200;

/** The most of a payment service answer that is read (a job or a transaction is well under 1 KB): a body without end is cut off, not held in memory. */
export const MAX_ANSWER_BYTES = 64 * 1024;

/** Reads one answer of jobs/pending (its body text). */
export function readJobAnswer(text: string): JobAnswer {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return unreadable(text, null, 'the answer is not JSON');
  }
  if (raw === null) return { kind: 'none' };
  const parsed = jobSchema.safeParse(raw);
  if (parsed.success) return { kind: 'job', job: parsed.data };
  const issue = parsed.error.issues[0];
  const problem = issue ? `${issue.path.join('.') || '(answer)'}: ${issue.message}` : 'not a job';
  return unreadable(text, raw, problem);
}

function unreadable(text: string, raw: unknown, problem: string): JobAnswer {
  const field = (name: string): string | null => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
    const value = (raw as Record<string, unknown>)[name];
    return idSchema.safeParse(value).success ? (value as string) : null;
  };
  return {
    kind: 'unreadable',
    jobId: field('id'),
    transactionId: field('transactionId'),
    problem,
    fingerprint: crypto.createHash('sha256').update(text).digest('hex'),
    excerpt: text.slice(0, EXCERPT_CHARS).replace(/[^\x20-\x7e]/g, '?'),
  };
}

/** The server asked for a different count than this kiosk sold: flagged for the attendant and in the report. */
export interface AskFlag {
  reason: 'asked-more' | 'asked-less';
  /** The `error` of the completion report. */
  error: 'quarters_over_amount' | 'quarters_under_amount';
  detail: string;
  coded: CodedReason;
}

export type CoinCountVerdict =
  /** Not a count of coins (negative, fractional): nothing is paid. */
  | { kind: 'invalid'; detail: string; coded: CodedReason }
  /** More than this kiosk pays for one transaction, for a transaction it did not create. */
  | { kind: 'over-limit'; detail: string; coded: CodedReason }
  /** The coins owed for the transaction, bounded by what this kiosk sold. */
  | { kind: 'owed'; coins: number; flag: AskFlag | null };

/**
 * The coins owed for a job: its quarters, but never more than the kiosk sold
 * (amount / coin value) for a transaction it created. A job asking for fewer
 * is paid as asked; either difference is flagged.
 */
export function boundCoinCount(quarters: number, coinsSold: number | null, maxCoins: number): CoinCountVerdict {
  if (!Number.isSafeInteger(quarters) || quarters < 0) return { kind: 'invalid', detail: `the job asks ${quarters} coins, which is not a count of coins`, coded: { code: 'owed-not-a-count', params: { asked: String(quarters) } } };
  if (coinsSold === null) {
    if (quarters > maxCoins) return { kind: 'over-limit', detail: `${quarters} coins asked; the most this kiosk pays at once is ${maxCoins}`, coded: { code: 'owed-over-limit', params: { asked: quarters, max: maxCoins } } };
    return { kind: 'owed', coins: quarters, flag: null };
  }
  return { kind: 'owed', coins: Math.min(quarters, coinsSold), flag: askFlag(quarters, coinsSold) };
}

/** The flag for a job's count against what this kiosk sold; null when they agree or nothing is known. */
export function askFlag(asked: number | null, coinsSold: number | null): AskFlag | null {
  if (asked === null || coinsSold === null || !Number.isInteger(asked) || asked < 0 || asked === coinsSold) return null;
  return asked > coinsSold
    ? { reason: 'asked-more', error: 'quarters_over_amount', detail: `the payment service asked ${asked} coins; this kiosk sold ${coinsSold} and pays no more`, coded: { code: 'owed-asked-more', params: { asked, sold: coinsSold } } }
    : { reason: 'asked-less', error: 'quarters_under_amount', detail: `the payment service asked ${asked} coins; this kiosk sold ${coinsSold}: paid as asked`, coded: { code: 'owed-asked-less', params: { asked, sold: coinsSold } } };
}
