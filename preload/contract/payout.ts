import { z } from 'zod';

export interface HopperStatus {
  configured: boolean;
  connected: boolean;
  path: string | null;
  /** Coins the kiosk believes are in the hopper (set when refilled, lowered by each payout); null when never counted. */
  coinsLeft: number | null;
  lastError: string | null;
}

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
  coinsPaid: number;
  message: string | null;
}

export interface PayoutStatus {
  inService: boolean;
  /** Why the kiosk is out of service (kept across restarts until the attendant clears it). */
  outOfServiceReason: string | null;
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
  coinsPaid: number;
  reason: 'customer-absent' | 'partial' | 'mismatch' | 'unknown-outcome' | 'over-limit';
  detail: string;
  createdAt: string;
}

export interface PayoutAdminSummary {
  status: PayoutStatus;
  payoutsToday: { count: number; coins: number; amount: number };
  reportsWaiting: number;
  owed: OwedPayout[];
}

export const payoutHandlers = {
  'payout:status': z.object({}).strict(),
  'payout:start': z.object({ amount: z.number().positive().max(1_000_000) }).strict(),
  'payout:leave': z.object({ transactionId: z.string().max(100) }).strict(),
  'payout:admin-summary': z.object({}).strict(),
  'payout:pay-owed': z.object({ transactionId: z.string().max(100) }).strict(),
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
  'payout:test-dispense': HopperStatus;
  'payout:refilled': PayoutStatus;
  'payout:back-in-service': PayoutStatus;
}

export interface PayoutEvents {
  'payout:progress': PayoutSession;
  'payout:status': PayoutStatus;
}
