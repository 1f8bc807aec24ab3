/**
 * A working kiosk: status bar + the current screen, the idle reset to the
 * attract screen (with the default language), and the two ways into admin
 * (hold the kiosk name 3 s, or Ctrl+Shift+A).
 */
import { useCallback, useLayoutEffect, useRef, type ComponentType } from 'react';
import { useTranslation } from 'react-i18next';
import { AdminScreen } from '../screens/admin/AdminScreen';
import { PinScreen } from '../screens/admin/PinScreen';
import { AttractScreen } from '../screens/attract/AttractScreen';
import { StatusContext, useBoot } from './contexts';
import { setLanguage } from './i18n';
import { ActivityProvider, useIdleTimeout } from './idle';
import { customerScreens, moduleServices, type CustomerScreenProps } from './modules';
import { RouterProvider, useRouter } from './router';
import { StatusBar } from './StatusBar';
import { useKioskStatus } from './useKioskStatus';
import { useSyncStatus } from './useSyncStatus';

const builtInScreens: Record<string, ComponentType<CustomerScreenProps>> = {
  attract: AttractScreen,
  pin: PinScreen,
  admin: AdminScreen,
};

export const isAdminShortcut = (event: KeyboardEvent) =>
  event.ctrlKey && event.shiftKey && !event.altKey && !event.metaKey && (event.code === 'KeyA' || event.key.toLowerCase() === 'a');

function Shell() {
  const boot = useBoot();
  const { route, navigate, home } = useRouter();
  const { i18n } = useTranslation();
  const status = useKioskStatus();
  const sync = useSyncStatus();

  const isAttract = route.name === 'attract';
  const isAdmin = route.name === 'admin';
  const inAdminFlow = isAdmin || route.name === 'pin';

  const openPin = useCallback(() => navigate('pin'), [navigate]);

  // Registered before the first paint, so a key pressed as soon as the screen shows is not lost.
  const adminFlow = useRef(inAdminFlow);
  adminFlow.current = inAdminFlow;
  useLayoutEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!isAdminShortcut(event)) return;
      event.preventDefault();
      if (!adminFlow.current) openPin();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [openPin]);

  // Customer idle reset: any screen but attract goes back to attract (unless a
  // screen holds it); on attract, a changed language goes back to the default.
  const languageIsDefault = (i18n.resolvedLanguage ?? i18n.language) === boot.defaultLanguage;
  useIdleTimeout(
    boot.idleTimeoutSeconds,
    () => {
      setLanguage(boot.defaultLanguage);
      if (!isAttract) home();
    },
    !isAdmin && (!isAttract || !languageIsDefault),
  );

  const Screen = builtInScreens[route.name] ?? customerScreens[route.name] ?? AttractScreen;
  const services = boot.modules.flatMap((m) => {
    const s = moduleServices[m];
    if (!s) return [];
    const parts: [string, ComponentType][] = [];
    if (s.always) parts.push([`${m}:always`, s.always]);
    // Demo tools are for customers' screens only, never over the PIN pad or admin.
    if (s.demo && boot.demo && !inAdminFlow) parts.push([`${m}:demo`, s.demo]);
    return parts;
  });
  return (
    <StatusContext.Provider value={status}>
      <div className={`app${services.some(([key]) => key.endsWith(':demo')) ? ' app--demo' : ''}`} data-route={route.name}>
        <StatusBar status={status} sync={sync} kioskName={boot.kioskName} onAdminRequest={inAdminFlow ? undefined : openPin} detailed={isAdmin} />
        <div className="app__body">
          <Screen route={route} />
        </div>
        {services.map(([key, Service]) => (
          <Service key={key} />
        ))}
      </div>
    </StatusContext.Provider>
  );
}

export function KioskShell() {
  return (
    <ActivityProvider>
      <RouterProvider>
        <Shell />
      </RouterProvider>
    </ActivityProvider>
  );
}
