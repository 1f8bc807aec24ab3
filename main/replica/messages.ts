/**
 * The kiosk's answers as the replica accepts them (CONTRACTS.md
 * "Replication"), checked with zod where they enter: a broken or hostile
 * kiosk's reply is an error, never a half-applied change.
 */
import { z } from 'zod';

const rowId = z.union([z.number().finite(), z.string().min(1)]);
const row = z.looseObject({ id: rowId });
const seq = z.number().int().min(0).refine(Number.isSafeInteger);
const tableName = z.string().min(1).max(128);

export const schemaAnswer = z.looseObject({
  success: z.literal(true),
  schema_version: z.string().min(1).max(64),
  tables: z.array(tableName).max(1000),
});

export const healthAnswer = z.looseObject({ success: z.literal(true), seq, floor: seq.optional() });

export const changesPage = z.looseObject({
  success: z.literal(true),
  data: z.record(tableName, z.array(row)),
  deleted: z.record(tableName, z.array(rowId)),
  seq,
  more: z.boolean(),
});

export const liveEvent = z.looseObject({
  event: z.string(),
  table: tableName,
  op: z.enum(['insert', 'update', 'delete']),
  seq,
  row,
});

export type SchemaAnswer = z.output<typeof schemaAnswer>;
export type ChangesPage = z.output<typeof changesPage>;
export type LiveEvent = z.output<typeof liveEvent>;
