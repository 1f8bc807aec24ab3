/** The gate's status ('gate:status'): attraction, test mode, scanner; the first answer, then pushed changes. */
import { useEffect, useState } from 'react';
import type { GateStatus } from '../../../preload/contract';
import { call } from '../../app/call';
import { useBoothEvent } from '../../app/useBoothEvent';

export function useGateStatus(): GateStatus | null {
  const [status, setStatus] = useState<GateStatus | null>(null);
  useBoothEvent('gate:status', setStatus);
  useEffect(() => {
    let alive = true;
    void call('gate:status', {}).then((r) => {
      if (alive && r.ok) setStatus((current) => current ?? r.value);
    });
    return () => {
      alive = false;
    };
  }, []);
  return status;
}
