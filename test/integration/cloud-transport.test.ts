/**
 * Where the API key may travel (issue 8, items 1 and 2): every cloud request
 * goes over https or to loopback (plain http to another machine only where
 * the config allows it), and a redirect is followed only within the origin the
 * request went to. Real servers on loopback; a recording fetch stands in for
 * https hosts that cannot exist here.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../main/clock';
import { configSchema, type BoothConfigInput } from '../../main/config';
import { CloudNetworkError, CloudRedirectError, createCloudClient, MAX_REDIRECTS } from '../../main/cloud';
import { memoryLogger } from '../../main/log';
import type { HttpFetch } from '../../main/platform';

const KEY = 'k-secret-4711';

interface Seen {
  method: string;
  url: string;
  key: string | undefined;
  body: string;
  idempotencyKey: string | undefined;
}

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A loopback server answering with `answer`; it records what reached it (and whether the key did). */
async function server(answer: (req: http.IncomingMessage, res: http.ServerResponse, origin: string) => void) {
  const seen: Seen[] = [];
  const s = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', key: req.headers['x-api-key'] as string | undefined, body, idempotencyKey: req.headers['idempotency-key'] as string | undefined });
      answer(req, res, origin);
    });
  });
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  return { origin, seen };
}

function client(input: BoothConfigInput, fetchImpl: HttpFetch = (i, init) => fetch(i, init)) {
  const log = memoryLogger();
  const config = configSchema.parse(input);
  const cloud = createCloudClient(config, { version: '1.0.0', isPackaged: false, dataDir: '/tmp', clock: systemClock, fetch: fetchImpl, log }, 'kiosk-1');
  return { cloud, config, log };
}

describe('redirects carry the API key only within the origin', () => {
  it('refuses a redirect to another host, names the target without the key, and the other host never sees the key', async () => {
    const elsewhere = await server((_req, res) => res.end('[]'));
    const venue = await server((_req, res) => {
      res.writeHead(302, { Location: `${elsewhere.origin}/collect?from=booth` });
      res.end();
    });
    const { cloud, log } = client({ api: { baseUrl: `${venue.origin}/api/`, apiKey: KEY } });
    const failure = await cloud.request('bookings/summary').then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(CloudRedirectError);
    const message = (failure as Error).message;
    expect(message).toContain(`${elsewhere.origin}/collect`);
    expect(message).not.toContain(KEY);
    expect(message).not.toContain('from=booth');
    expect(elsewhere.seen).toEqual([]);
    expect(venue.seen).toHaveLength(1);
    // The server answered: the kiosk is online, and the attendant's log names the target.
    expect(cloud.state().online).toBe(true);
    expect(log.lines.join('\n')).toContain(`${elsewhere.origin}/collect`);
    expect(log.lines.join('\n')).not.toContain(KEY);
  });

  it('follows a redirect within the same origin, keeping the method and body of a 307', async () => {
    const venue = await server((req, res) => {
      if (req.url === '/api/bookings/update-used') {
        res.writeHead(307, { Location: '/api/v2/bookings/update-used' });
        res.end();
      } else res.end('{"ok":true}');
    });
    const { cloud } = client({ api: { baseUrl: `${venue.origin}/api/`, apiKey: KEY } });
    const response = await cloud.request('bookings/update-used', { method: 'POST', body: '{"referenceNo":"x"}' });
    expect(response.status).toBe(200);
    expect(venue.seen.map((s) => [s.method, s.url, s.key, s.body])).toEqual([
      ['POST', '/api/bookings/update-used', KEY, '{"referenceNo":"x"}'],
      ['POST', '/api/v2/bookings/update-used', KEY, '{"referenceNo":"x"}'],
    ]);
  });

  it.each([301, 302])('keeps a POST a POST through a %i within the origin (a GET answered 200 would acknowledge an upload the server never got)', async (status) => {
    const venue = await server((req, res) => {
      if (req.url === '/api/bookings/update-used') {
        res.writeHead(status, { Location: '/api/v2/bookings/update-used' });
        res.end();
      } else if (req.method === 'POST') res.end('{"ok":true}');
      else res.end('<html>moved: POST here</html>');
    });
    const { cloud } = client({ api: { baseUrl: `${venue.origin}/api/`, apiKey: KEY } });
    const response = await cloud.request('bookings/update-used', { method: 'POST', body: '{"referenceNo":"x"}', idempotencyKey: 'key-1' });
    expect(response.status).toBe(200);
    expect(venue.seen.map((s) => [s.method, s.url, s.key, s.body, s.idempotencyKey])).toEqual([
      ['POST', '/api/bookings/update-used', KEY, '{"referenceNo":"x"}', 'key-1'],
      ['POST', '/api/v2/bookings/update-used', KEY, '{"referenceNo":"x"}', 'key-1'],
    ]);
  });

  it(`stops after ${MAX_REDIRECTS} redirects within the origin`, async () => {
    const venue = await server((req, res) => {
      res.writeHead(302, { Location: `${req.url}x` });
      res.end();
    });
    const { cloud } = client({ api: { baseUrl: `${venue.origin}/api/`, apiKey: KEY } });
    await expect(cloud.request('loop')).rejects.toThrow(/more than 5 redirects/);
    expect(venue.seen).toHaveLength(MAX_REDIRECTS + 1);
  });

  it('never follows https down to http, even on the same host', async () => {
    const calls: { url: string; key: string | undefined; redirect: RequestRedirect | undefined }[] = [];
    const recording: HttpFetch = async (url, init) => {
      calls.push({ url, key: (init?.headers as Record<string, string>)['X-Api-Key'], redirect: init?.redirect });
      return new Response(null, { status: 301, headers: { Location: 'http://venue.example/api/bookings/summary' } });
    };
    const { cloud } = client({ api: { baseUrl: 'https://venue.example/api/', apiKey: KEY } }, recording);
    const failure = await cloud.request('bookings/summary').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CloudRedirectError);
    expect((failure as Error).message).toContain('http://venue.example/api/bookings/summary');
    expect(calls).toEqual([{ url: 'https://venue.example/api/bookings/summary', key: KEY, redirect: 'manual' }]);
  });

  it('counts a redirect elsewhere as an answer when probing', async () => {
    const venue = await server((_req, res) => {
      res.writeHead(302, { Location: 'https://login.example/' });
      res.end();
    });
    const { cloud } = client({ api: { baseUrl: `${venue.origin}/api/` } });
    expect(await cloud.probe()).toBe(true);
  });
});

describe('plain http only to loopback or where the config allows it', () => {
  it('sends nothing to a plain-http host the config did not allow (a URL set after validation)', async () => {
    const calls: string[] = [];
    const { cloud, config } = client({ api: { baseUrl: 'https://venue.example/api/', apiKey: KEY } }, async (url) => {
      calls.push(url);
      return new Response('[]');
    });
    // As a host override would: the config object is changed after it was checked.
    config.api.baseUrl = 'http://192.0.2.10/api/';
    const failure = await cloud.request('bookings/summary').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CloudNetworkError);
    expect((failure as Error).message).toMatch(/plain http/);
    expect(calls).toEqual([]);
  });

  it('sends to a LAN server over http when its section says allowInsecureHttp', async () => {
    const calls: string[] = [];
    const { cloud } = client({ api: { baseUrl: 'http://192.0.2.10/api/', allowInsecureHttp: true } }, async (url) => {
      calls.push(url);
      return new Response('[]');
    });
    expect((await cloud.request('bookings/summary')).status).toBe(200);
    expect(calls).toEqual(['http://192.0.2.10/api/bookings/summary']);
  });
});
