/**
 * A LAN API client as an office tool would be written: it connects over TLS,
 * checks the server certificate's SHA-256 fingerprint against the pinned one
 * and only then sends the request (so a wrong server never sees the key).
 * It connects to loopback only.
 */
import { once } from 'node:events';
import https from 'node:https';
import tls from 'node:tls';

export class PinMismatchError extends Error {}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface ApiRequest {
  port: number;
  fingerprint: string;
  method?: string;
  path: string;
  key?: string;
  body?: string;
  headers?: Record<string, string>;
}

const LOOPBACK = /^127(\.\d{1,3}){3}$/;

export async function callApi(request: ApiRequest, host = '127.0.0.1'): Promise<ApiResponse> {
  if (!LOOPBACK.test(host)) throw new Error(`tests talk to 127.0.0.0/8 only, not ${host}`);
  // The certificate is self-signed: trust comes from the pinned fingerprint, checked before anything is sent.
  const socket = tls.connect({ host, port: request.port, rejectUnauthorized: false });
  await once(socket, 'secureConnect');
  const seen = socket.getPeerCertificate().fingerprint256;
  if (seen !== request.fingerprint) {
    socket.destroy();
    throw new PinMismatchError(`certificate fingerprint ${seen} is not the pinned ${request.fingerprint}`);
  }
  const headers: Record<string, string> = { ...request.headers };
  if (request.key !== undefined) headers['X-API-Key'] = request.key;
  if (request.body !== undefined) {
    headers['Content-Type'] ??= 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(request.body));
  }
  return new Promise<ApiResponse>((resolve, reject) => {
    const req = https.request(
      { host, port: request.port, method: request.method ?? 'GET', path: request.path, headers, createConnection: () => socket },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            /* not JSON: the test says so */
          }
          socket.destroy();
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}

/** A live replication event as the kiosk sends it on /api/sync/live (CONTRACTS.md "Live events"). */
export interface LiveEventMessage {
  event: string;
  table: string;
  op: string;
  seq: number;
  row: Record<string, unknown>;
}

/**
 * A WebSocket to the LAN API as an office replica opens it: TLS first, the
 * fingerprint checked, and only then the upgrade request with the key.
 */
export async function openApiSocket(request: { port: number; fingerprint: string; path: string; key?: string }): Promise<import('ws').WebSocket> {
  const { WebSocket } = await import('ws');
  const socket = tls.connect({ host: '127.0.0.1', port: request.port, rejectUnauthorized: false });
  await once(socket, 'secureConnect');
  const seen = socket.getPeerCertificate().fingerprint256;
  if (seen !== request.fingerprint) {
    socket.destroy();
    throw new PinMismatchError(`certificate fingerprint ${seen} is not the pinned ${request.fingerprint}`);
  }
  const headers: Record<string, string> = request.key === undefined ? {} : { 'X-API-Key': request.key };
  return new WebSocket(`wss://127.0.0.1:${request.port}${request.path}`, { headers, createConnection: () => socket, rejectUnauthorized: false });
}
