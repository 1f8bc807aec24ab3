/**
 * Idle tracking on monotonic time (performance.now()). Any touch, click, key
 * or scroll counts as activity. Screens that must not be interrupted (money,
 * a pending payout) call useHoldIdle(): while any hold is active no idle
 * timer fires, and the timers restart in full when the last hold ends.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, type ReactNode } from 'react';

interface ActivityValue {
  /** performance.now() of the last input. */
  lastActivity(): number;
  /** Number of active holds. */
  holds(): number;
  /** Counts as input (e.g. a scanner read that arrives without a touch). */
  touch(): void;
  hold(): () => void;
  subscribe(listener: () => void): () => void;
}

const ActivityContext = createContext<ActivityValue | null>(null);

const ACTIVITY_EVENTS = ['pointerdown', 'pointerup', 'keydown', 'wheel', 'touchmove', 'input'] as const;

export function ActivityProvider({ children }: { children: ReactNode }) {
  const last = useRef(performance.now());
  const holdCount = useRef(0);
  const listeners = useRef(new Set<() => void>());

  const touch = useCallback(() => {
    last.current = performance.now();
    for (const l of listeners.current) l();
  }, []);

  useEffect(() => {
    for (const name of ACTIVITY_EVENTS) window.addEventListener(name, touch, { capture: true, passive: true });
    return () => {
      for (const name of ACTIVITY_EVENTS) window.removeEventListener(name, touch, { capture: true });
    };
  }, [touch]);

  const value = useMemo<ActivityValue>(
    () => ({
      lastActivity: () => last.current,
      holds: () => holdCount.current,
      touch,
      hold: () => {
        holdCount.current += 1;
        let released = false;
        return () => {
          if (released) return;
          released = true;
          holdCount.current -= 1;
          // The screen that held gets a full idle period from now on.
          last.current = performance.now();
        };
      },
      subscribe: (listener) => {
        listeners.current.add(listener);
        return () => listeners.current.delete(listener);
      },
    }),
    [touch],
  );
  return <ActivityContext.Provider value={value}>{children}</ActivityContext.Provider>;
}

export function useActivity(): ActivityValue {
  const value = useContext(ActivityContext);
  if (!value) throw new Error('useActivity outside ActivityProvider');
  return value;
}

/**
 * Declares that the current screen must not be interrupted by the idle reset
 * (money inserted, a payout running, a QR that lives until it expires).
 * Pass `false` to release the hold while the screen stays mounted.
 */
export function useHoldIdle(active = true): void {
  const activity = useActivity();
  useEffect(() => (active ? activity.hold() : undefined), [activity, active]);
}

/** Calls `onIdle` once after `seconds` without input (and without holds); then the period restarts. */
export function useIdleTimeout(seconds: number, onIdle: () => void, enabled = true): void {
  const activity = useActivity();
  const callback = useRef(onIdle);
  callback.current = onIdle;
  useEffect(() => {
    if (!enabled || !(seconds > 0)) return;
    let armedAt = performance.now();
    const timer = window.setInterval(() => {
      if (activity.holds() > 0) return;
      const since = Math.max(activity.lastActivity(), armedAt);
      if (performance.now() - since >= seconds * 1000) {
        armedAt = performance.now();
        callback.current();
      }
    }, 250);
    return () => window.clearInterval(timer);
  }, [activity, seconds, enabled]);
}
