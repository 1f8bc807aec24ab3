/** The audit: every admin action, newest first, in words, in the venue's time zone, a page at a time. */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AuditEntry } from '../../../preload/contract';
import { useStatus } from '../../app/contexts';
import { localeOf } from '../../app/i18n';
import { BigButton } from '../../components/BigButton';
import { ReasonText } from '../../components/ReasonText';
import { StackTable } from '../../components/StackTable';
import { AdminError } from './AdminError';
import { auditAction, auditDetail } from './auditText';
import { formatTimestamp } from './format';
import type { AdminCall } from './useAdminCall';

const PAGE = 25;

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
      {error ? <AdminError message={error} /> : null}
      {entries && entries.length === 0 ? <p className="muted">{t('admin.audit.empty')}</p> : null}
      {entries && entries.length > 0 ? (
        <StackTable
          testId="audit-table"
          moreTestId="audit-more"
          pageSize={PAGE}
          rows={entries}
          rowKey={(e) => e.id}
          rowProps={(e) => ({ 'data-testid': 'audit-row', 'data-action': e.action })}
          columns={[
            { id: 'at', header: t('admin.audit.at'), className: 'nowrap', cell: (e) => formatTimestamp(e.at, locale, status?.timeZone) },
            {
              id: 'action',
              header: t('admin.audit.action'),
              cell: (e) => {
                const words = auditAction(e.action, t);
                return (
                  <span className={words.translated ? undefined : 'mono'} data-untranslated={words.translated ? undefined : 'true'} data-testid="audit-action">
                    {words.text}
                  </span>
                );
              },
            },
            {
              id: 'detail',
              header: t('admin.audit.detail'),
              cell: (e) => {
                // Main's code with values (a row from an older kiosk has only its English detail).
                if (e.detailCoded) return <ReasonText reason={e.detailCoded} english={e.detail ?? ''} testId="audit-detail" />;
                const words = auditDetail(e.action, e.detail, t);
                return words ? (
                  <span data-untranslated={words.translated ? undefined : 'true'} data-testid="audit-detail">
                    {words.text}
                  </span>
                ) : (
                  ''
                );
              },
            },
          ]}
        />
      ) : null}
    </div>
  );
}
