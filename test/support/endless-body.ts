/**
 * A server answer whose body never ends (a peer gone wrong): 64 KB chunks
 * until the client lets go. Tests read how much was written before the
 * connection closed, to show the kiosk stopped reading at its cap.
 */
import type http from 'node:http';

export interface EndlessBody {
  /** Bytes of the chunks written so far. */
  written: number;
  /** The client closed the connection. */
  closed: boolean;
}

export function writeEndlessBody(response: http.ServerResponse, options: { status: number; contentType: string; prefix?: string; fill?: number; everyMs?: number }): EndlessBody {
  const seen: EndlessBody = { written: 0, closed: false };
  response.writeHead(options.status, { 'Content-Type': options.contentType });
  if (options.prefix !== undefined) response.write(options.prefix);
  const chunk = Buffer.alloc(64 * 1024, options.fill ?? 0x20);
  const timer = setInterval(() => {
    if (seen.closed) return;
    response.write(chunk);
    seen.written += chunk.length;
  }, options.everyMs ?? 1);
  response.on('close', () => {
    seen.closed = true;
    clearInterval(timer);
  });
  return seen;
}
