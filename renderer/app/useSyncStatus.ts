/** The upload queue's counts ('sync:status'): the first answer, then every pushed change. */
import { useEffect, useState } from 'react';
import type { SyncStatus } from '../../preload/contract';
import { call } from './call';
import { useBoothEvent } from './useBoothEvent';

export const SYNC_REFRESH_MS = 30_000;

export function useSyncStatus(enabled = true): SyncStatus | null {
  const [sync, setSync] = useState<SyncStatus | null>(null);
  useBoothEvent('sync:status', setSync, enabled);
  useEffect(() => {
    if (!enabled) return undefined;
    let alive = true;
    const refresh = async () => {
      const r = await call('sync:status', {});
      if (alive && r.ok) setSync(r.value);
    };
    void refresh();
    const timer = window.setInterval(() => void refresh(), SYNC_REFRESH_MS);
    return () => {
      alive = false;
      window.clearInterval(timer);
    };
  }, [enabled]);
  return sync;
}
