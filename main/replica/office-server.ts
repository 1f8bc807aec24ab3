/**
 * The replica's own HTTP server: `GET /office/api/sync-status` (the seed's
 * fields, per kiosk and over all), the replicated tables read-only, a
 * server-sent event stream that says when rows changed, and the office page
 * (./office-page.ts) with the renderer's styles. Loopback unless configured:
 * it shows every kiosk's data to whoever reaches it.
 */
import fs from 'node:fs';
import path from 'node:path';
import Fastify from 'fastify';
import { z } from 'zod';
import type { ScopedLog } from '../log';
import type { ReplicaConfig } from './config';
import type { SyncStatus } from './follower';
import { officePageHtml, officePageScript, officePageStyles } from './office-page';
import type { ReplicaStore } from './store';

export interface OfficeServer {
  start(): Promise<void>;
  stop(): Promise<void>;
  address(): { host: string; port: number } | null;
}

const repoRoot = path.resolve(import.meta.dirname, '../..');
const readOnce = (file: string) => {
  let text: string | null = null;
  return () => (text ??= fs.readFileSync(path.join(repoRoot, file), 'utf8'));
};
const styles = readOnce('renderer/styles.css');
const texts = { en: readOnce('renderer/i18n/en.json'), id: readOnce('renderer/i18n/id.json') };
const officeTexts = (lang: 'en' | 'id') => (JSON.parse(texts[lang]()) as { office?: unknown }).office ?? {};

const rowsQuery = z.object({
  offset: z.string().regex(/^\d{1,9}$/).transform(Number).default(0),
  limit: z.string().regex(/^\d{1,4}$/).transform(Number).pipe(z.number().int().min(1).max(500)).default(50),
});

/** The seed's single object, over all kiosks: running when all are, the oldest last sync, the totals. */
function overall(statuses: readonly SyncStatus[], interval: number) {
  const times = statuses.map((s) => s.last_sync_time);
  return {
    running: statuses.every((s) => s.running),
    sync_interval: interval,
    last_sync_time: times.includes(null) ? null : (times as string[]).sort()[0] ?? null,
    total_syncs: statuses.reduce((n, s) => n + s.total_syncs, 0),
    successful_syncs: statuses.reduce((n, s) => n + s.successful_syncs, 0),
    failed_syncs: statuses.reduce((n, s) => n + s.failed_syncs, 0),
    total_records_synced: statuses.reduce((n, s) => n + s.total_records_synced, 0),
  };
}

export function createOfficeServer(deps: {
  config: ReplicaConfig['http'];
  store: ReplicaStore;
  statuses(): SyncStatus[];
  subscribe(listener: (kioskId: string, tables: readonly string[]) => void): () => void;
  log: ScopedLog;
}): OfficeServer {
  const { store, statuses } = deps;
  const app = Fastify({ logger: false });
  const kioskIds = () => new Set(statuses().map((s) => s.kiosk_id));
  const streams = new Set<NodeJS.WritableStream & { end(): void }>();

  app.get('/office/api/sync-status', async () => {
    const all = statuses();
    return { success: true, data: overall(all, all[0]?.sync_interval ?? 10), kiosks: all };
  });

  app.get<{ Params: { kiosk: string } }>('/office/api/kiosks/:kiosk/tables', async (request, reply) => {
    if (!kioskIds().has(request.params.kiosk)) return reply.code(404).send({ success: false, error: 'no such kiosk' });
    return { success: true, data: await store.tables(request.params.kiosk) };
  });

  app.get<{ Params: { kiosk: string; table: string } }>('/office/api/kiosks/:kiosk/tables/:table/rows', async (request, reply) => {
    if (!kioskIds().has(request.params.kiosk)) return reply.code(404).send({ success: false, error: 'no such kiosk' });
    const q = rowsQuery.safeParse(request.query);
    if (!q.success) return reply.code(400).send({ success: false, error: 'offset: a whole number; limit: 1 to 500' });
    return { success: true, data: await store.rows(request.params.kiosk, request.params.table, q.data.offset, q.data.limit) };
  });

  // Server-sent events: which kiosk's tables changed (the page reloads what it shows), coalesced per 200 ms.
  app.get('/office/api/events', (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write(': connected\n\n');
    let batch = new Map<string, Set<string>>();
    let timer: NodeJS.Timeout | null = null;
    const flush = () => {
      timer = null;
      for (const [kiosk, tables] of batch) res.write(`event: change\ndata: ${JSON.stringify({ kiosk, tables: [...tables] })}\n\n`);
      batch = new Map();
    };
    const unsubscribe = deps.subscribe((kiosk, tables) => {
      const set = batch.get(kiosk) ?? new Set<string>();
      for (const t of tables) set.add(t);
      batch.set(kiosk, set);
      timer ??= setTimeout(flush, 200);
    });
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    streams.add(res);
    request.raw.on('close', () => {
      unsubscribe();
      clearInterval(keepAlive);
      if (timer) clearTimeout(timer);
      streams.delete(res);
    });
  });

  app.get('/office/api/texts', async (request) => {
    const lang = (request.query as { lang?: string }).lang === 'id' ? 'id' : 'en';
    return { success: true, lang, texts: officeTexts(lang) };
  });
  app.get('/office/styles.css', async (_request, reply) => reply.type('text/css; charset=utf-8').send(styles()));
  app.get('/office/office.css', async (_request, reply) => reply.type('text/css; charset=utf-8').send(officePageStyles));
  app.get('/office/office.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(officePageScript));
  app.get('/office/', async (_request, reply) => reply.type('text/html; charset=utf-8').header('Content-Security-Policy', "default-src 'self'").send(officePageHtml));
  app.get('/office', async (_request, reply) => reply.redirect('/office/'));
  app.get('/', async (_request, reply) => reply.redirect('/office/'));

  let listening: { host: string; port: number } | null = null;
  return {
    async start() {
      await app.listen({ host: deps.config.host, port: deps.config.port });
      const a = app.server.address();
      listening = a && typeof a === 'object' ? { host: a.address, port: a.port } : null;
      deps.log.info(`office page at http://${deps.config.host}:${listening?.port ?? deps.config.port}/office/`);
    },
    async stop() {
      for (const s of streams) s.end();
      await app.close();
      listening = null;
    },
    address: () => listening,
  };
}
