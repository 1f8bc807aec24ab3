/**
 * The attendant's bookings page: the last sync (when, what came, its error)
 * with "Sync now"; the disk where clips are made (free, floor, paused when
 * low); the match video tasks by step with their state, tries, next try and
 * last error, and "Try again" for a failed task or one in the offline queue.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { HandlerArgs, PipelineTaskView } from '../../../preload/contract';
import { useStatus } from '../../app/contexts';
import { localeOf } from '../../app/i18n';
import type { AdminPageProps } from '../../app/modules';
import { useBoothEvent } from '../../app/useBoothEvent';
import { BigButton } from '../../components/BigButton';
import { KeyValue as Row, KeyValueCard } from '../../components/KeyValueCard';
import { Notice } from '../../components/Notice';
import { StackTable, type StackColumn } from '../../components/StackTable';
import { AdminError } from '../admin/AdminError';
import { formatBytes, formatTimestamp } from '../admin/format';
import { useAdminSummary } from '../admin/useAdminSummary';

const STEPS = ['process', 'upload', 'notify'] as const;

/** Words from outside the screen's catalogue: the platform's booking ids, the config's camera names, the log's error lines. */
const Quoted = ({ text }: { text: string }) => (
  <span data-untranslated="true" data-quoted="true">
    {text}
  </span>
);

export function BookingsAdminPage(_props: AdminPageProps) {
  const { t, i18n } = useTranslation();
  const locale = localeOf(i18n.resolvedLanguage);
  const zone = useStatus()?.timeZone;
  const { adminCall, summary, setSummary, error, setError, alive, load, reloadSoon } = useAdminSummary('bookings:admin-summary');
  const [busy, setBusy] = useState(false);

  useBoothEvent('bookings:board', reloadSoon);

  const act = async (name: 'bookings:redrive' | 'bookings:sync-now', args: HandlerArgs<'bookings:redrive'> | HandlerArgs<'bookings:sync-now'>) => {
    setBusy(true);
    setError(null);
    const r = await adminCall(name, args as HandlerArgs<typeof name>);
    if (!alive.current) return;
    setBusy(false);
    if (r.ok) setSummary(r.value);
    else setError(r.error);
  };

  if (!summary) {
    return <div className="admin-page" data-testid="admin-bookings">{error ? <AdminError message={error.message} reason={error.reason} /> : <p className="muted">{t('common.loading')}</p>}</div>;
  }
  const when = (iso: string | null) => (iso ? formatTimestamp(iso, locale, zone) : t('common.none'));
  const { lastSync, disk } = summary;
  const open = (step: string) => summary.counts.filter((c) => c.step === step).reduce((n, c) => n + c.n, 0);

  const columns: StackColumn<PipelineTaskView>[] = [
    { id: 'booking', header: t('bookings.admin.booking'), cell: (task) => <Quoted text={task.bookingId ?? '-'} /> },
    { id: 'camera', header: t('bookings.admin.camera'), cell: (task) => <Quoted text={task.camera ?? '-'} /> },
    { id: 'step', header: t('bookings.admin.step'), cell: (task) => t(`bookings.admin.steps.${task.step}`, { defaultValue: task.step }) },
    { id: 'state', header: t('bookings.admin.state'), cell: (task) => t(`bookings.admin.states.${task.state}`), testId: (task) => `task-state-${task.id}` },
    { id: 'attempts', header: t('bookings.admin.attempts'), cell: (task) => `${task.attempts} (${task.totalAttempts})`, testId: (task) => `task-attempts-${task.id}` },
    { id: 'next', header: t('bookings.admin.next'), cell: (task) => (task.nextAt ? when(task.nextAt) : '-') },
    { id: 'error', header: t('bookings.admin.error'), cell: (task) => (task.lastError ? <Quoted text={task.lastError} /> : ''), className: 'bookings-admin__error' },
    {
      id: 'actions',
      header: '',
      cell: (task) =>
        task.state === 'failed' || task.state === 'offline' ? (
          <BigButton icon="refresh" testId={`task-redrive-${task.id}`} disabled={busy} onClick={() => void act('bookings:redrive', { taskId: task.id })}>
            {t('bookings.admin.redrive')}
          </BigButton>
        ) : null,
    },
  ];

  return (
    <div className="admin-page bookings-admin" data-testid="admin-bookings">
      <div className="admin-page__head">
        <h2>{t('bookings.admin.title')}</h2>
        <BigButton icon="refresh" testId="bookings-admin-refresh" onClick={() => void load()}>
          {t('common.refresh')}
        </BigButton>
      </div>
      {error ? <AdminError message={error.message} reason={error.reason} action testId="bookings-admin-error" /> : null}
      {disk.low ? (
        <Notice kind="warning" testId="bookings-disk-low">
          {t('bookings.admin.diskLow')}
        </Notice>
      ) : null}

      <KeyValueCard
        title={t('bookings.admin.lastSync')}
        testId="bookings-sync-card"
        after={
          <BigButton icon="download" variant="primary" testId="bookings-sync-now" disabled={busy} onClick={() => void act('bookings:sync-now', {})}>
            {t('bookings.admin.syncNow')}
          </BigButton>
        }
      >
        <Row label={t('bookings.admin.lastSync')} testId="bookings-last-sync">
          {lastSync ? when(lastSync.at) : t('bookings.admin.never')}
          {lastSync && lastSync.received !== null ? ` · ${t('bookings.admin.received', { count: lastSync.received, skipped: lastSync.skipped ?? 0 })}` : ''}
        </Row>
        <Row label={t('bookings.admin.bookingsToday')} testId="bookings-today">
          {summary.bookingsToday}
        </Row>
        {lastSync?.error ? (
          <Row label={t('bookings.admin.error')} testId="bookings-sync-error">
            <Quoted text={lastSync.error} />
          </Row>
        ) : null}
      </KeyValueCard>

      <KeyValueCard title={t('bookings.admin.disk')} testId="bookings-disk">
        <Row label={t('bookings.admin.free')} testId="bookings-disk-free">
          {disk.freeBytes === null ? '-' : formatBytes(disk.freeBytes, locale)}
        </Row>
        <Row label={t('bookings.admin.floor')}>{formatBytes(disk.floorBytes, locale)}</Row>
      </KeyValueCard>

      <section className="admin-card" data-testid="bookings-tasks">
        <h2>{t('bookings.admin.tasks')}</h2>
        <div className="bookings-admin__steps">
          {STEPS.map((step) => (
            <span key={step} className="bookings-admin__step" data-testid={`bookings-step-${step}`}>
              {t(`bookings.admin.steps.${step}`)}: <strong>{open(step)}</strong>
            </span>
          ))}
        </div>
        {summary.tasks.length === 0 ? (
          <p className="muted">{t('bookings.admin.noTasks')}</p>
        ) : (
          <StackTable
            columns={columns}
            rows={[...summary.tasks].sort((a, b) => STEPS.indexOf(a.step as (typeof STEPS)[number]) - STEPS.indexOf(b.step as (typeof STEPS)[number]) || b.id - a.id)}
            rowKey={(task) => task.id}
            rowProps={(task) => ({ 'data-testid': `task-${task.id}`, 'data-step': task.step, 'data-state': task.state })}
            pageSize={20}
            moreTestId="bookings-tasks-more"
          />
        )}
      </section>
    </div>
  );
}
