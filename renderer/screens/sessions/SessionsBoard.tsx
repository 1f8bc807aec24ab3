/**
 * The countdown board (seed 004's "End Time" column, for customers): every
 * resource with its state; an active one with its end time, the time left
 * counting down and a progress bar; an available one a dash. Warnings as a
 * session nears its end speak by colour, icon and words together.
 */
import { useTranslation } from 'react-i18next';
import type { ResourceView } from '../../../preload/contract';
import { useStatus } from '../../app/contexts';
import { formatMoment } from '../../app/format';
import { localeOf } from '../../app/i18n';
import { Icon } from '../../components/Icon';
import { formatLeft, useSessionsBoard, warningFor } from './useSessionsBoard';

export function SessionsBoard() {
  const { t, i18n } = useTranslation();
  const locale = localeOf(i18n.resolvedLanguage);
  const zone = useStatus()?.timeZone;
  const { board, left } = useSessionsBoard();
  if (!board) return <div className="sessions-board" data-testid="sessions-board" />;
  const lastWarning = Math.min(...board.warningMinutes);

  const row = (r: ResourceView) => {
    const s = r.session;
    const leftMs = s ? left(s.id) : 0;
    const warning = s ? warningFor(leftMs, board.warningMinutes) : null;
    const ending = s !== null && leftMs <= 0;
    const done = s ? Math.min(1, Math.max(0, 1 - leftMs / Math.max(1, s.durationMs))) : 0;
    const tone = warning === null ? '' : warning <= lastWarning ? ' sessions-row--urgent' : ' sessions-row--warn';
    return (
      <li key={r.id} className={`sessions-row sessions-row--${r.status.toLowerCase()}${tone}`} data-testid={`board-${r.name}`} data-status={r.status} data-warning={warning ?? ''}>
        <span className="sessions-row__name">{r.name}</span>
        <span className="sessions-row__state" data-testid={`board-state-${r.name}`}>
          <Icon name={r.status === 'Available' ? 'check' : r.status === 'Active' ? 'clock' : 'ban'} />
          {t(`sessions.board.status.${r.status}`)}
        </span>
        {s ? (
          <span className="sessions-row__time">
            <span className="sessions-row__end" data-testid={`board-end-${r.name}`}>
              {t('sessions.board.endsAt')} {formatMoment(s.endsAt, locale, zone)}
            </span>
            <strong className="sessions-row__left mono" data-testid={`board-left-${r.name}`}>
              {ending ? t('sessions.board.ending') : formatLeft(leftMs)}
            </strong>
            <span className="sessions-row__bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(done * 100)}>
              <span style={{ width: `${done * 100}%` }} />
            </span>
            {warning !== null ? (
              <span className="sessions-row__warning" data-testid={`board-warning-${r.name}`}>
                <Icon name="warning" />
                {t('sessions.board.warning', { count: Math.ceil(leftMs / 60_000) })}
              </span>
            ) : null}
          </span>
        ) : (
          <span className="sessions-row__time sessions-row__dash" data-testid={`board-left-${r.name}`}>
            -
          </span>
        )}
      </li>
    );
  };

  return (
    <section className="sessions-board" data-testid="sessions-board">
      <h2 className="sessions-board__title">{t('sessions.board.title')}</h2>
      {board.resources.length === 0 ? <p className="muted">{t('sessions.board.none')}</p> : <ul className="sessions-board__list">{board.resources.map(row)}</ul>}
      {!board.clockTrusted && board.resources.some((r) => r.session) ? <p className="muted sessions-board__note">{t('sessions.board.clockEstimate')}</p> : null}
    </section>
  );
}
