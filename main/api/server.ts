/**
 * The kiosk's own LAN API (CONTRACTS.md "The kiosk's own LAN API"): one
 * Fastify server over HTTPS with the kiosk-made certificate, every request
 * rate limited per client address and then checked for a valid `X-API-Key`
 * (before any route, a 404 or a body is looked at), request bodies capped,
 * and every error answered as JSON `{"success":false,"error":"..."}`.
 * Routes come from the kiosk and from the modules it runs, each module in its
 * own Fastify context: a route of a module that is not running does not
 * exist, so it is 404 like any unknown path.
 */
import type { AddressInfo } from 'node:net';
import rateLimit from '@fastify/rate-limit';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { LanApiStatus } from '../../preload/contract';
import type { BoothConfig } from '../config';
import type { ScopedLog } from '../log';
import { loadOrCreateCertificate, readFingerprint } from './certificate';
import { createKeyChecker } from './keys';

declare module 'fastify' {
  interface FastifyRequest {
    /** Which configured key opened this request (the start of its hash), for the audit. */
    apiKeyId: string | null;
  }
}

/** The Fastify instance a route contribution adds its routes to (its own encapsulated context). */
export type ApiApp = FastifyInstance;

/** A module's routes: registered when the module runs, inside a context of its own. */
export type ApiRoutes = (app: ApiApp) => void | Promise<void>;

export interface ApiRouteSource {
  /** Who contributes them ("kiosk" or a module id), for messages. */
  owner: string;
  routes: ApiRoutes;
}

export type LanApiSettings = BoothConfig['lanApi'];

export interface LanApiOptions {
  settings: LanApiSettings;
  dataDir: string;
  kioskId: string;
  log: ScopedLog;
  routes: readonly ApiRouteSource[];
  /** Tests: a shorter SEND_IDLE_TIMEOUT_MS. */
  idleTimeoutMs?: number;
}

export interface LanApi {
  /** Makes or loads the certificate and listens; never rejects (a failure is in status() and the log). */
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): LanApiStatus;
  /** The listening socket's own address, while listening. */
  address(): AddressInfo | null;
}

/** Open connections at once: a Pi's file descriptors and memory are not for a flood of idle sockets. */
const MAX_CONNECTIONS = 128;
const REQUEST_TIMEOUT_MS = 30_000;
const HANDSHAKE_TIMEOUT_MS = 10_000;
const RATE_WINDOW_MS = 60_000;
/**
 * An answer its client takes nothing of for this long is dropped with its connection: a client
 * that stops reading (or vanished without a reset) would otherwise keep the unsent answer in
 * memory, and a full export its snapshot and slot, for ever. Armed when the answer starts, so a
 * route that takes long to answer (a job run) is not cut; between requests Node's keep-alive
 * timeout applies, and a live WebSocket has its own pings.
 */
const SEND_IDLE_TIMEOUT_MS = 60_000;

/** One log line per address and minute for refused keys: a client guessing keys cannot flood the log. */
function refusalLog() {
  const lastLogged = new Map<string, number>();
  return {
    shouldLog(address: string): boolean {
      const now = performance.now();
      const last = lastLogged.get(address);
      if (last !== undefined && now - last < RATE_WINDOW_MS) return false;
      if (lastLogged.size >= 1000) lastLogged.clear(); // bounded, whatever the number of addresses
      lastLogged.set(address, now);
      return true;
    },
  };
}

/**
 * In a module's route scope: every body reaches its routes as text, whatever
 * its Content-Type (or none). The seeds' clients do not all send
 * application/json (curl -d sends a form type): the route parses the JSON
 * and answers its own 400, never Fastify's 415.
 */
export function readBodiesAsText(app: ApiApp): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
}

/** The JSON error every refusal is answered with. */
export const sendError = (reply: FastifyReply, status: number, error: string) =>
  reply.code(status).send({ success: false, error });

