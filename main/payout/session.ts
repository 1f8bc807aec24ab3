/**
 * The customer on screen: a transaction created in the cloud with its QR
 * code, the session the screen follows (`payout:progress`), its expiry, and
 * the customer leaving. Coins go only to the customer on screen: a session
 * marks its transaction "customer present" until they leave.
 */
import crypto from 'node:crypto';
import { z } from 'zod';
import type { PayoutSession } from '../../preload/contract';
import type { Clock } from '../clock';
import { CloudNetworkError, readTextCapped, type CloudClient } from '../cloud';
import type { BoothConfig } from '../config';
import { HandlerError, type EventBus } from '../dispatch';
import type { ScopedLog } from '../log';
import type { PayoutHopper } from './hopper';
import { MAX_ANSWER_BYTES } from './jobs';
import type { Ledger } from './ledger';
import type { PayoutService } from './service';

const transactionCreatedSchema = z.object({
  id: z.string().min(1).max(100),
  qrUrl: z.url({ protocol: /^https?$/ }),
  // Not used (the kiosk knows what it asked for): a server on a decimal column
  // (the seed's Neon, Prisma) sends it as a string, "5.00".
  amount: z.unknown().optional(),
  // Read apart: an expiresAt that is null or has no time zone is not one the
  // kiosk can trust, and the seed's 15 minutes apply (the answer is not refused).
  expiresAt: z.unknown().optional(),
});
const expiresAtSchema = z.iso.datetime({ offset: true });

/** The answer's JSON, or null when it is not JSON or longer than any answer of the payment service. */
const readJsonCapped = (response: Response): Promise<unknown> =>
  readTextCapped(response, MAX_ANSWER_BYTES).then((text) => JSON.parse(text) as unknown).catch(() => null);

export interface CustomerSessionDeps {
  config: BoothConfig;
  cloud: CloudClient;
  sql: Ledger;
  events: EventBus;
  clock: Clock;
  log: ScopedLog;
  hopper: PayoutHopper | undefined;
  service: PayoutService;
  endpoint(path: string): string;
  coinsFor(amount: number): number;
  referenceFor(transactionId: string): string;
  /** A transaction was created: look for its job now. */
  onStarted(): void;
}

export type CustomerSession = ReturnType<typeof createCustomerSession>;

