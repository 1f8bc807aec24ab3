/**
 * The log file, kept open. Each line is appended with one write(2) on an open
 * descriptor before the call returns (no open and close per line, no buffer in
 * the process), so a line is in the kernel at once and survives a crash or a
 * kill -9 of the kiosk. It reaches the disk within about a second: an
 * fdatasync runs in the background (libuv's thread pool, never on the event
 * loop) after lines were written. Not one fsync per line: a power cut may
 * lose the last second of the log, never an admission or a payout, which the
 * database commits with synchronous = FULL before their line is written; an
 * fsync per line would double the cost of every admission for a copy of what
 * the database already keeps.
 *
 * Rotated by size (the file never grows past maxSizeBytes unless one line is
 * longer). The descriptor is closed after a few idle seconds, so a file moved
 * away or deleted by someone else is opened anew, and a kiosk that stopped
 * holds no descriptor for long.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface LogFileOptions {
  file: string;
  maxSizeBytes: number;
  backupCount: number;
  /** A write that failed (disk full, I/O error). Logging never throws to its caller. */
  onError?: (error: Error) => void;
  /** Tests: SYNC_AFTER_MS and CLOSE_WHEN_IDLE_MS. */
  syncAfterMs?: number;
  closeWhenIdleMs?: number;
}

export interface LogFile {
  /** Appends the text (whole lines). Never throws. */
  append(text: string): void;
  /** Flushes to the disk and closes the descriptor; the next append opens it again. */
  close(): void;
}

/** Lines written are flushed to the disk this long after the first of them. */
export const SYNC_AFTER_MS = 1_000;
/** The descriptor is closed after this long without a line. */
export const CLOSE_WHEN_IDLE_MS = 5_000;

/** Shift `booth.log.1 … .N-1` up by one and move the full file to `.1`. */
export function rotateLogFiles(file: string, backupCount: number): void {
  if (backupCount < 1) {
    fs.truncateSync(file, 0);
    return;
  }
  for (let i = backupCount - 1; i >= 1; i--) {
    const from = `${file}.${i}`;
    if (fs.existsSync(from)) fs.renameSync(from, `${file}.${i + 1}`);
  }
  fs.renameSync(file, `${file}.1`);
}

const ignore = () => undefined;

export function openLogFile(options: LogFileOptions): LogFile {
  const { file, maxSizeBytes, backupCount } = options;
  const onError = options.onError ?? ignore;
  const syncAfterMs = options.syncAfterMs ?? SYNC_AFTER_MS;
  const closeWhenIdleMs = options.closeWhenIdleMs ?? CLOSE_WHEN_IDLE_MS;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let fd: number | null = null;
  let size = 0;
  let unsynced = false;
  let lastWriteAt = 0;
  let timer: NodeJS.Timeout | null = null;

  const open = (): number => {
    const opened = fs.openSync(file, 'a');
    size = fs.fstatSync(opened).size;
    fd = opened;
    return opened;
  };

  /** Closes in the background, after the lines written reached the disk. */
  const closeInBackground = () => {
    if (fd === null) return;
    const closing = fd;
    fd = null;
    unsynced = false;
    fs.fdatasync(closing, () => fs.close(closing, ignore));
  };

  const tick = () => {
    timer = null;
    if (fd === null) return;
    if (unsynced) {
      unsynced = false;
      fs.fdatasync(fd, ignore);
    }
    if (performance.now() - lastWriteAt >= closeWhenIdleMs) closeInBackground();
    else arm();
  };

  function arm() {
    if (timer) return;
    timer = setTimeout(tick, syncAfterMs);
    timer.unref();
  }

  /**
   * Before a line that would pass the limit: the real size and file (another
   * logger on the same file may have written or rotated it), then rotate.
   */
  const makeRoom = (current: number, bytes: number): number => {
    const held = fs.fstatSync(current);
    let onDisk: fs.Stats | null = null;
    try {
      onDisk = fs.statSync(file);
    } catch {
      /* moved away or deleted: open it anew */
    }
    if (!onDisk || onDisk.ino !== held.ino || onDisk.dev !== held.dev) {
      fs.closeSync(current);
      fd = null;
      const reopened = open();
      return size > 0 && size + bytes > maxSizeBytes ? makeRoom(reopened, bytes) : reopened;
    }
    size = held.size;
    if (size === 0 || size + bytes <= maxSizeBytes) return current;
    fs.fdatasyncSync(current); // the rotated file is complete on the disk
    fs.closeSync(current);
    fd = null;
    rotateLogFiles(file, backupCount);
    return open();
  };

  const writeAll = (target: number, bytes: Buffer) => {
    for (let offset = 0; offset < bytes.length; ) offset += fs.writeSync(target, bytes, offset);
  };

  return {
    append(text) {
      const bytes = Buffer.from(text, 'utf8');
      try {
        let target = fd ?? open();
        if (size > 0 && size + bytes.length > maxSizeBytes) target = makeRoom(target, bytes.length);
        writeAll(target, bytes);
        size += bytes.length;
        unsynced = true;
        lastWriteAt = performance.now();
        arm();
      } catch (error) {
        // Nothing is held on to: the next line opens the file again.
        if (fd !== null) fs.close(fd, ignore);
        fd = null;
        onError(error as Error);
      }
    },
    close() {
      if (timer) clearTimeout(timer);
      timer = null;
      if (fd === null) return;
      const closing = fd;
      fd = null;
      try {
        if (unsynced) fs.fdatasyncSync(closing);
      } catch {
        /* closed anyway */
      }
      unsynced = false;
      fs.closeSync(closing);
    },
  };
}
