/**
 * Runs a ticket import in a worker thread. In the built app the worker is the
 * bundled `gate-import-worker.cjs` next to the main bundle; from sources (tests,
 * tsx) it is import-worker.ts loaded through tsx, unless the caller names a
 * worker file (the benchmark runs the bundle it has just built: what ships).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ImportOptions, ImportProgress, ImportSummary } from './import';
import type { ImportWorkerMessage } from './import-worker';

export type ImportRunner = (
  dbFile: string,
  /** The downloaded body, or its promise: the worker starts up while the body still arrives. */
  body: ArrayBuffer | Promise<ArrayBuffer>,
  options: ImportOptions,
  onProgress: (progress: ImportProgress) => void,
) => Promise<ImportSummary>;

function moduleDir(): string {
  // esbuild's CJS bundle has __dirname; under tsx/vitest (ESM) import.meta.dirname is set.
  return typeof __dirname === 'string' ? __dirname : import.meta.dirname;
}

function defaultWorkerFile(): string {
  const dir = moduleDir();
  const bundled = path.join(dir, 'gate-import-worker.cjs');
  return fs.existsSync(bundled) ? bundled : path.join(dir, 'import-worker.ts');
}

const WORKER_YOUNG_GENERATION_MB = 64;

/** A runner whose worker is `workerFile` (a bundled .cjs, or a .ts run through tsx); by default the one this module ships with. */
export function createImportRunner(workerFile?: string): ImportRunner {
  return (dbFile, body, options, onProgress) =>
    new Promise((resolve, reject) => {
      let worker: Worker | undefined;
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        fn();
        void worker?.terminate();
      };
      // Handled before anything can throw: a body that fails to arrive rejects the import.
      Promise.resolve(body).then(
        (buffer) => {
          if (!settled) worker?.postMessage({ dbFile, body: buffer, options }, [buffer]);
        },
        (error: unknown) => finish(() => reject(error)),
      );
      const file = workerFile ?? defaultWorkerFile();
      worker = new Worker(file, {
        execArgv: file.endsWith('.ts') ? ['--import', 'tsx'] : [],
        // JSON.parse of a large download builds millions of objects that all
        // survive: a young generation of this size halves its time in the garbage collector.
        resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
      });
      worker.on('message', (message: ImportWorkerMessage) => {
        if (message.type === 'progress') onProgress(message);
        else if (message.type === 'done') finish(() => resolve(message.summary));
        else finish(() => reject(new Error(message.message)));
      });
      worker.once('error', (error) => finish(() => reject(error)));
      worker.once('exit', (code) => finish(() => reject(new Error(`the import worker stopped (code ${code})`))));
    });
}

export const runImportInWorker: ImportRunner = createImportRunner();
