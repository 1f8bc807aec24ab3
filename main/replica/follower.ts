/**
 * Following one kiosk: a full export when the replica has nothing of it (or
 * is behind its feed floor, or the kiosk was reset or changed its schema),
 * then its live socket from the replica's cursor, with a `changes?after=`
 * poll every sync interval as the safety net. Everything that writes (the
 * export, a page, a batch of live events) runs one at a time, and each moves
 * the stored cursor in the same transaction as its rows, so each change is
 * applied once, in seq order, whatever arrives twice. An unreachable kiosk
 * is retried with backoff while its rows stay served as they were; a schema
 * mismatch stops this kiosk's sync with the reason.
 */
import type { WebSocket } from 'ws';
import type { ScopedLog } from '../log';
import type { KioskSource } from './config';
import { FullExportReader } from './export-reader';
import { KioskHttpError, kioskClient, PinMismatchError, type KioskClient } from './kiosk-client';
import { changesPage, liveEvent, schemaAnswer, type LiveEvent, type SchemaAnswer } from './messages';
import type { Change, ReplicaStore } from './store';

/** The seed's fields (`/office/api/sync-status`), then Booth's. */
export interface SyncStatus {
  kiosk_id: string;
  url: string;
  running: boolean;
  sync_interval: number;
  last_sync_time: string | null;
  total_syncs: number;
  successful_syncs: number;
  failed_syncs: number;
  total_records_synced: number;
  seq: number | null;
  lag_ms: number | null;
  live: boolean;
  state: 'starting' | 'full-export' | 'following' | 'retrying' | 'stopped';
  error: string | null;
}

export class SchemaMismatchError extends Error {}

export interface FollowerOptions {
  source: KioskSource;
  store: ReplicaStore;
  log: ScopedLog;
  syncIntervalSeconds: number;
  /** The kiosk's schema_version this office insists on (the seed's check); any when absent. */
  expectedSchemaVersion?: string;
  /** Told after rows of these tables changed (the office page updates). */
  onChange?: (kioskId: string, tables: readonly string[]) => void;
  /** Tests: quicker retries and heartbeats. */
  retryMinMs?: number;
  retryMaxMs?: number;
  heartbeatMs?: number;
  pageLimit?: number;
}

const PAGE_LIMIT = 1000;

