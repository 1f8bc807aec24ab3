/**
 * What the replica keeps, whatever holds it (an SQLite file, PostgreSQL):
 * every replicated row of every kiosk, keyed by (kiosk, table, id), as the
 * kiosk sent it (JSON), and each kiosk's cursor (the feed seq its rows are
 * consistent with). Rows are stored whole rather than in a column per field:
 * a kiosk that gains a table or a column by an update needs no migration
 * here, and many kiosks of different versions share one database.
 */
export type Row = Record<string, unknown>;
export type RowId = string | number;

/** One change to apply: the row as it is now, or null when it was deleted. */
export interface Change {
  table: string;
  id: RowId;
  row: Row | null;
}

export interface KioskCursor {
  seq: number;
  schemaVersion: string;
  tables: string[];
  /** When the full export these rows grew from was taken (ISO). */
  fullExportAt: string;
}

export interface FullLoad {
  /** Rows of the export, in the order they arrive; nothing is visible until commit. */
  add(rows: readonly { table: string; row: Row }[]): Promise<void>;
  /** Replaces all of the kiosk's rows with those added, and its cursor, at once. */
  commit(cursor: KioskCursor): Promise<void>;
  /** The export failed: the kiosk's rows stay as they were. */
  abort(): Promise<void>;
}

export interface TableCount {
  table: string;
  count: number;
}

export interface ReplicaStore {
  readonly kind: 'sqlite' | 'postgres';
  /** What happened at open that a person should know (a corrupt file set aside). */
  readonly notes: readonly string[];
  cursor(kioskId: string): Promise<KioskCursor | null>;
  fullLoad(kioskId: string): Promise<FullLoad>;
  /**
   * Applies `changes` (in seq order) and moves the cursor from `after` to
   * `seq`, in one transaction, only when the stored cursor is `after`:
   * false (nothing applied) when it is not, so no change is applied twice.
   */
  apply(kioskId: string, after: number, seq: number, changes: readonly Change[]): Promise<boolean>;
  tables(kioskId: string): Promise<TableCount[]>;
  rows(kioskId: string, table: string, offset: number, limit: number): Promise<Row[]>;
  close(): Promise<void>;
}

/** Ids are kept as text (a table's ids are all numbers or all text); the row keeps the original. */
export const idKey = (id: RowId): string => String(id);
