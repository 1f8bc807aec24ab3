/**
 * Boot: ask main what state the kiosk is in, then show the kiosk, a problem
 * screen, or (when the service does not answer) a retry screen.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { BootInfo } from '../../preload/contract';
import { ProblemScreen } from '../screens/problem/ProblemScreen';
import { LoadingScreen, UnavailableScreen } from '../screens/problem/UnavailableScreen';
import { getBooth } from '../bridge';
import { call } from './call';
import { BootContext, ServiceContext, StatusContext } from './contexts';
import { setLanguage } from './i18n';
import { KioskShell } from './KioskShell';
import { StatusBar } from './StatusBar';
import { useKioskStatus } from './useKioskStatus';

export const RETRY_MS = 2000;

function ProblemShell({ boot }: { boot: BootInfo }) {
  const status = useKioskStatus();
  return (
    <StatusContext.Provider value={status}>
      <div className="app" data-route="problem">
        {/* No admin entry and no connectivity: the kiosk is not running. */}
        <StatusBar status={status} kioskName={boot.kioskName} showConnectivity={false} />
        <div className="app__body">
          <ProblemScreen boot={boot} />
        </div>
      </div>
    </StatusContext.Provider>
  );
}

export function App() {
  const [boot, setBoot] = useState<BootInfo | null>(null);
  const [down, setDown] = useState(false);
  const [attempt, setAttempt] = useState(0);

  const needBoot = boot === null || down;
  useEffect(() => {
    if (!needBoot) return;
    let alive = true;
    let timer: number | undefined;
    const run = async () => {
      const result = await call('kiosk:boot', {});
      if (!alive) return;
      if (result.ok) {
        setLanguage(result.value.defaultLanguage);
        setBoot(result.value);
        setDown(false);
        setAttempt(0);
      } else {
        setDown(true);
        setAttempt((a) => a + 1);
        timer = window.setTimeout(() => void run(), RETRY_MS);
      }
    };
    void run();
    return () => {
      alive = false;
      window.clearTimeout(timer);
    };
  }, [needBoot]);

  const downRef = useRef(down);
  downRef.current = down;
  const reportUnavailable = useCallback(() => {
    if (downRef.current) return;
    downRef.current = true;
    setAttempt(0);
    setDown(true);
  }, []);
  const service = useMemo(() => ({ reportUnavailable }), [reportUnavailable]);

  // The bridge's socket closing (or main saying it stops) shows the retry screen at once.
  useEffect(() => {
    try {
      return getBooth().onServiceLost(reportUnavailable);
    } catch {
      return undefined;
    }
  }, [reportUnavailable]);

  let content;
  if (down) content = <UnavailableScreen attempt={Math.max(attempt, 1)} />;
  else if (!boot) content = <LoadingScreen />;
  else if (boot.state !== 'ready') content = <ProblemShell boot={boot} />;
  else content = <KioskShell />;

  return (
    <ServiceContext.Provider value={service}>
      <BootContext.Provider value={boot}>{content}</BootContext.Provider>
    </ServiceContext.Provider>
  );
}
