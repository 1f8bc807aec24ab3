/**
 * Ticket download: GET the ticket list (with If-None-Match), hand the body to
 * the import worker, and report progress. One download at a time; a failure
 * leaves the store as it was and says why.
 */
import { readStoredReason, type CodedReason, type DownloadInfo } from '../../preload/contract';
import type { CloudClient } from '../cloud';
import { CloudNetworkError, readTextCapped } from '../cloud';
import type { BoothConfig } from '../config';
import type { EventBus } from '../dispatch';
import type { Platform } from '../platform';
import type { Store } from '../store';
import { nextSyncSeq } from '../sync';
import { z } from 'zod';
import type { CountConflict } from './import';
import type { ImportRunner } from './import-runner';

const ETAG_KEY = 'gate.etag';


/** The body stopped arriving (connection lost, timeout): nothing was imported. */
class DownloadCutOffError extends Error {}

export interface TicketDownloader {
  run(): Promise<DownloadInfo>;
  info(): DownloadInfo;
  lastSuccessAt(): string | null;
}

const idle: DownloadInfo = {
  state: 'idle',
  startedAt: null,
  finishedAt: null,
  processed: 0,
  total: null,
  stored: 0,
  skipped: 0,
  withdrawn: 0,
  durationMs: null,
  error: null,
  errorCoded: null,
};

