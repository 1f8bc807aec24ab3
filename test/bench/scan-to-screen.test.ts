import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchLineSchema } from './format';

const root = path.resolve(import.meta.dirname, '../..');

describe('gate.scan_to_screen', () => {
  // The bench failed in full runs when the host was slow right after the page
  // loaded: its first scan reached a page still booting, which shows no scan, and
  // the bench waited for it in vain. Scans now start when the screen asks for them.
  it('measures every scan when the host pauses right after the page loads', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/bench/run.ts', 'gate.scan_to_screen'], {
      cwd: root,
      env: { ...process.env, BENCH_QUICK: '1', BENCH_PAUSE_HOST_MS: '1000' },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => benchLineSchema.parse(JSON.parse(l)));
    expect(lines.map((l) => `${l.bench}@${l.n}`)).toEqual(['gate.scan_to_screen.p50@20', 'gate.scan_to_screen.p99@20']);
  }, 150_000);
});
