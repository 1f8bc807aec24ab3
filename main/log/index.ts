/**
 * One log file per kiosk, one line per event with a module tag, rotated by size
 * (as seed 000: 10 MB, 5 files); the admin log view reads the same file. Lines
 * are formatted here and appended to a file kept open (./file.ts: written to
 * the kernel before the call returns, to the disk within a second). Plain
 * Node, so the same in the headless host and in Electron's main process.
 */
import fs from 'node:fs';
import { inspect } from 'node:util';
import { openLogFile } from './file';

export { rotateLogFiles } from './file';

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
  /** Also print to the console (headless host, development): errors and warnings on stderr, the rest on stdout. */
  console?: boolean;
  /** Tests: how soon lines are flushed and an idle file closed (see ./file.ts). */
  syncAfterMs?: number;
  closeWhenIdleMs?: number;
}

const SEVERITY: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * Text from outside (a server's error body, a scanned code) must not start a
 * line of its own that reads like an entry: line breaks in it are written as \n.
 */
const oneLine = (text: string) => text.replace(/\r\n|\r|\n/g, '\\n');

function describe(value: unknown): string {
  if (typeof value === 'string') return oneLine(value);
  if (value instanceof Error) {
    // The message on the entry's line; the stack's frames (code locations) below it.
    const frames = (value.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
    return [`${value.name}: ${oneLine(value.message)}`, ...frames].join('\n');
  }
  return inspect(value, { breakLength: Infinity, depth: 4 });
}

/** `2026-11-29 08:15:02.123+07:00`: local time with its offset; the part to the second is made once a second. */
function createTimestamps() {
  let second = Number.NaN;
  let prefix = '';
  let offset = '';
  return (now: Date): { full: string; time: string } => {
    const ms = now.getTime();
    const s = Math.floor(ms / 1000);
    if (s !== second) {
      second = s;
      const minutes = -now.getTimezoneOffset();
      offset = `${minutes < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;
      prefix = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())} ${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}`;
    }
    const millis = pad(((ms % 1000) + 1000) % 1000, 3);
    return { full: `${prefix}.${millis}${offset}`, time: `${prefix.slice(11)}.${millis}` };
  };
}

export function createLogger(options: LoggerOptions): Logger {
  const threshold = SEVERITY[options.level];
  let lastReport = Number.NEGATIVE_INFINITY;
  // No file (its folder cannot be used): the console is the only place the lines can go.
  const toConsole = options.console === true || options.file === null;
  const logFile = options.file;
  const file = logFile === null ? null : openLogFile({
    file: logFile,
    maxSizeBytes: options.maxSizeBytes,
    backupCount: options.backupCount,
    syncAfterMs: options.syncAfterMs,
    closeWhenIdleMs: options.closeWhenIdleMs,
    onError(error) {
      // Said once a minute at most: a full disk must not flood the console either.
      if (performance.now() - lastReport < 60_000) return;
      lastReport = performance.now();
      process.stderr.write(`booth: cannot write the log ${logFile}: ${error.message}\n`);
    },
  });
  const timestamps = createTimestamps();

  const scoped = (tag: string): ScopedLog => {
    const scopeText = `(${tag})`.padEnd(7);
    const write = (level: LogLevel) => {
      const levelText = `[${level}]`.padEnd(8);
      return (...args: unknown[]) => {
        if (SEVERITY[level] > threshold) return;
        const text = args.map(describe).join(' ');
        const at = timestamps(new Date());
        file?.append(`[${at.full}] ${levelText} ${scopeText} ${text}\n`);
        if (toConsole) {
          const line = `[${at.time}] ${levelText} ${scopeText} ${text}\n`;
          if (SEVERITY[level] <= SEVERITY.warn) process.stderr.write(line);
          else process.stdout.write(line);
        }
      };
    };
    return { error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug') };
  };
  const root = scoped('kiosk');
  return { ...root, scope: scoped, file: logFile ?? '' };
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
