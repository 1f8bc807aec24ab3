/**
 * Every request to the venue cloud goes through here: the headers CONTRACTS.md
 * names, a timeout, the clock check against the `Date` header, and the
 * connectivity state. "Offline" is trusted at once; "online" is proven by a
 * response (a probe or any real request).
 *
 * The API key rides on every request, so where a request may go is decided
 * here too: https (or loopback, or an origin the config allowed over http),
 * and redirects only within the origin the request was sent to.
 */
import type { CodedReason } from '../../preload/contract';
import { createClockTrust, isSkewWarning, type ClockTrust } from '../clock';
import { allowedInsecureOrigins, isSecureCloudUrl, type BoothConfig } from '../config';
import type { Platform } from '../platform';

export { readTextCapped, ResponseTooLargeError } from './body';

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
    /** The same for the screen's language (what went wrong, where; the system's words in params.detail). */
    readonly reason: CodedReason = { code: 'net-unreachable', params: { endpoint: '', detail: message } },
  ) {
    super(message);
    this.name = 'CloudNetworkError';
  }
}

/** The server redirected somewhere Booth does not send its credentials; the message names the target, never the key. */
export class CloudRedirectError extends CloudNetworkError {
  constructor(
    message: string,
    readonly target: string,
  ) {
    super(message, false, { code: 'net-redirect', params: { target, detail: message } });
    this.name = 'CloudRedirectError';
  }
}

/** Same-origin redirects followed at most this often for one request. */
export const MAX_REDIRECTS = 5;

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** A URL as an error may name it: origin and path, without credentials, query or fragment. */
const nameOf = (url: URL) => `${url.origin}${url.pathname}`;

export interface CloudClient {
  /** Resolves an endpoint path against api.baseUrl. */
  url(endpoint: string): string;
  request(endpoint: string, init?: CloudRequestInit): Promise<Response>;
  /** HEAD the probe endpoint; true when any HTTP answer came back. */
  probe(): Promise<boolean>;
  state(): CloudState;
  onChange(listener: (state: CloudState) => void): () => void;
  /** What the cloud's Date headers taught the kiosk (skew, last trusted time): shared with every module. */
  readonly clockTrust: ClockTrust;
}

const withCallerSignal = (timeout: AbortSignal, caller: AbortSignal | undefined): AbortSignal =>
  caller ? AbortSignal.any([timeout, caller]) : timeout;

/**
 * Whether an answer from `url` came over TLS whose certificate was checked: https
 * through the platform's fetch (Node's and Electron's verify against the trusted
 * roots), unless verification was switched off for the whole process.
 */
export const isVerifiedTls = (url: URL, env: NodeJS.ProcessEnv = process.env): boolean =>
  url.protocol === 'https:' && env.NODE_TLS_REJECT_UNAUTHORIZED !== '0';

export function createCloudClient(
  config: BoothConfig,
  platform: Platform,
  kioskId: string,
  clockTrust: ClockTrust = createClockTrust({ clock: platform.clock, trustedAtBoot: config.clock.trustedAtBoot, skewWarningSeconds: config.clock.skewWarningSeconds }),
): CloudClient {
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

  const insecureAllowed = allowedInsecureOrigins(config);
  /** Refuses, before anything is sent, a URL the config does not allow the key to travel to. */
  const checkTransport = (target: URL) => {
    if (isSecureCloudUrl(target.toString()) || insecureAllowed.has(target.origin)) return;
    throw new CloudNetworkError(
      `refused to send to ${nameOf(target)}: plain http to another machine is not allowed (use https, or allowInsecureHttp for that server)`,
      false,
      { code: 'net-insecure', params: { target: nameOf(target) } },
    );
  };

  /**
   * Follows redirects itself: within the origin the request went to (same
   * scheme, host and port, so never down to http), at most MAX_REDIRECTS;
   * anything else is an error naming the target.
   */
  async function send(first: URL, init: RequestInit & { headers: Record<string, string> }): Promise<Response> {
    let target = first;
    let { method, body } = init;
    const headers = { ...init.headers };
    for (let hops = 0; ; hops++) {
      const response = await platform.fetch(target.toString(), { ...init, method, body, headers, redirect: 'manual' });
      const location = REDIRECT_STATUSES.has(response.status) ? response.headers.get('location') : null;
      if (location === null) return response;
      await response.body?.cancel().catch(() => undefined);
      let next: URL;
      try {
        next = new URL(location, target);
      } catch {
        throw new CloudRedirectError(`${nameOf(target)} answered ${response.status} with a Location that is not a URL; not followed`, '');
      }
      if (next.origin !== first.origin) {
        throw new CloudRedirectError(
          `${nameOf(target)} redirected (${response.status}) to ${nameOf(next)}; not followed: Booth sends its API key only to ${first.origin}`,
          nameOf(next),
        );
      }
      if (hops >= MAX_REDIRECTS) {
        throw new CloudRedirectError(`more than ${MAX_REDIRECTS} redirects from ${nameOf(first)} (last to ${nameOf(next)}); not followed`, nameOf(next));
      }
      // 303 ("processed; see there") turns into GET. A 301/302 after a POST keeps
      // it (as 307/308 do, same key): fetch would turn it into a GET, and a 2xx
      // for that GET would acknowledge an upload the server never received.
      if (response.status === 303 && method !== 'HEAD') {
        method = 'GET';
        body = undefined;
        delete headers['Content-Type'];
      }
      target = next;
    }
  }

  async function request(endpoint: string, init: CloudRequestInit = {}): Promise<Response> {
    const headers: Record<string, string> = {
      'X-Kiosk-Id': kioskId,
      'User-Agent': `Booth/${platform.version}`,
      ...init.headers,
    };
    if (config.api.apiKey) headers[config.api.apiKeyHeader] = config.api.apiKey;
    if (init.idempotencyKey) headers['Idempotency-Key'] = init.idempotencyKey;
    if (init.body !== undefined) headers['Content-Type'] ??= 'application/json';
    const target = new URL(url(endpoint));
    checkTransport(target);
    const sent = platform.clock.now().getTime();
    let response: Response;
    try {
      response = await send(target, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers,
        body: init.body,
        signal: withCallerSignal(AbortSignal.timeout(init.timeoutMs ?? config.api.timeoutSeconds * 1000), init.signal),
      });
    } catch (error) {
      if (error instanceof CloudRedirectError) {
        // The server answered: it is reachable, it only sent us elsewhere.
        update({ online: true, lastOnlineAt: platform.clock.now().toISOString() });
        log.warn(error.message);
        throw error;
      }
      if (init.signal?.aborted) throw new CloudNetworkError(`the request to ${endpoint} was given up by the kiosk`, false, { code: 'net-given-up', params: { endpoint } });
      const timedOut = (error as Error).name === 'TimeoutError';
      update({ online: false });
      throw new CloudNetworkError(
        timedOut ? `no answer from ${endpoint} within the timeout` : `cannot reach ${endpoint}: ${(error as Error).message}`,
        timedOut,
        timedOut ? { code: 'net-timeout', params: { endpoint } } : { code: 'net-unreachable', params: { endpoint, detail: (error as Error).message } },
      );
    }
    const received = platform.clock.now().getTime();
    // Redirects stay within the first origin, so its scheme is the answer's.
    const skew = clockTrust.observeServerDate({ header: response.headers.get('date'), sentMs: sent, receivedMs: received, verifiedTls: isVerifiedTls(target) });
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
      } catch (error) {
        // A redirect elsewhere is still an answer: the API is reachable.
        return error instanceof CloudRedirectError;
      }
    },
    state: () => state,
    clockTrust,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
