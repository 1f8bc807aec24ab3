import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { manualClock } from '../../main/clock';
import { memoryLogger } from '../../main/log';
import { createScheduler } from '../../main/schedule';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const setup = () => {
  const clock = manualClock();
  const scheduler = createScheduler(memoryLogger().scope('jobs'), clock);
  return { clock, scheduler };
};

describe('scheduler', () => {
  it('keeps running a job that throws at once (not in a promise) on its interval', async () => {
    const { scheduler } = setup();
    let runs = 0;
    scheduler.add({
      name: 'throws',
      intervalMs: 1000,
      run: () => {
        runs++;
        throw new Error('boom');
      },
    });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(3500);
    expect(runs).toBe(3);
    await scheduler.runNow('throws');
    expect(runs).toBe(4);
    await scheduler.stop();
  });

  it('logs a failure once while the same failure repeats, a new failure again, and when the job works again', async () => {
    const log = memoryLogger();
    const scheduler = createScheduler(log.scope('jobs'), manualClock());
    const outcomes = ['offline', 'offline', 'offline', 'answered 503', null, null];
    scheduler.add({ name: 'cloud.probe', intervalMs: 1000, run: () => {
      const next = outcomes.shift();
      if (next) throw new Error(next);
    } });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(6500);
    expect(log.lines).toEqual([
      '[error] (jobs) job cloud.probe failed: offline',
      '[error] (jobs) job cloud.probe failed: answered 503',
      '[info] (jobs) job cloud.probe works again (it had failed: answered 503)',
    ]);
    await scheduler.stop();
  });

  it("keeps each job's health: running now, last run, last error, next run", async () => {
    const { clock, scheduler } = setup();
    let fail = true;
    let release: () => void = () => undefined;
    scheduler.add({ name: 'flaky', intervalMs: 60_000, run: async () => {
      if (fail) throw new Error('ticket server answered 503');
    } });
    scheduler.add({ name: 'slow', intervalMs: 10_000, run: () => new Promise<void>((resolve) => (release = resolve)) });
    expect(scheduler.health()).toEqual([
      { name: 'flaky', isRunning: false, lastRun: null, lastError: null, nextRun: null },
      { name: 'slow', isRunning: false, lastRun: null, lastError: null, nextRun: null },
    ]);
    expect(scheduler.isStarted()).toBe(false);
    scheduler.start();
    expect(scheduler.isStarted()).toBe(true);
    expect(scheduler.health().map((j) => j.nextRun)).toEqual(['2026-01-15T03:01:00.000Z', '2026-01-15T03:00:10.000Z']);

    clock.advance(60_000);
    await vi.advanceTimersByTimeAsync(60_000);
    const flaky = scheduler.health()[0]!;
    expect(flaky).toEqual({ name: 'flaky', isRunning: false, lastRun: '2026-01-15T03:01:00.000Z', lastError: 'ticket server answered 503', nextRun: '2026-01-15T03:02:00.000Z' });
    // The slow job started at 10 s and has not finished: running, nothing planned.
    expect(scheduler.health()[1]).toMatchObject({ isRunning: true, lastRun: null, nextRun: null });
    expect(await scheduler.runManually('slow')).toEqual({ kind: 'busy' });
    expect(await scheduler.runManually('nothing')).toEqual({ kind: 'unknown' });

    fail = false;
    const manual = await scheduler.runManually('flaky');
    expect(manual).toEqual({ kind: 'ran', error: null, health: { name: 'flaky', isRunning: false, lastRun: '2026-01-15T03:01:00.000Z', lastError: null, nextRun: '2026-01-15T03:02:00.000Z' } });

    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(scheduler.health()[1]).toMatchObject({ isRunning: false, lastRun: '2026-01-15T03:01:00.000Z', lastError: null });
    await scheduler.stop();
    expect(scheduler.isStarted()).toBe(false);
    expect(scheduler.health().map((j) => j.nextRun)).toEqual([null, null]);
  });
});
