/**
 * Talking to one kiosk's LAN API as the contract asks: TLS to the configured
 * URL, the certificate's SHA-256 fingerprint compared with the pinned one
 * before anything is sent (a wrong server never sees the API key), then the
 * request with `X-API-Key`. The certificate is self-signed: the pin is the
 * trust, not a CA.
 */
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { WebSocket } from 'ws';
import type { KioskSource } from './config';

export class PinMismatchError extends Error {}
/** The kiosk answered with an HTTP error status. */
export class KioskHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    const said = body && typeof body === 'object' && typeof (body as { error?: unknown }).error === 'string' ? `: ${(body as { error: string }).error}` : '';
    super(`the kiosk answered ${status}${said}`);
  }
}

const CONNECT_TIMEOUT_MS = 10_000;
/** No byte from the kiosk for this long: the connection is given up (a cut network sends no reset). */
const IDLE_TIMEOUT_MS = 30_000;
const MAX_JSON_BYTES = 256 * 1024 * 1024;

export interface KioskClient {
  getJson(path: string): Promise<unknown>;
  /** A streamed GET (the full export): the response once its status is 200. */
  stream(path: string): Promise<IncomingMessage>;
  /** The live socket, open (handshake done), or the reason it was refused. */
  openLive(path: string): Promise<WebSocket>;
}

export function kioskClient(source: KioskSource): KioskClient {
  const url = new URL(source.url);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 443);

  const connect = async (): Promise<tls.TLSSocket> => {
    const socket = tls.connect({
      host,
      port,
      ...(net.isIP(host) ? {} : { servername: host }),
      rejectUnauthorized: false,
      timeout: CONNECT_TIMEOUT_MS,
    });
    socket.once('timeout', () => socket.destroy(new Error(`no answer from ${source.url} within ${CONNECT_TIMEOUT_MS / 1000} s`)));
    await once(socket, 'secureConnect');
    const seen = socket.getPeerCertificate().fingerprint256;
    if (seen !== source.fingerprint) {
      socket.destroy();
      throw new PinMismatchError(`the certificate of ${source.url} has the fingerprint ${seen ?? 'none'}, not the pinned ${source.fingerprint}: nothing was sent`);
    }
    socket.setTimeout(IDLE_TIMEOUT_MS);
    socket.removeAllListeners('timeout');
    socket.once('timeout', () => socket.destroy(new Error(`${source.url} sent nothing for ${IDLE_TIMEOUT_MS / 1000} s`)));
    return socket;
  };

  const request = async (path: string): Promise<IncomingMessage> => {
    const socket = await connect();
    return new Promise((resolve, reject) => {
      const req = https.request(
        { host, port, method: 'GET', path: `${url.pathname.replace(/\/$/, '')}${path}`, headers: { 'X-API-Key': source.apiKey, Accept: 'application/json' }, createConnection: () => socket },
        resolve,
      );
      req.on('error', reject);
      req.end();
    });
  };

  const readBody = async (res: IncomingMessage): Promise<unknown> => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res) {
      size += (chunk as Buffer).length;
      if (size > MAX_JSON_BYTES) {
        res.destroy();
        throw new Error(`the answer of ${source.url} is larger than ${MAX_JSON_BYTES} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new Error(`the answer of ${source.url} is not JSON (status ${res.statusCode})`);
    }
  };

  return {
    async getJson(path) {
      const res = await request(path);
      try {
        const body = await readBody(res);
        if (res.statusCode !== 200) throw new KioskHttpError(res.statusCode ?? 0, body);
        return body;
      } finally {
        res.socket?.destroy();
      }
    },
    async stream(path) {
      const res = await request(path);
      if (res.statusCode !== 200) {
        const body = await readBody(res).catch(() => null);
        res.socket?.destroy();
        throw new KioskHttpError(res.statusCode ?? 0, body);
      }
      res.setEncoding('utf8');
      return res;
    },
    async openLive(path) {
      const socket = await connect();
      const ws = new WebSocket(`wss://${url.host}${url.pathname.replace(/\/$/, '')}${path}`, {
        headers: { 'X-API-Key': source.apiKey },
        createConnection: () => socket,
        rejectUnauthorized: false,
        maxPayload: 64 * 1024 * 1024,
      });
      return new Promise((resolve, reject) => {
        ws.once('open', () => {
          ws.removeAllListeners('error');
          resolve(ws);
        });
        ws.once('unexpected-response', (_req, res) => {
          void readBody(res)
            .catch(() => null)
            .then((body) => {
              ws.terminate();
              reject(new KioskHttpError(res.statusCode ?? 0, body));
            });
        });
        ws.once('error', (error) => reject(error));
      });
    },
  };
}
