/**
 * The attendant's payout page: service state and why, the hopper (connected,
 * coins left, last error), today's payouts, reports waiting, every owed
 * payout with "Pay out now", "Test dispense 1 coin", "Refilled" and "Back in service".
 */
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { PayoutAdminSummary } from '../../../preload/contract';
import { useStatus } from '../../app/contexts';
import { formatMoney } from '../../app/format';
import { localeOf } from '../../app/i18n';
import type { AdminPageProps } from '../../app/modules';
import { useBoothEvent } from '../../app/useBoothEvent';
import { useReloadSoon } from '../../app/useReloadSoon';
import { BigButton } from '../../components/BigButton';
import { Icon } from '../../components/Icon';
import { Notice } from '../../components/Notice';
import { PinPad } from '../../components/PinPad';
import { formatTimestamp } from '../admin/format';
import { useAdminCall } from '../admin/useAdminCall';

function Row({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="facts__row">
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

export function PayoutAdminPage(_props: AdminPageProps) {
  const { t, i18n } = useTranslation();
  const locale = localeOf(i18n.resolvedLanguage);
  const zone = useStatus()?.timeZone;
  const adminCall = useAdminCall();
  const [summary, setSummary] = useState<PayoutAdminSummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [refill, setRefill] = useState('');
  const alive = useRef(true);
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );

  const load = useCallback(async () => {
    const r = await adminCall('payout:admin-summary', {});
    if (!alive.current) return;
    if (r.ok) setSummary(r.value);
    else setError(r.error.message);
  }, [adminCall]);

  useEffect(() => {
    void load();
  }, [load]);

  const reloadSoon = useReloadSoon(load);
  useBoothEvent('payout:status', reloadSoon);
  useBoothEvent('sync:status', reloadSoon);

  const act = async (name: string, doneText: string, work: () => Promise<{ ok: boolean; error?: { message: string } }>) => {
    setBusy(name);
    setError(null);
    setDone(null);
    const r = await work();
    if (!alive.current) return;
    setBusy(null);
    if (r.ok) setDone(doneText);
    else setError(r.error?.message ?? 'failed');
    await load();
  };

  if (!summary) {
    return (
      <div className="admin-page" data-testid="admin-payout">
        {error ? <Notice kind="error">{t('admin.error', { message: error })}</Notice> : <p className="muted">{t('common.loading')}</p>}
      </div>
    );
  }

  const { status } = summary;
  const hopper = status.hopper;
  const money = (amount: number) => formatMoney(amount, status.currency, locale);
  const when = (iso: string) => formatTimestamp(iso, locale, zone);
  const refillCoins = Number(refill);
  const refillValid = refill.trim() !== '' && Number.isInteger(refillCoins) && refillCoins >= 0 && refillCoins <= 100_000;

  return (
    <div className="admin-page payout-admin" data-testid="admin-payout">
      <div className="admin-page__head">
        <h2>{t('payout.admin.title')}</h2>
        <BigButton icon="refresh" testId="payout-admin-refresh" onClick={() => void load()}>
          {t('common.refresh')}
        </BigButton>
      </div>
      {error ? (
        <div data-testid="payout-admin-error">
          <Notice kind="error">{error}</Notice>
        </div>
      ) : null}
      {done ? (
        <div data-testid="payout-admin-done">
          <Notice kind="ok">{done}</Notice>
        </div>
      ) : null}

      <section className={`admin-card service-card${status.inService ? '' : ' service-card--out'}`} data-testid="payout-service" data-in-service={status.inService ? 'true' : 'false'}>
        <h2>{t('payout.admin.service')}</h2>
        {status.inService ? (
          <Notice kind="ok">{t('payout.admin.inService')}</Notice>
        ) : (
          <>
            <Notice kind="error">{t('payout.admin.outOfService')}</Notice>
            <p className="service-card__reason" data-testid="payout-oos-reason">
              {status.outOfServiceReason}
            </p>
          </>
        )}
        {status.uncountedPayouts > 0 ? <Notice kind="warning">{t('payout.admin.uncounted', { count: status.uncountedPayouts })}</Notice> : null}
        {!status.inService ? (
          <BigButton icon="check" variant="primary" testId="payout-back-in-service" disabled={busy !== null} onClick={() => void act('service', t('payout.admin.backDone'), () => adminCall('payout:back-in-service', {}))}>
            {t('payout.admin.backInService')}
          </BigButton>
        ) : null}
      </section>

      <section className="admin-card">
        <h2>{t('payout.admin.owed')}</h2>
        {summary.owed.length === 0 ? (
          <p className="muted" data-testid="owed-none">
            {t('payout.admin.noOwed')}
          </p>
        ) : (
          <div className="table-wrap">
            <table className="data-table" data-testid="owed-payouts">
              <thead>
                <tr>
                  <th>{t('payout.reference')}</th>
                  <th>{t('payout.admin.owedCoins')}</th>
                  <th>{t('payout.admin.why')}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {summary.owed.map((o) => (
                  <tr key={o.transactionId} data-testid={`owed-${o.reference}`} data-transaction={o.transactionId} data-reason={o.reason}>
                    <td>
                      <strong className="mono">{o.reference}</strong>
                      <div className="muted">{when(o.createdAt)}</div>
                    </td>
                    <td data-testid={`owed-coins-${o.reference}`} data-owed={Math.max(0, o.coinsOwed - o.coinsPaid)}>
                      {t('payout.admin.owedValue', { owed: Math.max(0, o.coinsOwed - o.coinsPaid), paid: o.coinsPaid, total: o.coinsOwed })}
                    </td>
                    <td>
                      <div>{t(`payout.admin.reason.${o.reason}`)}</div>
                      <div className="muted">{o.detail}</div>
                    </td>
                    <td>
                      <BigButton
                        icon="coins"
                        variant="primary"
                        testId={`pay-owed-${o.reference}`}
                        disabled={busy !== null}
                        onClick={() => void act(`pay-${o.transactionId}`, t('payout.admin.paidDone', { reference: o.reference }), () => adminCall('payout:pay-owed', { transactionId: o.transactionId }))}
                      >
                        {t('payout.admin.payNow')}
                      </BigButton>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <div className="admin-grid">
        <section className="admin-card">
          <h2>{t('payout.admin.hopper')}</h2>
          <dl className="facts">
            <Row label={t('payout.admin.hopperState')}>
              {hopper.configured ? (
                <span className={`tag ${hopper.connected ? 'tag--ok' : 'tag--warning'}`} data-testid="hopper-state" data-state={hopper.connected ? 'connected' : 'disconnected'}>
                  <Icon name={hopper.connected ? 'check' : 'warning'} />
                  {hopper.connected ? t('gate.admin.connected') : t('gate.admin.disconnected')}
                </span>
              ) : (
                <span data-testid="hopper-state" data-state="none">
                  {t('payout.admin.noHopper')}
                </span>
              )}
            </Row>
            <Row label={t('gate.admin.path')} testId="hopper-path">
              <span className="mono">{hopper.path ?? t('common.none')}</span>
            </Row>
            <Row label={t('payout.admin.coinsLeft')} testId="hopper-coins-left">
              {hopper.coinsLeft === null ? t('payout.admin.notCounted') : hopper.coinsLeft}
            </Row>
            <Row label={t('payout.admin.lastError')} testId="hopper-last-error">
              {hopper.lastError ?? t('common.none')}
            </Row>
          </dl>
          <div className="payout-admin__actions">
            <BigButton icon="coins" testId="payout-test-dispense" disabled={busy !== null || !hopper.configured} onClick={() => void act('test', t('payout.admin.testDone'), () => adminCall('payout:test-dispense', {}))}>
              {t('payout.admin.testDispense')}
            </BigButton>
            <form
              className="refill"
              onSubmit={(event) => {
                event.preventDefault();
                if (refillValid) void act('refill', t('payout.admin.refillDone', { count: refillCoins }), () => adminCall('payout:refilled', { coins: refillCoins }));
              }}
            >
              <label className="refill__label">
                <span>{t('payout.admin.refillLabel')}</span>
                <input
                  className="refill__input"
                  type="number"
                  inputMode="numeric"
                  min={0}
                  max={100000}
                  step={1}
                  value={refill}
                  data-testid="payout-refill-coins"
                  onChange={(e) => setRefill(e.target.value)}
                />
              </label>
              <BigButton type="submit" icon="check" testId="payout-refilled" disabled={!refillValid || busy !== null}>
                {t('payout.admin.refilled')}
              </BigButton>
              {/* A touch kiosk has no keyboard: digits by hand. */}
              <div className="refill__pad">
                <PinPad
                  onDigit={(d) => setRefill((v) => (v.length < 6 ? (v === '0' ? d : v + d) : v))}
                  onBackspace={() => setRefill((v) => v.slice(0, -1))}
                  onClear={() => setRefill('')}
                />
              </div>
            </form>
          </div>
        </section>

        <section className="admin-card">
          <h2>{t('payout.admin.today')}</h2>
          <dl className="facts">
            <Row label={t('payout.admin.payouts')} testId="payouts-today-count">
              {summary.payoutsToday.count}
            </Row>
            <Row label={t('payout.admin.coinsPaid')} testId="payouts-today-coins">
              {summary.payoutsToday.coins}
            </Row>
            <Row label={t('payout.admin.amountPaid')} testId="payouts-today-amount">
              {money(summary.payoutsToday.amount)}
            </Row>
            <Row label={t('payout.admin.remainingToday')} testId="payout-remaining-today">
              {money(status.remainingToday)}
            </Row>
            <Row label={t('payout.admin.reportsWaiting')} testId="payout-reports-waiting">
              {summary.reportsWaiting}
            </Row>
          </dl>
        </section>

      </div>
    </div>
  );
}
