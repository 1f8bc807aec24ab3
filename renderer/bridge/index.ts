/**
 * `window.booth` for the renderer: Electron's preload provides it; in a plain
 * browser (the headless host) a WebSocket bridge with the page's token does.
 */
import type { BoothApi, EventMap, EventName, HandlerName, Result } from '../../preload/contract';

declare global {
  interface Window {
    booth?: BoothApi;
  }
}

type Frame = { t: 'result'; id: number; result: Result<unknown> } | { t: 'event'; name: EventName; payload: unknown };

export function createWebSocketBooth(url: string): BoothApi {
  let nextId = 1;
  const pending = new Map<number, (r: Result<unknown>) => void>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const lostListeners = new Set<() => void>();
  let socket: WebSocket | null = null;
  let ready: Promise<WebSocket> | null = null;

  const connect = (): Promise<WebSocket> => {
    if (ready) return ready;
    ready = new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.onopen = () => {
        socket = ws;
        resolve(ws);
      };
      ws.onerror = () => reject(new Error('bridge unavailable'));
      ws.onmessage = (message) => {
        const frame = JSON.parse(String(message.data)) as Frame;
        if (frame.t === 'result') {
          pending.get(frame.id)?.(frame.result);
          pending.delete(frame.id);
        } else {
          for (const l of listeners.get(frame.name) ?? []) l(frame.payload);
        }
      };
      ws.onclose = () => {
        // An open connection that closes is a lost service (a refused or failed
        // connect is answered by the invoke that asked for it).
        const wasOpen = socket === ws;
        socket = null;
        ready = null;
        for (const [id, settle] of pending) {
          settle({ ok: false, error: { code: 'unavailable', message: 'The kiosk service is not answering.' } });
          pending.delete(id);
        }
        if (wasOpen) {
          for (const l of [...lostListeners]) {
            try {
              l();
            } catch {
              /* a failing listener must not stop the others */
            }
          }
        }
        // Reconnect so pushed events keep arriving after a host restart.
        setTimeout(() => void connect().catch(() => undefined), 1000);
      };
    });
    return ready;
  };

  return {
    async invoke<N extends HandlerName>(name: N, args: unknown) {
      let ws: WebSocket;
      try {
        ws = socket ?? (await connect());
      } catch {
        return { ok: false, error: { code: 'unavailable', message: 'The kiosk service is not answering.' } } as never;
      }
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve as (r: Result<unknown>) => void);
        ws.send(JSON.stringify({ t: 'invoke', id, name, args }));
      });
    },
    on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void) {
      void connect().catch(() => undefined);
      const set = listeners.get(event) ?? new Set();
      set.add(listener as (p: unknown) => void);
      listeners.set(event, set);
      return () => set.delete(listener as (p: unknown) => void);
    },
    onServiceLost(listener: () => void) {
      lostListeners.add(listener);
      return () => lostListeners.delete(listener);
    },
  };
}

const TOKEN_KEY = 'booth.bridgeToken';

/**
 * The headless host's token: read from the URL once, then dropped from it
 * (history.replaceState), so it is not left in the address bar, the history
 * or a screenshot. Kept for this tab only (sessionStorage), so a reload works.
 */
function takeBridgeToken(): string {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl === null) return sessionStorage.getItem(TOKEN_KEY) ?? '';
  sessionStorage.setItem(TOKEN_KEY, fromUrl);
  url.searchParams.delete('token');
  history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
  return fromUrl;
}

/** The API this renderer talks through. */
export function getBooth(): BoothApi {
  if (window.booth) return window.booth;
  const token = takeBridgeToken();
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const api = createWebSocketBooth(`${scheme}://${location.host}/bridge?token=${encodeURIComponent(token)}`);
  window.booth = api;
  return api;
}
