/**
 * The live feed: a WebSocket at /api/sync/live?after=<seq> (CONTRACTS.md).
 * The key is checked before the handshake (the LAN API's hook answers 401),
 * a bad or stale cursor is refused before it too (400, 410). Then every
 * change after `after`, in seq order, with its row as it is now, then each
 * change as it commits. A change written on the kiosk's own connection (all
 * of Booth's writes) is sent as soon as its transaction has ended (the feed's
 * write signal); one by any other connection is noticed by watching the
 * feed's sequence (a read of one counter every few dozen ms while someone
 * listens). A slow client only holds back itself: it is sent more when its
 * socket has drained.
 */
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { sendError, type ApiApp } from '../api';
import type { ScopedLog } from '../log';
import type { Feed } from './feed';
import { cursorProblem } from './routes';

const POLL_MS = 25;
const PAGE = 500;
/** Sent but not yet taken by the client: beyond this, it is sent nothing more until it drains. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** Time one turn of the loop may spend sending, so admissions are never held up by a catch-up. */
const SLICE_MS = 15;
const MAX_CLIENTS = 16;
/**
 * Every client is pinged this often; one that has not answered the previous ping is closed. A
 * client gone without a reset (a cut cable, a sleeping laptop) would otherwise hold its slot for
 * ever on an idle kiosk, and a reconnecting office fill the slots one network flap at a time.
 * A client that stopped reading cannot answer either (the ping waits behind what it has not read).
 */
export const LIVE_PING_MS = 30_000;
/** Close codes (application range): the replica must do a full export. */
export const CLOSE_BEHIND_FLOOR = 4410;

const liveQuery = z.object({ after: z.string().regex(/^\d{1,15}$/, 'a whole number').transform(Number).optional() });

interface LiveClient {
  socket: WebSocket;
  cursor: number;
  /** It answered the last ping (or has not been pinged yet). */
  answered: boolean;
}

export function liveRoutes(app: ApiApp, deps: { feed: Feed; log: ScopedLog; pingMs?: number }): void {
  const { feed, log } = deps;
  const pingMs = deps.pingMs ?? LIVE_PING_MS;
  const clients = new Set<LiveClient>();
  let timer: NodeJS.Timeout | null = null;
  let pinger: NodeJS.Timeout | null = null;
  let again: NodeJS.Immediate | null = null;
  let stopListening: (() => void) | null = null;

  const pump = () => {
    again = null;
    // A transaction still open on the connection (one awaiting something): what it wrote may roll
    // back, and this connection would read it; the poll comes back once it has ended.
    if (feed.inTransaction()) return;
    const started = performance.now();
    let behind = false;
    const seq = feed.seq();
    for (const client of clients) {
      if (client.cursor >= seq) continue;
      if (client.cursor < feed.floor()) {
        client.socket.close(CLOSE_BEHIND_FLOOR, 'behind the feed floor: do a full export');
        clients.delete(client);
        continue;
      }
      while (client.cursor < seq && client.socket.bufferedAmount < MAX_BUFFERED_BYTES && performance.now() - started < SLICE_MS) {
        const page = feed.liveEvents(client.cursor, PAGE);
        for (const event of page.events) client.socket.send(JSON.stringify(event));
        client.cursor = page.last;
        if (!page.more) break;
      }
      if (client.cursor < seq && client.socket.bufferedAmount < MAX_BUFFERED_BYTES) behind = true;
    }
    // More to send and room to send it: go on after other work had its turn.
    if (behind) again = setImmediate(pump);
  };

  const watch = () => {
    if (timer === null && clients.size > 0) {
      timer = setInterval(() => {
        if (again === null) pump();
      }, POLL_MS);
      timer.unref();
      pinger = setInterval(() => {
        for (const client of clients) {
          if (!client.answered) {
            log.info('live feed: a client did not answer a ping; closed');
            client.socket.terminate();
            continue;
          }
          client.answered = false;
          client.socket.ping();
        }
      }, pingMs);
      pinger.unref();
      stopListening = feed.onLocalWrite(() => {
        if (again === null && clients.size > 0) again = setImmediate(pump);
      });
    }
    if (timer !== null && clients.size === 0) {
      clearInterval(timer);
      timer = null;
      if (pinger) clearInterval(pinger);
      pinger = null;
      stopListening?.();
      stopListening = null;
    }
  };

  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    if (pinger) clearInterval(pinger);
    if (again) clearImmediate(again);
    timer = null;
    pinger = null;
    stopListening?.();
    stopListening = null;
    for (const client of clients) client.socket.terminate();
    clients.clear();
  });

  app.get(
    '/api/sync/live',
    {
      websocket: true,
      // Before the handshake: a refusal is a plain HTTP answer.
      preValidation: async (request, reply) => {
        const parsed = liveQuery.safeParse(request.query);
        if (!parsed.success) return sendError(reply, 400, `after: ${parsed.error.issues[0]!.message}`);
        const after = parsed.data.after;
        const problem = after === undefined ? null : cursorProblem(feed, after);
        if (problem) return reply.code(410).send({ success: false, error: problem, seq: feed.seq(), floor: feed.floor() });
        if (clients.size >= MAX_CLIENTS) return sendError(reply, 503, `${MAX_CLIENTS} live clients are already connected`);
      },
    },
    (socket, request) => {
      const after = liveQuery.parse(request.query).after;
      // Without `after`: the changes from now on.
      const client: LiveClient = { socket, cursor: after ?? feed.seq(), answered: true };
      clients.add(client);
      log.info(`live feed: a client from ${request.ip} follows from seq ${client.cursor}`);
      const forget = () => {
        clients.delete(client);
        watch();
      };
      socket.on('pong', () => (client.answered = true));
      socket.on('close', forget);
      socket.on('error', forget);
      // Incoming messages mean nothing here; the socket's maxPayload bounds them.
      watch();
      if (again === null) again = setImmediate(pump);
    },
  );
}
