/**
 * Admin overview: a health card first (online, last download, uploads
 * waiting, scanner, hopper: what the attendant checks every time), then the
 * kiosk's identity and storage; the config in effect and the last log lines
 * fold away, so a 7" screen needs little scrolling.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { AdminOverview, GateStatus, PayoutStatus } from '../../../preload/contract';
import { call } from '../../app/call';
import { useStatus } from '../../app/contexts';
import { localeOf } from '../../app/i18n';
import { useBoothEvent } from '../../app/useBoothEvent';
import { useSyncStatus } from '../../app/useSyncStatus';
import { logLineInZone } from '../../app/format';
import { Icon } from '../../components/Icon';
import { KeyValue as Row, KeyValueCard } from '../../components/KeyValueCard';
import { Notice } from '../../components/Notice';
import { TimeZoneNotice } from '../gate/TimeZoneNotice';
import { ConfigTree } from './ConfigTree';
import { LanApiCard } from './LanApiCard';
import { formatBytes, formatTimestamp } from './format';
import type { AdminCall } from './useAdminCall';

type T = ReturnType<typeof useTranslation>['t'];

/** "Clock is off by 10 min", as the status bar says it. */
export function clockOff(skewMs: number | null, t: T): string {
  const abs = Math.abs(skewMs ?? 0);
  return abs >= 60_000 ? t('status.clockOffMinutes', { count: Math.round(abs / 60_000) }) : t('status.clockOffSeconds', { count: Math.round(abs / 1000) });
}

const RECENT_LOG_LINES = 12;

function Health({ ok, testId, state, children }: { ok: boolean | null; testId: string; state: string; children: ReactNode }) {
  const tone = ok === null ? 'tag--neutral' : ok ? 'tag--ok' : 'tag--warning';
  return (
    <span className={`tag ${tone}`} data-testid={testId} data-state={state}>
      <Icon name={ok === null ? 'dots' : ok ? 'check' : 'warning'} />
      {children}
    </span>
  );
}

/** The module states the health card shows, asked once and then kept current by their events. */
function useModuleStatus<T>(name: 'gate:status' | 'payout:status', enabled: boolean): [T | null, (value: T) => void] {
  const [value, setValue] = useState<T | null>(null);
  useEffect(() => {
    if (!enabled) return undefined;
    let alive = true;
    void call(name, {}).then((r) => {
      if (alive && r.ok) setValue(r.value as T);
    });
    return () => {
      alive = false;
    };
  }, [name, enabled]);
  return [value, setValue];
}

function HealthCard({ modules }: { modules: readonly string[] }) {
  const { t, i18n } = useTranslation();
  const locale = localeOf(i18n.resolvedLanguage);
  const status = useStatus();
  const sync = useSyncStatus();
  const hasGate = modules.includes('gate');
  const hasPayout = modules.includes('payout');
  const [gate, setGate] = useModuleStatus<GateStatus>('gate:status', hasGate);
  const [payout, setPayout] = useModuleStatus<PayoutStatus>('payout:status', hasPayout);
  useBoothEvent('gate:status', setGate, hasGate);
  useBoothEvent('payout:status', setPayout, hasPayout);
  const when = (iso: string | null) => (iso ? formatTimestamp(iso, locale, status?.timeZone) : t('gate.admin.never'));
  const online = status?.online ?? null;

  return (
    <KeyValueCard title={t('admin.overview.health')} className="admin-card--wide health-card" testId="ov-health">
      <Row label={t('admin.overview.connection')}>
        <Health ok={online === null ? null : online} testId="ov-health-online" state={online === null ? 'checking' : online ? 'online' : 'offline'}>
          {t(`status.${online === null ? 'checking' : online ? 'online' : 'offline'}`)}
        </Health>
        {online === false && status?.lastOnlineAt ? <span className="muted"> {t('admin.overview.lastOnline', { time: when(status.lastOnlineAt) })}</span> : null}
      </Row>
      <Row label={t('admin.overview.clock')}>
        {status?.clockWarning ? (
          <Health ok={false} testId="ov-health-clock" state="off">
            {clockOff(status.clockSkewMs, t)}
          </Health>
        ) : (
          <Health ok={status?.clockSkewMs === null || status === null ? null : true} testId="ov-health-clock" state={status?.clockSkewMs == null ? 'unknown' : 'ok'}>
            {status?.clockSkewMs == null ? t('admin.overview.clockUnknown') : t('admin.overview.clockOk')}
          </Health>
        )}
      </Row>
      <Row label={t('admin.overview.uploadsWaiting')} testId="ov-health-uploads">
        {sync ? (
          <>
            {sync.pending.toLocaleString(locale)}
            {sync.dead > 0 ? (
              <>
                {' '}
                <Health ok={false} testId="ov-health-dead" state="dead">
                  {t('admin.overview.refused', { count: sync.dead })}
                </Health>
              </>
            ) : null}
          </>
        ) : (
          '…'
        )}
      </Row>
      {hasGate ? (
        <>
          <Row label={t('gate.admin.lastDownload')} testId="ov-health-download">
            {gate ? when(gate.lastDownloadAt) : '…'}
          </Row>
          <Row label={t('gate.admin.scanner')}>
            {!gate ? (
              '…'
            ) : gate.scanner.configured ? (
              <Health ok={gate.scanner.connected} testId="ov-health-scanner" state={gate.scanner.connected ? 'connected' : 'disconnected'}>
                {gate.scanner.connected ? t('gate.admin.connected') : t('gate.admin.disconnected')}
              </Health>
            ) : (
              <span data-testid="ov-health-scanner" data-state="none">
                {t('admin.overview.keyboardScanner')}
              </span>
            )}
          </Row>
        </>
      ) : null}
      {hasPayout ? (
        <Row label={t('payout.admin.hopper')}>
          {!payout ? (
            '…'
          ) : payout.hopper.configured ? (
            <>
              <Health ok={payout.hopper.connected} testId="ov-health-hopper" state={payout.hopper.connected ? 'connected' : 'disconnected'}>
                {payout.hopper.connected ? t('gate.admin.connected') : t('gate.admin.disconnected')}
              </Health>
              {payout.hopper.coinsLeft !== null ? <span className="muted"> {t('admin.overview.coinsLeft', { count: payout.hopper.coinsLeft })}</span> : null}
              {!payout.inService ? (
                <>
                  {' '}
                  <Health ok={false} testId="ov-health-out-of-service" state="out-of-service">
                    {t('payout.admin.outOfService')}
                  </Health>
                </>
              ) : null}
            </>
          ) : (
            <span data-testid="ov-health-hopper" data-state="none">
              {t('payout.admin.noHopper')}
            </span>
          )}
        </Row>
      ) : null}
    </KeyValueCard>
  );
}

