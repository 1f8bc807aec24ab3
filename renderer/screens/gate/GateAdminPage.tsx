/**
 * The attendant's gate page: the attraction served and test mode, tickets
 * stored and the last download (with "Download now" and its progress),
 * admissions today per hour, uploads pending and dead (each with its error
 * and a Retry), flags for the attendant (GateFlags), and the scanner.
 */
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { BoothError, DownloadInfo, GateAdminSummary } from '../../../preload/contract';
import { useStatus } from '../../app/contexts';
import { localeOf } from '../../app/i18n';
import type { AdminPageProps } from '../../app/modules';
import { useBoothEvent } from '../../app/useBoothEvent';
import { useReloadSoon } from '../../app/useReloadSoon';
import { BigButton } from '../../components/BigButton';
import { Icon } from '../../components/Icon';
import { KeyValue as Row, KeyValueCard } from '../../components/KeyValueCard';
import { ReasonText } from '../../components/ReasonText';
import { StackTable } from '../../components/StackTable';
import { AdminError } from '../admin/AdminError';
import { formatTimestamp } from '../admin/format';
import { useAdminCall } from '../admin/useAdminCall';
import { GateFlags } from './GateFlags';
import { HourChart } from './HourChart';
import { TimeZoneNotice } from './TimeZoneNotice';

function Tag({ ok, children, testId, state }: { ok: boolean; children: ReactNode; testId?: string; state?: string }) {
  return (
    <span className={`tag ${ok ? 'tag--ok' : 'tag--warning'}`} data-testid={testId} data-state={state}>
      <Icon name={ok ? 'check' : 'warning'} />
      {children}
    </span>
  );
}

