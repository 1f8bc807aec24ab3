/**
 * The full export, streamed: one read transaction on a connection of its own
 * (so the kiosk's writes go on, and the snapshot is exactly the one its `seq`
 * was read in), each table's rows serialised in chunks of a few dozen KB as
 * the client takes them, the event loop let go between chunks. Memory stays
 * one chunk deep, whatever the table sizes.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { crashPoint } from '../crash-points';
import type { FeedTable } from './tables';
import { CURRENT_SEQ_SQL } from './triggers';

const CHUNK_CHARS = 64 * 1024;
/** The crash test's kiosk dies with this many chunks on their way to the replica, the rest never sent. */
const CRASH_AFTER_CHUNKS = 4;

export async function* fullExportJson(file: string, tables: readonly FeedTable[], exportedAt: string): AsyncGenerator<string> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 2000');
    // A deferred transaction's snapshot starts at its first read: the seq below.
    db.exec('BEGIN');
    const seq = db.prepare(CURRENT_SEQ_SQL).pluck().get() as number;
    yield `{"success":true,"exported_at":${JSON.stringify(exportedAt)},"seq":${seq},"data":{`;
    const counts: Record<string, number> = {};
    let chunks = 0;
    for (const [index, t] of tables.entries()) {
      let chunk = `${index > 0 ? ',' : ''}${JSON.stringify(t.table)}:[`;
      let n = 0;
      for (const row of db.prepare(`SELECT ${t.selectList} FROM "${t.table}"`).iterate()) {
        chunk += (n > 0 ? ',' : '') + JSON.stringify(row);
        n++;
        if (chunk.length >= CHUNK_CHARS) {
          yield chunk;
          chunk = '';
          await nextTurn(); // other requests, the gate's admissions and timers run between chunks
          if (++chunks === CRASH_AFTER_CHUNKS) crashPoint('replication.export.mid-stream');
        }
      }
      counts[t.table] = n;
      yield `${chunk}]`;
    }
    yield `},"counts":${JSON.stringify(counts)}}`;
  } finally {
    // Also when the client went away mid-export: the iterator is closed by the for-of, then the snapshot and connection.
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
  }
}
