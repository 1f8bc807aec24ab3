/**
 * The LoRa intake (seed 001): payloads from a serial LoRa receiver and from
 * `POST /api/lora/receive` are committed raw to the buffer first
 * (buffer.ts), then the worker (worker.ts) makes batches and animals of them.
 * The intake board shows packets as they arrive, today's batches, a tag
 * search and pen assignment; the attendant page the failed payloads (with
 * reprocess), the receiver and its signal. Live events (`payload:received`,
 * `batch:created`, `cattle:created`, ...) go out through the kiosk's events
 * after each commit, for the screen and the replica.
 */
import { codedReasonSchema, type CodedReason } from '../../preload/contract';
import type { AnimalView, IntakeAdminSummary, IntakeBoard, LoraReceiverStatus, PayloadRow, PenRow, PenSummary } from '../../preload/contract';
import { venueDate } from '../clock';
import { crashPoint } from '../crash-points';
import { HandlerError, type HandlerMap } from '../dispatch';
import type { LoraReceiver, ReceivedPacket } from '../hardware';
import type { KioskModule, ModuleContext } from '../modules/module';
import { intakeRoutes } from './api-routes';
import { bufferPayload, prepareIntakeSql, type IncomingPayload } from './buffer';
import { createIntakeWorker } from './worker';

export { AUTO_CREATED_NOTE } from './worker';
export { parsePayload, MAX_PAYLOAD_LENGTH } from './payload';

/** A serial scanner's lines (the registry: devices.scanner, when no gate takes it). */
export interface IntakeScanner {
  start(): void;
  stop(): Promise<void>;
}

export interface IntakeScanLine {
  text: string;
  overlong: boolean;
  controlBytes: boolean;
}

/** What a scanned ear tag may be: as the tag search takes it (printable, at most 256). */
const SCANNED_TAG = /^[\x21-\x7e][\x20-\x7e]{0,255}$/;

export interface IntakeOptions {
  /** Builds the tag scanner; absent: the board's keyboard-wedge input only. */
  createScanner?: (onLine: (line: IntakeScanLine) => void) => IntakeScanner;
  /** Builds the receiver (the registry: the configured serial one); absent: API only. */
  createReceiver?: (onPacket: (packet: ReceivedPacket) => void, onConnectionChange: (status: LoraReceiverStatus) => void) => LoraReceiver;
}

const noReceiver: LoraReceiverStatus = {
  configured: false,
  connected: false,
  path: null,
  error: null,
  errorCoded: null,
  lastPacketAt: null,
  packets: 0,
  noiseLines: 0,
  lastRssi: null,
  lastSnr: null,
};

