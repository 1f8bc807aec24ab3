/**
 * One log file per kiosk, one line per event with a module tag, rotated by size
 * (as seed 000: 10 MB, 5 files). electron-log's Node entry works both headless
 * and inside Electron's main process; the admin log view reads the same file.
 */
import fs from 'node:fs';
import path from 'node:path';
import electronLog from 'electron-log/node';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface ScopedLog {
  error(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  info(...args: unknown[]): void;
  debug(...args: unknown[]): void;
}

export interface Logger extends ScopedLog {
  scope(tag: string): ScopedLog;
  readonly file: string;
}

export interface LoggerOptions {
  /** null: no file (the folder for it cannot be used); the console only. */
  file: string | null;
  level: LogLevel;
  maxSizeBytes: number;
  backupCount: number;
  /** Also print to stderr (headless host, development). */
  console?: boolean;
}

let loggerCount = 0;

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

export function createLogger(options: LoggerOptions): Logger {
  const file = options.file;
  if (file !== null) fs.mkdirSync(path.dirname(file), { recursive: true });
  const log = electronLog.create({ logId: `booth-${process.pid}-${++loggerCount}` });
  const fileTransport = log.transports.file;
  fileTransport.resolvePathFn = () => file ?? '';
  fileTransport.level = file === null ? false : options.level;
  fileTransport.maxSize = options.maxSizeBytes;
  fileTransport.format = '[{y}-{m}-{d} {h}:{i}:{s}.{ms}{z}] [{level}] {scope} {text}';
  fileTransport.archiveLogFn = (oldFile) => rotateLogFiles(oldFile.toString(), options.backupCount);
  // Without a file the console is the only place the lines can go.
  log.transports.console.level = options.console || file === null ? options.level : false;
  log.transports.console.format = '[{h}:{i}:{s}.{ms}] [{level}] {scope} {text}';
  // No IPC or remote transport: the renderer has its own channel (the contract).
  if (log.transports.ipc) log.transports.ipc.level = false;
  if (log.transports.remote) log.transports.remote.level = false;
  log.errorHandler.stopCatching();

  const scoped = (tag: string): ScopedLog => {
    const s = log.scope(tag);
    return {
      error: (...a) => s.error(...a),
      warn: (...a) => s.warn(...a),
      info: (...a) => s.info(...a),
      debug: (...a) => s.debug(...a),
    };
  };
  const root = scoped('kiosk');
  return { ...root, scope: scoped, file: file ?? '' };
}

/** A logger that keeps lines in memory, for tests that do not care about files. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const make = (tag: string): ScopedLog => {
    const write = (level: string) => (...args: unknown[]) =>
      lines.push(`[${level}] (${tag}) ${args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`);
    return { error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug') };
  };
  return { ...make('kiosk'), scope: make, file: '', lines };
}

/** The last `count` lines of a log file, read from its end (never the whole file). */
export function tailLogFile(file: string, count: number, maxBytes = 512 * 1024): string[] {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    fs.readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n');
    if (length < size) lines.shift(); // first line is cut
    if (lines.at(-1) === '') lines.pop();
    return lines.slice(-count);
  } finally {
    fs.closeSync(fd);
  }
}
