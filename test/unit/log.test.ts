import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { describe, expect, it } from 'vitest';
import { createLogger, tailLogFile } from '../../main/log';
import { tempDir } from '../support/temp';

const root = path.resolve(import.meta.dirname, '../..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The log's files from oldest to newest, read as one list of lines. */
function allLines(file: string, backups: number): string[] {
  const files = [...Array.from({ length: backups }, (_, i) => `${file}.${backups - i}`), file].filter((f) => fs.existsSync(f));
  return files.flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean));
}

/** Whether this process holds a descriptor open on `file`. */
const holdsOpen = (file: string) =>
  fs.readdirSync('/proc/self/fd').some((fd) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(file);
    } catch {
      return false;
    }
  });

describe('log file', () => {
  it('writes one line per event with the module tag', () => {
    const file = path.join(tempDir(), 'booth.log');
    const log = createLogger({ file, level: 'info', maxSizeBytes: 1_000_000, backupCount: 5 });
    log.scope('gate').info('ticket downloaded');
    log.debug('not written at info level');
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}.*\] \[info\]\s+\(gate\)\s+ticket downloaded$/);
  });

  it('rotates by size and keeps only the configured number of old files', () => {
    const dir = tempDir();
    const file = path.join(dir, 'booth.log');
    const log = createLogger({ file, level: 'info', maxSizeBytes: 10_000, backupCount: 3 });
    for (let i = 0; i < 1_000; i++) log.info(`event ${i} ${'x'.repeat(80)}`);
    const names = fs.readdirSync(dir).sort();
    expect(names).toEqual(['booth.log', 'booth.log.1', 'booth.log.2', 'booth.log.3']);
    for (const name of names) expect(fs.statSync(path.join(dir, name)).size).toBeLessThan(12_000);
    expect(tailLogFile(file, 1)[0]).toContain('event 999');
  });

  it('keeps every line across rotations, once and in order', () => {
    const file = path.join(tempDir(), 'booth.log');
    const log = createLogger({ file, level: 'info', maxSizeBytes: 2_000, backupCount: 100 });
    for (let i = 0; i < 600; i++) log.scope('gate').info(`admitted 1 on ticket ${i}`);
    const events = allLines(file, 100).map((line) => Number(/ticket (\d+)$/.exec(line)?.[1]));
    expect(events).toEqual(Array.from({ length: 600 }, (_, i) => i));
    for (const name of fs.readdirSync(path.dirname(file))) expect(fs.statSync(path.join(path.dirname(file), name)).size).toBeLessThanOrEqual(2_000);
  });

  it('a line is in the file as soon as the call returns: a kiosk killed right after loses none', async () => {
    const file = path.join(tempDir(), 'booth.log');
    const script = `
      import { createLogger } from ${JSON.stringify(path.join(root, 'main/log/index.ts'))};
      const log = createLogger({ file: ${JSON.stringify(file)}, level: 'info', maxSizeBytes: 4096, backupCount: 1000 }).scope('gate');
      for (let i = 0; ; i++) {
        log.info('admitted 1 on ticket ' + i);
        process.stdout.write(i + '\\n');
      }
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let lastReported = -1;
    await new Promise<void>((resolve) => {
      readline.createInterface({ input: child.stdout! }).on('line', (line) => {
        lastReported = Number(line);
        if (lastReported >= 3_000 && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      });
      child.once('exit', () => resolve());
    });
    expect(lastReported).toBeGreaterThanOrEqual(3_000);
    const logged = new Set(allLines(file, 1000).map((line) => Number(/ticket (\d+)$/.exec(line)?.[1])));
    for (let i = 0; i <= lastReported; i++) expect(logged.has(i), `line ${i}`).toBe(true);
  }, 90_000); // 50 rotations of a 4 KiB file: slow on a machine busy with other work

  it('closes the file when idle, so a log moved away is written anew', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'booth.log');
    const log = createLogger({ file, level: 'info', maxSizeBytes: 1_000_000, backupCount: 5, syncAfterMs: 20, closeWhenIdleMs: 50 });
    log.info('before');
    expect(holdsOpen(file)).toBe(true);
    await sleep(300);
    expect(holdsOpen(file)).toBe(false);
    fs.renameSync(file, path.join(dir, 'kept-aside.log'));
    log.info('after');
    expect(fs.readFileSync(file, 'utf8')).toMatch(/\(kiosk\) after\n$/);
    expect(fs.readFileSync(path.join(dir, 'kept-aside.log'), 'utf8')).toMatch(/\(kiosk\) before\n$/);
  });

  it('a log that cannot be written never throws to its caller', () => {
    const dir = path.join(tempDir(), 'logs');
    const log = createLogger({ file: path.join(dir, 'booth.log'), level: 'info', maxSizeBytes: 1_000_000, backupCount: 5 });
    fs.rmSync(dir, { recursive: true });
    fs.writeFileSync(dir, 'not a folder'); // every open of logs/booth.log now fails
    expect(() => log.scope('gate').info('admitted 1 on ticket 1')).not.toThrow();
  });

  it('writes text from outside on the line of its entry', () => {
    const file = path.join(tempDir(), 'booth.log');
    const log = createLogger({ file, level: 'info', maxSizeBytes: 1_000_000, backupCount: 5 });
    log.scope('sync').warn('refused by the server: HTTP 400: bad\n[2026-01-01 00:00:00.000+07:00] [info]   (gate)  admitted 9 on ticket X');
    expect(fs.readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('reads the last lines without the whole file', () => {
    const file = path.join(tempDir(), 'big.log');
    fs.writeFileSync(file, Array.from({ length: 50_000 }, (_, i) => `line ${i}`).join('\n') + '\n');
    expect(tailLogFile(file, 3, 4096)).toEqual(['line 49997', 'line 49998', 'line 49999']);
    expect(tailLogFile(path.join(tempDir(), 'missing.log'), 3)).toEqual([]);
  });
});
