/**
 * Whether the kiosk pays, and what the screen shows of it: out of service
 * (with the reason the attendant acts on) and the coins left in the hopper
 * live in the store, so they outlive a restart; the daily cap counts what
 * was paid today in the venue's time zone; `payout:status` goes out when
 * anything in it changed.
 */
import { z } from 'zod';
import { codedReasonSchema, type CodedReason, type HopperStatus, type PayoutSession, type PayoutStatus } from '../../preload/contract';
import { venueDate, type Clock } from '../clock';
import type { CloudClient } from '../cloud';
import type { BoothConfig } from '../config';
import type { EventBus } from '../dispatch';
import type { ScopedLog } from '../log';
import type { Store } from '../store';
import type { PayoutHopper } from './hopper';
import type { Ledger } from './ledger';

const OUT_OF_SERVICE_KEY = 'payout.outOfService';
const COINS_LEFT_KEY = 'payout.coinsLeft';

// `coded` is absent in what an older version stored, or for a code this version no longer knows.
const outOfServiceSchema = z.object({ reason: z.string(), since: z.string(), coded: codedReasonSchema.optional().catch(undefined) });

export interface PayoutServiceDeps {
  config: BoothConfig;
  store: Store;
  sql: Ledger;
  cloud: CloudClient;
  events: EventBus;
  clock: Clock;
  log: ScopedLog;
  hopper: PayoutHopper | undefined;
  maxCoinsPerTransaction: number;
  /** The customer on screen (session.ts). */
  session(): PayoutSession | null;
}

export type PayoutService = ReturnType<typeof createPayoutService>;

export function createPayoutService(deps: PayoutServiceDeps) {
  const { config, store, sql, cloud, events, clock, log, hopper, maxCoinsPerTransaction } = deps;
  const payout = config.payout;

  const outOfService = () => store.getSetting(OUT_OF_SERVICE_KEY, outOfServiceSchema.nullable()) ?? null;
  const coinsLeft = () => store.getSetting(COINS_LEFT_KEY, z.number().int().nullable()) ?? null;

  function goOutOfService(reason: string, coded?: CodedReason) {
    if (outOfService()) return;
    store.setSetting(OUT_OF_SERVICE_KEY, { reason, since: clock.now().toISOString(), ...(coded ? { coded } : {}) }, clock.now());
    log.warn(`out of service: ${reason}`);
    publishStatus();
  }

  /** Clears out of service; returns the reason it had. */
  /** Back in service; returns why it was out of service (null: it was not). */
  function backInService(): ReturnType<typeof outOfService> {
    const oos = outOfService();
    store.setSetting(OUT_OF_SERVICE_KEY, null, clock.now());
    return oos;
  }

  /** The attendant refilled the hopper: it holds `coins` now. */
  const setCoinsLeft = (coins: number) => store.setSetting(COINS_LEFT_KEY, coins, clock.now());

  /** Coins left the hopper (paid, or counted by hand); call inside the transaction that records them. */
  function lowerCoinsLeft(coins: number) {
    const left = coinsLeft();
    if (left !== null && coins > 0) store.setSetting(COINS_LEFT_KEY, Math.max(0, left - coins), clock.now());
  }

  function hopperStatus(): HopperStatus {
    const device = hopper?.status();
    return {
      configured: Boolean(hopper),
      connected: device?.connected ?? false,
      path: device?.path ?? null,
      coinsLeft: coinsLeft(),
      lastError: device?.lastError ?? null,
      lastErrorKind: device?.lastErrorKind ?? null,
    };
  }

  /**
   * Money committed today (venue time zone): coins already paid, plus what the
   * customer on screen may still be paid. An unpaid, abandoned QR counts for nothing.
   */
  function spentToday(): number {
    const now = clock.now();
    const today = venueDate(now, config.timeZone);
    const since = new Date(now.getTime() - 48 * 3_600_000).toISOString();
    const paid = (sql.recent.all(since) as { coins_paid: number; coins_overpaid: number; created_at: string }[])
      .filter((r) => venueDate(new Date(r.created_at), config.timeZone) === today)
      .reduce((sum, r) => sum + (r.coins_paid + r.coins_overpaid) * payout.coinValue, 0);
    const session = deps.session();
    const onScreen = session && (session.state === 'waiting-payment' || session.state === 'paying-out') ? session.amount - session.coinsPaid * payout.coinValue : 0;
    return paid + onScreen;
  }

  /** Takes the kiosk out of service before it would be unable to pay the largest amount. */
  function checkCoinReserve() {
    const left = coinsLeft();
    if (left !== null && left < maxCoinsPerTransaction + payout.lowCoinReserve) {
      const needed = maxCoinsPerTransaction + payout.lowCoinReserve;
      goOutOfService(`coins low: ${left} left, ${needed} needed; refill the hopper`, { code: 'oos-coins-low', params: { left, needed } });
    }
  }

  function status(): PayoutStatus {
    const oos = outOfService();
    return {
      inService: oos === null,
      outOfServiceReason: oos?.reason ?? null,
      outOfServiceCoded: oos?.coded ?? null,
      amounts: payout.amounts,
      maxAmount: payout.maxAmount,
      coinValue: payout.coinValue,
      currency: payout.currency,
      remainingToday: Math.max(0, Math.round((payout.dailyCap - spentToday()) * 100) / 100),
      online: cloud.state().online,
      hopper: hopperStatus(),
      uncountedPayouts: sql.openSteps.all().length,
      session: deps.session(),
    };
  }

  let lastStatusJson = '';
  function publishStatus() {
    const next = status();
    const json = JSON.stringify(next);
    if (json !== lastStatusJson) {
      lastStatusJson = json;
      events.emit('payout:status', next);
    }
  }

  return { outOfService, goOutOfService, backInService, coinsLeft, setCoinsLeft, lowerCoinsLeft, hopperStatus, spentToday, checkCoinReserve, status, publishStatus };
}
