/**
 * The attendant's payout page: service state and why, the hopper (connected,
 * coins left, last error), today's payouts, reports waiting, every owed
 * payout or flag with "Pay out now", "Record hand count" (what the customer
 * got, when the hopper could not count) and "Checked", the jobs the kiosk
 * could not read, "Test dispense 1 coin", "Refilled" and "Back in service".
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BoothError, OwedPayout } from '../../../preload/contract';
import { useStatus } from '../../app/contexts';
import { formatMoney } from '../../app/format';
import { localeOf } from '../../app/i18n';
import type { AdminPageProps } from '../../app/modules';
import { useBoothEvent } from '../../app/useBoothEvent';
import { BigButton } from '../../components/BigButton';
import { Icon } from '../../components/Icon';
import { KeyValue as Row, KeyValueCard } from '../../components/KeyValueCard';
import { Notice } from '../../components/Notice';
import { PinPad } from '../../components/PinPad';
import { ReasonText } from '../../components/ReasonText';
import { StackTable } from '../../components/StackTable';
import { AdminError } from '../admin/AdminError';
import { formatTimestamp } from '../admin/format';
import { useAdminSummary } from '../admin/useAdminSummary';

export function PayoutAdminPage(_props: AdminPageProps) {
  const { t, i18n } = useTranslation();
  const locale = localeOf(i18n.resolvedLanguage);
  const zone = useStatus()?.timeZone;
  const { adminCall, summary, error, setError, alive, load, reloadSoon } = useAdminSummary('payout:admin-summary');
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [refill, setRefill] = useState('');
  const [counting, setCounting] = useState<OwedPayout | null>(null);
  const [handCount, setHandCount] = useState('');

  useBoothEvent('payout:status', reloadSoon);
  useBoothEvent('sync:status', reloadSoon);

  const act = async (name: string, doneText: string, work: () => Promise<{ ok: boolean; error?: Pick<BoothError, 'message' | 'reason'> }>) => {
    setBusy(name);
    setError(null);
    setDone(null);
    const r = await work();
    if (!alive.current) return;
    setBusy(null);
    if (r.ok) setDone(doneText);
    else setError(r.error ?? { message: 'failed' });
    await load();
  };

  if (!summary) {
    return (
      <div className="admin-page" data-testid="admin-payout">
        {error ? <AdminError message={error.message} reason={error.reason} /> : <p className="muted">{t('common.loading')}</p>}
      </div>
    );
  }

  const { status } = summary;
  const hopper = status.hopper;
  const money = (amount: number) => formatMoney(amount, status.currency, locale);
  const when = (iso: string) => formatTimestamp(iso, locale, zone);
  const refillCoins = Number(refill);
  const refillValid = refill.trim() !== '' && Number.isInteger(refillCoins) && refillCoins >= 0 && refillCoins <= 100_000;
  const handCoins = Number(handCount);
  const handCountValid = counting !== null && handCount.trim() !== '' && Number.isInteger(handCoins) && handCoins >= counting.coinsPaidAtLeast && handCoins <= 100_000;
  const startCount = (o: OwedPayout) => {
    setCounting(o);
    setHandCount('');
  };

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
          <AdminError message={error.message} reason={error.reason} action testId="payout-admin-error-notice" />
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
            <p className="service-card__reason">
              <ReasonText reason={status.outOfServiceCoded} english={status.outOfServiceReason ?? ''} testId="payout-oos-reason" />
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
          <StackTable
            testId="owed-payouts"
            rows={summary.owed}
            rowKey={(o) => o.transactionId}
            rowProps={(o) => ({ 'data-testid': `owed-${o.reference}`, 'data-transaction': o.transactionId, 'data-reason': o.reason })}
            columns={[
              {
                id: 'reference',
                header: t('payout.reference'),
                cell: (o) => (
                  <>
                    <strong className="mono">{o.reference}</strong>
                    <div className="muted">{when(o.createdAt)}</div>
                  </>
                ),
              },
              {
                id: 'coins',
                header: t('payout.admin.owedCoins'),
                cell: (o) => (
                  <span data-testid={`owed-coins-${o.reference}`} data-owed={o.needsHandCount ? '' : Math.max(0, o.coinsOwed - o.coinsPaid)} data-at-least={o.coinsPaidAtLeast}>
                    {o.needsHandCount
                      ? t('payout.admin.atLeastValue', { paid: o.coinsPaidAtLeast, total: o.coinsOwed })
                      : t('payout.admin.owedValue', { owed: Math.max(0, o.coinsOwed - o.coinsPaid), paid: o.coinsPaid, total: o.coinsOwed })}
                    {o.coinsAsked !== null && o.coinsSold !== null && o.coinsAsked !== o.coinsSold ? (
                      <span className="muted block" data-testid={`owed-asked-${o.reference}`}>
                        {t('payout.admin.asked', { asked: o.coinsAsked, sold: o.coinsSold })}
                      </span>
                    ) : null}
                  </span>
                ),
              },
              {
                id: 'why',
                header: t('payout.admin.why'),
                cell: (o) => (
                  <>
                    <div>{t(`payout.admin.reason.${o.reason}`)}</div>
                    <div className="muted">
                      <ReasonText reason={o.detailCoded} english={o.detail} testId={`owed-detail-${o.reference}`} />
                    </div>
                  </>
                ),
              },
              {
                id: 'actions',
                header: '',
                cell: (o) => (
                  <div className="owed__actions">
                    {o.payable > 0 ? (
                      <BigButton
                        icon="coins"
                        variant="primary"
                        testId={`pay-owed-${o.reference}`}
                        disabled={busy !== null}
                        onClick={() => void act(`pay-${o.transactionId}`, t('payout.admin.paidDone', { reference: o.reference }), () => adminCall('payout:pay-owed', { transactionId: o.transactionId }))}
                      >
                        {t('payout.admin.payNow')}
                      </BigButton>
                    ) : null}
                    <BigButton
                      icon="person"
                      variant={o.needsHandCount ? 'primary' : 'secondary'}
                      testId={`hand-count-${o.reference}`}
                      disabled={busy !== null}
                      onClick={() => startCount(o)}
                    >
                      {t('payout.admin.handCount')}
                    </BigButton>
                    {o.payable === 0 && !o.needsHandCount ? (
                      <BigButton
                        icon="check"
                        testId={`dismiss-${o.reference}`}
                        disabled={busy !== null}
                        onClick={() => void act(`dismiss-${o.transactionId}`, t('payout.admin.dismissDone', { reference: o.reference }), () => adminCall('payout:dismiss', { transactionId: o.transactionId }))}
                      >
                        {t('payout.admin.dismiss')}
                      </BigButton>
                    ) : null}
                  </div>
                ),
              },
            ]}
          />
        )}
        {counting ? (
          <form
            className="refill hand-count"
            data-testid="hand-count"
            onSubmit={(event) => {
              event.preventDefault();
              if (!handCountValid) return;
              const entry = counting;
              setCounting(null);
              void act(`count-${entry.transactionId}`, t('payout.admin.handCountDone', { reference: entry.reference }), () =>
                adminCall('payout:record-hand-count', { transactionId: entry.transactionId, coins: handCoins }),
              );
            }}
          >
            <h3 className="hand-count__title">{t('payout.admin.handCountTitle', { reference: counting.reference })}</h3>
            <p className="hand-count__hint">{t('payout.admin.handCountHint', { atLeast: counting.coinsPaidAtLeast, owed: counting.coinsOwed })}</p>
            <label className="refill__label">
              <span>{t('payout.admin.handCountLabel')}</span>
              <input
                className="refill__input"
                type="number"
                inputMode="numeric"
                min={counting.coinsPaidAtLeast}
                max={100000}
                step={1}
                value={handCount}
                data-testid="hand-count-coins"
                onChange={(e) => setHandCount(e.target.value)}
              />
            </label>
            <div className="owed__actions">
              <BigButton type="submit" icon="check" variant="primary" testId="hand-count-save" disabled={!handCountValid || busy !== null}>
                {t('payout.admin.handCountSave')}
              </BigButton>
              <BigButton icon="cross" testId="hand-count-cancel" onClick={() => setCounting(null)}>
                {t('common.cancel')}
              </BigButton>
            </div>
            <div className="refill__pad">
              <PinPad
                onDigit={(d) => setHandCount((v) => (v.length < 6 ? (v === '0' ? d : v + d) : v))}
                onBackspace={() => setHandCount((v) => v.slice(0, -1))}
                onClear={() => setHandCount('')}
              />
            </div>
          </form>
        ) : null}
      </section>

      {summary.unreadableJobs.length > 0 ? (
        <section className="admin-card" data-testid="unreadable-jobs">
          <h2>{t('payout.admin.unreadable')}</h2>
          <StackTable
            rows={summary.unreadableJobs}
            rowKey={(j) => `${j.jobId ?? ''}|${j.firstSeen}|${j.excerpt}`}
            rowProps={(j) => ({ 'data-testid': 'unreadable-job', 'data-job': j.jobId ?? '', 'data-reported': j.reported ? 'true' : 'false' })}
            columns={[
              {
                id: 'job',
                header: t('payout.admin.unreadableJob'),
                cell: (j) => (
                  <>
                    <span className="mono">{j.jobId ?? t('payout.admin.unreadableNoId')}</span>
                    {j.jobId !== null && j.reported ? <div className="muted">{t('payout.admin.unreadableReported')}</div> : null}
                    <div className="muted">{t('payout.admin.unreadableSeen', { count: j.deliveries, when: when(j.lastSeen) })}</div>
                  </>
                ),
              },
              {
                id: 'problem',
                header: t('payout.admin.unreadableProblem'),
                cell: (j) => (
                  <>
                    <div>{t('payout.admin.unreadableSummary')}</div>
                    {/* What the validator said and what the server sent: the peer's data, shown as it is. */}
                    <div data-testid="unreadable-problem" data-untranslated="true" data-quoted="true">
                      {j.problem}
                    </div>
                    <div className="muted mono unreadable__excerpt" data-untranslated="true" data-quoted="true">
                      {j.excerpt}
                    </div>
                  </>
                ),
              },
            ]}
          />
        </section>
      ) : null}

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
            <Row label={t('payout.admin.lastError')} testId="hopper-last-error" untranslated={hopper.lastError !== null && !hopper.lastErrorKind}>
              {hopper.lastError === null ? (
                t('common.none')
              ) : hopper.lastErrorKind ? (
                <>
                  <span data-testid="hopper-last-error-kind" data-kind={hopper.lastErrorKind}>
                    {t(`payout.admin.hopperError.${hopper.lastErrorKind}`)}
                  </span>
                  {/* The device's or the OS's own words. */}
                  <span className="muted block" data-untranslated="true" data-quoted="true">
                    {hopper.lastError}
                  </span>
                </>
              ) : (
                hopper.lastError
              )}
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

        <KeyValueCard title={t('payout.admin.today')}>
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
        </KeyValueCard>

      </div>
    </div>
  );
}
