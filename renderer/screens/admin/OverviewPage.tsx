/** Admin overview: kiosk identity, storage, config in effect and the last log lines. */
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { AdminOverview } from '../../../preload/contract';
import { localeOf } from '../../app/i18n';
import { Icon } from '../../components/Icon';
import { Notice } from '../../components/Notice';
import { TimeZoneNotice } from '../gate/TimeZoneNotice';
import { ConfigTree } from './ConfigTree';
import { LanApiCard } from './LanApiCard';
import { formatBytes } from './format';
import type { AdminCall } from './useAdminCall';

const RECENT_LOG_LINES = 12;

function Row({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="facts__row">
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

export function OverviewPage({ overview, adminCall }: { overview: AdminOverview; adminCall: AdminCall }) {
  const { t, i18n } = useTranslation();
  const locale = localeOf(i18n.resolvedLanguage);
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
      {overview.warnings.map((w) => (w.kind === 'gate.time-zone' ? <TimeZoneNotice key={w.kind} hint={w.hint} testId="ov-time-zone-hint" /> : null))}
      <section className="admin-card">
        <h2>{t('admin.overview.kiosk')}</h2>
        <dl className="facts">
          <Row label={t('admin.overview.kioskName')} testId="ov-kiosk-name">{overview.kioskName}</Row>
          <Row label={t('admin.overview.kioskId')} testId="ov-kiosk-id">{overview.kioskId}</Row>
          <Row label={t('admin.overview.version')} testId="ov-version">{overview.version}</Row>
          <Row label={t('admin.overview.modules')} testId="ov-modules">
            {overview.modules.length ? overview.modules.join(', ') : t('common.none')}
          </Row>
        </dl>
      </section>
      <section className="admin-card">
        <h2>{t('admin.overview.storage')}</h2>
        <dl className="facts">
          <Row label={t('admin.overview.dataDir')} testId="ov-data-dir">{overview.dataDir}</Row>
          <Row label={t('admin.overview.database')} testId="ov-db-path">{db.path}</Row>
          <Row label={t('admin.overview.databaseSize')} testId="ov-db-size">{formatBytes(db.sizeBytes, locale)}</Row>
          <Row label={t('admin.overview.schema')} testId="ov-schema">
            <span data-db={db.schemaVersion} data-app={db.appSchemaVersion}>
              {t('admin.overview.schemaValue', { db: db.schemaVersion, app: db.appSchemaVersion })}
            </span>{' '}
            <span className={`tag ${schemaOk ? 'tag--ok' : 'tag--warning'}`}>
              <Icon name={schemaOk ? 'check' : 'warning'} />
              {schemaOk ? t('admin.overview.schemaOk') : t('admin.overview.schemaMismatch')}
            </span>
          </Row>
          <Row label={t('admin.overview.logPath')} testId="ov-log-path">{overview.logPath}</Row>
        </dl>
      </section>
      <LanApiCard api={overview.lanApi} />
      <section className="admin-card">
        <h2>{t('admin.overview.config')}</h2>
        <dl className="facts">
          <Row label={t('admin.overview.configPath')} testId="ov-config-path">
            {overview.configPath ?? t('admin.overview.configNone')}
          </Row>
        </dl>
        <h3>{t('admin.overview.configInEffect')}</h3>
        <ConfigTree config={overview.config} />
      </section>
      <section className="admin-card">
        <h2>{t('admin.overview.recentLog')}</h2>
        <pre className="log-lines log-lines--short" data-testid="ov-log">
          {(log ?? []).map((line, i) => (
            <div key={i} className="log-line">
              {line}
            </div>
          ))}
        </pre>
      </section>
    </div>
  );
}
