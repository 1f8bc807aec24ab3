import { z } from 'zod';
import type { CodedReason } from './reasons';

export interface HopperStatus {
  configured: boolean;
  connected: boolean;
  path: string | null;
  /** Coins the kiosk believes are in the hopper (set when refilled, lowered by each payout); null when never counted. */
  coinsLeft: number | null;
  /** The device's or the OS's words, shown as they are beneath `lastErrorKind`'s. */
  lastError: string | null;
  lastErrorKind: HopperErrorKind | null;
}

/** What kind of hopper problem `lastError` is: the connection (port), the ccTalk bus (no or bad answer), the last payout. */
export type HopperErrorKind = 'connection' | 'communication' | 'payout';

export type PayoutScreenState =
  | 'waiting-payment'
  | 'paying-out'
  | 'done'
  | 'partial'
  | 'expired'
  | 'failed';

/** The transaction on this kiosk's screen, as the customer sees it. */
export interface PayoutSession {
  transactionId: string;
  /** Short code the customer shows the attendant. */
  reference: string;
  amount: number;
  qrUrl: string;
  expiresAt: string;
  state: PayoutScreenState;
  coinsOwed: number | null;
  /** Coins paid; when paidIsLowerBound, at least this many (the hopper could not count the rest). */
  coinsPaid: number;
  /** The payout stopped without the hopper saying what it paid: coinsPaid is what the kiosk saw, the attendant counts the rest. */
  paidIsLowerBound: boolean;
  /**
   * Why the screen says what it says: a fault kind after 'partial'; 'out-of-service';
   * 'attendant' (the payment arrived but the kiosk will not pay it: the attendant will);
   * 'asked-less' (done, with fewer coins than sold, as the payment service asked).
   */
  message: string | null;
}

export interface PayoutStatus {
  inService: boolean;
  /** Why the kiosk is out of service (kept across restarts until the attendant clears it). */
  outOfServiceReason: string | null;
  /** The same as a code with values, for the screen's language (null for a reason stored without one). */
  outOfServiceCoded: CodedReason | null;
  amounts: number[];
  maxAmount: number;
  coinValue: number;
  currency: string;
  /** Amount still allowed today (venue time zone). */
  remainingToday: number;
  online: boolean | null;
  hopper: HopperStatus;
  /** Interrupted motor commands whose coins are not counted yet (reconciled from the hopper's counters). */
  uncountedPayouts: number;
  session: PayoutSession | null;
}

export interface OwedPayout {
  transactionId: string;
  reference: string;
  coinsOwed: number;
  /** Coins known paid (hopper counters or a hand count). */
  coinsPaid: number;
  /** Coins paid at least: coinsPaid plus what the kiosk saw leave on commands the hopper could not count. */
  coinsPaidAtLeast: number;
  /** The hopper could not tell what it paid: the attendant counts and records a hand count. */
  needsHandCount: boolean;
  /** What this kiosk sold (amount / coin value); null for a transaction it did not create. */
  coinsSold: number | null;
  /** What the payment service's latest job asked, as sent; null when it sent no usable count. */
  coinsAsked: number | null;
  /** Coins "Pay out now" would pay (0: nothing the kiosk may pay by itself). */
  payable: number;
  reason:
    | 'customer-absent'
    | 'partial'
    | 'mismatch'
    | 'unknown-outcome'
    | 'over-limit'
    /** The job's count is not a count of coins, or the job could not be read. */
    | 'refused-job'
    /** The job asked more than this kiosk sold (it paid what it sold). */
    | 'asked-more'
    /** The job asked fewer than this kiosk sold (it paid as asked). */
    | 'asked-less';
  detail: string;
  /** The same as a code with values, for the screen's language (null in older rows). */
  detailCoded: CodedReason | null;
  createdAt: string;
}

/** An answer of jobs/pending that is not a job this kiosk can read. */
export interface UnreadableJob {
  /** null: no readable id, so it cannot be reported to the payment service. */
  jobId: string | null;
  transactionId: string | null;
  problem: string;
  /** The start of the answer, as sent (printable characters). */
  excerpt: string;
  firstSeen: string;
  lastSeen: string;
  deliveries: number;
  /** Reported failed (unreadable_job) to the payment service. */
  reported: boolean;
}

export interface PayoutAdminSummary {
  status: PayoutStatus;
  payoutsToday: { count: number; coins: number; amount: number };
  reportsWaiting: number;
  owed: OwedPayout[];
  /** The latest answers of jobs/pending this kiosk could not read, newest first. */
  unreadableJobs: UnreadableJob[];
}

export const payoutHandlers = {
  'payout:status': z.object({}).strict(),
  'payout:start': z.object({ amount: z.number().positive().max(1_000_000) }).strict(),
  'payout:leave': z.object({ transactionId: z.string().max(100) }).strict(),
  'payout:admin-summary': z.object({}).strict(),
  'payout:pay-owed': z.object({ transactionId: z.string().max(100) }).strict(),
  /** The attendant counted the coins the customer got for the transaction, in total. */
  'payout:record-hand-count': z.object({ transactionId: z.string().max(100), coins: z.number().int().min(0).max(100_000) }).strict(),
  /** The attendant checked a flag with nothing left to pay. */
  'payout:dismiss': z.object({ transactionId: z.string().max(100) }).strict(),
  'payout:test-dispense': z.object({}).strict(),
  'payout:refilled': z.object({ coins: z.number().int().min(0).max(100_000) }).strict(),
  'payout:back-in-service': z.object({}).strict(),
};

export interface PayoutValues {
  'payout:status': PayoutStatus;
  'payout:start': PayoutSession;
  'payout:leave': null;
  'payout:admin-summary': PayoutAdminSummary;
  'payout:pay-owed': OwedPayout[];
  'payout:record-hand-count': OwedPayout[];
  'payout:dismiss': OwedPayout[];
  'payout:test-dispense': HopperStatus;
  'payout:refilled': PayoutStatus;
  'payout:back-in-service': PayoutStatus;
}

export interface PayoutEvents {
  'payout:progress': PayoutSession;
  'payout:status': PayoutStatus;
}
