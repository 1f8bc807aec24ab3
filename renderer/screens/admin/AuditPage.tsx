/** The audit table: every admin action, newest first. */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AuditEntry } from '../../../preload/contract';
import { useStatus } from '../../app/contexts';
import { localeOf } from '../../app/i18n';
import { BigButton } from '../../components/BigButton';
import { Notice } from '../../components/Notice';
import { formatTimestamp } from './format';
import type { AdminCall } from './useAdminCall';

export function AuditPage({ adminCall }: { adminCall: AdminCall }) {
  const { t, i18n } = useTranslation();
  const status = useStatus();
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    const r = await adminCall('admin:audit', { limit: 200 });
    if (r.ok) {
      setEntries(r.value);
      setError(null);
    } else setError(r.error.message);
  }, [adminCall]);
  useEffect(() => {
    void load();
  }, [load]);

  const locale = localeOf(i18n.resolvedLanguage);
  return (
    <div className="admin-page audit" data-testid="admin-audit">
      <div className="admin-page__head">
        <h2>{t('admin.audit.title')}</h2>
        <BigButton icon="refresh" testId="audit-refresh" onClick={() => void load()}>
          {t('common.refresh')}
        </BigButton>
      </div>
      {error ? <Notice kind="error">{t('admin.error', { message: error })}</Notice> : null}
      {entries && entries.length === 0 ? <p className="muted">{t('admin.audit.empty')}</p> : null}
      {entries && entries.length > 0 ? (
        <div className="table-wrap">
          <table className="data-table" data-testid="audit-table">
            <thead>
              <tr>
                <th>{t('admin.audit.at')}</th>
                <th>{t('admin.audit.action')}</th>
                <th>{t('admin.audit.detail')}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id} data-testid="audit-row" data-action={e.action}>
                  <td className="nowrap">{formatTimestamp(e.at, locale, status?.timeZone)}</td>
                  <td className="mono">{e.action}</td>
                  <td>{e.detail ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </div>
  );
}
