/**
 * A static update host for tests: HTTPS on loopback with a self-signed
 * certificate the test trusts, serving files from memory with Range, and the
 * faults a broken or hostile host has (endless data, stalls, cuts, redirects).
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSelfSignedCertificate } from '../../main/api/self-signed';

export type Route =
  | { kind: 'file'; body: Buffer; cutAfter?: number; noLength?: boolean }
  | { kind: 'endless' }
  | { kind: 'stall' }
  | { kind: 'redirect'; location: string };

export interface UpdateServer {
  baseUrl: string;
  ca: string;
  routes: Map<string, Route>;
  /** Every request: path and Range header. */
  requests: { path: string; range: string | undefined }[];
  /** Bytes an endless route has pushed into its sockets so far. */
  endlessBytes: () => number;
  /** The Date header it sends (null: none). */
  date: () => Date | null;
  setDate(fn: () => Date | null): void;
  close(): Promise<void>;
}

export async function startUpdateServer(): Promise<UpdateServer> {
  const cert = createSelfSignedCertificate({ commonName: '127.0.0.1', altNames: ['127.0.0.1', 'localhost'] });
  const routes = new Map<string, Route>();
  const requests: UpdateServer['requests'] = [];
  let date: () => Date | null = () => null;
  let endlessBytes = 0;
  const open = new Set<http.ServerResponse>();
  const server = https.createServer({ key: cert.privateKey, cert: cert.certificate }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x');
    requests.push({ path: url.pathname, range: req.headers.range });
    res.sendDate = false;
    const at = date();
    if (at) res.setHeader('Date', at.toUTCString());
    const route = routes.get(url.pathname);
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    if (route.kind === 'redirect') {
      res.writeHead(302, { location: route.location }).end();
      return;
    }
    if (route.kind === 'stall') {
      open.add(res);
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write('x'); // one byte, then nothing, for ever
      return;
    }
    if (route.kind === 'endless') {
      open.add(res);
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      const pump = () => {
        while (!res.destroyed) {
          endlessBytes += chunk.length;
          if (!res.write(chunk)) break;
        }
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
      return;
    }
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range && Number(range[1]) < route.body.length) start = Number(range[1]);
    const slice = route.body.subarray(start);
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' };
    if (!route.noLength) headers['content-length'] = slice.length;
    if (start > 0) headers['content-range'] = `bytes ${start}-${route.body.length - 1}/${route.body.length}`;
    res.writeHead(start > 0 ? 206 : 200, headers);
    if (route.cutAfter !== undefined && start === 0) {
      // A break in the middle: part of the body, then the connection drops.
      res.write(slice.subarray(0, route.cutAfter), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.end(slice);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `https://127.0.0.1:${port}/updates/`,
    ca: cert.certificate,
    routes,
    requests,
    endlessBytes: () => endlessBytes,
    date: () => date(),
    setDate(fn) {
      date = fn;
    },
    async close() {
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
