/**
 * Worker thread entry: size and SHA-512 of a staged download, so hashing
 * hundreds of megabytes never holds the kiosk's event loop (a customer
 * scanning meanwhile sees no delay).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { digestFileSync, type FileDigest } from './file-check';

export type HashWorkerMessage = { type: 'progress'; bytes: number } | { type: 'done'; digest: FileDigest } | { type: 'error'; message: string };

const port = parentPort;
if (!port) throw new Error('hash-worker must run in a worker thread');
const { file } = workerData as { file: string };
let reported = 0;
try {
  const digest = digestFileSync(file, (bytes) => {
    if (bytes - reported >= 16 * 1024 * 1024) {
      reported = bytes;
      port.postMessage({ type: 'progress', bytes } satisfies HashWorkerMessage);
    }
  });
  port.postMessage({ type: 'done', digest } satisfies HashWorkerMessage);
} catch (error) {
  port.postMessage({ type: 'error', message: (error as Error).message } satisfies HashWorkerMessage);
}
