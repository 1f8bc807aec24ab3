import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger, tailLogFile } from '../../main/log';
import { tempDir } from '../support/temp';

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

  it('reads the last lines without the whole file', () => {
    const file = path.join(tempDir(), 'big.log');
    fs.writeFileSync(file, Array.from({ length: 50_000 }, (_, i) => `line ${i}`).join('\n') + '\n');
    expect(tailLogFile(file, 3, 4096)).toEqual(['line 49997', 'line 49998', 'line 49999']);
    expect(tailLogFile(path.join(tempDir(), 'missing.log'), 3)).toEqual([]);
  });
});