export function OverviewPage({ overview, adminCall }: { overview: AdminOverview; adminCall: AdminCall }) {
  const { t, i18n } = useTranslation();
  const locale = localeOf(i18n.resolvedLanguage);
  const zone = useStatus()?.timeZone;
  const [log, setLog] = useState<string[] | null>(null);
  useEffect(() => {
    let alive = true;
    void adminCall('admin:logs', { lines: RECENT_LOG_LINES }).then((r) => {
      if (alive && r.ok) setLog(r.value.lines);
    });
    return () => {
      alive = false;
    };
  }, [adminCall, overview]);

  const db = overview.database;
  const schemaOk = db.schemaVersion === db.appSchemaVersion;
  return (
    <div className="admin-page overview" data-testid="admin-overview">
      {overview.insecureUrls.map((u) => (
        <Notice key={u.url} kind="warning" testId="ov-insecure-url">
          {t('admin.overview.insecureHttp', { url: u.url, setting: u.setting })}
        </Notice>
      ))}
      {overview.warnings.map((w) =>
        w.kind === 'gate.time-zone' ? (
          <TimeZoneNotice key={w.kind} hint={w.hint} testId="ov-time-zone-hint" />
        ) : w.kind === 'bookings.disk-low' ? (
          <Notice key={w.kind} kind="warning" testId="ov-bookings-disk-low">
            {t('bookings.admin.diskLow')}
          </Notice>
        ) : (
          <Notice key={w.kind} kind="warning" testId="ov-sessions-clock">
            {t('sessions.admin.clockUntrusted')}
          </Notice>
        ),
      )}
      <HealthCard modules={overview.modules} />
      <KeyValueCard title={t('admin.overview.kiosk')}>
        <Row label={t('admin.overview.kioskName')} testId="ov-kiosk-name">
          {overview.kioskName}
        </Row>
        <Row label={t('admin.overview.kioskId')} testId="ov-kiosk-id">
          {overview.kioskId}
        </Row>
        <Row label={t('admin.overview.version')} testId="ov-version">
          {overview.version}
        </Row>
        <Row label={t('admin.overview.modules')} testId="ov-modules">
          {overview.modules.length ? overview.modules.join(', ') : t('common.none')}
        </Row>
      </KeyValueCard>
      <KeyValueCard title={t('admin.overview.storage')}>
        <Row label={t('admin.overview.dataDir')} testId="ov-data-dir">
          {overview.dataDir}
        </Row>
        <Row label={t('admin.overview.database')} testId="ov-db-path">
          {db.path}
        </Row>
        <Row label={t('admin.overview.databaseSize')} testId="ov-db-size">
          {formatBytes(db.sizeBytes, locale)}
        </Row>
        <Row label={t('admin.overview.schema')} testId="ov-schema">
          <span data-db={db.schemaVersion} data-app={db.appSchemaVersion}>
            {t('admin.overview.schemaValue', { db: db.schemaVersion, app: db.appSchemaVersion })}
          </span>{' '}
          <span className={`tag ${schemaOk ? 'tag--ok' : 'tag--warning'}`}>
            <Icon name={schemaOk ? 'check' : 'warning'} />
            {schemaOk ? t('admin.overview.schemaOk') : t('admin.overview.schemaMismatch')}
          </span>
        </Row>
        <Row label={t('admin.overview.logPath')} testId="ov-log-path">
          {overview.logPath}
        </Row>
      </KeyValueCard>
      <LanApiCard api={overview.lanApi} />
      <KeyValueCard
        title={t('admin.overview.config')}
        after={
          <details className="fold" data-testid="ov-config-fold">
            <summary>{t('admin.overview.configInEffect')}</summary>
            <ConfigTree config={overview.config} />
          </details>
        }
      >
        <Row label={t('admin.overview.configPath')} testId="ov-config-path">
          {overview.configPath ?? t('admin.overview.configNone')}
        </Row>
      </KeyValueCard>
      <section className="admin-card">
        <details className="fold" data-testid="ov-log-fold">
          <summary>{t('admin.overview.recentLog')}</summary>
          <pre className="log-lines log-lines--short" data-testid="ov-log" data-untranslated="true" data-quoted="true">
            {(log ?? []).map((line, i) => (
              <div key={i} className="log-line">
                {logLineInZone(line, zone)}
              </div>
            ))}
          </pre>
        </details>
      </section>
    </div>
  );
}
