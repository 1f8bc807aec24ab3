/**
 * The worker: turns buffered payloads (status received) into batches and
 * animals, one payload per transaction that also marks it processed or
 * failed, so after a crash (kill -9 anywhere) each payload is processed
 * exactly once: a committed one is no longer `received`, an uncommitted one
 * still is and is found again at start. Idempotent on the tags: the same
 * tags in the same batch are one animal (the payload is processed, note
 * "duplicate"); a tag already on another animal, or in another batch, is a
 * conflict left for the attendant, never an overwrite. Live events go out
 * only after the commit.
 */
import type Database from 'better-sqlite3';
import type { BatchRow, CattleRow, CodedReason, EventMap, PayloadErrorCode, PayloadRow } from '../../preload/contract';
import { venueDate, type Clock } from '../clock';
import { crashPoint } from '../crash-points';
import type { EventBus } from '../dispatch';
import type { ScopedLog } from '../log';
import type { IntakeSql } from './buffer';
import { parsePayload } from './payload';

export const AUTO_CREATED_NOTE = 'Auto-created from LoRa payload';
/** Payloads processed per turn of the event loop, so a backlog never blocks it for long. */
const CHUNK = 50;

type PendingEvent = { [E in keyof EventMap]: [E, EventMap[E]] }[keyof EventMap];

export interface WorkerDeps {
  db: Database.Database;
  sql: IntakeSql;
  clock: Clock;
  log: ScopedLog;
  events: EventBus;
  timeZone: string;
  /** Source type → the batch's source (config intake.sourceTypes). */
  sourceTypes: Readonly<Record<string, string>>;
}

export interface IntakeWorker {
  /** Processes every waiting payload, soon (coalesced; never reentrant). */
  wake(): void;
  /** Resolves once nothing is waiting or running. */
  idle(): Promise<void>;
  /** Processes one payload now (the caller's turn); null when it was not waiting. */
  processOne(id: number): PayloadRow | null;
  stop(): void;
}

type Outcome =
  | { kind: 'processed'; batchId: number; cattleId: number; note: string | null }
  | { kind: 'failed'; code: PayloadErrorCode; message: string; reason: CodedReason; batchId: number | null; cattleId: number | null };

