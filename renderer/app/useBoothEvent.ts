/** Subscribes to a pushed event of the contract for the life of the component. */
import { useEffect, useRef } from 'react';
import type { EventMap, EventName } from '../../preload/contract';
import { getBooth } from '../bridge';

export function useBoothEvent<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void, enabled = true): void {
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => {
    if (!enabled) return undefined;
    try {
      return getBooth().on(event, (payload) => latest.current(payload));
    } catch {
      return undefined;
    }
  }, [event, enabled]);
}
