/**
 * How a module declares a table an office replica copies (ModuleSchema's
 * `replicatedTables`). The contract wants every replicated row to carry a
 * single `id` and `created_at` / `updated_at` (UTC ISO 8601 with
 * milliseconds). A table that has those columns is declared by its name
 * alone; a table that stores them otherwise says how they are derived, so no
 * released table is rebuilt and no write path gains columns to keep
 * (docs/replication.md, "Rows").
 */
export interface ReplicatedTableDeclaration {
  table: string;
  /**
   * The columns that form its `id`, when it is not the column `id`: one column
   * (its value as stored) or several (a composite key: their values joined by
   * ":" into a text id, the last one an integer, so it splits back uniquely).
   */
  idColumns?: readonly string[];
  /** SQL over its own columns giving created_at (default: the column created_at). */
  createdAt?: string;
  /** SQL over its own columns giving updated_at (default: the column updated_at, else created_at). */
  updatedAt?: string;
  /** The entity its live events are named after, `<entity>:created` (default: the table's name). */
  entity?: string;
  /** Event names of the seed's own that differ from `<entity>:<created|updated|deleted>`, e.g. `{ insert: 'payload:received' }`. */
  eventNames?: Partial<Record<'insert' | 'update' | 'delete', string>>;
}

/** A table's name alone (it has `id`, `created_at`, `updated_at`), or how its rows present them. */
export type ReplicatedTable = string | ReplicatedTableDeclaration;
