/**
 * One customer's payout: the QR code of the payment link with a countdown to
 * its expiry, then "Paying out 12 of 20 coins", then "Please take your coins".
 * A payout that stops part-way says what was paid and owed, with the reference
 * for the attendant; when the hopper could not count what it paid, only what
 * the kiosk saw ("at least 5") and that the attendant counts the rest. A
 * payment the kiosk will not pay by itself says the attendant will. The QR and
 * the payout hold the idle reset; leaving the flow (cancel, or back to start
 * after a result) tells main ('payout:leave').
 */
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { PayoutSession, PayoutStatus } from '../../../preload/contract';
import { call } from '../../app/call';
import { useBoot } from '../../app/contexts';
import { formatMoney } from '../../app/format';
import { localeOf } from '../../app/i18n';
import { useHoldIdle } from '../../app/idle';
import type { CustomerScreenProps } from '../../app/modules';
import { useRouter } from '../../app/router';
import { useBoothEvent } from '../../app/useBoothEvent';
import { BigButton } from '../../components/BigButton';
import { Icon, type IconName } from '../../components/Icon';
import { gateTimings } from '../gate/timing';
import { QrCode } from './QrCode';
import { usePayoutStatus } from './usePayoutStatus';

/** "Please take your coins" stays this long. */
export const DONE_MS = 10_000;
/** After the countdown ends, how long main may take to say "expired" before the screen asks. */
export const EXPIRY_GRACE_MS = 8_000;

const HELD: ReadonlySet<PayoutSession['state']> = new Set(['waiting-payment', 'paying-out']);

/** Transactions on screen (by id); a cleanup that finds its id shown again was a remount, not a leave. */
const shown = new Map<string, number>();

export function PayoutSessionScreen({ route }: CustomerScreenProps) {
  const { home } = useRouter();
  const initial = (route.params as { session?: PayoutSession } | undefined)?.session;
  useEffect(() => {
    if (!initial) home();
  }, [initial, home]);
  if (!initial) return null;
  return <SessionView key={initial.transactionId} initial={initial} />;
}

function useCountdown(expiresAt: string, running: boolean): number {
  // Converted once to monotonic time: a clock change does not stretch the countdown.
  const deadline = useRef(performance.now() + (Date.parse(expiresAt) - Date.now()));
  const [left, setLeft] = useState(() => Math.max(0, deadline.current - performance.now()));
  useEffect(() => {
    deadline.current = performance.now() + (Date.parse(expiresAt) - Date.now());
  }, [expiresAt]);
  useEffect(() => {
    if (!running) return undefined;
    const tick = () => setLeft(Math.max(0, deadline.current - performance.now()));
    tick();
    const timer = window.setInterval(tick, 250);
    return () => window.clearInterval(timer);
  }, [running]);
  return left;
}

