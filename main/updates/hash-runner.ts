/**
 * Runs ./hash-worker.ts in a worker thread: the bundled
 * `updates-hash-worker.cjs` next to the main bundle in the built app, the .ts
 * through tsx from sources (tests), or a file the caller names (the benchmark).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FileDigest } from './file-check';
import type { HashWorkerMessage } from './hash-worker';

export type FileHasher = (file: string, onProgress?: (bytes: number) => void) => Promise<FileDigest>;

function moduleDir(): string {
  return typeof __dirname === 'string' ? __dirname : import.meta.dirname;
}

function defaultWorkerFile(): string {
  const bundled = path.join(moduleDir(), 'updates-hash-worker.cjs');
  return fs.existsSync(bundled) ? bundled : path.join(moduleDir(), 'hash-worker.ts');
}

export function createWorkerHasher(workerFile?: string): FileHasher {
  return (file, onProgress) =>
    new Promise((resolve, reject) => {
      const script = workerFile ?? defaultWorkerFile();
      const worker = new Worker(script, { workerData: { file }, execArgv: script.endsWith('.ts') ? ['--import', 'tsx'] : [] });
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        fn();
        void worker.terminate();
      };
      worker.on('message', (m: HashWorkerMessage) => {
        if (m.type === 'progress') onProgress?.(m.bytes);
        else if (m.type === 'done') finish(() => resolve(m.digest));
        else finish(() => reject(new Error(m.message)));
      });
      worker.once('error', (error) => finish(() => reject(error)));
      worker.once('exit', (code) => finish(() => reject(new Error(`the hash worker stopped (code ${code})`))));
    });
}
