/**
 * The payout kiosk's part of the attract screen: the configured amounts as big
 * buttons; choosing one creates the transaction and shows its QR code. Out of
 * service, customers get a plain message (the reason is for the attendant, in admin).
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CodedReason, PayoutStatus } from '../../../preload/contract';
import { call } from '../../app/call';
import { formatMoney } from '../../app/format';
import { localeOf } from '../../app/i18n';
import { useRouter } from '../../app/router';
import { Icon } from '../../components/Icon';
import { Notice } from '../../components/Notice';
import { reasonWords } from '../../components/ReasonText';
import { PAYOUT_SESSION_ROUTE } from './PayoutService';
import { usePayoutStatus } from './usePayoutStatus';

export const coinsFor = (amount: number, coinValue: number) => Math.round(amount / coinValue);

/** Why an amount cannot be chosen now, or null. */
function unavailable(amount: number, status: PayoutStatus): string | null {
  if (amount > status.maxAmount) return 'overMax';
  if (amount > status.remainingToday + 1e-9) return 'dailyCap';
  const left = status.hopper.coinsLeft;
  if (left !== null && left < coinsFor(amount, status.coinValue)) return 'coins';
  return null;
}

export function PayoutStart() {
  const { t, i18n } = useTranslation();
  const locale = localeOf(i18n.resolvedLanguage);
  const { navigate } = useRouter();
  const { status, refresh } = usePayoutStatus();
  const [starting, setStarting] = useState<number | null>(null);
  const [error, setError] = useState<{ detail: string; reason: CodedReason | undefined } | null>(null);

  if (!status) return <p className="muted">{t('common.loading')}</p>;
  const why = error ? reasonWords(t, i18n, error.reason, error.detail) : null;

  if (!status.inService) {
    return (
      <div className="payout-oos" data-testid="payout-out-of-service">
        <Icon name="ban" className="payout-oos__icon" />
        <div>
          <p className="payout-oos__title">{t('payout.outOfService.title')}</p>
          <p className="purpose__hint">{t('payout.outOfService.hint')}</p>
        </div>
      </div>
    );
  }

  const start = async (amount: number) => {
    if (starting !== null) return;
    setStarting(amount);
    setError(null);
    const r = await call('payout:start', { amount });
    setStarting(null);
    if (r.ok) navigate({ name: PAYOUT_SESSION_ROUTE, params: { session: r.value } });
    else {
      setError({ detail: r.error.message, reason: r.error.reason });
      void refresh();
    }
  };

  return (
    <div className="payout-start" data-testid="payout-start">
      <div className="purpose" data-testid="purpose-payout">
        <Icon name="coins" className="purpose__icon" />
        <div>
          <p className="purpose__title">{t('payout.start.title')}</p>
          <p className="purpose__hint">{t('payout.start.hint')}</p>
        </div>
      </div>
      <div className="amounts" role="group" aria-label={t('payout.start.choose')}>
        {status.amounts.map((amount) => {
          const why = unavailable(amount, status);
          return (
            <button
              key={amount}
              type="button"
              className="amount-button"
              data-testid={`amount-${amount}`}
              data-unavailable={why ?? undefined}
              disabled={why !== null || starting !== null}
              onClick={() => void start(amount)}
            >
              <span className="amount-button__value">{formatMoney(amount, status.currency, locale)}</span>
              <span className="amount-button__coins">
                {starting === amount ? t('payout.start.starting') : t('payout.start.coins', { count: coinsFor(amount, status.coinValue) })}
              </span>
            </button>
          );
        })}
      </div>
      {error ? (
        <div data-testid="payout-start-error" data-detail={error.detail} data-code={error.reason?.code}>
          <Notice kind="error">
            {/* Why, when main said it as a code (in place of the general words: one notice fits 800x480); never main's English. */}
            {why?.translated ? <span data-testid="payout-start-reason">{why.text}</span> : t('payout.start.failed')}
          </Notice>
        </div>
      ) : null}
    </div>
  );
}
