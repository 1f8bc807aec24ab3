/** Kiosk status: pushed by main ('kiosk:status') and refreshed every 30 s. */
import { useEffect, useState } from 'react';
import type { KioskStatus } from '../../preload/contract';
import { getBooth } from '../bridge';
import { call } from './call';
import { useService } from './contexts';

export const STATUS_REFRESH_MS = 30_000;

export function useKioskStatus(): KioskStatus | null {
  const [status, setStatus] = useState<KioskStatus | null>(null);
  const { reportUnavailable } = useService();
  useEffect(() => {
    let alive = true;
    const refresh = async () => {
      const result = await call('kiosk:status', {});
      if (!alive) return;
      if (result.ok) setStatus(result.value);
      else if (result.error.code === 'unavailable') reportUnavailable(result.error.message);
    };
    void refresh();
    let unsubscribe = () => {};
    try {
      unsubscribe = getBooth().on('kiosk:status', (next) => {
        if (alive) setStatus(next);
      });
    } catch {
      /* refreshed by the timer */
    }
    const timer = window.setInterval(() => void refresh(), STATUS_REFRESH_MS);
    return () => {
      alive = false;
      unsubscribe();
      window.clearInterval(timer);
    };
  }, [reportUnavailable]);
  return status;
}
