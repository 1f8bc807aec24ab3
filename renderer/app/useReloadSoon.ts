import { useCallback, useEffect, useRef } from 'react';

/** A reload that runs at most once per `delayMs`, however many events ask for it (admin pages). */
export function useReloadSoon(load: () => unknown, delayMs = 300): () => void {
  const timer = useRef<number | null>(null);
  const reloadSoon = useCallback(() => {
    if (timer.current !== null) return;
    timer.current = window.setTimeout(() => {
      timer.current = null;
      void load();
    }, delayMs);
  }, [load, delayMs]);
  useEffect(() => () => window.clearTimeout(timer.current ?? undefined), []);
  return reloadSoon;
}
