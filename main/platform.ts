/**
 * What the kiosk core needs from the host it runs in (Electron or the headless
 * Node host). Injected so that tests can drive time, files and the network.
 */
import type { Logger } from './log';
import type { Clock } from './clock';

export type HttpFetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface Platform {
  /** App version (package.json). */
  version: string;
  /** True for an installed package; false for a source checkout. */
  isPackaged: boolean;
  /** Folder for the database, logs and (by default) config. */
  dataDir: string;
  clock: Clock;
  fetch: HttpFetch;
  log: Logger;
}