export function createCustomerSession(deps: CustomerSessionDeps) {
  const { config, cloud, sql, events, clock, log, hopper, service, endpoint } = deps;
  const payout = config.payout;
  let session: PayoutSession | null = null;
  let transactionStatusRoute = true;

  const setSession = (next: PayoutSession | null) => {
    session = next;
    if (next) events.emit('payout:progress', next);
    service.publishStatus();
  };
  const patchSession = (transactionId: string, patch: Partial<PayoutSession>) => {
    if (session?.transactionId === transactionId) setSession({ ...session, ...patch });
  };
  /** The payment arrived but the kiosk will not pay it by itself: the customer still waiting is told the attendant will. */
  const attendantWillPay = (transactionId: string) => {
    if (session?.transactionId === transactionId && session.state === 'waiting-payment') patchSession(transactionId, { state: 'failed', message: 'attendant' });
  };

  function customerLeaves(transactionId: string, why: string) {
    sql.customerGone.run(transactionId);
    if (session?.transactionId === transactionId) {
      log.info(`customer left transaction ${transactionId} (${why})`);
      setSession(null);
    }
  }

  async function start(amount: number): Promise<PayoutSession> {
    const oos = service.outOfService();
    if (oos) throw new HandlerError('unavailable', `This kiosk is out of service: ${oos.reason}`, { code: 'payout-out-of-service' });
    if (!payout.amounts.includes(amount) || amount > payout.maxAmount) {
      throw new HandlerError('bad_arguments', `${amount} is not one of the amounts offered here.`, { code: 'payout-amount-not-offered', params: { amount, currency: payout.currency } });
    }
    const coins = deps.coinsFor(amount);
    if (Math.abs(coins * payout.coinValue - amount) > 1e-9) throw new HandlerError('bad_arguments', `${amount} cannot be paid in coins of ${payout.coinValue}.`, { code: 'payout-amount-not-coins', params: { amount, coinValue: payout.coinValue, currency: payout.currency } });
    if (!hopper || !hopper.status().connected) throw new HandlerError('unavailable', 'The coin hopper is not connected.', { code: 'payout-hopper-not-connected' });
    if (sql.openSteps.all().length > 0) throw new HandlerError('unavailable', 'An interrupted payout is being counted. Please wait a moment.', { code: 'payout-interrupted-counting' });
    const left = service.coinsLeft();
    if (left !== null && left < coins) throw new HandlerError('unavailable', 'Not enough coins in the hopper for this amount.', { code: 'payout-not-enough-coins' });
    if (session?.state === 'paying-out') throw new HandlerError('unavailable', 'A payout is in progress.', { code: 'payout-in-progress' });
    if (session) customerLeaves(session.transactionId, 'a new transaction started');
    if (service.spentToday() + amount > payout.dailyCap) throw new HandlerError('unavailable', 'The daily payout limit of this kiosk is reached.', { code: 'payout-daily-limit' });

    let created: z.infer<typeof transactionCreatedSchema>;
    try {
      const response = await cloud.request(endpoint('transaction/create'), { method: 'POST', body: JSON.stringify({ amount }), idempotencyKey: crypto.randomUUID() });
      if (!response.ok) throw new HandlerError('unavailable', `The payment service answered ${response.status}. Please try again.`, { code: 'payout-service-answered', params: { status: response.status } });
      const parsed = transactionCreatedSchema.safeParse(await readJsonCapped(response));
      if (!parsed.success) throw new HandlerError('unavailable', 'The payment service sent an answer this kiosk cannot read.', { code: 'payout-service-unreadable' });
      created = parsed.data;
    } catch (error) {
      if (error instanceof HandlerError) throw error;
      if (error instanceof CloudNetworkError) throw new HandlerError('unavailable', 'No connection to the payment service. Please try again later.', { code: 'payout-service-offline' });
      // Not the network (a bug, a disk error): the customer gets a general sentence, the log main's words.
      log.error('payout:start failed:', error);
      throw new HandlerError('unavailable', (error as Error).message, { code: 'payout-start-failed' });
    }
    const now = clock.now();
    const sentExpiry = expiresAtSchema.safeParse(created.expiresAt);
    if (created.expiresAt != null && !sentExpiry.success) log.warn(`transaction ${created.id}: expiresAt ${JSON.stringify(created.expiresAt).slice(0, 60)} is not a time with a zone; the QR is shown for ${payout.qrLifetimeMinutes} minutes`);
    const expiresAt = sentExpiry.success ? sentExpiry.data : new Date(now.getTime() + payout.qrLifetimeMinutes * 60_000).toISOString();
    const reference = deps.referenceFor(created.id);
    sql.insertTransaction.run(created.id, reference, amount, 1, now.toISOString(), expiresAt, 1);
    log.info(`transaction ${created.id} (${reference}) for ${amount} ${payout.currency} created; QR until ${expiresAt}`);
    const next: PayoutSession = {
      transactionId: created.id,
      reference,
      amount,
      qrUrl: created.qrUrl,
      expiresAt,
      state: 'waiting-payment',
      coinsOwed: null,
      coinsPaid: 0,
      paidIsLowerBound: false,
      message: null,
    };
    setSession(next);
    deps.onStarted();
    return next;
  }

  /** The QR's expiry, and the cloud's word on the transaction where the server has the optional route. */
  async function checkExpiry() {
    if (!session || session.state !== 'waiting-payment') return;
    const s = session;
    if (Date.parse(s.expiresAt) <= clock.now().getTime()) {
      setSession({ ...s, state: 'expired' });
      customerLeaves(s.transactionId, 'payment link expired');
      return;
    }
    if (!transactionStatusRoute) return;
    try {
      const response = await cloud.request(endpoint(`transaction/${encodeURIComponent(s.transactionId)}`), { method: 'GET' });
      if (response.status === 404) {
        // A server without the optional route: the job's arrival tells of the payment.
        transactionStatusRoute = false;
        await response.body?.cancel();
        return;
      }
      const parsed = z.object({ status: z.enum(['pending', 'paid', 'expired', 'cancelled']) }).safeParse(await readJsonCapped(response));
      if (parsed.success && (parsed.data.status === 'expired' || parsed.data.status === 'cancelled') && session?.transactionId === s.transactionId) {
        setSession({ ...session, state: 'expired' });
        customerLeaves(s.transactionId, `transaction ${parsed.data.status}`);
      }
    } catch {
      /* offline: the poll's backoff covers it */
    }
  }

  return { current: () => session, patchSession, attendantWillPay, customerLeaves, start, checkExpiry };
}
