/**
 * The app:// handler (checklist 18): serves the built renderer from its folder
 * (inside app.asar when packaged) with the CSP header, and answers 404 for
 * anything outside it. Registered by main.ts with protocol.handle; imports
 * nothing from 'electron', so tests call it with plain Requests.
 */
import fs from 'node:fs';
import { appResponseHeaders, mimeTypeFor, resolveAppPath } from './security-policy';

export interface AppRequestLike {
  readonly url: string;
  readonly method: string;
}

export type AppProtocolHandler = (request: AppRequestLike) => Promise<Response>;

export function createAppProtocolHandler(options: {
  rendererDir: string;
  readFile?: (file: string) => Promise<Uint8Array<ArrayBuffer>>;
  onRefused?: (url: string, reason: string) => void;
}): AppProtocolHandler {
  const readFile = options.readFile ?? ((file: string) => fs.promises.readFile(file));
  const notFound = (url: string, reason: string) => {
    options.onRefused?.(url, reason);
    return new Response('Not found', { status: 404, headers: appResponseHeaders('text/plain; charset=utf-8') });
  };
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response('Method not allowed', { status: 405, headers: appResponseHeaders('text/plain; charset=utf-8') });
    }
    const resolved = resolveAppPath(request.url, options.rendererDir);
    if (!resolved.ok) return notFound(request.url, resolved.reason);
    let body: Uint8Array<ArrayBuffer>;
    try {
      body = await readFile(resolved.file);
    } catch (error) {
      return notFound(request.url, (error as NodeJS.ErrnoException).code ?? 'unreadable');
    }
    const headers = appResponseHeaders(mimeTypeFor(resolved.file));
    return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers });
  };
}
