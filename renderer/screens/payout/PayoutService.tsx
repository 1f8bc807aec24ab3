/**
 * Always mounted on a payout kiosk: when the screen (re)loads while a
 * customer's transaction is on this kiosk, it shows that transaction again.
 */
import { useEffect, useRef } from 'react';
import { call } from '../../app/call';
import { useRouter } from '../../app/router';

export const PAYOUT_SESSION_ROUTE = 'payout.session';

export function PayoutService() {
  const { route, navigate } = useRouter();
  const checked = useRef(false);
  useEffect(() => {
    if (checked.current) return;
    checked.current = true;
    void call('payout:status', {}).then((r) => {
      const session = r.ok ? r.value.session : null;
      if (session && (session.state === 'waiting-payment' || session.state === 'paying-out') && route.name === 'attract') {
        navigate({ name: PAYOUT_SESSION_ROUTE, params: { session } });
      }
    });
  }, [route.name, navigate]);
  return null;
}
