/**
 * The venue cloud, simulated on loopback for tests, benchmarks and the demo.
 * Each contract of ../shared/CONTRACTS.md is added here as Booth learns it,
 * with fault injection. Never packaged into the app.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';

export const simOptionsSchema = z
  .object({
    /** Added to the Date header, to show the kiosk a wrong clock. */
    clockOffsetMs: z.number().default(0),
    /** Extra latency on every request. */
    latencyMs: z.number().min(0).default(0),
    /** Drop every connection without an answer (the network is "down"). */
    down: z.boolean().default(false),
  })
  .strict();
export type SimOptions = z.infer<typeof simOptionsSchema>;

export interface ReceivedRequest {
  at: string;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface CloudSim {
  url: string;
  /** Base URL of the API (ends in /api/). */
  apiUrl: string;
  app: FastifyInstance;
  options: SimOptions;
  received: ReceivedRequest[];
  set(patch: Partial<SimOptions>): void;
  close(): Promise<void>;
}

export async function startCloudSim(options: { port?: number; initial?: Partial<SimOptions> } = {}): Promise<CloudSim> {
  const app = Fastify({ logger: false, bodyLimit: 256 * 1024 * 1024 });
  const state: SimOptions = simOptionsSchema.parse(options.initial ?? {});
  const received: ReceivedRequest[] = [];

  app.addHook('onRequest', async (request, reply) => {
    if (state.down) {
      request.raw.socket.destroy();
      return reply;
    }
    if (state.latencyMs > 0) await new Promise((r) => setTimeout(r, state.latencyMs));
    reply.header('Date', new Date(Date.now() + state.clockOffsetMs).toUTCString());
    return undefined;
  });
  app.addHook('preHandler', async (request) => {
    if (!request.url.startsWith('/__sim')) {
      received.push({ at: new Date().toISOString(), method: request.method, url: request.url, headers: request.headers, body: request.body });
    }
  });

  app.get('/api/', async () => ({ ok: true, service: 'booth cloud simulator' }));

  // Test control: change faults from another process.
  app.post('/__sim/options', async (request) => {
    Object.assign(state, simOptionsSchema.partial().parse(request.body));
    return state;
  });
  app.get('/__sim/received', async () => received);

  const address = await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  return {
    url: address,
    apiUrl: `${address}/api/`,
    app,
    options: state,
    received,
    set: (patch) => Object.assign(state, patch),
    close: () => app.close(),
  };
}
