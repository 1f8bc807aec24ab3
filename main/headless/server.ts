/**
 * The headless host's server: the built renderer on 127.0.0.1, and the
 * contract bridged over a WebSocket that needs the per-run token.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { BRIDGE_CLOSE_BAD_FRAME, BRIDGE_PATH, bridgeRequestSchema, type BridgeFrame } from '../../preload/contract/bridge';
import type { RunningKiosk } from '../host';

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self' ws://127.0.0.1:*; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface HeadlessServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** A token given from outside (BOOTH_BRIDGE_TOKEN) must be at least this long; the generated one has 48 hex digits. */
export const MIN_TOKEN_LENGTH = 32;

/** Why a token given from outside cannot be used, or null. */
export function tokenProblem(token: string): string | null {
  if (token.length < MIN_TOKEN_LENGTH) return `the bridge token must be at least ${MIN_TOKEN_LENGTH} characters (it has ${token.length})`;
  if (!/^[A-Za-z0-9._~-]+$/.test(token)) return 'the bridge token may hold only letters, digits and . _ ~ - (it goes into a URL)';
  return null;
}

const tokensMatch = (given: string, expected: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
};

export async function startHeadlessServer(options: {
  kiosk: RunningKiosk;
  rendererDir: string;
  port: number;
  token?: string;
}): Promise<HeadlessServer> {
  const { kiosk } = options;
  const log = kiosk.log.scope('bridge');
  if (options.token !== undefined) {
    const problem = tokenProblem(options.token);
    if (problem) throw new Error(problem);
  }
  const token = options.token ?? crypto.randomBytes(24).toString('hex');
  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  let origin = '';
  // Filled in once the port is known (no request arrives before that).
  let allowedHosts = new Set<string>();
  let allowedOrigins = new Set<string>();

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    return payload;
  });

  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
  // A page on another site can make a browser send requests here (DNS rebinding
  // points a name of its own at 127.0.0.1): such a request names that site in Host.
  // Added after the WebSocket plugin, whose own hook must first mark an upgrade
  // request, so that a refused upgrade's connection is closed after the answer.
  app.addHook('onRequest', async (request, reply) => {
    const host = request.headers.host ?? '';
    if (!allowedHosts.has(host.toLowerCase())) {
      log.warn(`refused a request for host ${JSON.stringify(host.slice(0, 100))}`);
      return reply.code(421).header('Connection', 'close').send({ error: 'this server answers for 127.0.0.1 and localhost only' });
    }
  });

  await app.register(fastifyStatic, { root: path.resolve(options.rendererDir), index: ['index.html'] });

  app.get(
    BRIDGE_PATH,
    {
      websocket: true,
      preValidation: async (request, reply) => {
        const given = new URL(request.url, 'http://127.0.0.1').searchParams.get('token') ?? '';
        if (!tokensMatch(given, token)) {
          log.warn(`bridge refused: ${given ? 'wrong' : 'no'} token from ${request.ip}`);
          return reply.code(401).send({ error: 'a valid token is required' });
        }
        const from = request.headers.origin;
        if (from !== undefined && !allowedOrigins.has(from)) {
          log.warn(`bridge refused: origin ${from}`);
          return reply.code(403).send({ error: 'origin not allowed' });
        }
      },
    },
    (socket: WebSocket) => {
      // The first renderer on the bridge: the customer screen is up ("ready" for the launcher).
      kiosk.screenReady();
      const send = (frame: BridgeFrame) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
      };
      const unsubscribe = kiosk.events.subscribe((name, payload) => send({ t: 'event', name, payload }));
      socket.on('message', (data) => {
        let frame: unknown;
        try {
          frame = JSON.parse(data.toString());
        } catch {
          socket.close(BRIDGE_CLOSE_BAD_FRAME, 'frames are JSON');
          return;
        }
        const request = bridgeRequestSchema.safeParse(frame);
        if (!request.success) {
          socket.close(BRIDGE_CLOSE_BAD_FRAME, 'not a bridge request');
          return;
        }
        void kiosk.handlers
          .invoke(request.data.name, request.data.args)
          .then((result) => send({ t: 'result', id: request.data.id, result }));
      });
      socket.on('close', unsubscribe);
    },
  );

  const address = await app.listen({ host: '127.0.0.1', port: options.port });
  // Without a built renderer no screen will ever connect: serving is as ready as this host gets.
  if (!fs.existsSync(path.join(options.rendererDir, 'index.html'))) {
    log.warn(`no renderer in ${options.rendererDir}: ready without a screen`);
    kiosk.screenReady();
  }
  const port = new URL(address).port;
  origin = `http://127.0.0.1:${port}`;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  allowedOrigins = new Set([origin, `http://localhost:${port}`]);
  return {
    url: `${origin}/?token=${token}`,
    port: Number(port),
    token,
    close: () => app.close(),
  };
}
