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
  /** Rows as one multi-row statement: kiosk, table, id, row, updated_at per row. */
  const insertRows = async (client: pg.PoolClient, kioskId: string, rows: readonly { table: string; row: Row }[], upsert: boolean) => {
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      const chunk = rows.slice(start, start + INSERT_CHUNK);
      const values: unknown[] = [];
      const tuples = chunk.map(({ table, row }, i) => {
        values.push(kioskId, table, idKey(row.id as string | number), JSON.stringify(row), updatedAt(row));
        const b = i * 5;
        return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}::json, $${b + 5})`;
      });
      await client.query(
        `INSERT INTO ${t('replica_rows')} (kiosk_id, table_name, id, row, updated_at) VALUES ${tuples.join(', ')}` +
          (upsert ? ' ON CONFLICT (kiosk_id, table_name, id) DO UPDATE SET row = excluded.row, updated_at = excluded.updated_at' : ''),
        values,
      );
    }
  };

  const inTransaction = async <T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
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
          await insertRows(client, kioskId, rows, false);
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
      return inTransaction(async (client) => {
        const moved = await client.query(`UPDATE ${t('replica_kiosks')} SET seq = $1 WHERE kiosk_id = $2 AND seq = $3`, [seq, kioskId, after]);
        if (moved.rowCount !== 1) return false;
        // In seq order; runs of upserts go as one statement (a row twice in a run: its last state).
        let run: { table: string; row: Row }[] = [];
        const flush = async () => {
          if (run.length === 0) return;
          const last = new Map<string, { table: string; row: Row }>();
          for (const r of run) last.set(`${r.table}\u0000${idKey(r.row.id as string | number)}`, r);
          await insertRows(client, kioskId, [...last.values()], true);
          run = [];
        };
        for (const c of changes) {
          if (c.row === null) {
            await flush();
            await client.query(`DELETE FROM ${t('replica_rows')} WHERE kiosk_id = $1 AND table_name = $2 AND id = $3`, [kioskId, c.table, idKey(c.id)]);
          } else run.push({ table: c.table, row: c.row });
        }
        await flush();
        return true;
      });
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
