/**
 * Every request to the venue cloud goes through here: the headers CONTRACTS.md
 * names, a timeout, the clock check against the `Date` header, and the
 * connectivity state. "Offline" is trusted at once; "online" is proven by a
 * response (a probe or any real request).
 */
import { isSkewWarning, skewFromDateHeader } from '../clock';
import type { BoothConfig } from '../config';
import type { Platform } from '../platform';

export interface CloudState {
  online: boolean | null;
  lastOnlineAt: string | null;
  clockSkewMs: number | null;
  clockWarning: boolean;
}

export interface CloudRequestInit {
  method?: 'GET' | 'POST' | 'HEAD';
  body?: string;
  headers?: Record<string, string>;
  idempotencyKey?: string;
  /** Overrides api.timeoutSeconds. */
  timeoutMs?: number;
  /** Ends the request early (the caller gave up on it); not a sign that the cloud is offline. */
  signal?: AbortSignal;
}

export class CloudNetworkError extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = 'CloudNetworkError';
  }
}

export interface CloudClient {
  /** Resolves an endpoint path against api.baseUrl. */
  url(endpoint: string): string;
  request(endpoint: string, init?: CloudRequestInit): Promise<Response>;
  /** HEAD the probe endpoint; true when any HTTP answer came back. */
  probe(): Promise<boolean>;
  state(): CloudState;
  onChange(listener: (state: CloudState) => void): () => void;
}

const withCallerSignal = (timeout: AbortSignal, caller: AbortSignal | undefined): AbortSignal =>
  caller ? AbortSignal.any([timeout, caller]) : timeout;

export function createCloudClient(config: BoothConfig, platform: Platform, kioskId: string): CloudClient {
  const log = platform.log.scope('cloud');
  const listeners = new Set<(state: CloudState) => void>();
  let state: CloudState = { online: null, lastOnlineAt: null, clockSkewMs: null, clockWarning: false };

  const update = (patch: Partial<CloudState>) => {
    const next = { ...state, ...patch };
    next.clockWarning = isSkewWarning(next.clockSkewMs, config.clock.skewWarningSeconds);
    const changed =
      next.online !== state.online || next.clockWarning !== state.clockWarning || next.clockSkewMs !== state.clockSkewMs;
    if (next.online !== state.online) log.info(next.online ? 'cloud reachable' : 'cloud unreachable');
    if (next.clockWarning && !state.clockWarning) {
      log.warn(`local clock differs from the cloud by ${Math.round((next.clockSkewMs ?? 0) / 1000)} s`);
    }
    state = next;
    if (changed) for (const l of listeners) l(state);
  };

  const url = (endpoint: string) => new URL(endpoint, config.api.baseUrl).toString();

  async function request(endpoint: string, init: CloudRequestInit = {}): Promise<Response> {
    const headers: Record<string, string> = {
      'X-Kiosk-Id': kioskId,
      'User-Agent': `Booth/${platform.version}`,
      ...init.headers,
    };
    if (config.api.apiKey) headers[config.api.apiKeyHeader] = config.api.apiKey;
    if (init.idempotencyKey) headers['Idempotency-Key'] = init.idempotencyKey;
    if (init.body !== undefined) headers['Content-Type'] ??= 'application/json';
    const sent = platform.clock.now().getTime();
    let response: Response;
    try {
      response = await platform.fetch(url(endpoint), {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers,
        body: init.body,
        signal: withCallerSignal(AbortSignal.timeout(init.timeoutMs ?? config.api.timeoutSeconds * 1000), init.signal),
      });
    } catch (error) {
      if (init.signal?.aborted) throw new CloudNetworkError(`the request to ${endpoint} was given up by the kiosk`, false);
      const timedOut = (error as Error).name === 'TimeoutError';
      update({ online: false });
      throw new CloudNetworkError(
        timedOut ? `no answer from ${endpoint} within the timeout` : `cannot reach ${endpoint}: ${(error as Error).message}`,
        timedOut,
      );
    }
    const received = platform.clock.now().getTime();
    const skew = skewFromDateHeader(response.headers.get('date'), sent, received);
    update({ online: true, lastOnlineAt: new Date(received).toISOString(), ...(skew === null ? {} : { clockSkewMs: skew }) });
    return response;
  }

  return {
    url,
    request,
    async probe() {
      try {
        const response = await request(config.api.probeEndpoint, {
          method: 'HEAD',
          timeoutMs: Math.min(config.api.timeoutSeconds * 1000, 10_000),
        });
        await response.body?.cancel();
        return true;
      } catch {
        return false;
      }
    },
    state: () => state,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