export function createIntakeWorker(deps: WorkerDeps): IntakeWorker {
  const { db, sql, clock, log, events } = deps;
  let scheduled: NodeJS.Immediate | null = null;
  let stopped = false;
  let idleWaiters: (() => void)[] = [];

  /** Decides and writes inside the caller's transaction; events are queued for after the commit. */
  const decide = (row: PayloadRow, at: string, pending: PendingEvent[]): Outcome => {
    const parsed = parsePayload(row.payload);
    if (!parsed.ok) return { kind: 'failed', code: 'parse', message: parsed.error.message, reason: parsed.error.reason, batchId: null, cattleId: null };
    const { sourceType, batchNumber, lfTag, uhfTag } = parsed.value;
    const source = Object.prototype.hasOwnProperty.call(deps.sourceTypes, sourceType) ? deps.sourceTypes[sourceType] : undefined;
    if (source === undefined) {
      return {
        kind: 'failed',
        code: 'unknown-source',
        message: `unknown source type "${sourceType}" (add it to intake.sourceTypes, then reprocess)`,
        reason: { code: 'intake-unknown-source', params: { source: sourceType } },
        batchId: null,
        cattleId: null,
      };
    }
    let batch = sql.batchByNumber.get(batchNumber) as BatchRow | undefined;
    if (batch && batch.source_type !== sourceType) {
      return {
        kind: 'failed',
        code: 'conflict',
        message: `batch ${batchNumber} came from source type "${batch.source_type}", this payload says "${sourceType}"`,
        reason: { code: 'intake-batch-source', params: { batch: batchNumber, was: batch.source_type, now: sourceType } },
        batchId: batch.id,
        cattleId: null,
      };
    }
    const tagged = sql.cattleByTags.all(lfTag, uhfTag) as CattleRow[];
    if (tagged.length > 0) {
      const same = tagged.length === 1 && tagged[0]!.lf_tag === lfTag && tagged[0]!.uhf_tag === uhfTag ? tagged[0]! : null;
      if (same && batch && same.batch_id === batch.id) return { kind: 'processed', batchId: batch.id, cattleId: same.id, note: 'duplicate' };
      const animal = tagged[0]!;
      const itsBatch = (sql.batch.get(animal.batch_id) as BatchRow | undefined)?.batch_number ?? `#${animal.batch_id}`;
      const message = same
        ? `tags ${lfTag} / ${uhfTag} are animal #${animal.id} of batch ${itsBatch}, not of batch ${batchNumber}`
        : `a tag is already on animal #${animal.id} (LF ${animal.lf_tag}, UHF ${animal.uhf_tag}, batch ${itsBatch})`;
      const reason: CodedReason = same
        ? { code: 'intake-tags-elsewhere', params: { lf: lfTag, uhf: uhfTag, animal: animal.id, batch: itsBatch, payloadBatch: batchNumber } }
        : { code: 'intake-tag-taken', params: { animal: animal.id, lf: animal.lf_tag, uhf: animal.uhf_tag, batch: itsBatch } };
      return { kind: 'failed', code: 'conflict', message, reason, batchId: batch?.id ?? null, cattleId: animal.id };
    }
    if (!batch) {
      batch = sql.insertBatch.get({
        batchNumber,
        inductionDate: venueDate(new Date(row.received_at), deps.timeZone),
        source,
        sourceType,
        notes: AUTO_CREATED_NOTE,
        at,
      }) as BatchRow;
      pending.push(['batch:created', { table: 'batches', op: 'insert', row: batch }]);
    }
    const animal = sql.insertCattle.get({ lfTag, uhfTag, batchId: batch.id, at }) as CattleRow;
    pending.push(['cattle:created', { table: 'cattle', op: 'insert', row: animal }]);
    return { kind: 'processed', batchId: batch.id, cattleId: animal.id, note: null };
  };

  const processInTransaction = db.transaction((id: number, pending: PendingEvent[]): PayloadRow | null => {
    const row = sql.payload.get(id) as PayloadRow | undefined;
    if (!row || row.status !== 'received') return null;
    const at = clock.now().toISOString();
    const outcome = decide(row, at, pending);
    const updated = (
      outcome.kind === 'processed'
        ? sql.markProcessed.get({ id, note: outcome.note, batchId: outcome.batchId, cattleId: outcome.cattleId, at })
        : sql.markFailed.get({ id, error: outcome.message, errorCode: outcome.code, errorReason: JSON.stringify(outcome.reason), batchId: outcome.batchId, cattleId: outcome.cattleId, at })
    ) as PayloadRow;
    crashPoint('intake.in-transaction');
    pending.push(['payload:updated', { table: 'lora_payload_buffer', op: 'update', row: updated }]);
    return updated;
  });

  const processOne = (id: number): PayloadRow | null => {
    const pending: PendingEvent[] = [];
    const updated = processInTransaction(id, pending);
    for (const [name, payload] of pending) events.emit(name, payload as never);
    if (updated?.status === 'failed') log.warn(`payload #${id} failed (${updated.error_code}): ${updated.error}`);
    return updated;
  };

  const settleIdle = () => {
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  };

  const runChunk = () => {
    scheduled = null;
    if (stopped) return settleIdle();
    let ids: number[];
    try {
      ids = sql.waitingIds.all(CHUNK) as number[];
      for (const id of ids) processOne(id);
    } catch (error) {
      // A store error (disk full): the payloads stay received, tried again on the next wake.
      log.error('intake worker failed; the waiting payloads stay buffered:', error);
      return settleIdle();
    }
    if (ids.length === CHUNK) scheduled = setImmediate(runChunk);
    else settleIdle();
  };

  return {
    wake() {
      if (stopped || scheduled) return;
      scheduled = setImmediate(runChunk);
    },
    idle: () => (scheduled ? new Promise<void>((resolve) => idleWaiters.push(resolve)) : Promise.resolve()),
    processOne,
    stop() {
      stopped = true;
      if (scheduled) clearImmediate(scheduled);
      scheduled = null;
      settleIdle();
    },
  };
}