/** The stored reason of a failed payload, when it is one this build knows (a row from before version 17 has none). */
function failureReason(row: PayloadRow): CodedReason | null {
  if (row.error_reason === null) return null;
  try {
    const parsed = codedReasonSchema.safeParse(JSON.parse(row.error_reason));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function createIntakeModule(ctx: ModuleContext, options: IntakeOptions = {}): KioskModule {
  const { config, platform, store, events, admin } = ctx;
  const db = store.db;
  const log = platform.log.scope('intake');
  const clock = platform.clock;
  const settings = config.intake;
  const sql = prepareIntakeSql(db);
  const worker = createIntakeWorker({ db, sql, clock, log, events, timeZone: config.timeZone, sourceTypes: settings.sourceTypes });

  /** Commits the payload to the buffer, says so, then wakes the worker: nothing is made of it before it is stored. */
  const receive = (incoming: IncomingPayload): PayloadRow => {
    const row = bufferPayload(sql, incoming, clock.now());
    crashPoint('intake.after-buffer');
    events.emit('payload:received', { table: 'lora_payload_buffer', op: 'insert', row });
    if (row.status === 'received') worker.wake();
    else log.warn(`payload #${row.id} failed on arrival (${row.error_code}): ${row.error}`);
    return row;
  };

  const onPacket = (packet: ReceivedPacket): void => {
    // The radio's own length disagreeing means the air garbled the data: kept, failed, never guessed at.
    const lengthWrong = packet.announcedLength !== null && packet.announcedLength !== Buffer.byteLength(packet.payload, 'utf8');
    receive({
      payload: packet.payload,
      channel: 'serial',
      rssi: packet.rssi,
      snr: packet.snr,
      ...(lengthWrong
        ? {
            failure: {
              code: 'length' as const,
              message: `the receiver announced ${packet.announcedLength} bytes, the data has ${Buffer.byteLength(packet.payload, 'utf8')}`,
              reason: { code: 'intake-length' as const, params: { announced: packet.announcedLength ?? 0, actual: Buffer.byteLength(packet.payload, 'utf8') } },
            },
          }
        : {}),
    });
  };
  const receiver = options.createReceiver?.(onPacket, (status) => events.emit('intake:receiver', status));
  const receiverStatus = (): LoraReceiverStatus => receiver?.status() ?? noReceiver;
  // A scanned tag goes to the board's search, as a typed one does; what is not a tag is logged, never shown.
  const scanner = options.createScanner?.((line) => {
    const tag = line.text.trim();
    if (line.overlong || line.controlBytes || !SCANNED_TAG.test(tag)) return log.warn(`scanner line ignored: not a tag (${line.text.length} characters)`);
    events.emit('intake:scanned', { tag });
  });

  /** The configured pens in the table: new ones added, changed capacities kept, removed ones retired (never deleted). */
  const syncPens = db.transaction(() => {
    const at = clock.now().toISOString();
    const names = new Set(settings.pens.map((p) => p.name));
    for (const pen of settings.pens) {
      const existing = sql.penByName.get(pen.name) as PenRow | undefined;
      if (!existing) sql.insertPen.run(pen.name, pen.capacity, at, at);
      else if (existing.capacity !== pen.capacity || existing.active !== 1) sql.updatePen.run(pen.capacity, at, existing.id);
    }
    for (const pen of sql.retirePens.all() as PenRow[]) if (!names.has(pen.name)) sql.retirePen.run(at, pen.id);
  });

  const animal = (id: number): AnimalView => {
    const row = sql.animal.get(id) as AnimalView | undefined;
    if (!row) throw new HandlerError('failed', `No animal #${id}.`, { code: 'intake-no-animal', params: { id } });
    return row;
  };

  const board = (): IntakeBoard => ({
    receiver: receiverStatus(),
    packets: sql.recentPackets.all(settings.recentPackets) as PayloadRow[],
    batchesToday: sql.batchesOn.all(venueDate(clock.now(), config.timeZone)) as IntakeBoard['batchesToday'],
    pens: sql.pens.all() as PenSummary[],
    waiting: sql.countByStatus.get('received') as number,
    failed: sql.countByStatus.get('failed') as number,
  });

  const handlers: HandlerMap = {
    'intake:board': () => board(),
    'intake:search': ({ tag }) => sql.search.all({ tag }) as AnimalView[],
    'intake:assign-pen': ({ cattleId, penId }) => {
      const before = animal(cattleId);
      if (penId !== null) {
        const pen = sql.pen.get(penId) as PenRow | undefined;
        if (!pen || pen.active !== 1) throw new HandlerError('failed', `No pen #${penId} on this kiosk.`, { code: 'intake-no-pen', params: { id: penId } });
      }
      if (before.pen_id === penId) return before;
      // Committed (FULL sync) before the screen hears of it.
      const row = sql.setPen.get(penId, clock.now().toISOString(), cattleId) as AnimalView;
      events.emit('cattle:updated', { table: 'cattle', op: 'update', row: { id: row.id, lf_tag: row.lf_tag, uhf_tag: row.uhf_tag, batch_id: row.batch_id, pen_id: row.pen_id, created_at: row.created_at, updated_at: row.updated_at } });
      return animal(cattleId);
    },
    'intake:admin-summary': (): IntakeAdminSummary => {
      admin.requireSession({ activity: false });
      const todayStart = new Date(clock.now().getTime() - 24 * 3_600_000).toISOString();
      return {
        receiver: receiverStatus(),
        failed: (sql.failedPackets.all(100) as PayloadRow[]).map((row) => ({ ...row, reason: failureReason(row) })),
        failedTotal: sql.countByStatus.get('failed') as number,
        waiting: sql.countByStatus.get('received') as number,
        processedToday: sql.processedSince.get(todayStart) as number,
        signal: sql.signal.all(200) as IntakeAdminSummary['signal'],
      };
    },
    'intake:reprocess': ({ id }) => {
      admin.requireSession();
      const requeued = sql.requeue.get(clock.now().toISOString(), id) as PayloadRow | undefined;
      if (!requeued) throw new HandlerError('failed', `Payload #${id} is not failed.`, { code: 'intake-not-failed', params: { id } });
      admin.audit('intake.reprocess', String(id));
      events.emit('payload:updated', { table: 'lora_payload_buffer', op: 'update', row: requeued });
      return worker.processOne(id) ?? requeued;
    },
  };

  return {
    id: 'intake',
    handlers,
    adminPage: { id: 'intake', title: 'Intake' },
    apiRoutes: intakeRoutes({ receive: (payload) => receive({ payload, channel: 'api', rssi: null, snr: null }).id }),
    jobs: [
      // Counters and the last packet change per line; the screens hear of them at this pace, not per line.
      { name: 'intake.receiver-status', intervalMs: 2_000, run: () => events.emit('intake:receiver', receiverStatus()) },
      // A payload left waiting by a failed store write is tried again.
      { name: 'intake.worker', intervalMs: 5_000, run: () => worker.wake() },
    ],
    start() {
      syncPens();
      // What a crash left received is processed now, before new packets come.
      worker.wake();
      receiver?.start();
      scanner?.start();
    },
    async stop() {
      await scanner?.stop();
      await receiver?.stop();
      worker.stop();
    },
  };
}

/** For tests and the bench: waits until the worker has nothing left. */
export type { IntakeWorker } from './worker';
