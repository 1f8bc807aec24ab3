/**
 * The last lines of the kiosk's log file, monospace, with a refresh button.
 * Each line's time is shown in the venue's time zone (the file has the
 * machine's); the lines themselves are English, for the attendant.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStatus } from '../../app/contexts';
import { logLineInZone } from '../../app/format';
import { BigButton } from '../../components/BigButton';
import { AdminError } from './AdminError';
import type { AdminCall } from './useAdminCall';

const LINES = 300;

export function LogsPage({ adminCall }: { adminCall: AdminCall }) {
  const { t } = useTranslation();
  const zone = useStatus()?.timeZone;
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
          {zone ? (
            <p className="muted" data-testid="logs-zone">
              {t('admin.logs.zone', { zone })}
            </p>
          ) : null}
        </div>
        <BigButton icon="refresh" testId="logs-refresh" onClick={() => void load()}>
          {t('common.refresh')}
        </BigButton>
      </div>
      {error ? <AdminError message={error} /> : null}
      {data && data.lines.length === 0 ? <p className="muted">{t('admin.logs.empty')}</p> : null}
      <pre className="log-lines" ref={pre} data-testid="logs-lines" data-untranslated="true" data-quoted="true">
        {(data?.lines ?? []).map((line, i) => (
          <div key={i} className="log-line" data-testid="log-line">
            {logLineInZone(line, zone)}
          </div>
        ))}
      </pre>
    </div>
  );
}
