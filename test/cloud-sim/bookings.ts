/**
 * The booking platform of seed 003, simulated on loopback (CONTRACTS.md
 * "Bookings and match videos"), with faults:
 * - `GET /api/bookings?date=YYYY-MM-DD` → `{"data":[...]}` (the records given
 *   for that date, as they are: a test may put malformed ones in);
 * - `POST /api/video-notify`: each notification recorded with its
 *   Idempotency-Key; a key seen before is acknowledged and not counted again
 *   (`duplicates` counts them).
 * Faults: `failNext` answers 500 to the next N requests of a route,
 * `refuseNext` refuses the next N notifications with `refuseStatus` (a 4xx,
 * 422 unless set: the platform will not take this one, however often it is
 * sent), `down` drops every connection unanswered, `latencyMs` delays answers.
 */
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify from 'fastify';

export interface VideoNotification {
  idempotencyKey: string | null;
  body: Record<string, unknown>;
  at: number;
}

export interface BookingSimFaults {
  down: boolean;
  latencyMs: number;
  failNext: { list: number; notify: number };
  refuseNext: { notify: number };
  refuseStatus: number;
}

export interface BookingSim {
  /** Base URL ending in "/api/". */
  baseUrl: string;
  /** Records by date, served as given. */
  setDay(date: string, records: unknown[]): void;
  faults: BookingSimFaults;
  /** Unique notifications (by Idempotency-Key), in arrival order. */
  notifications: VideoNotification[];
  duplicates: number;
  listRequests: number;
  notifyRequests: number;
  stop(): Promise<void>;
}

export async function startBookingSim(): Promise<BookingSim> {
  const days = new Map<string, unknown[]>();
  const sockets = new Set<Socket>();
  const seenKeys = new Set<string>();
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const sim: BookingSim = {
    baseUrl: '',
    setDay: (date, records) => void days.set(date, records),
    faults: { down: false, latencyMs: 0, failNext: { list: 0, notify: 0 }, refuseNext: { notify: 0 }, refuseStatus: 422 },
    notifications: [],
    duplicates: 0,
    listRequests: 0,
    notifyRequests: 0,
    async stop() {
      for (const s of sockets) s.destroy();
      await app.close();
    },
  };
  // A "down" network: the connection is dropped before any answer.
  app.addHook('onRequest', async (request) => {
    if (sim.faults.down) {
      request.raw.socket.destroy();
      return new Promise<never>(() => undefined);
    }
    if (sim.faults.latencyMs > 0) await sleep(sim.faults.latencyMs);
  });
  app.route({ method: ['HEAD', 'GET'], url: '/api/', handler: async () => ({ ok: true }) });
  app.get('/api/bookings', async (request, reply) => {
    sim.listRequests++;
    if (sim.faults.failNext.list > 0) {
      sim.faults.failNext.list--;
      return reply.code(500).send({ error: 'simulated failure' });
    }
    const date = (request.query as { date?: string }).date ?? '';
    return { data: days.get(date) ?? [] };
  });
  app.post('/api/video-notify', async (request, reply) => {
    sim.notifyRequests++;
    if (sim.faults.failNext.notify > 0) {
      sim.faults.failNext.notify--;
      return reply.code(500).send({ error: 'simulated failure' });
    }
    if (sim.faults.refuseNext.notify > 0) {
      sim.faults.refuseNext.notify--;
      return reply.code(sim.faults.refuseStatus).send({ error: 'simulated refusal: unknown order_detail_id' });
    }
    const key = (request.headers['idempotency-key'] as string | undefined) ?? null;
    if (key !== null && seenKeys.has(key)) {
      sim.duplicates++;
      return { success: true, duplicate: true };
    }
    if (key !== null) seenKeys.add(key);
    sim.notifications.push({ idempotencyKey: key, body: request.body as Record<string, unknown>, at: Date.now() });
    return { success: true };
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  sim.baseUrl = `${address}/api/`;
  return sim;
}
