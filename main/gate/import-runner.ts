/**
 * Runs a ticket import in a worker thread. In the built app the worker is the
 * bundled `gate-import-worker.cjs` next to the main bundle; from sources (tests,
 * tsx) it is import-worker.ts loaded through tsx.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ImportOptions, ImportProgress, ImportSummary } from './import';
import type { ImportWorkerMessage } from './import-worker';

export type ImportRunner = (
  dbFile: string,
  body: ArrayBuffer,
  options: ImportOptions,
  onProgress: (progress: ImportProgress) => void,
) => Promise<ImportSummary>;

function moduleDir(): string {
  // esbuild's CJS bundle has __dirname; under tsx/vitest (ESM) import.meta.dirname is set.
  return typeof __dirname === 'string' ? __dirname : import.meta.dirname;
}

function workerEntry(): { file: string; execArgv: string[] } {
  const dir = moduleDir();
  const bundled = path.join(dir, 'gate-import-worker.cjs');
  if (fs.existsSync(bundled)) return { file: bundled, execArgv: [] };
  return { file: path.join(dir, 'import-worker.ts'), execArgv: ['--import', 'tsx'] };
}

export const runImportInWorker: ImportRunner = (dbFile, body, options, onProgress) =>
  new Promise((resolve, reject) => {
    const entry = workerEntry();
    const worker = new Worker(entry.file, { execArgv: entry.execArgv });
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
      void worker.terminate();
    };
    worker.on('message', (message: ImportWorkerMessage) => {
      if (message.type === 'progress') onProgress(message);
      else if (message.type === 'done') finish(() => resolve(message.summary));
      else finish(() => reject(new Error(message.message)));
    });
    worker.once('error', (error) => finish(() => reject(error)));
    worker.once('exit', (code) => finish(() => reject(new Error(`the import worker stopped (code ${code})`))));
    worker.postMessage({ dbFile, body, options }, [body]);
  });
