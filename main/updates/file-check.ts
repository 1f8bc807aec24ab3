/**
 * Size and SHA-512 of a file, read as a stream (never whole in memory).
 * Kiosks run it in a worker (./hash-runner.ts) so the event loop stays free.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';

export interface FileDigest {
  size: number;
  /** Standard base64, as the manifest has it. */
  sha512: string;
}

export async function digestFile(file: string, onBytes?: (done: number) => void): Promise<FileDigest> {
  const hash = crypto.createHash('sha512');
  let size = 0;
  // 1 MiB reads: few syscalls, and each hash step stays well under a millisecond-scale slice.
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
    onBytes?.(size);
  }
  return { size, sha512: hash.digest('base64') };
}

/**
 * The same with blocking reads into one 4 MiB buffer: for the worker thread
 * (./hash-worker.ts), which has no event loop to keep free and gains the
 * stream's per-chunk overhead (it keeps up with `sha512sum`).
 */
export function digestFileSync(file: string, onBytes?: (done: number) => void): FileDigest {
  const hash = crypto.createHash('sha512');
  const buffer = Buffer.allocUnsafe(4 * 1024 * 1024);
  const fd = fs.openSync(file, 'r');
  let size = 0;
  try {
    for (let n; (n = fs.readSync(fd, buffer, 0, buffer.length, null)) > 0; ) {
      hash.update(buffer.subarray(0, n));
      size += n;
      onBytes?.(size);
    }
  } finally {
    fs.closeSync(fd);
  }
  return { size, sha512: hash.digest('base64') };
}

/** Whether a digest is what the release pinned, with the reason when not. */
export function matchesRelease(digest: FileDigest, release: { size: number; sha512: string }): { ok: true } | { ok: false; code: 'size-mismatch' | 'hash-mismatch'; message: string } {
  if (digest.size !== release.size) return { ok: false, code: 'size-mismatch', message: `the file has ${digest.size} bytes; the manifest signed ${release.size}` };
  if (!crypto.timingSafeEqual(Buffer.from(digest.sha512, 'base64'), Buffer.from(release.sha512, 'base64'))) {
    return { ok: false, code: 'hash-mismatch', message: 'the file\'s SHA-512 is not the one the manifest signed' };
  }
  return { ok: true };
}
