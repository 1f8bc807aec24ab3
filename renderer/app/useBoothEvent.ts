/**
 * Subscribes to a pushed event of the contract for the life of the component.
 * The subscription is made while the component is committed (a layout effect),
 * before the screen is painted: a screen that shows is already listening, so an
 * event sent as soon as it appears (a scan at "Scan your ticket") is not lost.
 */
import { useLayoutEffect, useRef } from 'react';
import type { EventMap, EventName } from '../../preload/contract';
import { getBooth } from '../bridge';

export function useBoothEvent<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void, enabled = true): void {
  const latest = useRef(listener);
  latest.current = listener;
  useLayoutEffect(() => {
    if (!enabled) return undefined;
    try {
      return getBooth().on(event, (payload) => latest.current(payload));
    } catch {
      return undefined;
    }
  }, [event, enabled]);
}
