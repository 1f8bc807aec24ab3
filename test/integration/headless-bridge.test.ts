import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { findAppRoot, startKioskHost } from '../../main/host';
import { startHeadlessServer } from '../../main/headless/server';
import { tempDir } from '../support/temp';

const appRoot = findAppRoot(import.meta.dirname);

async function startHost() {
  const dir = tempDir();
  const kiosk = await startKioskHost({ argv: ['--data-dir', dir], env: {}, appRoot, isPackaged: false, defaultDataDir: null, logToConsole: false });
  const server = await startHeadlessServer({ kiosk, rendererDir: dir, port: 0 });
  return {
    kiosk,
    server,
    ws: (query: string, headers: Record<string, string> = {}) => new WebSocket(`ws://127.0.0.1:${server.port}/bridge${query}`, { headers }),
    stop: async () => {
      await server.close();
      await kiosk.stop();
    },
  };
}

const refusal = (socket: WebSocket) =>
  new Promise<number>((resolve, reject) => {
    socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.on('open', () => reject(new Error('the bridge accepted the connection')));
    socket.on('error', () => undefined);
  });

function call(socket: WebSocket, id: number, name: string, args: unknown) {
  return new Promise<unknown>((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const frame = JSON.parse(data.toString()) as { t: string; id?: number; result?: unknown };
      if (frame.t === 'result' && frame.id === id) {
        socket.off('message', onMessage);
        resolve(frame.result);
      }
    };
    socket.on('message', onMessage);
    socket.send(JSON.stringify({ t: 'invoke', id, name, args }));
  });
}

describe('headless bridge', () => {
  it('listens on loopback only and prints a URL with its token', async () => {
    const host = await startHost();
    expect(host.server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
    await host.stop();
  });

  it('refuses a connection without the token or with a wrong one', async () => {
    const host = await startHost();
    expect(await refusal(host.ws(''))).toBe(401);
    expect(await refusal(host.ws('?token=wrong'))).toBe(401);
    const almost = host.server.token.slice(0, -1) + (host.server.token.endsWith('0') ? '1' : '0');
    expect(await refusal(host.ws(`?token=${almost}`))).toBe(401);
    await host.stop();
  });

  it('refuses a page from another origin even with the token', async () => {
    const host = await startHost();
    expect(await refusal(host.ws(`?token=${host.server.token}`, { Origin: 'http://evil.example' }))).toBe(403);
    await host.stop();
  });

  it('answers the contract with results, and errors for unknown or bad calls', async () => {
    const host = await startHost();
    const socket = host.ws(`?token=${host.server.token}`);
    await once(socket, 'open');
    expect(await call(socket, 1, 'kiosk:boot', {})).toMatchObject({ ok: true, value: { state: 'ready', demo: true } });
    expect(await call(socket, 2, 'shell:exec', { cmd: 'rm -rf /' })).toMatchObject({ ok: false, error: { code: 'unknown_handler' } });
    expect(await call(socket, 3, 'admin:unlock', { pin: 1234 })).toMatchObject({ ok: false, error: { code: 'bad_arguments' } });
    socket.close();
    await host.stop();
  });

  it('pushes events to connected screens', async () => {
    const host = await startHost();
    const socket = host.ws(`?token=${host.server.token}`);
    await once(socket, 'open');
    const event = new Promise((resolve) =>
      socket.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as { t: string; name?: string; payload?: unknown };
        if (frame.t === 'event' && frame.name === 'admin:session') resolve(frame.payload);
      }),
    );
    await call(socket, 1, 'admin:unlock', { pin: '2468' });
    expect(await event).toEqual({ open: true, reason: 'unlock' });
    socket.close();
    await host.stop();
  });

  it('closes a connection that sends something other than a request', async () => {
    const host = await startHost();
    const socket = host.ws(`?token=${host.server.token}`);
    await once(socket, 'open');
    socket.send('<script>alert(1)</script>');
    const [code] = (await once(socket, 'close')) as [number];
    expect(code).toBe(4400);
    await host.stop();
  });
});
