/**
 * The attendant's intake page: the receiver (connected, why not, packets and
 * noise since start, last signal), the signal over the latest packets, and the
 * failed payloads with their reason and "Reprocess" (after the config or the
 * conflicting animal changed).
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStatus } from '../../app/contexts';
import { localeOf } from '../../app/i18n';
import type { AdminPageProps } from '../../app/modules';
import { useBoothEvent } from '../../app/useBoothEvent';
import { BigButton } from '../../components/BigButton';
import { ReasonText } from '../../components/ReasonText';
import { KeyValue as Row, KeyValueCard } from '../../components/KeyValueCard';
import { Notice } from '../../components/Notice';
import { AdminError } from '../admin/AdminError';
import { formatTimestamp } from '../admin/format';
import { useAdminSummary } from '../admin/useAdminSummary';
import { PacketStatus } from './IntakeBoard';
import { SignalChart } from './SignalChart';

export function IntakeAdminPage(_props: AdminPageProps) {
  const { t, i18n } = useTranslation();
  const locale = localeOf(i18n.resolvedLanguage);
  const zone = useStatus()?.timeZone;
  const { adminCall, summary, error, setError, alive, load, reloadSoon } = useAdminSummary('intake:admin-summary');
  const [busy, setBusy] = useState<number | null>(null);

  useBoothEvent('payload:updated', reloadSoon);
  useBoothEvent('intake:receiver', reloadSoon);

  const reprocess = async (id: number) => {
    setBusy(id);
    setError(null);
    const r = await adminCall('intake:reprocess', { id });
    if (!alive.current) return;
    setBusy(null);
    if (!r.ok) setError(r.error);
    await load();
  };

  if (!summary) {
    return <div className="admin-page" data-testid="admin-intake">{error ? <AdminError message={error.message} reason={error.reason} /> : <p className="muted">{t('common.loading')}</p>}</div>;
  }
  const receiver = summary.receiver;
  const when = (iso: string | null) => (iso ? formatTimestamp(iso, locale, zone) : t('common.none'));

  return (
    <div className="admin-page intake-admin" data-testid="admin-intake">
      <div className="admin-page__head">
        <h2>{t('intake.admin.title')}</h2>
        <BigButton icon="refresh" testId="intake-admin-refresh" onClick={() => void load()}>
          {t('common.refresh')}
        </BigButton>
      </div>
      {error ? <AdminError message={error.message} reason={error.reason} action testId="intake-admin-error" /> : null}

      <KeyValueCard title={t('intake.admin.receiver')} testId="intake-receiver-card">
        <Row label={t('intake.admin.state')} testId="intake-admin-receiver-state">
          {t(`intake.receiver.${!receiver.configured ? 'none' : receiver.connected ? 'connected' : 'disconnected'}`)}
        </Row>
        {receiver.path ? (
          <Row label={t('intake.admin.path')} testId="intake-admin-path">
            <span className="mono">{receiver.path}</span>
          </Row>
        ) : null}
        {receiver.error ? (
          <Row label={t('intake.admin.problem')}>
            <ReasonText reason={receiver.errorCoded} english={receiver.error} testId="intake-admin-receiver-error" />
          </Row>
        ) : null}
        <Row label={t('intake.admin.lastPacket')}>{when(receiver.lastPacketAt)}</Row>
        <Row label={t('intake.admin.lines')} testId="intake-admin-lines">
          {t('intake.admin.linesValue', { packets: receiver.packets, noise: receiver.noiseLines })}
        </Row>
        <Row label={t('intake.admin.waiting')}>{summary.waiting}</Row>
        <Row label={t('intake.admin.processedToday')}>{summary.processedToday}</Row>
      </KeyValueCard>

      <section className="admin-card">
        <h2>{t('intake.admin.signal')}</h2>
        <SignalChart points={summary.signal} />
      </section>

      <section className="admin-card" data-testid="intake-failed">
        <h2>{t('intake.admin.failed', { count: summary.failedTotal })}</h2>
        {summary.failed.length === 0 ? <Notice kind="ok">{t('intake.admin.noFailed')}</Notice> : null}
        <ul className="intake-failed">
          {summary.failed.map((row) => (
            <li key={row.id} className="intake-failed__row" data-testid={`failed-${row.id}`} data-code={row.error_code ?? ''}>
              <PacketStatus row={row} />
              <span className="intake-packet__payload">{row.payload}</span>
              <span className="muted">
                <ReasonText reason={row.reason} english={row.error ?? ''} testId={`failed-reason-${row.id}`} />
              </span>
              <span className="muted">{when(row.received_at)}</span>
              <BigButton icon="refresh" testId={`reprocess-${row.id}`} disabled={busy !== null} onClick={() => void reprocess(row.id)}>
                {t('intake.admin.reprocess')}
              </BigButton>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
