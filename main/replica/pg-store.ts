/**
 * The replica in PostgreSQL (a fleet office gathering many kiosks into one
 * database): the same tables as the SQLite store, in a schema of their own,
 * every row keyed by its kiosk. A full export runs in one transaction on a
 * connection of its own (PostgreSQL lets the other kiosks' changes commit
 * meanwhile), so a cut-off export leaves the kiosk's rows as they were.
 * Rows are kept as `json` (the kiosk's text, with its key order and any
 * character it holds), queried with `row->>'column'`.
 */
import pg from 'pg';
import type { ScopedLog } from '../log';
import type { ReplicaConfig } from './config';
import { idKey, type Change, type FullLoad, type ReplicaStore, type Row, type TableCount } from './store';

type PgStoreConfig = Extract<ReplicaConfig['store'], { kind: 'postgres' }>;

const INSERT_CHUNK = 1000;

export async function openPostgresReplica(config: PgStoreConfig, log: ScopedLog): Promise<ReplicaStore> {
  const pool = new pg.Pool({ connectionString: config.connectionString, max: 8 });
  pool.on('error', (error) => log.warn(`PostgreSQL: ${error.message}`));
  const s = `"${config.schema}"`;
  const t = (name: string) => `${s}.${name}`;
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
  await pool.query(`
    CREATE TABLE IF NOT EXISTS ${t('replica_kiosks')} (
      kiosk_id text PRIMARY KEY,
      seq bigint NOT NULL,
      schema_version text NOT NULL,
      tables json NOT NULL,
      full_export_at text NOT NULL
    );
    CREATE TABLE IF NOT EXISTS ${t('replica_rows')} (
      kiosk_id text NOT NULL,
      table_name text NOT NULL,
      id text NOT NULL,
      row json NOT NULL,
      updated_at text,
      PRIMARY KEY (kiosk_id, table_name, id)
    );
  `);

  const updatedAt = (row: Row) => (typeof row.updated_at === 'string' ? row.updated_at : null);
  // One statement text whatever the number of rows (columns as arrays, unnested by the server), so
  // it is parsed and planned once per connection (a named statement) rather than once per page with
  // five parameters a row. The rows go as one JSON array, split by json_array_elements (each
  // element's text as sent): a text[] of JSON would be escaped by pg and unescaped by the server.
  // ROWS FROM zips the columns by position.
  const statements = {
    insert: {
      name: `booth-replica-insert:${config.schema}`,
      text: `INSERT INTO ${t('replica_rows')} (kiosk_id, table_name, id, row, updated_at)
             SELECT $1, x.table_name, x.id, x.row, x.updated_at FROM ROWS FROM (unnest($2::text[]), unnest($3::text[]), json_array_elements($4::json), unnest($5::text[])) AS x(table_name, id, row, updated_at)`,
    },
    // Nothing is deleted or written unless the cursor moved from `after` (the same snapshot for all).
    apply: {
      name: `booth-replica-apply:${config.schema}`,
      text: `WITH moved AS (
               UPDATE ${t('replica_kiosks')} SET seq = $3 WHERE kiosk_id = $1 AND seq = $2 RETURNING 1
             ), gone AS (
               DELETE FROM ${t('replica_rows')} r USING unnest($4::text[], $5::text[]) AS d(table_name, id)
               WHERE EXISTS (SELECT 1 FROM moved) AND r.kiosk_id = $1 AND r.table_name = d.table_name AND r.id = d.id
             ), kept AS (
               INSERT INTO ${t('replica_rows')} (kiosk_id, table_name, id, row, updated_at)
               SELECT $1, x.table_name, x.id, x.row, x.updated_at FROM ROWS FROM (unnest($6::text[]), unnest($7::text[]), json_array_elements($8::json), unnest($9::text[])) AS x(table_name, id, row, updated_at)
               WHERE EXISTS (SELECT 1 FROM moved)
               ON CONFLICT (kiosk_id, table_name, id) DO UPDATE SET row = excluded.row, updated_at = excluded.updated_at
             )
             SELECT (SELECT count(*) FROM moved)::int AS moved`,
    },
  };
  /** An export's rows, one statement per chunk: kiosk once, then table, id, row, updated_at as arrays. */
  const insertRows = async (client: pg.PoolClient, kioskId: string, rows: readonly { table: string; row: Row }[]) => {
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      const chunk = rows.slice(start, start + INSERT_CHUNK);
      const tables: string[] = [];
      const ids: string[] = [];
      const updated: (string | null)[] = [];
      for (const { table, row } of chunk) {
        tables.push(table);
        ids.push(idKey(row.id as string | number));
        updated.push(updatedAt(row));
      }
      await client.query({ ...statements.insert, values: [kioskId, tables, ids, JSON.stringify(chunk.map((c) => c.row)), updated] });
    }
  };

  return {
    kind: 'postgres',
    notes: [],
    async cursor(kioskId) {
      const r = await pool.query<{ seq: string; schema_version: string; tables: string[]; full_export_at: string }>(
        `SELECT seq, schema_version, tables, full_export_at FROM ${t('replica_kiosks')} WHERE kiosk_id = $1`,
        [kioskId],
      );
      const row = r.rows[0];
      return row ? { seq: Number(row.seq), schemaVersion: row.schema_version, tables: row.tables, fullExportAt: row.full_export_at } : null;
    },
    async fullLoad(kioskId): Promise<FullLoad> {
      const client = await pool.connect();
      let open = true;
      const finish = () => {
        if (open) client.release();
        open = false;
      };
      try {
        await client.query('BEGIN');
        // Other loads of the same kiosk (a second replica process) wait here rather than interleave.
        await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`booth-replica:${kioskId}`]);
        await client.query(`DELETE FROM ${t('replica_rows')} WHERE kiosk_id = $1`, [kioskId]);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        finish();
        throw error;
      }
      return {
        async add(rows) {
          await insertRows(client, kioskId, rows);
        },
        async commit(cursor) {
          try {
            await client.query(
              `INSERT INTO ${t('replica_kiosks')} (kiosk_id, seq, schema_version, tables, full_export_at) VALUES ($1, $2, $3, $4::json, $5)
               ON CONFLICT (kiosk_id) DO UPDATE SET seq = excluded.seq, schema_version = excluded.schema_version, tables = excluded.tables, full_export_at = excluded.full_export_at`,
              [kioskId, cursor.seq, cursor.schemaVersion, JSON.stringify(cursor.tables), cursor.fullExportAt],
            );
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw error;
          } finally {
            finish();
          }
        },
        async abort() {
          if (!open) return;
          await client.query('ROLLBACK').catch(() => undefined);
          finish();
        },
      };
    },
    async apply(kioskId, after, seq, changes: readonly Change[]) {
      // Each row's last change in the page is its state after it (seq order), so the page is one
      // set of deletes and one set of upserts with no key in both: one statement, one round trip,
      // atomic with the cursor move it is conditional on.
      const last = new Map<string, Change>();
      for (const c of changes) {
        const key = `${c.table}\u0000${idKey(c.id)}`;
        last.set(key, c);
      }
      const gone = { tables: [] as string[], ids: [] as string[] };
      const kept = { tables: [] as string[], ids: [] as string[], rows: [] as Row[], updated: [] as (string | null)[] };
      for (const c of last.values()) {
        if (c.row === null) {
          gone.tables.push(c.table);
          gone.ids.push(idKey(c.id));
        } else {
          kept.tables.push(c.table);
          kept.ids.push(idKey(c.row.id as string | number));
          kept.rows.push(c.row);
          kept.updated.push(updatedAt(c.row));
        }
      }
      const r = await pool.query<{ moved: number }>({
        ...statements.apply,
        values: [kioskId, after, seq, gone.tables, gone.ids, kept.tables, kept.ids, JSON.stringify(kept.rows), kept.updated],
      });
      return r.rows[0]?.moved === 1;
    },
    async tables(kioskId) {
      const r = await pool.query<{ table: string; count: string }>(
        `SELECT table_name AS "table", COUNT(*) AS count FROM ${t('replica_rows')} WHERE kiosk_id = $1 GROUP BY table_name ORDER BY table_name`,
        [kioskId],
      );
      return r.rows.map((x): TableCount => ({ table: x.table, count: Number(x.count) }));
    },
    async rows(kioskId, table, offset, limit) {
      const r = await pool.query<{ row: Row }>(
        `SELECT row FROM ${t('replica_rows')} WHERE kiosk_id = $1 AND table_name = $2 ORDER BY updated_at DESC NULLS LAST, id DESC LIMIT $3 OFFSET $4`,
        [kioskId, table, limit, offset],
      );
      return r.rows.map((x) => x.row);
    },
    async close() {
      await pool.end();
    },
  };
}
