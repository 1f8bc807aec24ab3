/**
 * HTTPS GET for the updater, on node:https (not fetch: it needs the socket's
 * idle time, Range, and backpressure for the bandwidth cap). https only;
 * a redirect is followed only to the same origin over https; every request
 * has a time limit, and the body stops at a byte limit.
 */
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import tls from 'node:tls';

export class TransportError extends Error {
  constructor(
    readonly code: 'insecure-url' | 'redirect-refused' | 'timeout' | 'stalled' | 'http-status' | 'network',
    message: string,
  ) {
    super(message);
  }
}

export interface TransportOptions {
  /** Extra trusted certificate authorities (tests; a venue's own CA). The system's are always trusted. */
  ca?: string | readonly string[];
  /** No byte for this long: the request is stalled and given up. */
  idleMs: number;
}

export interface OpenResponse {
  status: number;
  headers: IncomingMessage['headers'];
  url: string;
  body: IncomingMessage;
}

const MAX_REDIRECTS = 3;

const contexts = new Map<string, tls.SecureContext>();
/**
 * The system's roots and the extra CAs (Node replaces the roots when `ca` is
 * given), built once per CA list: building it parses every root certificate,
 * a synchronous 100 ms and more on a busy machine, which at each request
 * would hold a customer's scan.
 */
export function secureContextFor(ca: string | readonly string[]): tls.SecureContext {
  const list = typeof ca === 'string' ? [ca] : [...ca];
  const key = list.join('\n');
  let context = contexts.get(key);
  if (!context) {
    context = tls.createSecureContext({ ca: [...list, ...tls.rootCertificates] });
    contexts.set(key, context);
  }
  return context;
}

function httpsOnly(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TransportError('insecure-url', `${url} is not a URL`);
  }
  if (parsed.protocol !== 'https:') throw new TransportError('insecure-url', `${parsed.origin} is not https: updates come over https only`);
  return parsed;
}

function requestOnce(url: URL, headers: Record<string, string>, options: TransportOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, {
      headers: { 'user-agent': 'Booth-updater', ...headers },
      ...(options.ca ? { secureContext: secureContextFor(options.ca) } : {}),
    });
    // Until the headers come: the idle limit is also the answer limit.
    req.setTimeout(options.idleMs, () => req.destroy(new TransportError('stalled', `no answer from ${url.origin} in ${options.idleMs} ms`)));
    req.once('response', (res) => {
      req.setTimeout(0);
      resolve(res);
    });
    req.once('error', (error) => reject(error instanceof TransportError ? error : new TransportError('network', `${url.origin}: ${error.message}`)));
  });
}


/** Opens a GET, following same-origin https redirects; the caller reads (or destroys) the body. */
export async function openHttpsGet(url: string, headers: Record<string, string>, options: TransportOptions): Promise<OpenResponse> {
  let current = httpsOnly(url);
  const origin = current.origin;
  for (let hop = 0; ; hop++) {
    const res = await requestOnce(current, headers, options);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location !== undefined) {
      res.resume();
      res.destroy();
      let next: URL;
      try {
        next = new URL(res.headers.location, current);
      } catch {
        throw new TransportError('redirect-refused', `${current.href} redirects to an unreadable location`);
      }
      if (next.protocol !== 'https:' || next.origin !== origin) {
        throw new TransportError('redirect-refused', `${current.href} redirects to ${next.origin}: only the same origin over https is followed`);
      }
      if (hop >= MAX_REDIRECTS) throw new TransportError('redirect-refused', `more than ${MAX_REDIRECTS} redirects from ${url}`);
      current = next;
      continue;
    }
    return { status, headers: res.headers, url: current.href, body: res };
  }
}

/** A whole small body (the manifest): at most `maxBytes` (one more is a refusal), within `totalMs`. */
export async function getSmall(
  url: string,
  options: TransportOptions & { maxBytes: number; totalMs: number },
): Promise<{ status: number; body: Buffer; date: Date | null; tooLarge: boolean }> {
  let timer: NodeJS.Timeout | undefined;
  let open: OpenResponse | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      open?.body.destroy();
      reject(new TransportError('timeout', `${url} took longer than ${options.totalMs} ms`));
    }, options.totalMs);
  });
  try {
    open = await Promise.race([openHttpsGet(url, {}, options), deadline]);
    const res = open;
    const read = new Promise<{ body: Buffer; tooLarge: boolean }>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.body.setTimeout(options.idleMs, () => res.body.destroy(new TransportError('stalled', `${url} sent nothing for ${options.idleMs} ms`)));
      res.body.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) {
          res.body.destroy();
          resolve({ body: Buffer.concat(chunks), tooLarge: true });
          return;
        }
        chunks.push(chunk);
      });
      res.body.once('end', () => resolve({ body: Buffer.concat(chunks), tooLarge: false }));
      res.body.once('error', (error) => reject(error instanceof TransportError ? error : new TransportError('network', `${url}: ${error.message}`)));
      res.body.once('close', () => {
        if (!res.body.complete) reject(new TransportError('network', `${url}: the connection closed before the end`));
      });
    });
    const { body, tooLarge } = await Promise.race([read, deadline]);
    const dateHeader = res.headers.date;
    const date = dateHeader ? new Date(dateHeader) : null;
    return { status: res.status, body, date: date && !Number.isNaN(date.getTime()) ? date : null, tooLarge };
  } finally {
    clearTimeout(timer);
  }
}
