/**
 * The LoRa intake (seed 001): the receiver's status, the payload buffer, the
 * batches and animals made of it, and the pens. Rows are passed as the
 * database holds them (snake_case, the seed's JSON keys), as a replica sees them.
 */
import { z } from 'zod';
import type { CodedReason } from './reasons';

export interface LoraReceiverStatus {
  configured: boolean;
  connected: boolean;
  path: string | null;
  /** Why it is not connected, in the device layer's words (English: the log, and a screen that does not know `errorCoded`). */
  error: string | null;
  /** The same as a code with its values, for the screen's language. */
  errorCoded: CodedReason | null;
  lastPacketAt: string | null;
  /** Since the kiosk started: lines that were packets, and lines that were not (the module's own replies, noise). */
  packets: number;
  noiseLines: number;
  lastRssi: number | null;
  lastSnr: number | null;
}

export type PayloadStatus = 'received' | 'processed' | 'failed';
/** Why a payload failed: it does not parse, its source type is not configured, the radio's length disagrees, or a tag is on another animal or batch. */
export type PayloadErrorCode = 'parse' | 'unknown-source' | 'length' | 'conflict';

export interface PayloadRow {
  id: number;
  payload: string;
  channel: 'serial' | 'api';
  rssi: number | null;
  snr: number | null;
  received_at: string;
  status: PayloadStatus;
  error: string | null;
  error_code: PayloadErrorCode | null;
  /** `error` as a CodedReason in JSON (`{"code","params"}`), for the screen's language; null when not failed (or failed before version 17). */
  error_reason: string | null;
  /** "duplicate": processed, the animal was already there. */
  note: string | null;
  batch_id: number | null;
  cattle_id: number | null;
  processed_at: string | null;
  attempts: number;
  created_at: string;
  updated_at: string;
}

export interface BatchRow {
  id: number;
  batch_number: string;
  induction_date: string;
  source: string;
  source_type: string;
  notes: string | null;
  created_at: string;
  updated_at: string;
}

export interface CattleRow {
  id: number;
  lf_tag: string;
  uhf_tag: string;
  batch_id: number;
  pen_id: number | null;
  created_at: string;
  updated_at: string;
}

export interface PenRow {
  id: number;
  name: string;
  capacity: number | null;
  active: number;
  created_at: string;
  updated_at: string;
}

/** A change the intake committed, as the replica's live feed carries it (CONTRACTS.md "Replication"). */
export interface IntakeChange<Table extends string, Row> {
  table: Table;
  op: 'insert' | 'update';
  row: Row;
}

export interface BatchSummary extends BatchRow {
  head_count: number;
}

export interface PenSummary {
  id: number;
  name: string;
  capacity: number | null;
  head_count: number;
}

/** An animal as the board shows it: with its batch number and pen name. */
export interface AnimalView extends CattleRow {
  batch_number: string;
  pen_name: string | null;
}

export interface IntakeBoard {
  receiver: LoraReceiverStatus;
  /** Newest first. */
  packets: PayloadRow[];
  /** Batches inducted today (venue date), newest first, with their head counts. */
  batchesToday: BatchSummary[];
  pens: PenSummary[];
  waiting: number;
  failed: number;
}

export interface SignalPoint {
  at: string;
  rssi: number;
  snr: number | null;
}

export interface IntakeAdminSummary {
  receiver: LoraReceiverStatus;
  /** Failed payloads, newest first (at most 100), each with why as a code the screen words. */
  failed: (PayloadRow & { reason: CodedReason | null })[];
  failedTotal: number;
  waiting: number;
  processedToday: number;
  /** Signal of the latest serial packets, oldest first (at most 200). */
  signal: SignalPoint[];
}

const tag = z.string().trim().min(1).max(256);

export const intakeHandlers = {
  'intake:board': z.object({}).strict(),
  /** Animals whose LF or UHF tag is (or starts with) the text, typed or scanned. */
  'intake:search': z.object({ tag }).strict(),
  /** Puts an animal in a pen (null: out of any pen); answers once committed. */
  'intake:assign-pen': z.object({ cattleId: z.number().int().positive(), penId: z.number().int().positive().nullable() }).strict(),
  'intake:admin-summary': z.object({}).strict(),
  /** Processes a failed payload again (after the config or the conflicting animal changed). */
  'intake:reprocess': z.object({ id: z.number().int().positive() }).strict(),
};

export interface IntakeValues {
  'intake:board': IntakeBoard;
  'intake:search': AnimalView[];
  'intake:assign-pen': AnimalView;
  'intake:admin-summary': IntakeAdminSummary;
  'intake:reprocess': PayloadRow;
}

export interface IntakeEvents {
  'intake:receiver': LoraReceiverStatus;
  'payload:received': IntakeChange<'lora_payload_buffer', PayloadRow>;
  'payload:updated': IntakeChange<'lora_payload_buffer', PayloadRow>;
  'batch:created': IntakeChange<'batches', BatchRow>;
  'cattle:created': IntakeChange<'cattle', CattleRow>;
  'cattle:updated': IntakeChange<'cattle', CattleRow>;
  /** A tag read by the serial scanner (devices.scanner, when the kiosk runs no gate): the board searches it. */
  'intake:scanned': { tag: string };
}

export const intakeEventNames = ['intake:receiver', 'payload:received', 'payload:updated', 'batch:created', 'cattle:created', 'cattle:updated', 'intake:scanned'] as const;
