/**
 * Worker thread entry: parses a downloaded body and imports it with its own
 * database connection, so that a million tickets never block the kiosk's
 * event loop (JSON.parse of a large body alone takes a second).
 */
import { parentPort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { importTickets } from './import';

const requestSchema = z.object({
  dbFile: z.string(),
  body: z.instanceof(ArrayBuffer),
  options: z.object({
    downloadId: z.number().int(),
    startedSeq: z.number().int(),
    attraction: z.string(),
    now: z.string(),
    chunkSize: z.number().int().positive().optional(),
  }),
});

export type ImportWorkerMessage =
  | { type: 'progress'; processed: number; total: number; stored: number; skipped: number }
  | { type: 'done'; summary: ReturnType<typeof importTickets> }
  | { type: 'error'; message: string };

const port = parentPort;
if (!port) throw new Error('import-worker must run in a worker thread');

port.once('message', (message: unknown) => {
  const post = (m: ImportWorkerMessage) => port.postMessage(m);
  let db: Database.Database | null = null;
  try {
    const request = requestSchema.parse(message);
    let records: unknown;
    try {
      records = JSON.parse(new TextDecoder().decode(request.body));
    } catch (error) {
      post({ type: 'error', message: `the download is not valid JSON (${(error as Error).message})` });
      return;
    }
    if (!Array.isArray(records)) {
      post({ type: 'error', message: `the download is not a JSON array of tickets (got ${records === null ? 'null' : typeof records})` });
      return;
    }
    db = new Database(request.dbFile);
    db.pragma('busy_timeout = 10000');
    db.pragma('foreign_keys = ON');
    // Tickets can be downloaded again: NORMAL keeps WAL consistent and is faster.
    db.pragma('synchronous = NORMAL');
    // The ticket indexes of a million-ticket venue outgrow the default 2 MB
    // cache; a larger one (for this short-lived connection only) saves a fifth of the import.
    db.pragma('cache_size = -65536');
    const summary = importTickets(db, records, request.options, (p) => post({ type: 'progress', ...p }));
    post({ type: 'done', summary });
  } catch (error) {
    post({ type: 'error', message: (error as Error).message });
  } finally {
    db?.close();
  }
});
