/** Press-and-hold with pointer events: fires after `ms`, cancelled on release, leave or cancel. */
import { useCallback, useEffect, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';

export function useLongPress(ms: number, onFire: () => void, enabled = true) {
  const [holding, setHolding] = useState(false);
  const timer = useRef<number | null>(null);
  const fire = useRef(onFire);
  fire.current = onFire;

  const cancel = useCallback(() => {
    if (timer.current !== null) window.clearTimeout(timer.current);
    timer.current = null;
    setHolding(false);
  }, []);

  useEffect(() => cancel, [cancel]);
  useEffect(() => {
    if (!enabled) cancel();
  }, [enabled, cancel]);

  const onPointerDown = useCallback(
    (event: ReactPointerEvent) => {
      if (!enabled) return;
      if (event.pointerType === 'mouse' && event.button !== 0) return;
      cancel();
      setHolding(true);
      timer.current = window.setTimeout(() => {
        timer.current = null;
        setHolding(false);
        fire.current();
      }, ms);
    },
    [enabled, ms, cancel],
  );

  return {
    holding,
    handlers: {
      onPointerDown,
      onPointerUp: cancel,
      onPointerLeave: cancel,
      onPointerCancel: cancel,
      onContextMenu: (event: { preventDefault(): void }) => event.preventDefault(),
    },
  };
}
