/** The kiosk's LAN API in the admin overview: whether it runs, where, and the certificate fingerprint clients pin. */
import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import type { LanApiStatus } from '../../../preload/contract';
import { Icon } from '../../components/Icon';
import { KeyValue as Row, KeyValueCard } from '../../components/KeyValueCard';

export function LanApiCard({ api }: { api: LanApiStatus }) {
  const { t } = useTranslation();
  const ok = api.state === 'listening';
  const warn = api.state === 'failed';
  return (
    <KeyValueCard title={t('admin.overview.lanApi.title')} testId="ov-lan-api">
        <Row label={t('admin.overview.lanApi.state')} testId="ov-lan-api-state">
          <span data-state={api.state} className={ok ? 'tag tag--ok' : warn ? 'tag tag--warning' : undefined}>
            {ok || warn ? <Icon name={ok ? 'check' : 'warning'} /> : null}
            {t(`admin.overview.lanApi.states.${api.state}`)}
          </span>
          {api.state === 'off' ? <div className="muted">{t('admin.overview.lanApi.offHint')}</div> : null}
          {/* The OS's words (e.g. the port in use), beneath the state. */}
          {api.error ? <div data-untranslated="true" data-quoted="true">{api.error}</div> : null}
        </Row>
        {api.url ? (
          <Row label={t('admin.overview.lanApi.address')} testId="ov-lan-api-url">
            <span className="mono">{api.url}</span>
          </Row>
        ) : null}
        {api.fingerprint ? (
          <Row label={t('admin.overview.lanApi.fingerprint')} testId="ov-lan-api-fingerprint">
            <span className="mono fingerprint">
              {api.fingerprint.split(':').map((pair, i) => (
                <Fragment key={i}>
                  {i > 0 ? ':' : null}
                  {i > 0 ? <wbr /> : null}
                  {pair}
                </Fragment>
              ))}
            </span>
            <div className="muted">{t('admin.overview.lanApi.fingerprintHint')}</div>
          </Row>
        ) : null}
    </KeyValueCard>
  );
}
