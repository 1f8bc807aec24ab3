/**
 * The payload buffer (`lora_payload_buffer`): every payload is committed here,
 * raw, before anything is made of it; the worker (worker.ts) then moves it from
 * received to processed or failed in the transaction that writes its animal.
 */
import type Database from 'better-sqlite3';
import type { BatchRow, CattleRow, CodedReason, PayloadErrorCode, PayloadRow, PenRow } from '../../preload/contract';
import { STORED_PAYLOAD_LENGTH } from './payload';

export interface IncomingPayload {
  payload: string;
  channel: 'serial' | 'api';
  rssi: number | null;
  snr: number | null;
  /** Known wrong on arrival (the radio's length disagrees): stored failed at once. */
  failure?: { code: PayloadErrorCode; message: string; reason: CodedReason };
}

export function prepareIntakeSql(db: Database.Database) {
  return {
    insertPayload: db.prepare(
      `INSERT INTO lora_payload_buffer (payload, channel, rssi, snr, received_at, status, error, error_code, error_reason, created_at, updated_at)
       VALUES (@payload, @channel, @rssi, @snr, @at, @status, @error, @errorCode, @errorReason, @at, @at) RETURNING *`,
    ),
    payload: db.prepare('SELECT * FROM lora_payload_buffer WHERE id = ?'),
    waitingIds: db.prepare("SELECT id FROM lora_payload_buffer WHERE status = 'received' ORDER BY id LIMIT ?").pluck(),
    markProcessed: db.prepare(
      `UPDATE lora_payload_buffer SET status = 'processed', error = NULL, error_code = NULL, error_reason = NULL, note = @note, batch_id = @batchId,
         cattle_id = @cattleId, processed_at = @at, attempts = attempts + 1, updated_at = @at
       WHERE id = @id AND status = 'received' RETURNING *`,
    ),
    markFailed: db.prepare(
      `UPDATE lora_payload_buffer SET status = 'failed', error = @error, error_code = @errorCode, error_reason = @errorReason, note = NULL, batch_id = @batchId,
         cattle_id = @cattleId, processed_at = @at, attempts = attempts + 1, updated_at = @at
       WHERE id = @id AND status = 'received' RETURNING *`,
    ),
    requeue: db.prepare(
      "UPDATE lora_payload_buffer SET status = 'received', error = NULL, error_code = NULL, error_reason = NULL, updated_at = ? WHERE id = ? AND status = 'failed' RETURNING *",
    ),
    batchByNumber: db.prepare('SELECT * FROM batches WHERE batch_number = ?'),
    batch: db.prepare('SELECT * FROM batches WHERE id = ?'),
    insertBatch: db.prepare(
      `INSERT INTO batches (batch_number, induction_date, source, source_type, notes, created_at, updated_at)
       VALUES (@batchNumber, @inductionDate, @source, @sourceType, @notes, @at, @at) RETURNING *`,
    ),
    cattleByTags: db.prepare('SELECT * FROM cattle WHERE lf_tag = ? OR uhf_tag = ? ORDER BY id'),
    insertCattle: db.prepare(
      'INSERT INTO cattle (lf_tag, uhf_tag, batch_id, pen_id, created_at, updated_at) VALUES (@lfTag, @uhfTag, @batchId, NULL, @at, @at) RETURNING *',
    ),
    cattle: db.prepare('SELECT * FROM cattle WHERE id = ?'),
    setPen: db.prepare('UPDATE cattle SET pen_id = ?, updated_at = ? WHERE id = ? RETURNING *'),
    pen: db.prepare('SELECT * FROM pens WHERE id = ?'),
    recentPackets: db.prepare('SELECT * FROM lora_payload_buffer ORDER BY id DESC LIMIT ?'),
    failedPackets: db.prepare("SELECT * FROM lora_payload_buffer WHERE status = 'failed' ORDER BY id DESC LIMIT ?"),
    countByStatus: db.prepare('SELECT COUNT(*) FROM lora_payload_buffer WHERE status = ?').pluck(),
    processedSince: db.prepare("SELECT COUNT(*) FROM lora_payload_buffer WHERE status = 'processed' AND processed_at >= ?").pluck(),
    signal: db.prepare(
      "SELECT received_at AS at, rssi, snr FROM (SELECT id, received_at, rssi, snr FROM lora_payload_buffer WHERE channel = 'serial' AND rssi IS NOT NULL ORDER BY id DESC LIMIT ?) ORDER BY id",
    ),
    batchesOn: db.prepare(
      `SELECT b.*, (SELECT COUNT(*) FROM cattle c WHERE c.batch_id = b.id) AS head_count
       FROM batches b WHERE b.induction_date = ? ORDER BY b.id DESC`,
    ),
    pens: db.prepare(
      `SELECT p.id, p.name, p.capacity, (SELECT COUNT(*) FROM cattle c WHERE c.pen_id = p.id) AS head_count
       FROM pens p WHERE p.active = 1 OR EXISTS (SELECT 1 FROM cattle c WHERE c.pen_id = p.id) ORDER BY p.id`,
    ),
    search: db.prepare(
      `SELECT c.*, b.batch_number, p.name AS pen_name FROM cattle c JOIN batches b ON b.id = c.batch_id LEFT JOIN pens p ON p.id = c.pen_id
       WHERE c.lf_tag = @tag OR c.uhf_tag = @tag OR substr(c.lf_tag, 1, length(@tag)) = @tag OR substr(c.uhf_tag, 1, length(@tag)) = @tag
       ORDER BY (c.lf_tag = @tag OR c.uhf_tag = @tag) DESC, c.id DESC LIMIT 20`,
    ),
    animal: db.prepare(
      `SELECT c.*, b.batch_number, p.name AS pen_name FROM cattle c JOIN batches b ON b.id = c.batch_id LEFT JOIN pens p ON p.id = c.pen_id WHERE c.id = ?`,
    ),
    penByName: db.prepare('SELECT * FROM pens WHERE name = ?'),
    insertPen: db.prepare('INSERT INTO pens (name, capacity, active, created_at, updated_at) VALUES (?, ?, 1, ?, ?) RETURNING *'),
    updatePen: db.prepare('UPDATE pens SET capacity = ?, active = 1, updated_at = ? WHERE id = ? RETURNING *'),
    retirePens: db.prepare('SELECT * FROM pens WHERE active = 1'),
    retirePen: db.prepare('UPDATE pens SET active = 0, updated_at = ? WHERE id = ? RETURNING *'),
  };
}

export type IntakeSql = ReturnType<typeof prepareIntakeSql>;

/** Stores a payload as it came, in its own committed transaction; answers the row. */
export function bufferPayload(sql: IntakeSql, incoming: IncomingPayload, at: Date): PayloadRow {
  return sql.insertPayload.get({
    payload: incoming.payload.slice(0, STORED_PAYLOAD_LENGTH),
    channel: incoming.channel,
    rssi: incoming.rssi,
    snr: incoming.snr,
    at: at.toISOString(),
    status: incoming.failure ? 'failed' : 'received',
    error: incoming.failure?.message ?? null,
    errorCode: incoming.failure?.code ?? null,
    errorReason: incoming.failure ? JSON.stringify(incoming.failure.reason) : null,
  }) as PayloadRow;
}

export type { BatchRow, CattleRow, PayloadRow, PenRow };
