/**
 * Downloads a release file into a `.part` file: resumes after a break
 * (Range), keeps to a bandwidth cap, stops hard at the signed size (a server
 * that sends more is refused: endless data), and gives up a stalled server.
 * It decides nothing about the bytes: the caller checks size and SHA-512.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { openHttpsGet, TransportError, type TransportOptions } from './transport';

export interface DownloadRequest extends TransportOptions {
  url: string;
  partFile: string;
  /** The signed size: not one byte more is written. */
  size: number;
  maxBytesPerSecond: number | null;
  onProgress?(bytes: number, total: number): void;
  /** Stops the download (the kiosk is stopping); the part is kept for the next time. */
  signal?: AbortSignal;
}

export type DownloadResult = { ok: true; resumedFrom: number } | { ok: false; code: 'too-large' | 'size-mismatch'; message: string };

function partSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** Start of a `Content-Range: bytes START-END/TOTAL` answer, or null. */
function rangeStart(header: string | undefined): number | null {
  const m = header ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header.trim()) : null;
  return m ? Number(m[1]) : null;
}

export async function downloadToPart(req: DownloadRequest): Promise<DownloadResult> {
  let have = partSize(req.partFile);
  if (have > req.size) {
    fs.rmSync(req.partFile, { force: true });
    have = 0;
  }
  if (have === req.size) return { ok: true, resumedFrom: have };

  const open = await openHttpsGet(req.url, have > 0 ? { range: `bytes=${have}-` } : {}, req);
  const res = open.body;
  let from: number;
  if (open.status === 206 && have > 0 && rangeStart(open.headers['content-range']) === have) from = have;
  else if (open.status === 200) from = 0;
  else {
    res.destroy();
    if (open.status === 206 || open.status === 416) fs.rmSync(req.partFile, { force: true }); // its range answer does not fit: start over next time
    throw new TransportError('http-status', `${open.url} answered ${open.status}`);
  }
  const tooLarge = (got: number): DownloadResult => {
    res.destroy();
    fs.rmSync(req.partFile, { force: true });
    return { ok: false, code: 'too-large', message: `the server sent more than the ${req.size} bytes the manifest signed (${got}${got > req.size ? '' : '+'} bytes)` };
  };
  const length = Number(open.headers['content-length']);
  if (open.headers['content-length'] !== undefined && Number.isFinite(length) && from + length > req.size) return tooLarge(from + length);

  const out = fs.createWriteStream(req.partFile, { flags: from > 0 ? 'a' : 'w' });
  const outError = new Promise<never>((_, reject) => out.once('error', reject));
  outError.catch(() => undefined);
  let received = from;
  let lastByteAt = performance.now();
  let stalled = false;
  // Our own idle clock: time spent waiting for the disk or the bandwidth cap is not the server's stall.
  let waiting = true;
  const watchdog = setInterval(() => {
    if (waiting && performance.now() - lastByteAt > req.idleMs) {
      stalled = true;
      res.destroy(new TransportError('stalled', `${open.url} sent nothing for ${req.idleMs} ms`));
    }
  }, Math.max(10, Math.min(1000, req.idleMs / 4)));
  const onAbort = () => res.destroy(new TransportError('network', 'the download was stopped'));
  req.signal?.addEventListener('abort', onAbort);
  const started = performance.now();
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      waiting = false;
      if (received + chunk.length > req.size) {
        out.destroy();
        return tooLarge(received + chunk.length);
      }
      received += chunk.length;
      if (!out.write(chunk)) await Promise.race([new Promise<void>((r) => out.once('drain', () => r())), outError]);
      req.onProgress?.(received, req.size);
      if (req.maxBytesPerSecond) {
        const due = ((received - from) / req.maxBytesPerSecond) * 1000 - (performance.now() - started);
        if (due > 0) await sleep(due);
      }
      lastByteAt = performance.now();
      waiting = true;
    }
  } catch (error) {
    out.destroy();
    if (error instanceof TransportError) throw error;
    if (stalled) throw new TransportError('stalled', `${open.url} sent nothing for ${req.idleMs} ms`);
    throw new TransportError('network', `${open.url}: ${(error as Error).message}`);
  } finally {
    clearInterval(watchdog);
    req.signal?.removeEventListener('abort', onAbort);
  }
  await Promise.race([new Promise<void>((resolve) => out.end(() => resolve())), outError]);
  if (received < req.size && res.complete) {
    // The whole answer came, and it is shorter than what was signed: another file.
    fs.rmSync(req.partFile, { force: true });
    return { ok: false, code: 'size-mismatch', message: `the server's file ends at ${received} bytes; the manifest signed ${req.size}` };
  }
  if (received < req.size) throw new TransportError('network', `${open.url} ended after ${received} of ${req.size} bytes (the download resumes from there)`);
  return { ok: true, resumedFrom: from };
}
