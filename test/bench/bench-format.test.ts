import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchLineSchema } from './format';

const root = path.resolve(import.meta.dirname, '../..');

/** Runs the bench runner with BENCH_QUICK on `args`, expects it to succeed, and parses every line it printed. */
function quickBench(args: string[], timeoutMs: number) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/bench/run.ts', ...args], {
    cwd: root,
    env: { ...process.env, BENCH_QUICK: '1' },
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  expect(run.status, run.stderr).toBe(0);
  return run.stdout.trim().split('\n').map((l) => benchLineSchema.parse(JSON.parse(l)));
}

describe('quick benchmarks', () => {
  it('core prints only well-formed JSON lines, for an empty and a filled store', () => {
    const lines = quickBench(['core'], 120_000);
    expect(lines.map((l) => `${l.bench}@${l.n}`)).toEqual(['core.start@0', 'core.rss@0', 'core.start@20000', 'core.rss@20000']);
    for (const line of lines) expect(line.value).toBeGreaterThan(0);
  });

  it('replica prints the kiosk side\'s figures (full export against its reference, RSS, lag and admissions during a big export) and the office side\'s (apply into SQLite and PostgreSQL against a bulk insert, live lag)', () => {
    const lines = quickBench(['replica'], 240_000);
    expect(lines.map((l) => l.bench)).toEqual([
      'replica.full_export',
      'replica.export_rss',
      'replica.export_lag',
      'replica.export_admit.p99',
      'replica.apply',
      'replica.apply',
      'replica.live.p50',
      'replica.live.p99',
    ]);
    expect(lines[0]!.ref).toBeTruthy();
    expect(lines.filter((l) => l.bench === 'replica.apply').map((l) => [l.ref, l.n])).toEqual([
      ['sqlite-raw-bulk-insert', lines[4]!.n],
      ['postgres-raw-bulk-insert', lines[4]!.n],
    ]);
    for (const line of lines.slice(1)) expect(line.value).toBeGreaterThanOrEqual(0);
  }, 300_000);

  it('gate and payout print every figure of BENCHMARKS.md, each with its reference where it has one', () => {
    const lines = quickBench(['gate', 'payout'], 240_000);
    const names = lines.map((l) => l.bench);
    expect(names).toEqual([
      'gate.lookup',
      'gate.admit',
      'gate.import',
      'gate.import',
      'gate.import_lag',
      'gate.upload',
      'gate.scan_to_screen.p50',
      'gate.scan_to_screen.p99',
      'payout.pickup.p99',
      'payout.recovery',
    ]);
    for (const line of lines) {
      expect(line.value).toBeGreaterThan(0);
      if (!['gate.import_lag', 'payout.recovery'].includes(line.bench)) expect(line.ref, line.bench).toBeTruthy();
    }
    const imports = lines.filter((l) => l.bench === 'gate.import');
    expect(imports[0]!.n).toBeLessThan(imports[1]!.n);
  }, 300_000);

  it('runs one bench by its name, alone', () => {
    const lines = quickBench(['gate.admit'], 120_000);
    expect(lines.map((l) => l.bench)).toEqual(['gate.admit']);
  });

  it('intake prints intake.payload.p99 with the serial transfer of the line as its reference', () => {
    const lines = quickBench(['intake'], 120_000);
    expect(lines.map((l) => [l.bench, l.unit, l.better])).toEqual([['intake.payload.p99', 'ms', 'lower']]);
    expect(lines[0]!.ref).toMatch(/serial transfer/);
  }, 120_000);

  it('refuses an unknown suite', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/bench/run.ts', 'nope'], { cwd: root, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
  });

  it('sessions prints sessions.expiry.p99 for every session freed', () => {
    const lines = quickBench(['sessions'], 120_000);
    expect(lines.map((l) => `${l.bench}@${l.n}`)).toEqual(['sessions.expiry.p99@200']);
    expect(lines[0]!.value).toBeGreaterThanOrEqual(0);
  });

  it('update prints the verify figures, and a customer\'s scan-to-decision during a download against the same scans without one', () => {
    const lines = quickBench(['update'], 240_000);
    expect(lines.map((l) => l.bench)).toEqual(['update.verify', 'update.verify_lag.p99', 'update.scan_during_download.p50', 'update.scan_during_download.p99', 'update.download']);
    for (const line of lines.filter((l) => l.bench.startsWith('update.scan_during_download'))) {
      expect(line).toMatchObject({ unit: 'ms', ref: 'same-scans-no-download' });
      expect(line.n).toBeGreaterThan(0);
    }
  }, 300_000);

  it('bookings prints bookings.sync, video.process (and the whole step) and video.upload, each with its reference; a video.* bench runs alone by its name', () => {
    const lines = quickBench(['bookings'], 240_000);
    expect(lines.map((l) => [l.bench, l.unit, l.better])).toEqual([
      ['bookings.sync', 'bookings/s', 'higher'],
      ['video.process', 's', 'lower'],
      ['video.process_all', 's', 'lower'],
      ['video.upload', 'MB/s', 'higher'],
    ]);
    for (const line of lines) expect(line.value).toBeGreaterThan(0);
    for (const line of lines.filter((l) => l.bench !== 'video.process_all')) expect(line.ref, line.bench).toBeTruthy();

    expect(quickBench(['video.upload'], 120_000).map((l) => l.bench)).toEqual(['video.upload']);
  }, 360_000);
});