export function createTicketDownloader(deps: {
  store: Store;
  cloud: CloudClient;
  config: BoothConfig;
  platform: Platform;
  events: EventBus;
  runImport: ImportRunner;
  /** Called when a download succeeded (done or unchanged), before it is announced. */
  afterSuccess?: () => void;
  /** Counts the server lost (the import found them): the gate restores them through the outbox. */
  onCountConflicts?: (conflicts: CountConflict[]) => void;
}): TicketDownloader {
  const { store, cloud, config, platform, events } = deps;
  const db = store.db;
  const log = platform.log.scope('gate');
  const clock = platform.clock;

  // A download the previous run did not finish (crash, power cut) is over.
  db.prepare("UPDATE downloads SET state = 'failed', error = 'interrupted (the kiosk stopped)', error_coded = ? WHERE state = 'running'").run(
    JSON.stringify({ code: 'download-interrupted' } satisfies CodedReason),
  );

  const lastRow = db.prepare('SELECT * FROM downloads ORDER BY id DESC LIMIT 1');
  const lastSuccess = db.prepare("SELECT MAX(finished_at) AS at FROM downloads WHERE state IN ('done', 'not-modified')");
  const insertRow = db.prepare("INSERT INTO downloads (started_seq, started_at, state) VALUES (?, ?, 'running')");
  const finishRow = db.prepare(
    `UPDATE downloads SET state = ?, finished_at = ?, processed = ?, total = ?, stored = ?, skipped = ?, withdrawn = ?,
       duration_ms = ?, error = ?, error_coded = ? WHERE id = ?`,
  );

  type DownloadRow = {
    state: DownloadInfo['state'];
    started_at: string;
    finished_at: string | null;
    processed: number;
    total: number | null;
    stored: number;
    skipped: number;
    withdrawn: number;
    duration_ms: number | null;
    error: string | null;
    error_coded: string | null;
  };
  const fromRow = (row: DownloadRow | undefined): DownloadInfo =>
    row
      ? {
          state: row.state,
          startedAt: row.started_at,
          finishedAt: row.finished_at,
          processed: row.processed,
          total: row.total,
          stored: row.stored,
          skipped: row.skipped,
          withdrawn: row.withdrawn,
          durationMs: row.duration_ms,
          error: row.error,
          errorCoded: readStoredReason(row.error_coded),
        }
      : idle;

  let current: DownloadInfo = fromRow(lastRow.get() as DownloadRow | undefined);
  // Read on every UNKNOWN decision: kept in memory, refreshed when a download ends.
  let lastSuccessAt = (lastSuccess.get() as { at: string | null }).at;
  // A download failing the same way every few minutes (a day offline) is logged once, and again when the reason changes or after it worked.
  let lastFailureLogged: string | null = null;
  let running: Promise<DownloadInfo> | null = null;

  const publish = (info: DownloadInfo) => {
    current = info;
    events.emit('gate:download', info);
  };

  async function download(): Promise<DownloadInfo> {
    const startedMono = clock.monotonicMs();
    const startedAt = clock.now().toISOString();
    const downloadId = db.transaction(() => Number(insertRow.run(nextSyncSeq(db), startedAt).lastInsertRowid))();
    const startedSeq = (db.prepare('SELECT started_seq FROM downloads WHERE id = ?').get(downloadId) as { started_seq: number }).started_seq;
    publish({ ...idle, state: 'running', startedAt });

    const finish = (info: Omit<DownloadInfo, 'startedAt' | 'finishedAt' | 'durationMs'>): DownloadInfo => {
      const durationMs = Math.round(clock.monotonicMs() - startedMono);
      const finishedAt = clock.now().toISOString();
      finishRow.run(info.state, finishedAt, info.processed, info.total, info.stored, info.skipped, info.withdrawn, durationMs, info.error, info.errorCoded ? JSON.stringify(info.errorCoded) : null, downloadId);
      const done: DownloadInfo = { ...info, startedAt, finishedAt, durationMs };
      if (info.state === 'done' || info.state === 'not-modified') {
        lastSuccessAt = finishedAt;
        lastFailureLogged = null;
        deps.afterSuccess?.();
      }
      publish(done);
      return done;
    };
    const failed = (error: string, errorCoded: CodedReason) => {
      if (error !== lastFailureLogged) log.warn(`ticket download failed: ${error}`);
      lastFailureLogged = error;
      return finish({ ...idle, state: 'failed', error, errorCoded });
    };

    const etag = store.getSetting(ETAG_KEY, z.string());
    let response: Response;
    try {
      response = await cloud.request(config.api.fetchEndpoint, { method: 'GET', headers: etag ? { 'If-None-Match': etag } : {} });
    } catch (error) {
      if (error instanceof CloudNetworkError) return failed(error.message, error.reason);
      return failed((error as Error).message, { code: 'download-failed', params: { detail: (error as Error).message } });
    }
    if (response.status === 304) {
      await response.body?.cancel();
      log.info('tickets unchanged (304)');
      return finish({ ...idle, state: 'not-modified' });
    }
    if (!response.ok) {
      // Only an excerpt is kept: an error page without end is not read to its end.
      const text = await readTextCapped(response, 64 * 1024).catch(() => '');
      const excerpt = text.slice(0, 200);
      return failed(`HTTP ${response.status} from ${config.api.fetchEndpoint}${excerpt ? `: ${excerpt}` : ''}`, {
        code: 'download-http',
        params: { status: response.status, endpoint: config.api.fetchEndpoint, ...(excerpt ? { detail: excerpt } : {}) },
      });
    }
    // The import worker starts while the body arrives: its start-up overlaps the transfer.
    const body = response.arrayBuffer().catch((error: unknown) => {
      throw new DownloadCutOffError((error as Error).message);
    });
    try {
      const summary = await deps.runImport(
        store.file,
        body,
        { downloadId, startedSeq, attraction: config.gate.attraction, now: clock.now().toISOString() },
        (p) => publish({ ...idle, state: 'running', startedAt, processed: p.processed, total: p.total, stored: p.stored, skipped: p.skipped }),
      );
      for (const skipped of summary.skippedRecords) {
        log.warn(`ticket record skipped (${skipped.key ?? `#${skipped.index}, no referenceNo`}): ${skipped.reason}`);
      }
      if (summary.skipped > summary.skippedRecords.length) log.warn(`${summary.skipped - summary.skippedRecords.length} more malformed records skipped`);
      if (summary.handCheckOutOfStep) log.warn('the import\'s quick record check disagrees with the ticket schema: records were checked by the schema alone (slower)');
      if (summary.countConflicts.length > 0) {
        try {
          deps.onCountConflicts?.(summary.countConflicts);
        } catch (error) {
          // The tickets are stored; the next download finds the conflicts again.
          log.error(`cannot queue the uploads that restore ${summary.countConflicts.length} lost count(s):`, error);
        }
      }
      const newTag = response.headers.get('etag');
      if (newTag) store.setSetting(ETAG_KEY, newTag, clock.now());
      const info = finish({
        state: 'done',
        processed: summary.processed,
        total: summary.total,
        stored: summary.stored,
        skipped: summary.skipped,
        withdrawn: summary.withdrawn,
        error: summary.skipped > 0 ? `${summary.skipped} malformed record(s) skipped` : null,
        errorCoded: summary.skipped > 0 ? { code: 'download-skipped', params: { count: summary.skipped } } : null,
      });
      log.info(`tickets downloaded: ${summary.stored} stored, ${summary.skipped} skipped, ${summary.withdrawn} withdrawn in ${info.durationMs} ms`);
      return info;
    } catch (error) {
      if (error instanceof DownloadCutOffError) return failed(`the download was cut off (${error.message})`, { code: 'download-cut-off', params: { detail: error.message } });
      return failed((error as Error).message, { code: 'download-failed', params: { detail: (error as Error).message } });
    }
  }

  return {
    run() {
      if (!running) running = download().finally(() => (running = null));
      return running;
    },
    info: () => current,
    lastSuccessAt: () => lastSuccessAt,
  };
}
