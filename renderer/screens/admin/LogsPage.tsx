/** The last lines of the kiosk's log file, monospace, with a refresh button. */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { BigButton } from '../../components/BigButton';
import { Notice } from '../../components/Notice';
import type { AdminCall } from './useAdminCall';

const LINES = 300;

export function LogsPage({ adminCall }: { adminCall: AdminCall }) {
  const { t } = useTranslation();
  const [data, setData] = useState<{ path: string; lines: string[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const pre = useRef<HTMLPreElement>(null);

  const load = useCallback(async () => {
    const r = await adminCall('admin:logs', { lines: LINES });
    if (r.ok) {
      setData(r.value);
      setError(null);
      setGeneration((g) => g + 1);
    } else setError(r.error.message);
  }, [adminCall]);

  useEffect(() => {
    void load();
  }, [load]);

  // Newest lines are last: show them.
  useLayoutEffect(() => {
    if (pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [generation]);

  return (
    <div className="admin-page logs" data-testid="admin-logs" data-generation={generation}>
      <div className="admin-page__head">
        <div>
          <h2>{t('admin.logs.title')}</h2>
          {data ? <p className="muted">{t('admin.logs.file', { path: data.path })}</p> : null}
        </div>
        <BigButton icon="refresh" testId="logs-refresh" onClick={() => void load()}>
          {t('common.refresh')}
        </BigButton>
      </div>
      {error ? <Notice kind="error">{t('admin.error', { message: error })}</Notice> : null}
      <pre className="log-lines" ref={pre} data-testid="logs-lines">
        {data && data.lines.length === 0 ? <div className="muted">{t('admin.logs.empty')}</div> : null}
        {(data?.lines ?? []).map((line, i) => (
          <div key={i} className="log-line" data-testid="log-line">
            {line}
          </div>
        ))}
      </pre>
    </div>
  );
}
