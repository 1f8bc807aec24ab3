/**
 * The attendant's updates page: the running version, a release available,
 * the download with its progress, the staged release and what keeps it from
 * installing, the last refusal and why, the history, and "Check now" /
 * "Install now". Codes come from main; the page words them in its language,
 * main's English detail beneath.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BoothError, UpdatesStatus } from '../../../preload/contract';
import { useStatus } from '../../app/contexts';
import { localeOf } from '../../app/i18n';
import type { AdminPageProps } from '../../app/modules';
import { useBoothEvent } from '../../app/useBoothEvent';
import { BigButton } from '../../components/BigButton';
import { KeyValue as Row, KeyValueCard } from '../../components/KeyValueCard';
import { Notice } from '../../components/Notice';
import { StackTable } from '../../components/StackTable';
import { AdminError } from '../admin/AdminError';
import { formatTimestamp } from '../admin/format';
import { useAdminCall } from '../admin/useAdminCall';

export function UpdatesAdminPage(_props: AdminPageProps) {
  const { t, i18n } = useTranslation();
  const locale = localeOf(i18n.resolvedLanguage);
  const zone = useStatus()?.timeZone;
  const adminCall = useAdminCall();
  const [status, setStatus] = useState<UpdatesStatus | null>(null);
  const [error, setError] = useState<Pick<BoothError, 'message' | 'reason'> | null>(null);
  const [busy, setBusy] = useState<'check' | 'install' | null>(null);
  const alive = useRef(true);
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );

  const load = useCallback(async () => {
    const r = await adminCall('updates:status', {});
    if (!alive.current) return;
    if (r.ok) setStatus(r.value);
    else setError(r.error);
  }, [adminCall]);
  useEffect(() => {
    void load();
  }, [load]);
  useBoothEvent('updates:status', setStatus);

  const act = async (name: 'check' | 'install') => {
    setBusy(name);
    setError(null);
    const r = await adminCall(name === 'check' ? 'updates:check' : 'updates:install', {});
    if (!alive.current) return;
    setBusy(null);
    if (r.ok) setStatus(r.value);
    else setError(r.error);
  };

  if (!status) {
    return (
      <div className="admin-page" data-testid="admin-updates">
        {error ? <AdminError message={error.message} reason={error.reason} /> : <p className="muted">{t('common.loading')}</p>}
      </div>
    );
  }
  const when = (iso: string) => formatTimestamp(iso, locale, zone);
  const mb = (bytes: number) => (bytes / 1_000_000).toLocaleString(locale, { maximumFractionDigits: 1 });
  const progress = status.progress;
  const fraction = progress && progress.total > 0 ? Math.min(1, progress.bytes / progress.total) : 0;

  return (
    <div className="admin-page updates-admin" data-testid="admin-updates" data-phase={status.phase}>
      <div className="admin-page__head">
        <h2>{t('updates.admin.title')}</h2>
        <BigButton icon="refresh" testId="updates-check" disabled={!status.enabled || busy !== null} onClick={() => void act('check')}>
          {t('updates.admin.checkNow')}
        </BigButton>
      </div>
      {error ? <AdminError message={error.message} reason={error.reason} action testId="updates-error" /> : null}
      {!status.enabled ? <Notice kind="info">{t('updates.admin.off')}</Notice> : null}

      <KeyValueCard title={t('updates.admin.versions')} testId="updates-versions">
        <Row label={t('updates.admin.current')} testId="updates-current">
          <span className="mono">{status.current}</span> · {status.channel} · {status.arch}
        </Row>
        <Row label={t('updates.admin.available')} testId="updates-available">
          {status.available ? (
            <>
              <span className="mono">{status.available.version}</span> · {t('updates.admin.rollout', { percent: status.available.rolloutPercent })} · {t('updates.admin.size', { mb: mb(status.available.size) })}
            </>
          ) : (
            t('common.none')
          )}
        </Row>
        <Row label={t('updates.admin.staged')} testId="updates-staged">
          {status.staged ? <span className="mono">{status.staged.version}</span> : t('common.none')}
        </Row>
        <Row label={t('updates.admin.lastCheck')} testId="updates-last-check">
          {status.lastCheckAt ? when(status.lastCheckAt) : t('updates.admin.never')}
        </Row>
        <Row label={t('updates.admin.window')}>{t('updates.admin.windowValue', status.maintenanceWindow)}</Row>
      </KeyValueCard>

      {status.phase === 'downloading' || status.phase === 'verifying' ? (
        <div
          className="progress progress--running"
          data-testid="updates-progress"
          data-bytes={progress?.bytes ?? 0}
          data-total={progress?.total ?? 0}
          role="progressbar"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(fraction * 100)}
          aria-label={t('updates.admin.downloading')}
        >
          <div className="progress__fill" style={{ width: `${Math.round(fraction * 100)}%` }} />
          <span className="progress__text">
            {status.phase === 'verifying' ? t('updates.admin.verifying') : t('updates.admin.downloadingValue', { done: mb(progress?.bytes ?? 0), total: mb(progress?.total ?? 0) })}
          </span>
        </div>
      ) : null}

      {status.problem ? (
        <div data-testid="updates-problem" data-kind={status.problem.kind} data-code={status.problem.code}>
          <Notice kind={status.problem.kind === 'waiting' ? 'info' : status.problem.kind === 'refused' ? 'error' : 'warning'}>
            {t(`updates.admin.problem.${status.problem.kind}`, { version: status.problem.version ?? '' })} {t(`updates.code.${status.problem.code}`, { defaultValue: status.problem.code })}
          </Notice>
          <p className="muted" data-untranslated="true">
            {status.problem.message}
          </p>
        </div>
      ) : null}

      {status.staged ? (
        <section className="admin-card" data-testid="updates-install">
          <h2>{t('updates.admin.installTitle', { version: status.staged.version })}</h2>
          {status.phase === 'installing' ? (
            <Notice kind="ok">{t('updates.admin.installing')}</Notice>
          ) : status.blockers.length === 0 ? (
            <Notice kind="ok">{t('updates.admin.readyToInstall')}</Notice>
          ) : (
            <ul data-testid="updates-blockers">
              {status.blockers.map((b) => (
                <li key={`${b.code}-${b.detail ?? ''}`} data-code={b.code}>
                  {t(`updates.blocker.${b.code}`, { count: Number(b.detail) || 0 })}
                  {b.code === 'busy' && b.detail ? (
                    <span className="muted block" data-untranslated="true">
                      {b.detail}
                    </span>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
          <BigButton icon="download" variant="primary" testId="updates-install-now" disabled={busy !== null || status.phase === 'installing'} onClick={() => void act('install')}>
            {t('updates.admin.installNow')}
          </BigButton>
          <p className="muted">{t('updates.admin.installHint')}</p>
        </section>
      ) : null}

      <section className="admin-card">
        <h2>{t('updates.admin.history')}</h2>
        {status.history.length === 0 ? (
          <p className="muted">{t('updates.admin.noHistory')}</p>
        ) : (
          <StackTable
            testId="updates-history"
            rows={status.history}
            rowKey={(h) => `${h.at}-${h.event}-${h.version ?? ''}-${h.code ?? ''}`}
            rowProps={(h) => ({ 'data-event': h.event, 'data-code': h.code ?? '' })}
            pageSize={10}
            columns={[
              { id: 'at', header: t('updates.admin.when'), cell: (h) => when(h.at) },
              { id: 'version', header: t('updates.admin.version'), cell: (h) => <span className="mono">{h.version ?? ''}</span> },
              {
                id: 'event',
                header: t('updates.admin.what'),
                cell: (h) => (
                  <>
                    <div>{t(`updates.event.${h.event}`)}{h.code ? ` · ${t(`updates.code.${h.code}`, { defaultValue: h.code })}` : ''}</div>
                    <div className="muted" data-untranslated="true">
                      {h.message}
                    </div>
                  </>
                ),
              },
            ]}
          />
        )}
      </section>
    </div>
  );
}
