import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { findAppRoot, startKioskHost } from '../../main/host';
import { startHeadlessServer } from '../../main/headless/server';
import { tempDir } from '../support/temp';

const appRoot = findAppRoot(import.meta.dirname);

async function startHost(token?: string, rendererDir?: string) {
  const dir = tempDir();
  const kiosk = await startKioskHost({ argv: ['--data-dir', dir], env: {}, appRoot, isPackaged: false, defaultDataDir: null, logToConsole: false });
  const server = await startHeadlessServer({ kiosk, rendererDir: rendererDir ?? dir, port: 0, ...(token === undefined ? {} : { token }) }).catch(async (error: unknown) => {
    await kiosk.stop();
    throw error;
  });
  return {
    kiosk,
    server,
    /** What the launcher reads: the version that reached "ready" (the demo profile's data folder), or null. */
    ready: () => (fs.existsSync(path.join(dir, 'demo/updates/ready')) ? fs.readFileSync(path.join(dir, 'demo/updates/ready'), 'utf8').trim() : null),
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

  /** Status of a plain GET with the Host header given, sent to 127.0.0.1. */
  const getWithHost = (port: number, host: string, urlPath = '/') =>
    new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path: urlPath, headers: { Host: host } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });

  it('answers only requests for 127.0.0.1:<port> or localhost:<port> (no DNS rebinding)', async () => {
    const host = await startHost();
    const port = host.server.port;
    // Any status but 421 means the request got past the Host check (the renderer folder is empty here).
    expect(await getWithHost(port, `127.0.0.1:${port}`)).not.toBe(421);
    expect(await getWithHost(port, `localhost:${port}`)).not.toBe(421);
    for (const bad of ['rebind.example', `rebind.example:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1', `[::1]:${port}`]) {
      expect(await getWithHost(port, bad), bad).toBe(421);
    }
    // The bridge too, even with the right token.
    expect(await refusal(host.ws(`?token=${host.server.token}`, { Host: `rebind.example:${port}` }))).toBe(421);
    const viaLocalhost = host.ws(`?token=${host.server.token}`, { Host: `localhost:${port}`, Origin: `http://localhost:${port}` });
    await once(viaLocalhost, 'open');
    viaLocalhost.close();
    await host.stop();
  });

  it('refuses a BOOTH_BRIDGE_TOKEN shorter than 32 characters', async () => {
    await expect(startHost('short-token')).rejects.toThrow(/at least 32 characters/);
    await expect(startHost('x'.repeat(31))).rejects.toThrow(/at least 32 characters/);
    const given = 'a'.repeat(32);
    const host = await startHost(given);
    expect(host.server.url.endsWith(`?token=${given}`)).toBe(true);
    await host.stop();
    // The command says so and does not start.
    const tsx = path.join(appRoot, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
    const cli = spawnSync(process.execPath, ['--import', tsx, path.join(appRoot, 'main', 'headless', 'cli.ts'), '--data-dir', tempDir(), '--port', '0', '--quiet'], {
      encoding: 'utf8',
      env: { ...process.env, BOOTH_BRIDGE_TOKEN: '1234', BOOTH_CONFIG: '' },
      timeout: 20_000,
    });
    expect(cli.status).toBe(2);
    expect(cli.stderr).toMatch(/BOOTH_BRIDGE_TOKEN: the bridge token must be at least 32 characters/);
    expect(cli.stdout).not.toContain('http://');
  });

  it('reaches "ready" (what the launcher confirms a release on) at the first renderer on the bridge, not when the host starts', async () => {
    const renderer = tempDir();
    fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Booth</title>');
    const host = await startHost(undefined, renderer);
    expect(host.ready()).toBeNull();
    // A stranger without the token is not the screen.
    const stranger = host.ws('?token=wrong');
    expect(await refusal(stranger)).toBe(401);
    expect(host.ready()).toBeNull();
    const socket = host.ws(`?token=${host.server.token}`);
    await once(socket, 'open');
    await call(socket, 1, 'kiosk:boot', {});
    expect(host.ready()).toMatch(/^\d+\.\d+\.\d+/);
    socket.close();
    await host.stop();
  });

  it('without a built renderer, the serving host is ready by itself (no screen will ever connect)', async () => {
    const host = await startHost(undefined, tempDir());
    expect(host.ready()).toMatch(/^\d+\.\d+\.\d+/);
    await host.stop();
  });
});
