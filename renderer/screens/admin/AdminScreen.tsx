/**
 * Admin mode: Overview, Logs, Audit and the pages modules register. Exits on
 * the Exit button, after the admin idle time, when main closes the session
 * ('admin:session' open: false) and when any call answers admin_required.
 */
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { AdminOverview } from '../../../preload/contract';
import { getBooth } from '../../bridge';
import { call } from '../../app/call';
import { useBoot } from '../../app/contexts';
import { setLanguage } from '../../app/i18n';
import { useActivity, useIdleTimeout } from '../../app/idle';
import { adminPages } from '../../app/modules';
import { useRouter } from '../../app/router';
import { BigButton } from '../../components/BigButton';
import { Notice } from '../../components/Notice';
import { AdminError } from './AdminError';
import { AuditPage } from './AuditPage';
import { LogsPage } from './LogsPage';
import { OverviewPage } from './OverviewPage';
import { useAdminCall } from './useAdminCall';

const BUILT_IN_TABS = ['overview', 'logs', 'audit'] as const;
/** Module pages this screen has a tab name for (others show main's title). */
const NAMED_MODULE_TABS: ReadonlySet<string> = new Set(['gate', 'payout', 'sessions', 'intake', 'bookings', 'updates']);

export function AdminScreen() {
  const { t } = useTranslation();
  const boot = useBoot();
  const { home } = useRouter();
  const adminCall = useAdminCall();
  const activity = useActivity();
  const [tab, setTab] = useState<string>('overview');
  const [overview, setOverview] = useState<AdminOverview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const leaving = useRef(false);

  const leave = useCallback(
    async (reason: 'user' | 'idle') => {
      if (leaving.current) return;
      leaving.current = true;
      await call('admin:exit', { reason });
      if (reason === 'idle') setLanguage(boot.defaultLanguage);
      home();
    },
    [home, boot.defaultLanguage],
  );

  const loadOverview = useCallback(async () => {
    const r = await adminCall('admin:overview', {});
    if (r.ok) {
      setOverview(r.value);
      setError(null);
    } else setError(r.error.message);
  }, [adminCall]);

  useEffect(() => {
    void loadOverview();
  }, [loadOverview]);

  // Main closed the session (its own idle timer, or another window): leave.
  useEffect(() => {
    try {
      return getBooth().on('admin:session', (session) => {
        if (!session.open) {
          setLanguage(boot.defaultLanguage);
          home();
        }
      });
    } catch {
      return undefined;
    }
  }, [home, boot.defaultLanguage]);

  useIdleTimeout(boot.adminIdleTimeoutSeconds, () => void leave('idle'));

  // Main counts only admin calls as activity (not a page's summary reloads):
  // while the attendant is touching the screen, tell main (throttled) so its
  // session stays open too. Input inside a throttle window is told at the
  // window's end, so main never counts the attendant gone before this screen does.
  useEffect(() => {
    const every = Math.max(3000, (boot.adminIdleTimeoutSeconds * 1000) / 3);
    let last = performance.now();
    let trailing: number | null = null;
    const touch = () => {
      last = performance.now();
      void adminCall('admin:touch', {});
    };
    const unsubscribe = activity.subscribe(() => {
      if (leaving.current) return;
      const since = performance.now() - last;
      if (since >= every) touch();
      else
        trailing ??= window.setTimeout(() => {
          trailing = null;
          if (!leaving.current) touch();
        }, every - since);
    });
    return () => {
      unsubscribe();
      if (trailing !== null) window.clearTimeout(trailing);
    };
  }, [activity, adminCall, boot.adminIdleTimeoutSeconds]);

  const modulePages = overview?.pages ?? [];
  const tabs = [
    ...BUILT_IN_TABS.map((id) => ({ id, title: t(`admin.tabs.${id}`), translated: true })),
    ...modulePages.map((p) =>
      NAMED_MODULE_TABS.has(p.id) ? { id: `module:${p.id}`, title: t(`admin.tabs.${p.id}`), translated: true } : { id: `module:${p.id}`, title: p.title, translated: false },
    ),
  ];

  let body: ReactNode = null;
  if (tab === 'logs') body = <LogsPage adminCall={adminCall} />;
  else if (tab === 'audit') body = <AuditPage adminCall={adminCall} />;
  else if (tab.startsWith('module:')) {
    const page = modulePages.find((p) => `module:${p.id}` === tab);
    const Page = page ? adminPages[page.id] : undefined;
    body =
      page && Page ? (
        <Page page={page} />
      ) : (
        <div className="admin-page" data-testid="admin-page-missing">
          <Notice kind="warning">{t('admin.noView', { id: page?.id ?? tab.slice('module:'.length) })}</Notice>
        </div>
      );
  } else if (overview) body = <OverviewPage overview={overview} adminCall={adminCall} />;
  else if (!error) body = <p className="muted">{t('common.loading')}</p>;

  return (
    <main className="screen admin" data-testid="screen-admin">
      {/* One row in landscape; in portrait the tabs may take a second row (height to spare) rather than hide. Exit stays in view. */}
      <nav className="admin__tabs" aria-label={t('admin.title')}>
        <div className="admin__tablist">
          {tabs.map((tb) => (
            <button
              key={tb.id}
              type="button"
              className={`admin__tab${tab === tb.id ? ' is-active' : ''}`}
              aria-current={tab === tb.id ? 'page' : undefined}
              data-testid={`admin-tab-${tb.id.replace(/^module:/, '')}`}
              data-untranslated={tb.translated ? undefined : 'true'}
              onClick={() => {
                setTab(tb.id);
                if (tb.id === 'overview') void loadOverview();
              }}
            >
              {tb.title}
            </button>
          ))}
        </div>
        <BigButton icon="cross" variant="danger" className="admin__exit" testId="admin-exit" onClick={() => void leave('user')}>
          {t('admin.exit')}
        </BigButton>
      </nav>
      <div className="admin__body">
        {error ? <AdminError message={error} /> : null}
        {body}
      </div>
    </main>
  );
}
