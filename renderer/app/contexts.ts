import { createContext, useContext } from 'react';
import type { BootInfo, KioskStatus } from '../../preload/contract';

export const BootContext = createContext<BootInfo | null>(null);

export function useBoot(): BootInfo {
  const boot = useContext(BootContext);
  if (!boot) throw new Error('useBoot outside BootContext');
  return boot;
}

/** Lets any screen say "the kiosk service stopped answering"; the app then shows the retry screen. */
export const ServiceContext = createContext<{ reportUnavailable(message: string): void }>({
  reportUnavailable: () => undefined,
});

export const useService = () => useContext(ServiceContext);

export const StatusContext = createContext<KioskStatus | null>(null);
export const useStatus = () => useContext(StatusContext);
