/** The payout kiosk's status ('payout:status'): the first answer, then pushed changes. */
import { useCallback, useEffect, useState } from 'react';
import type { PayoutStatus } from '../../../preload/contract';
import { call } from '../../app/call';
import { useBoothEvent } from '../../app/useBoothEvent';

export function usePayoutStatus(): { status: PayoutStatus | null; refresh(): Promise<void> } {
  const [status, setStatus] = useState<PayoutStatus | null>(null);
  useBoothEvent('payout:status', setStatus);
  const refresh = useCallback(async () => {
    const r = await call('payout:status', {});
    if (r.ok) setStatus(r.value);
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  return { status, refresh };
}