const mmss = (ms: number) => {
  const s = Math.ceil(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

function SessionView({ initial }: { initial: PayoutSession }) {
  const { t, i18n } = useTranslation();
  const locale = localeOf(i18n.resolvedLanguage);
  const boot = useBoot();
  const { home } = useRouter();
  const { status } = usePayoutStatus();
  const [session, setSession] = useState<PayoutSession>(initial);
  const [lostTrack, setLostTrack] = useState(false);
  const id = initial.transactionId;

  useBoothEvent('payout:progress', (next) => {
    if (next.transactionId === id) setSession(next);
  });

  const state: PayoutSession['state'] = lostTrack ? 'expired' : session.state;
  useHoldIdle(HELD.has(session.state) && !lostTrack);

  const leaving = useRef(false);
  const leave = useCallback(() => {
    if (!leaving.current) {
      leaving.current = true;
      void call('payout:leave', { transactionId: id });
    }
    home();
  }, [home, id]);

  // Leaving the screen any other way (admin, a reload) tells main too, unless coins are moving.
  const stateRef = useRef(session.state);
  stateRef.current = session.state;
  useEffect(() => {
    shown.set(id, (shown.get(id) ?? 0) + 1);
    return () => {
      shown.set(id, (shown.get(id) ?? 1) - 1);
      window.setTimeout(() => {
        if ((shown.get(id) ?? 0) > 0) return;
        shown.delete(id);
        if (!leaving.current && stateRef.current !== 'paying-out') {
          leaving.current = true;
          void call('payout:leave', { transactionId: id });
        }
      }, 0);
    };
  }, [id]);

  const countdown = useCountdown(session.expiresAt, state === 'waiting-payment');
  // The bar shows the time left of what was left when the QR appeared.
  const totalRef = useRef(Math.max(1, Date.parse(initial.expiresAt) - Date.now()));

  // The countdown ended but main has not said "expired": ask after a grace period.
  useEffect(() => {
    if (state !== 'waiting-payment' || countdown > 0) return undefined;
    const timer = window.setTimeout(async () => {
      const r = await call('payout:status', {});
      const current: PayoutStatus['session'] = r.ok ? r.value.session : null;
      if (!current || current.transactionId !== id) setLostTrack(true);
      else setSession(current);
    }, EXPIRY_GRACE_MS);
    return () => window.clearTimeout(timer);
  }, [state, countdown, id]);

  // Results return to the start by themselves.
  const { resultMs } = gateTimings(boot);
  useEffect(() => {
    if (state === 'done') {
      const timer = window.setTimeout(leave, DONE_MS);
      return () => window.clearTimeout(timer);
    }
    if (state === 'expired') {
      const timer = window.setTimeout(leave, resultMs);
      return () => window.clearTimeout(timer);
    }
    return undefined;
  }, [state, leave, resultMs]);

  const currency = status?.currency ?? '';
  const coinValue = status?.coinValue ?? null;
  const money = (amount: number) => (currency ? formatMoney(amount, currency, locale) : String(amount));
  const coinsMoney = (coins: number) => (coinValue ? ` (${money(coins * coinValue)})` : '');
  const owed = session.coinsOwed;
  const paid = session.coinsPaid;

  switch (state) {
    case 'waiting-payment': {
      const fraction = Math.min(1, countdown / totalRef.current);
      const ended = countdown <= 0;
      return (
        <main className="screen payout payout--qr" data-testid="payout-session" data-state="waiting-payment" data-transaction={id}>
          <div className="payout__qr-side">
            <QrCode text={session.qrUrl} label={t('payout.qr.alt', { amount: money(session.amount) })} />
          </div>
          <div className="payout__info">
            <h1 className="payout__title">{t('payout.qr.title')}</h1>
            <p className="payout__amount" data-testid="payout-amount">
              {money(session.amount)}
            </p>
            <p className="payout__hint">{t('payout.qr.hint')}</p>
            <div
              className={`countdown${countdown < 60_000 ? ' countdown--low' : ''}`}
              data-testid="qr-countdown"
              data-seconds={Math.ceil(countdown / 1000)}
              role="timer"
              aria-live="off"
            >
              <Icon name="clock" />
              <span className="countdown__text">{ended ? t('payout.qr.checking') : t('payout.qr.expiresIn', { time: mmss(countdown) })}</span>
              <div className="countdown__bar">
                <div className="countdown__fill" style={{ width: `${Math.round(fraction * 1000) / 10}%` }} />
              </div>
            </div>
            <p className="payout__reference muted">
              {t('payout.reference')} <span className="mono" data-testid="payout-reference">{session.reference}</span>
            </p>
            <BigButton variant="ghost" icon="cross" testId="payout-cancel" onClick={leave}>
              {t('common.cancel')}
            </BigButton>
          </div>
        </main>
      );
    }
    case 'paying-out': {
      const fraction = owed ? Math.min(1, paid / owed) : 0;
      return (
        <Result tone="busy" icon="coins" state="paying-out" id={id} title={owed ? t('payout.paying.title', { paid, owed }) : t('payout.paying.starting')}>
          <div className="progress progress--big" data-testid="payout-progress" data-paid={paid} data-owed={owed ?? ''} role="progressbar" aria-valuemin={0} aria-valuemax={owed ?? 0} aria-valuenow={paid}>
            <div className="progress__fill" style={{ width: `${Math.round(fraction * 100)}%` }} />
          </div>
          <p className="payout__hint">{t('payout.paying.hint')}</p>
        </Result>
      );
    }
    case 'done':
      return (
        <Result tone="ok" icon="check" state="done" id={id} title={t('payout.done.title')}>
          <p className="payout__big" data-testid="payout-paid" data-paid={paid}>
            {t('payout.done.coins', { count: paid })}
            {coinsMoney(paid)}
          </p>
          {session.message === 'asked-less' ? (
            <p className="payout__show" data-testid="payout-asked-less">
              {t('payout.done.askedLess', { amount: money(session.amount) })}{' '}
              <span className="payout__reference-big mono" data-testid="payout-reference">
                {session.reference}
              </span>
            </p>
          ) : null}
          <BigButton variant="primary" icon="check" testId="payout-finish" onClick={leave}>
            {t('payout.done.finish')}
          </BigButton>
        </Result>
      );
    case 'partial':
    case 'failed': {
      if (state === 'failed' && session.message === 'attendant') {
        // The payment arrived, but the kiosk will not pay it by itself: the attendant will.
        return (
          <Result tone="warn" icon="coins" state="failed" id={id} title={t('payout.attendant.title')}>
            <p className="payout__hint" data-testid="payout-attendant">
              {t('payout.attendant.hint')}
            </p>
            <p className="payout__show">
              {t('payout.partial.showReference')}{' '}
              <span className="payout__reference-big mono" data-testid="payout-reference">
                {session.reference}
              </span>
            </p>
            <BigButton icon="check" testId="payout-finish" onClick={leave}>
              {t('common.ok')}
            </BigButton>
          </Result>
        );
      }
      const stillOwed = Math.max(0, (owed ?? 0) - paid);
      return (
        <Result tone="deny" icon="warning" state={state} id={id} title={t('payout.partial.title')}>
          <dl className="payout__facts">
            <div>
              <dt>{t('payout.partial.paid')}</dt>
              <dd data-testid="payout-paid" data-paid={paid} data-at-least={session.paidIsLowerBound ? 'true' : 'false'}>
                {session.paidIsLowerBound ? t('payout.partial.atLeast', { count: paid }) : t('payout.coins', { count: paid })}
                {session.paidIsLowerBound ? null : coinsMoney(paid)}
              </dd>
            </div>
            {session.paidIsLowerBound ? null : (
              <div>
                <dt>{t('payout.partial.owed')}</dt>
                <dd data-testid="payout-owed" data-owed={stillOwed}>
                  {t('payout.coins', { count: stillOwed })}
                  {coinsMoney(stillOwed)}
                </dd>
              </div>
            )}
          </dl>
          {session.paidIsLowerBound ? (
            <p className="payout__show" data-testid="payout-count-pending">
              {t('payout.partial.countPending')}
            </p>
          ) : null}
          <p className="payout__show">
            {t('payout.partial.showReference')}{' '}
            <span className="payout__reference-big mono" data-testid="payout-reference">
              {session.reference}
            </span>
          </p>
          <p className="payout__hint">{t('payout.partial.outOfService')}</p>
          <BigButton icon="check" testId="payout-finish" onClick={leave}>
            {t('common.ok')}
          </BigButton>
        </Result>
      );
    }
    case 'expired':
      return (
        <Result tone="warn" icon="clock" state="expired" id={id} title={t('payout.expired.title')}>
          <p className="payout__hint">{t('payout.expired.hint')}</p>
        </Result>
      );
  }
}

function Result({ tone, icon, state, id, title, children }: { tone: 'ok' | 'busy' | 'deny' | 'warn'; icon: IconName; state: string; id: string; title: string; children?: ReactNode }) {
  return (
    <main className={`screen payout payout--result payout--${tone}`} data-testid="payout-session" data-state={state} data-transaction={id} role={tone === 'deny' ? 'alert' : 'status'}>
      <span className="gate-result__badge payout__badge">
        <Icon name={icon} className="gate-result__icon" />
      </span>
      <h1 className="payout__title" data-testid="payout-title">
        {title}
      </h1>
      {children}
    </main>
  );
}
