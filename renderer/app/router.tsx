/**
 * A small state-based router: the kiosk has no URL bar, so a route is just
 * a screen name and optional parameters held in React state.
 */
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

export interface Route {
  /** 'attract', 'pin', 'admin', or a module's screen id (e.g. 'gate.result'). */
  name: string;
  params?: Readonly<Record<string, unknown>>;
}

export const ATTRACT: Route = { name: 'attract' };

interface RouterValue {
  route: Route;
  navigate(route: Route | string): void;
  /** Back to the attract screen. */
  home(): void;
}

const RouterContext = createContext<RouterValue | null>(null);

export function RouterProvider({ children, initial = ATTRACT }: { children: ReactNode; initial?: Route }) {
  const [route, setRoute] = useState<Route>(initial);
  const navigate = useCallback((next: Route | string) => setRoute(typeof next === 'string' ? { name: next } : next), []);
  const home = useCallback(() => setRoute(ATTRACT), []);
  const value = useMemo(() => ({ route, navigate, home }), [route, navigate, home]);
  return <RouterContext.Provider value={value}>{children}</RouterContext.Provider>;
}

export function useRouter(): RouterValue {
  const value = useContext(RouterContext);
  if (!value) throw new Error('useRouter outside RouterProvider');
  return value;
}