export function hourIn(timeZone: string | undefined): number | null {
  try {
    return Number(new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' }).format(new Date()));
  } catch {
    return null;
  }
}

export function DownloadProgress({ info }: { info: DownloadInfo }) {
  const { t, i18n } = useTranslation();
  const num = (n: number) => n.toLocaleString(localeOf(i18n.resolvedLanguage));
  const known = info.total !== null && info.total > 0;
  const fraction = info.state === 'done' || info.state === 'not-modified' ? 1 : known ? Math.min(1, info.processed / info.total!) : 0;
  const running = info.state === 'running';
  return (
    <div
      className={`progress${running && !known ? ' progress--indeterminate' : ''} progress--${info.state}`}
      data-testid="download-progress"
      data-state={info.state}
      data-processed={info.processed}
      data-total={info.total ?? ''}
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={Math.round(fraction * 100)}
      aria-label={t('gate.admin.downloadProgress')}
    >
      <div className="progress__fill" style={{ width: `${Math.round(fraction * 100)}%` }} />
      <span className="progress__text">
        {running
          ? known
            ? t('gate.admin.downloadRunningCount', { processed: num(info.processed), total: num(info.total ?? 0) })
            : t('gate.admin.downloadRunning')
          : t(`gate.admin.downloadState.${info.state}`)}
      </span>
    </div>
  );
}

export function GateAdminPage(_props: AdminPageProps) {
  const { t, i18n } = useTranslation();
  const locale = localeOf(i18n.resolvedLanguage);
  const status = useStatus();
  const zone = status?.timeZone;
  const adminCall = useAdminCall();
  const [summary, setSummary] = useState<GateAdminSummary | null>(null);
  const [download, setDownload] = useState<DownloadInfo | null>(null);
  const [error, setError] = useState<Pick<BoothError, 'message' | 'reason'> | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const alive = useRef(true);
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );

  const load = useCallback(async () => {
    const r = await adminCall('gate:admin-summary', {});
    if (!alive.current) return;
    if (r.ok) {
      setSummary(r.value);
      setDownload((d) => (d?.state === 'running' ? d : r.value.lastDownload));
      setError(null);
    } else setError(r.error);
  }, [adminCall]);

  useEffect(() => {
    void load();
  }, [load]);

  // Reload (at most every 300 ms) when uploads, the scanner or test mode change.
  const reloadSoon = useReloadSoon(load);
  useBoothEvent('sync:status', reloadSoon);
  useBoothEvent('gate:status', reloadSoon);
  useBoothEvent('gate:download', (info) => {
    setDownload(info);
    if (info.state !== 'running') void load();
  });

  const act = async (name: string, work: () => Promise<{ ok: boolean; error?: Pick<BoothError, 'message' | 'reason'> }>) => {
    setBusy(name);
    const r = await work();
    if (!alive.current) return;
    setBusy(null);
    if (!r.ok) setError(r.error ?? { message: 'failed' });
    await load();
  };

  const downloadNow = async () => {
    setBusy('download');
    const r = await adminCall('gate:download-now', {});
    if (!alive.current) return;
    setBusy(null);
    if (r.ok) setDownload((d) => (d?.state === 'running' && r.value.state !== 'running' ? d : r.value));
    else setError(r.error);
  };

  if (!summary) {
    return (
      <div className="admin-page" data-testid="admin-gate">
        {error ? <AdminError message={error.message} reason={error.reason} /> : <p className="muted">{t('common.loading')}</p>}
      </div>
    );
  }

  const last = download ?? summary.lastDownload;
  const sync = summary.sync;
  const scanner = summary.scanner;
  const when = (iso: string | null) => (iso ? formatTimestamp(iso, locale, zone) : t('gate.admin.never'));
  const num = (n: number) => n.toLocaleString(locale);

  return (
    <div className="admin-page gate-admin" data-testid="admin-gate">
      <div className="admin-page__head">
        <h2 data-testid="gate-admin-attraction" data-attraction={summary.attraction}>
          {t('gate.admin.title', { attraction: summary.attraction })}
        </h2>
        <BigButton icon="refresh" testId="gate-admin-refresh" onClick={() => void load()}>
          {t('common.refresh')}
        </BigButton>
      </div>
      {error ? <AdminError message={error.message} reason={error.reason} testId="gate-admin-error" /> : null}
      {summary.timeZoneHint ? <TimeZoneNotice hint={summary.timeZoneHint} testId="gate-time-zone-hint" /> : null}

      <div className="admin-grid">
        <KeyValueCard
          title={t('gate.admin.gate')}
          after={<p className="muted gate-admin__hint">{t('gate.admin.testModeHint')}</p>}
        >
          <Row label={t('gate.admin.attraction')}>
            <strong>{summary.attraction}</strong>
          </Row>
          <Row label={t('gate.admin.testMode')}>
            <button
              type="button"
              className={`switch${summary.testMode ? ' is-on' : ''}`}
              role="switch"
              aria-checked={summary.testMode}
              data-testid="gate-test-mode"
              data-state={summary.testMode ? 'on' : 'off'}
              disabled={busy === 'test-mode'}
              onClick={() => void act('test-mode', () => adminCall('gate:set-test-mode', { on: !summary.testMode }))}
            >
              <span className="switch__knob" />
              <span className="switch__label">{summary.testMode ? t('gate.admin.on') : t('gate.admin.off')}</span>
            </button>
          </Row>
        </KeyValueCard>

        <KeyValueCard
          title={t('gate.admin.uploads')}
          after={
            summary.deadItems.length > 0 ? (
              <StackTable
                testId="dead-items"
                rows={summary.deadItems}
                rowKey={(item) => item.id}
                rowProps={(item) => ({ 'data-testid': `dead-item-${item.id}`, 'data-key': item.key })}
                columns={[
                  {
                    id: 'upload',
                    header: t('gate.admin.deadUpload'),
                    cell: (item) => (
                      <>
                        <div>
                          <ReasonText reason={item.summaryCoded} english={item.summary} testId={`dead-summary-${item.id}`} />
                        </div>
                        <div className="muted">{t('gate.admin.deadMeta', { time: when(item.createdAt), count: item.attempts })}</div>
                      </>
                    ),
                  },
                  {
                    id: 'error',
                    header: t('gate.admin.deadError'),
                    className: 'dead-error',
                    testId: (item) => `dead-error-${item.id}`,
                    cell: (item) => (item.lastError === null ? '—' : <ReasonText reason={item.lastErrorCoded} english={item.lastError} />),
                  },
                  {
                    id: 'retry',
                    header: '',
                    cell: (item) => (
                      <BigButton
                        icon="refresh"
                        testId={`redrive-${item.id}`}
                        disabled={busy === `redrive-${item.id}`}
                        onClick={() => void act(`redrive-${item.id}`, () => adminCall('sync:redrive', { id: item.id }))}
                      >
                        {t('gate.admin.retry')}
                      </BigButton>
                    ),
                  },
                ]}
              />
            ) : null
          }
        >
          <Row label={t('gate.admin.pending')} testId="gate-sync-pending">
            {num(sync.pending)}
          </Row>
          <Row label={t('gate.admin.dead')} testId="gate-sync-dead">
            {sync.dead > 0 ? <Tag ok={false}>{num(sync.dead)}</Tag> : num(sync.dead)}
          </Row>
          <Row label={t('gate.admin.lastUpload')} testId="gate-last-upload">
            {when(sync.lastUploadAt)}
          </Row>
          {sync.lastError ? (
            <Row label={t('gate.admin.lastError')}>
              <ReasonText reason={sync.lastErrorCoded} english={sync.lastError} testId="gate-sync-error" />
            </Row>
          ) : null}
        </KeyValueCard>

        <KeyValueCard
          title={t('gate.admin.tickets')}
          after={
            <div className="gate-admin__download">
              <BigButton icon="download" variant="primary" testId="gate-download-now" disabled={last.state === 'running' || busy === 'download'} onClick={() => void downloadNow()}>
                {t('gate.admin.downloadNow')}
              </BigButton>
              <DownloadProgress info={last} />
            </div>
          }
        >
          <Row label={t('gate.admin.ticketsStored')} testId="gate-tickets-stored">
            {num(summary.ticketsStored)}
          </Row>
          <Row label={t('gate.admin.lastSuccess')} testId="gate-last-success">
            {when(summary.lastSuccessfulDownloadAt)}
          </Row>
          <Row label={t('gate.admin.lastDownload')} testId="gate-last-download">
            <span data-state={last.state}>
              {t(`gate.admin.downloadState.${last.state}`)}
              {last.finishedAt ? ` · ${when(last.finishedAt)}` : last.startedAt ? ` · ${when(last.startedAt)}` : ''}
            </span>
          </Row>
          {last.state !== 'idle' ? (
            <>
              <Row label={t('gate.admin.count')} testId="gate-download-count">
                {last.state === 'not-modified'
                  ? // Nothing came down: say what the kiosk holds, not "0 stored".
                    t('gate.admin.countUnchanged', { count: summary.ticketsStored, tickets: num(summary.ticketsStored) })
                  : t('gate.admin.countValue', { stored: num(last.stored), skipped: num(last.skipped), withdrawn: num(last.withdrawn) })}
              </Row>
              <Row label={t('gate.admin.duration')} testId="gate-download-duration">
                {last.durationMs === null ? '—' : t('gate.admin.durationValue', { seconds: (last.durationMs / 1000).toLocaleString(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }) })}
              </Row>
            </>
          ) : null}
          {last.error ? (
            <Row label={t('gate.admin.errors')}>
              <ReasonText reason={last.errorCoded} english={last.error} testId="gate-download-error" />
            </Row>
          ) : null}
        </KeyValueCard>

        <KeyValueCard title={t('gate.admin.scanner')}>
          <Row label={t('gate.admin.scannerState')}>
            {scanner.configured ? (
              <Tag ok={scanner.connected} testId="gate-scanner-state" state={scanner.connected ? 'connected' : 'disconnected'}>
                {scanner.connected ? t('gate.admin.connected') : t('gate.admin.disconnected')}
              </Tag>
            ) : (
              <span data-testid="gate-scanner-state" data-state="none">
                {t('gate.admin.scannerNone')}
              </span>
            )}
          </Row>
          <Row label={t('gate.admin.path')} testId="gate-scanner-path">
            <span className="mono">{scanner.path ?? t('common.none')}</span>
          </Row>
          <Row label={t('gate.admin.lastScan')} testId="gate-scanner-last">
            {when(scanner.lastScanAt)}
          </Row>
          {scanner.error ? (
            <Row label={t('gate.admin.error')}>
              <ReasonText reason={scanner.errorCoded} english={scanner.error} testId="gate-scanner-error" />
            </Row>
          ) : null}
        </KeyValueCard>

        <section className="admin-card admin-card--wide">
          <h2>{t('gate.admin.admissionsToday')}</h2>
          <HourChart perHour={summary.admissionsPerHour} currentHour={hourIn(zone)} />
        </section>

        <section className="admin-card admin-card--wide">
          <h2>{t('gate.admin.flags')}</h2>
          <GateFlags firstPage={summary.flags} adminCall={adminCall} when={when} onChanged={load} onError={setError} />
        </section>
      </div>
    </div>
  );
}