export function createFollower(options: FollowerOptions) {
  const { source, store, log } = options;
  const kioskId = source.id;
  const client: KioskClient = kioskClient(source);
  const intervalMs = options.syncIntervalSeconds * 1000;
  const retryMinMs = options.retryMinMs ?? 1000;
  const retryMaxMs = options.retryMaxMs ?? 60_000;
  const heartbeatMs = options.heartbeatMs ?? 5000;
  const pageLimit = options.pageLimit ?? PAGE_LIMIT;

  const counters = { total: 0, ok: 0, failed: 0, records: 0 };
  let lastSyncTime: string | null = null;
  let state: SyncStatus['state'] = 'starting';
  let error: string | null = null;
  let cursor: number | null = null;
  /** When the replica last held everything the kiosk had (a poll with nothing more, or the live stream drained). */
  let currentAt: number | null = null;
  let running = false;
  let stopping = false;
  let needFull = false;
  let knownTables = new Set<string>();
  let failures = 0;

  let socket: WebSocket | null = null;
  let liveGeneration = 0;
  let liveOpening = false;
  let heartbeat: NodeJS.Timeout | null = null;
  const pending: LiveEvent[] = [];
  let drainQueued = false;

  let lock: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const result = lock.then(fn);
    lock = result.catch(() => undefined);
    return result;
  };

  let wakeTimer: NodeJS.Timeout | null = null;
  let wakeUp: (() => void) | null = null;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wakeUp = resolve;
      wakeTimer = setTimeout(resolve, ms);
    });
  const wake = (ms: number) => {
    if (!wakeUp) return;
    const resolve = wakeUp;
    if (wakeTimer) clearTimeout(wakeTimer);
    wakeTimer = setTimeout(resolve, ms);
  };

  const changed = (tables: Iterable<string>) => options.onChange?.(kioskId, [...new Set(tables)]);

  const closeLive = () => {
    liveGeneration++;
    if (heartbeat) clearInterval(heartbeat);
    heartbeat = null;
    socket?.terminate();
    socket = null;
    pending.length = 0;
  };

  const checkSchema = (schema: SchemaAnswer) => {
    if (options.expectedSchemaVersion !== undefined && schema.schema_version !== options.expectedSchemaVersion) {
      throw new SchemaMismatchError(
        `the kiosk's schema is ${schema.schema_version}, this office expects ${options.expectedSchemaVersion}: update both to the same schema (or change kiosks[].schemaVersion), then restart booth replica`,
      );
    }
  };
  const checkTable = (table: string) => {
    if (!knownTables.has(table)) throw new SchemaMismatchError(`the kiosk sent rows of table ${table}, which its schema does not list`);
  };

  async function fullSync(schema: SchemaAnswer) {
    state = 'full-export';
    closeLive();
    log.info(`Starting full database sync from ${kioskId} (${source.url})...`);
    const load = await store.fullLoad(kioskId);
    let response: Awaited<ReturnType<KioskClient['stream']>> | null = null;
    const reader = new FullExportReader();
    try {
      response = await client.stream('/api/sync/full-export');
      for await (const chunk of response) {
        if (stopping) throw new Error('stopping');
        const rows = reader.push(chunk as string);
        for (const r of rows) checkTable(r.table);
        if (rows.length > 0) await load.add(rows);
      }
      const summary = reader.finish();
      log.info(`Syncing: ${Object.entries(summary.counts).map(([table, n]) => `${n} ${table}`).join(', ') || 'no tables'}`);
      await load.commit({ seq: summary.seq, schemaVersion: schema.schema_version, tables: schema.tables, fullExportAt: summary.exportedAt });
      cursor = summary.seq;
      counters.records += summary.records;
      needFull = false;
      currentAt = Date.now();
      log.info(`Full sync completed: ${summary.records} records`);
      changed(Object.keys(summary.counts));
    } catch (e) {
      response?.destroy();
      await load.abort();
      throw e;
    }
  }

  async function pollChanges() {
    let records = 0;
    const tables = new Set<string>();
    for (;;) {
      const after = cursor!;
      const page = changesPage.parse(await client.getJson(`/api/sync/changes?after=${after}&limit=${pageLimit}`));
      if (page.seq < after || (page.seq === after && page.more)) throw new Error(`the kiosk's page after ${after} ends at seq ${page.seq}${page.more ? ' with more' : ''}: not a feed`);
      const changes: Change[] = [];
      for (const [table, ids] of Object.entries(page.deleted)) {
        if (ids.length > 0) checkTable(table);
        for (const id of ids) changes.push({ table, id, row: null });
      }
      for (const [table, rows] of Object.entries(page.data)) {
        if (rows.length > 0) checkTable(table);
        for (const row of rows) changes.push({ table, id: row.id, row });
      }
      if (page.seq > after) {
        if (!(await store.apply(kioskId, after, page.seq, changes))) {
          // The stored cursor moved under us (another writer): start again from it.
          cursor = (await store.cursor(kioskId))?.seq ?? null;
          throw new Error(`the replica's cursor for ${kioskId} was not ${after}; reloaded`);
        }
        cursor = page.seq;
        records += changes.length;
        for (const c of changes) tables.add(c.table);
      }
      if (!page.more) break;
    }
    counters.records += records;
    currentAt = Date.now();
    log.debug(`Incremental sync: ${records} records updated`);
    if (tables.size > 0) changed(tables);
  }

  async function syncOnce() {
    counters.total++;
    try {
      const schema = schemaAnswer.parse(await client.getJson('/api/sync/schema'));
      checkSchema(schema);
      knownTables = new Set(schema.tables);
      const stored = await store.cursor(kioskId);
      cursor = stored?.seq ?? null;
      if (stored && stored.schemaVersion !== schema.schema_version) {
        log.info(`${kioskId}: its schema went from ${stored.schemaVersion} to ${schema.schema_version}: a full export`);
        needFull = true;
      }
      if (!stored || needFull) await fullSync(schema);
      else {
        try {
          await pollChanges();
        } catch (e) {
          if (!(e instanceof KioskHttpError && e.status === 410)) throw e;
          log.warn(`${kioskId}: ${e.message}; a full export`);
          await fullSync(schema);
        }
      }
      counters.ok++;
      lastSyncTime = new Date().toISOString();
      state = 'following';
      error = null;
    } catch (e) {
      counters.failed++;
      throw e;
    }
  }

  function queueDrain() {
    if (drainQueued) return;
    drainQueued = true;
    void exclusive(async () => {
      drainQueued = false;
      const events = pending.splice(0);
      if (cursor === null || events.length === 0) return;
      const fresh = events.filter((e) => e.seq > cursor!);
      if (fresh.length === 0) return;
      const changes: Change[] = [];
      for (const e of fresh) {
        if (!knownTables.has(e.table)) {
          // A table the schema did not list: the schema changed; look again before applying anything.
          closeLive();
          wake(0);
          return;
        }
        changes.push({ table: e.table, id: e.row.id, row: e.op === 'delete' ? null : e.row });
      }
      const last = fresh.at(-1)!.seq;
      if (!(await store.apply(kioskId, cursor, last, changes))) {
        cursor = (await store.cursor(kioskId))?.seq ?? null;
        closeLive();
        wake(0);
        return;
      }
      cursor = last;
      counters.records += changes.length;
      lastSyncTime = new Date().toISOString();
      if (pending.length === 0) currentAt = Date.now();
      changed(changes.map((c) => c.table));
    }).catch((e: unknown) => {
      log.warn(`${kioskId}: live changes not applied (${(e as Error).message}); the next sync fetches them`);
      closeLive();
      wake(0);
    });
  }

  async function openLive() {
    if (liveOpening || socket || cursor === null || stopping) return;
    liveOpening = true;
    const generation = liveGeneration;
    let previous = -1;
    try {
      const ws = await client.openLive(`/api/sync/live?after=${cursor}`);
      if (stopping || generation !== liveGeneration) {
        ws.terminate();
        return;
      }
      socket = ws;
      let answered = true;
      heartbeat = setInterval(() => {
        // No pong since the last ping: the network is gone though no reset came.
        if (!answered) return ws.terminate();
        answered = false;
        ws.ping();
      }, heartbeatMs);
      ws.on('pong', () => (answered = true));
      ws.on('message', (data) => {
        answered = true;
        let event: LiveEvent;
        try {
          event = liveEvent.parse(JSON.parse(String(data)));
        } catch {
          log.warn(`${kioskId}: a live message that is not a change; reconnecting`);
          return ws.terminate();
        }
        if (event.seq <= previous) {
          log.warn(`${kioskId}: live events out of order (${event.seq} after ${previous}); reconnecting`);
          return ws.terminate();
        }
        previous = event.seq;
        pending.push(event);
        queueDrain();
      });
      ws.on('error', () => undefined);
      ws.on('close', (code) => {
        if (socket !== ws) return;
        if (heartbeat) clearInterval(heartbeat);
        heartbeat = null;
        socket = null;
        if (code === 4410) needFull = true;
        if (!stopping) {
          log.info(`${kioskId}: live stream closed (${code}); catching up`);
          wake(200);
        }
      });
      log.info(`${kioskId}: following live from seq ${cursor}`);
    } catch (e) {
      if (e instanceof KioskHttpError && e.status === 410) {
        needFull = true;
        wake(0);
      } else log.debug(`${kioskId}: live stream not opened: ${(e as Error).message}`);
    } finally {
      liveOpening = false;
    }
  }

  async function loop() {
    running = true;
    while (!stopping) {
      try {
        await exclusive(syncOnce);
        failures = 0;
        void openLive();
        await sleep(intervalMs);
      } catch (e) {
        if (stopping) break;
        const message = (e as Error).message;
        if (e instanceof SchemaMismatchError) {
          state = 'stopped';
          error = message;
          closeLive();
          log.error(`${kioskId}: sync stopped: ${message}`);
          break;
        }
        failures++;
        state = 'retrying';
        error = message;
        closeLive();
        const delay = Math.min(retryMaxMs, retryMinMs * 2 ** Math.min(failures - 1, 20)) * (0.8 + Math.random() * 0.4);
        const level = e instanceof PinMismatchError || (e instanceof KioskHttpError && e.status === 401) ? 'error' : 'warn';
        log[level](`${kioskId}: sync failed (${message}); the replica keeps serving what it has; again in ${Math.round(delay / 1000)} s`);
        await sleep(delay);
      }
    }
    running = false;
  }

  let loopDone: Promise<void> | null = null;

  return {
    kioskId,
    start() {
      loopDone ??= loop();
    },
    async stop() {
      stopping = true;
      closeLive();
      if (wakeTimer) clearTimeout(wakeTimer);
      wakeUp?.();
      await loopDone;
      await lock;
    },
    status(): SyncStatus {
      const idle = socket !== null && pending.length === 0 && !drainQueued;
      return {
        kiosk_id: kioskId,
        url: source.url,
        running,
        sync_interval: options.syncIntervalSeconds,
        last_sync_time: lastSyncTime,
        total_syncs: counters.total,
        successful_syncs: counters.ok,
        failed_syncs: counters.failed,
        total_records_synced: counters.records,
        seq: cursor,
        lag_ms: idle && state === 'following' ? 0 : currentAt === null ? null : Date.now() - currentAt,
        live: socket !== null,
        state,
        error,
      };
    },
  };
}

export type Follower = ReturnType<typeof createFollower>;
