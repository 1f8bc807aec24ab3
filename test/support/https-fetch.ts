/**
 * The platform's fetch for a test HTTPS server whose self-signed certificate
 * the test trusts: node:https with that CA (the certificate is still checked),
 * answered as a fetch Response.
 */
import https from 'node:https';
import type { HttpFetch } from '../../main/platform';

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

export function httpsFetchTrusting(ca: string): HttpFetch {
  return (input, init = {}) =>
    new Promise((resolve, reject) => {
      const method = init.method ?? 'GET';
      const req = https.request(input, { method, headers: init.headers as Record<string, string> | undefined, ca, ...(init.signal ? { signal: init.signal } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
          }
          const status = res.statusCode ?? 0;
          resolve(new Response(method === 'HEAD' || NULL_BODY_STATUSES.has(status) ? null : Buffer.concat(chunks), { status, headers }));
        });
      });
      req.on('error', reject);
      if (typeof init.body === 'string') req.write(init.body);
      req.end();
    });
}
