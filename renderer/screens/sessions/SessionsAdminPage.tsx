/**
 * The attendant's sessions page: each resource with its state and what can
 * be done with it (start with a preset or custom length, extend, end now,
 * move to a free resource, maintenance), the resources themselves (added,
 * renamed, retired: ResourcesCard), today's sessions and the use per
 * resource as a chart. Says so when the clock is not trusted yet.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { HandlerArgs, HandlerName, ResourceView } from '../../../preload/contract';
import { useStatus } from '../../app/contexts';
import { formatMoment } from '../../app/format';
import { localeOf } from '../../app/i18n';
import type { AdminPageProps } from '../../app/modules';
import { useBoothEvent } from '../../app/useBoothEvent';
import { BigButton } from '../../components/BigButton';
import { Notice } from '../../components/Notice';
import { AdminError } from '../admin/AdminError';
import { useAdminSummary } from '../admin/useAdminSummary';
import { ResourcesCard } from './ResourcesCard';
import { UseChart } from './UseChart';
import { formatLeft, useSessionsBoard } from './useSessionsBoard';

type SessionsAction = Extract<
  HandlerName,
  'sessions:start' | 'sessions:extend' | 'sessions:end' | 'sessions:move' | 'sessions:maintenance' | 'sessions:add-resource' | 'sessions:rename-resource' | 'sessions:retire-resource'
>;

export function SessionsAdminPage(_props: AdminPageProps) {
  const { t, i18n } = useTranslation();
  const locale = localeOf(i18n.resolvedLanguage);
  const zone = useStatus()?.timeZone;
  const { adminCall, summary, error, setError, alive, load, reloadSoon } = useAdminSummary('sessions:admin-summary');
  const { left } = useSessionsBoard();
  const [busy, setBusy] = useState(false);
  const [custom, setCustom] = useState<Record<string, string>>({});
  const [moving, setMoving] = useState<ResourceView | null>(null);

  useBoothEvent('sessions:board', reloadSoon);

  /** Resolves true when main did it. */
  const act = async <N extends SessionsAction>(name: N, args: HandlerArgs<N>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    const r = await adminCall(name, args);
    if (!alive.current) return false;
    setBusy(false);
    setMoving(null);
    if (!r.ok) setError(r.error);
    await load();
    return r.ok;
  };

  if (!summary) {
    return (
      <div className="admin-page" data-testid="admin-sessions">
        {error ? <AdminError message={error.message} reason={error.reason} /> : <p className="muted">{t('common.loading')}</p>}
      </div>
    );
  }
  const { board } = summary;
  const when = (iso: string) => formatMoment(iso, locale, zone);
  const free = board.resources.filter((r) => r.status === 'Available');

  const actions = (r: ResourceView) => {
    if (r.status === 'Maintenance') {
      return (
        <BigButton icon="check" testId={`sessions-service-${r.name}`} disabled={busy} onClick={() => void act('sessions:maintenance', { resourceId: r.id, on: false })}>
          {t('sessions.admin.maintenanceOff')}
        </BigButton>
      );
    }
    if (r.status === 'Available') {
      const minutes = Number(custom[r.id] ?? '');
      const customValid = Number.isInteger(minutes) && minutes >= 1 && minutes <= board.maxMinutes;
      return (
        <>
          {board.presetMinutes.map((m) => (
            <BigButton key={m} variant="primary" testId={`sessions-start-${r.name}-${m}`} disabled={busy} onClick={() => void act('sessions:start', { resourceId: r.id, minutes: m })}>
              {t('sessions.admin.minutes', { count: m })}
            </BigButton>
          ))}
          <label className="sessions-admin__custom">
            <span>{t('sessions.admin.customMinutes')}</span>
            <input
              inputMode="numeric"
              data-testid={`sessions-custom-${r.name}`}
              value={custom[r.id] ?? ''}
              onChange={(e) => setCustom({ ...custom, [r.id]: e.target.value.replace(/\D/g, '').slice(0, 5) })}
            />
          </label>
          <BigButton testId={`sessions-start-custom-${r.name}`} disabled={busy || !customValid} onClick={() => void act('sessions:start', { resourceId: r.id, minutes })}>
            {t('sessions.admin.start')}
          </BigButton>
          <BigButton icon="ban" variant="ghost" testId={`sessions-maintenance-${r.name}`} disabled={busy} onClick={() => void act('sessions:maintenance', { resourceId: r.id, on: true })}>
            {t('sessions.admin.maintenanceOn')}
          </BigButton>
        </>
      );
    }
    const s = r.session!;
    return (
      <>
        {board.presetMinutes.map((m) => (
          <BigButton key={m} testId={`sessions-extend-${r.name}-${m}`} disabled={busy} onClick={() => void act('sessions:extend', { sessionId: s.id, minutes: m })}>
            + {t('sessions.admin.minutes', { count: m })}
          </BigButton>
        ))}
        <BigButton icon="arrow" testId={`sessions-move-${r.name}`} disabled={busy || free.length === 0} onClick={() => setMoving(r)}>
          {t('sessions.admin.move')}
        </BigButton>
        <BigButton icon="cross" variant="danger" testId={`sessions-end-${r.name}`} disabled={busy} onClick={() => void act('sessions:end', { sessionId: s.id })}>
          {t('sessions.admin.end')}
        </BigButton>
      </>
    );
  };

  return (
    <div className="admin-page sessions-admin" data-testid="admin-sessions">
      <div className="admin-page__head">
        <h2>{t('sessions.admin.title')}</h2>
        <BigButton icon="refresh" testId="sessions-admin-refresh" onClick={() => void load()}>
          {t('common.refresh')}
        </BigButton>
      </div>
      {!board.clockTrusted ? (
        <Notice kind="warning" testId="sessions-clock-untrusted">
          {t('sessions.admin.clockUntrusted')}
        </Notice>
      ) : null}
      {error ? <AdminError message={error.message} reason={error.reason} action testId="sessions-admin-error" /> : null}
      {moving ? (
        <section className="admin-card" data-testid="sessions-move-dialog">
          <p>{t('sessions.admin.chooseTarget', { resource: moving.name })}</p>
          <div className="sessions-admin__buttons">
            {free.map((target) => (
              <BigButton key={target.id} variant="primary" testId={`sessions-move-to-${target.name}`} disabled={busy} onClick={() => void act('sessions:move', { sessionId: moving.session!.id, resourceId: target.id })}>
                {t('sessions.admin.moveTo', { resource: target.name })}
              </BigButton>
            ))}
            <BigButton variant="ghost" testId="sessions-move-cancel" onClick={() => setMoving(null)}>
              {t('sessions.admin.cancel')}
            </BigButton>
          </div>
        </section>
      ) : null}

      <section className="admin-card">
        <ul className="sessions-admin__list">
          {board.resources.map((r) => (
            <li key={r.id} className={`sessions-admin__row sessions-row--${r.status.toLowerCase()}`} data-testid={`sessions-admin-${r.name}`} data-status={r.status}>
              <div className="sessions-admin__what">
                <strong>{r.name}</strong> <span className="muted">{r.kind}</span>
                <div>
                  {t(`sessions.board.status.${r.status}`)}
                  {r.session ? (
                    <span className="mono">
                      {' '}
                      · {when(r.session.endsAt)} · {formatLeft(left(r.session.id))}
                    </span>
                  ) : null}
                </div>
              </div>
              <div className="sessions-admin__buttons">{actions(r)}</div>
            </li>
          ))}
        </ul>
      </section>

      <ResourcesCard resources={board.resources} busy={busy} act={act} />

      <section className="admin-card">
        <h2>{t('sessions.admin.use')}</h2>
        <UseChart use={summary.usePerResource} />
      </section>

      <section className="admin-card">
        <h2>{t('sessions.admin.today')}</h2>
        {summary.today.length === 0 ? (
          <p className="muted" data-testid="sessions-today-none">
            {t('sessions.admin.noneToday')}
          </p>
        ) : (
          <ul className="sessions-admin__today" data-testid="sessions-today">
            {summary.today.map((s) => (
              <li key={s.id}>
                <strong>{s.resourceName}</strong> {when(s.startedAt)}–{when(s.completedAt ?? s.endsAt)}{' '}
                <span className="muted">{t(`sessions.admin.endReason.${s.status === 'Active' ? 'running' : (s.endReason ?? 'expired')}`)}</span>
              </li>
            ))}
          </ul>
        )}
        <p className="muted">{t('sessions.admin.reportsWaiting', { count: summary.reportsWaiting })}</p>
        <p className="muted">{summary.sweep.lastRun ? t('sessions.admin.lastSweep', { at: when(summary.sweep.lastRun) }) : t('sessions.admin.sweepNever')}</p>
      </section>
    </div>
  );
}
