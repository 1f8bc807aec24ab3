/**
 * The sandboxed preload: window.booth = { invoke, on } for the contract's
 * names only (checklist 3, 20). It forwards values, never ipcRenderer or the
 * IpcRendererEvent. The allowed names come from main on this renderer's
 * command line (webPreferences.additionalArguments), so this file imports no
 * zod schemas and bundles to a few lines that require nothing but 'electron'.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { BoothApi, IPC_CLOSING_CHANNEL, IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, Result } from './contract';

// Type-checked copies of the contract's channel names (importing the values would bundle zod).
const INVOKE_CHANNEL: typeof IPC_INVOKE_CHANNEL = 'booth:invoke';
const EVENT_CHANNEL: typeof IPC_EVENT_CHANNEL = 'booth:event';
const CLOSING_CHANNEL: typeof IPC_CLOSING_CHANNEL = 'booth:closing';

const NAME_PATTERN = /^[a-z][a-z0-9-]*:[a-z][a-z0-9-]*$/;

/** Reads `--booth-handlers=a:b,c:d` style lists written by main (security-policy.ts preloadArguments). */
export function namesFromArgv(argv: readonly string[], prefix: string): Set<string> {
  const arg = argv.find((a) => a.startsWith(prefix));
  if (!arg) return new Set();
  return new Set(arg.slice(prefix.length).split(',').filter((name) => NAME_PATTERN.test(name)));
}

const unavailable = (message: string): Result<never> => ({ ok: false, error: { code: 'unavailable', message } });

export function createPreloadApi(argv: readonly string[]): BoothApi {
  const handlers = namesFromArgv(argv, '--booth-handlers=');
  const events = namesFromArgv(argv, '--booth-events=');
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const lostListeners = new Set<() => void>();
  const serviceLost = () => {
    for (const listener of [...lostListeners]) {
      try {
        listener();
      } catch {
        /* a failing listener must not stop the others */
      }
    }
  };
  // Main is stopping the kiosk service (quit, restart): say so at once, not at the next call.
  ipcRenderer.on(CLOSING_CHANNEL, () => serviceLost());

  ipcRenderer.on(EVENT_CHANNEL, (_event, message: unknown) => {
    if (!message || typeof message !== 'object') return;
    const { name, payload } = message as { name?: unknown; payload?: unknown };
    if (typeof name !== 'string' || !events.has(name)) return;
    for (const listener of listeners.get(name) ?? []) {
      try {
        listener(payload);
      } catch {
        /* a failing listener must not stop the others */
      }
    }
  });

  const invoke = async (name: unknown, args: unknown): Promise<Result<unknown>> => {
    if (typeof name !== 'string' || !handlers.has(name)) {
      return { ok: false, error: { code: 'unknown_handler', message: `No such handler: ${String(name).slice(0, 100)}` } };
    }
    try {
      return (await ipcRenderer.invoke(INVOKE_CHANNEL, name, args)) as Result<unknown>;
    } catch {
      serviceLost();
      return unavailable('The kiosk service is not answering.');
    }
  };

  const on = (event: unknown, listener: unknown): (() => void) => {
    // An unlisted event never fires: answer with a no-op rather than break the page.
    if (typeof event !== 'string' || !events.has(event) || typeof listener !== 'function') return () => undefined;
    const set = listeners.get(event) ?? new Set();
    const fn = listener as (payload: unknown) => void;
    set.add(fn);
    listeners.set(event, set);
    return () => {
      set.delete(fn);
    };
  };

  const onServiceLost = (listener: unknown): (() => void) => {
    if (typeof listener !== 'function') return () => undefined;
    const fn = listener as () => void;
    lostListeners.add(fn);
    return () => {
      lostListeners.delete(fn);
    };
  };

  return { invoke: invoke as BoothApi['invoke'], on: on as BoothApi['on'], onServiceLost };
}

contextBridge.exposeInMainWorld('booth', createPreloadApi(process.argv));
