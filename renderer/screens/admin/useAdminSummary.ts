/**
 * An admin page's summary from main (`<module>:admin-summary`): loaded when
 * the page opens, reloaded soon after the events the page listens to
 * (`reloadSoon`), and never set once the page is gone (`alive`). The page's
 * actions report their refusals through `setError`.
 */
import { useCallback, useEffect, useRef, useState, type Dispatch, type RefObject, type SetStateAction } from 'react';
import type { BoothError, HandlerArgs, HandlerName, HandlerValue } from '../../../preload/contract';
import { useReloadSoon } from '../../app/useReloadSoon';
import { useAdminCall, type AdminCall } from './useAdminCall';

export type AdminPageError = Pick<BoothError, 'message' | 'reason'>;

export interface AdminSummary<T> {
  adminCall: AdminCall;
  summary: T | null;
  setSummary: Dispatch<SetStateAction<T | null>>;
  error: AdminPageError | null;
  setError: Dispatch<SetStateAction<AdminPageError | null>>;
  /** False once the page left: an answer arriving later changes nothing. */
  alive: RefObject<boolean>;
  load: () => Promise<void>;
  reloadSoon: () => void;
}

/** `name` is a handler taking no arguments (`{}`). */
export function useAdminSummary<N extends HandlerName>(name: N): AdminSummary<HandlerValue<N>> {
  const adminCall = useAdminCall();
  const [summary, setSummary] = useState<HandlerValue<N> | null>(null);
  const [error, setError] = useState<AdminPageError | null>(null);
  const alive = useRef(true);
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );
  const load = useCallback(async () => {
    const r = await adminCall(name, {} as HandlerArgs<N>);
    if (!alive.current) return;
    if (r.ok) setSummary(r.value);
    else setError(r.error);
  }, [adminCall, name]);
  useEffect(() => {
    void load();
  }, [load]);
  const reloadSoon = useReloadSoon(load);
  return { adminCall, summary, setSummary, error, setError, alive, load, reloadSoon };
}
