/**
 * The bar on every screen, always one row: connectivity (icon + word + colour,
 * in a pill of fixed width; offline is calm, the gate works from local data),
 * uploads waiting and dead (only when there are some), the kiosk name (hold
 * it 3 s to open the PIN screen; shortened first when space is short), a
 * clock warning (an icon for customers, its words in admin) and the clock in
 * the venue's time zone.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { KioskStatus, SyncStatus } from '../../preload/contract';
import { Icon } from '../components/Icon';
import { localeOf } from './i18n';
import { useLongPress } from './useLongPress';

export const ADMIN_HOLD_MS = 3000;

function useNow(intervalMs = 1000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(new Date()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}

function formatTime(now: Date, locale: string, timeZone: string | undefined): { time: string; date: string } {
  const options = { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' } as const;
  const dateOptions = { timeZone, weekday: 'short', day: 'numeric', month: 'short' } as const;
  try {
    return {
      time: new Intl.DateTimeFormat(locale, options).format(now),
      date: new Intl.DateTimeFormat(locale, dateOptions).format(now),
    };
  } catch {
    // An unknown zone: show local time rather than nothing.
    return {
      time: new Intl.DateTimeFormat(locale, { ...options, timeZone: undefined }).format(now),
      date: new Intl.DateTimeFormat(locale, { ...dateOptions, timeZone: undefined }).format(now),
    };
  }
}

const CONNECTION_STATES = ['online', 'offline', 'checking'] as const;

function Connectivity({ online }: { online: boolean | null | undefined }) {
  const { t } = useTranslation();
  const state = online === true ? 'online' : online === false ? 'offline' : 'checking';
  const others = CONNECTION_STATES.filter((s) => s !== state);
  return (
    <div className={`status-pill status-pill--connection status-pill--${state}`} data-testid="status-online" data-state={state} role="status">
      <Icon name={state === 'online' ? 'check' : state === 'offline' ? 'cloud-off' : 'dots'} />
      {/* As wide as the widest of the three words (drawn hidden by CSS from data-*), so the pill never changes size. */}
      <span className="status-pill__sized" data-other-a={t(`status.${others[0]}`)} data-other-b={t(`status.${others[1]}`)}>
        <span className="status-pill__label">{t(`status.${state}`)}</span>
      </span>
    </div>
  );
}

/** Uploads waiting / dead: icon + number, shown only when non-zero. */
function SyncCounts({ sync }: { sync: SyncStatus | null | undefined }) {
  const { t } = useTranslation();
  if (!sync || (sync.pending <= 0 && sync.dead <= 0)) return null;
  return (
    <>
      {sync.pending > 0 ? (
        <div className="status-pill status-pill--count" data-testid="sync-pending" data-count={sync.pending} title={t('status.uploadsWaiting', { count: sync.pending })} aria-label={t('status.uploadsWaiting', { count: sync.pending })}>
          <Icon name="upload" />
          <span>{sync.pending}</span>
        </div>
      ) : null}
      {sync.dead > 0 ? (
        <div className="status-pill status-pill--dead" data-testid="sync-dead" data-count={sync.dead} title={t('status.uploadsDead', { count: sync.dead })} aria-label={t('status.uploadsDead', { count: sync.dead })}>
          <Icon name="warning" />
          <span>{sync.dead}</span>
        </div>
      ) : null}
    </>
  );
}

/** For customers an icon (its words as its label); in admin the words too. */
function ClockWarning({ skewMs, words }: { skewMs: number | null; words: boolean }) {
  const { t } = useTranslation();
  const abs = Math.abs(skewMs ?? 0);
  const text =
    abs >= 60_000
      ? t('status.clockOffMinutes', { count: Math.round(abs / 60_000) })
      : t('status.clockOffSeconds', { count: Math.round(abs / 1000) });
  return (
    <div
      className={`status-pill status-pill--warning${words ? '' : ' status-pill--icon'}`}
      data-testid="clock-warning"
      data-words={words ? 'true' : 'false'}
      role="img"
      aria-label={text}
      title={text}
    >
      <Icon name="clock" />
      {words ? <span className="status-pill__label">{text}</span> : null}
    </div>
  );
}

function Clock({ timeZone }: { timeZone: string | undefined }) {
  const { t, i18n } = useTranslation();
  const now = useNow();
  const { time, date } = formatTime(now, localeOf(i18n.resolvedLanguage), timeZone);
  return (
    <div className="status-clock" data-testid="clock" data-time-zone={timeZone ?? ''} aria-label={t('status.clock', { zone: timeZone ?? '' })}>
      <span className="status-clock__time" data-testid="clock-time">
        {time}
      </span>
      <span className="status-clock__date">{date}</span>
    </div>
  );
}

export interface StatusBarProps {
  status: KioskStatus | null;
  /** The upload queue's counts; absent where there is no queue (problem screens). */
  sync?: SyncStatus | null;
  kioskName: string;
  /** Long press opens the PIN screen only where admin can open. */
  onAdminRequest?: (() => void) | undefined;
  showConnectivity?: boolean;
  /** The attendant's screens: the clock warning in words. */
  detailed?: boolean;
}

export function StatusBar({ status, sync, kioskName, onAdminRequest, showConnectivity = true, detailed = false }: StatusBarProps) {
  const { t } = useTranslation();
  const longPress = useLongPress(ADMIN_HOLD_MS, () => onAdminRequest?.(), Boolean(onAdminRequest));
  return (
    <header className="status-bar" data-testid="status-bar">
      <div className="status-bar__left">
        {showConnectivity ? <Connectivity online={status?.online} /> : null}
        <SyncCounts sync={sync} />
      </div>
      <button
        type="button"
        className={`kiosk-name${longPress.holding ? ' is-holding' : ''}`}
        data-testid="kiosk-name"
        data-holding={longPress.holding ? 'true' : 'false'}
        {...longPress.handlers}
      >
        <span className="kiosk-name__text">{status?.kioskName ?? kioskName}</span>
        {longPress.holding ? (
          <>
            <span className="kiosk-name__hint" data-testid="kiosk-name-hold">
              {t('status.holdForAdmin')}
            </span>
            <span className="kiosk-name__progress" style={{ animationDuration: `${ADMIN_HOLD_MS}ms` }} />
          </>
        ) : null}
      </button>
      <div className="status-bar__right">
        {status?.clockWarning ? <ClockWarning skewMs={status.clockSkewMs} words={detailed} /> : null}
        <Clock timeZone={status?.timeZone} />
      </div>
    </header>
  );
}