async function buildServer(options: LanApiOptions, certificate: { certificate: string; privateKey: string }): Promise<FastifyInstance> {
  const { settings, log } = options;
  const keys = createKeyChecker(settings.apiKeyHashes);
  const refusals = refusalLog();
  const app = Fastify({
    https: { key: certificate.privateKey, cert: certificate.certificate, minVersion: 'TLSv1.2', handshakeTimeout: HANDSHAKE_TIMEOUT_MS },
    bodyLimit: settings.bodyLimitBytes,
    requestTimeout: REQUEST_TIMEOUT_MS,
    forceCloseConnections: true,
    return503OnClosing: true,
    logger: false,
  }) as unknown as FastifyInstance;
  app.server.maxConnections = MAX_CONNECTIONS;
  app.decorateRequest('apiKeyId', null);
  // WebSocket routes (the replication's live feed). Registered before the key
  // check: its own hook marks an upgrade request, so an upgrade refused by the
  // key check (401, before any handshake) has its connection closed after the answer.
  await app.register(fastifyWebsocket, { options: { maxPayload: 4096 } });

  // Only the checker: the answer (and its order before the key check) is ours.
  await app.register(rateLimit, { global: false });
  const checkRate = app.createRateLimit({ max: settings.rateLimitPerMinute, timeWindow: RATE_WINDOW_MS });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('Cache-Control', 'no-store');
    reply.header('X-Content-Type-Options', 'nosniff');
    const rate = await checkRate(request);
    if (!rate.isAllowed && rate.isExceeded) {
      reply.header('Retry-After', String(Math.max(1, rate.ttlInSeconds)));
      // A refused client's connection goes with its answer: kept alive, 128 of them would lock out the office.
      reply.header('Connection', 'close');
      return sendError(reply, 429, `too many requests: at most ${rate.max} a minute from one address`);
    }
    const header = request.headers['x-api-key'];
    const id = keys.match(typeof header === 'string' ? header : undefined);
    if (id === null) {
      if (refusals.shouldLog(request.ip)) {
        log.warn(`refused ${request.method} ${request.url.slice(0, 100)} from ${request.ip}: ${header === undefined ? 'no' : 'a wrong'} X-API-Key (further refusals of this address in the next minute are not logged)`);
      }
      reply.header('Connection', 'close');
      return sendError(reply, 401, 'a valid X-API-Key header is required');
    }
    request.apiKeyId = id;
  });

  const sendIdleMs = options.idleTimeoutMs ?? SEND_IDLE_TIMEOUT_MS;
  app.addHook('onSend', async (request) => {
    request.raw.socket?.setTimeout(sendIdleMs);
  });

  app.setNotFoundHandler((request, reply) => sendError(reply, 404, `no route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}`));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      log.error(`${request.method} ${request.url.slice(0, 100)} failed:`, error);
      return sendError(reply, status, 'internal error (see the kiosk log)');
    }
    return sendError(reply, status, error.message);
  });

  for (const source of options.routes) {
    await app.register(async (scope) => {
      try {
        await source.routes(scope);
      } catch (error) {
        // e.g. two modules claiming one path: the API does not start, and says whose routes failed.
        throw new Error(`the LAN API routes of ${source.owner} cannot be added: ${(error as Error).message}`);
      }
    });
  }
  return app;
}

const fingerprintOnDisk = (dataDir: string): string | null => {
  try {
    return readFingerprint(dataDir);
  } catch {
    return null;
  }
};

/** `https://host:port` as a client writes it (an IPv6 address in brackets). */
const urlOf = (host: string, port: number) => `https://${host.includes(':') ? `[${host}]` : host}:${port}`;

export function createLanApi(options: LanApiOptions): LanApi {
  const { settings, log } = options;
  let app: FastifyInstance | null = null;
  let status: LanApiStatus = { state: 'starting', url: null, fingerprint: null, error: null };
  let starting: Promise<void> | null = null;
  let stopped = false;

  const start = async () => {
    let fingerprint: string | null = null;
    try {
      const certificate = loadOrCreateCertificate(options.dataDir, options.kioskId, log);
      fingerprint = certificate.fingerprint;
      if (certificate.created) log.info(`LAN API: made its certificate, SHA-256 fingerprint ${fingerprint}`);
      status = { ...status, fingerprint };
      const server = await buildServer(options, certificate);
      app = server;
      if (stopped) return;
      await server.listen({ host: settings.host, port: settings.port });
      const address = server.server.address() as AddressInfo;
      status = { state: 'listening', url: urlOf(address.address, address.port), fingerprint, error: null };
      log.info(`LAN API listening on ${status.url} (certificate SHA-256 ${fingerprint})`);
    } catch (error) {
      const message = (error as Error).message;
      // The certificate on disk, even when its key is not usable: the attendant can tell which one it is.
      fingerprint ??= fingerprintOnDisk(options.dataDir);
      status = { state: 'failed', url: null, fingerprint, error: message };
      log.error(`LAN API not started: ${message}`);
      await app?.close().catch(() => undefined);
      app = null;
    }
  };

  return {
    start() {
      starting ??= start();
      return starting;
    },
    async stop() {
      stopped = true;
      await starting;
      await app?.close();
      app = null;
      if (status.state === 'listening' || status.state === 'starting') status = { ...status, state: 'off', url: null };
    },
    status: () => status,
    address: () => {
      const address = app?.server.address();
      return address && typeof address === 'object' ? address : null;
    },
  };
}
