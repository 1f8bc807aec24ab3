/**
 * Interval jobs on the monotonic clock (setTimeout never follows wall-clock
 * jumps). A job's next run is planned after the previous one finished, so a
 * slow run never overlaps itself; `runNow` starts one at once (manual trigger).
 * Each job's health (running now, last run, last error, next run) is kept for
 * the LAN API's `GET /health`.
 */
import type { Clock } from '../clock';
import type { ScopedLog } from '../log';

export interface JobSpec {
  name: string;
  intervalMs: number;
  /** A run that throws is a failed run: its message becomes the job's `lastError`. */
  run(): Promise<void> | void;
  /** Run once right at start. */
  runAtStart?: boolean;
  /** `GET /health` reports this job as seed 004's `cronJob` (the sessions sweep); at most one job says so. */
  reportsAsCronJob?: boolean;
}

/** One job as `GET /health` reports it (times in UTC ISO 8601). */
export interface JobHealth {
  name: string;
  /** A run of this job is in progress now. */
  isRunning: boolean;
  /** When the last finished run ended; null before the first one ends. */
  lastRun: string | null;
  /** What the last finished run threw; null when it succeeded (or none finished yet). */
  lastError: string | null;
  /** When the next planned run starts; null while one runs (the next is planned when it ends) or the scheduler is stopped. */
  nextRun: string | null;
}

/** What a manual trigger did: no such job, refused because a run is in progress, or ran (with the job's health after it). */
export type ManualRun = { kind: 'unknown' } | { kind: 'busy' } | { kind: 'ran'; error: string | null; health: JobHealth };

export interface Scheduler {
  add(job: JobSpec): void;
  start(): void;
  stop(): Promise<void>;
  /** Runs a job now, or joins the run in progress (tests, kiosk.runJob). */
  runNow(name: string): Promise<void>;
  /** A manual trigger from outside: never joins a run in progress, so its answer is about a run it started. */
  runManually(name: string): Promise<ManualRun>;
  /** Started and not stopped: jobs are planned. */
  isStarted(): boolean;
  health(): JobHealth[];
}

/** Longest error text kept per job (a job may throw anything, e.g. a whole HTTP body). */
const MAX_ERROR_LENGTH = 500;

interface Entry {
  job: JobSpec;
  timer: NodeJS.Timeout | null;
  /** Monotonic time the timer fires at. */
  dueMs: number | null;
  running: Promise<string | null> | null;
  lastRun: string | null;
  lastError: string | null;
}

export function createScheduler(log: ScopedLog, clock: Clock): Scheduler {
  const entries = new Map<string, Entry>();
  let started = false;

  const plan = (entry: Entry, delay: number) => {
    if (!started) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.dueMs = clock.monotonicMs() + delay;
    entry.timer = setTimeout(() => void execute(entry), delay);
    entry.timer.unref?.();
  };

  const unplan = (entry: Entry) => {
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
    entry.dueMs = null;
  };

  /** Runs the job (or joins its run in progress); resolves to the run's error, or null. */
  const execute = (entry: Entry): Promise<string | null> => {
    if (entry.running) return entry.running;
    unplan(entry);
    entry.running = (async () => {
      let failure: string | null = null;
      try {
        // Called after `running` is set: a job that throws at once (not in a promise) would
        // otherwise reach `finally` first and stay "running" for ever, never planned again.
        await Promise.resolve().then(() => entry.job.run());
      } catch (error) {
        failure = (error instanceof Error ? error.message : String(error)).slice(0, MAX_ERROR_LENGTH) || 'failed';
        // An offline kiosk fails its cloud jobs every interval for days: the log says each new
        // failure once, and when the job works again, not the same words every few seconds.
        if (failure !== entry.lastError) log.error(`job ${entry.job.name} failed:`, error);
      } finally {
        if (failure === null && entry.lastError !== null) log.info(`job ${entry.job.name} works again (it had failed: ${entry.lastError})`);
        entry.lastRun = clock.now().toISOString();
        entry.lastError = failure;
        entry.running = null;
        plan(entry, entry.job.intervalMs);
      }
      return failure;
    })();
    return entry.running;
  };

  const healthOf = (entry: Entry): JobHealth => ({
    name: entry.job.name,
    isRunning: entry.running !== null,
    lastRun: entry.lastRun,
    lastError: entry.lastError,
    // Wall-clock time of a monotonic deadline, read now: a clock set meanwhile moves it with the clock.
    nextRun:
      entry.dueMs === null || entry.running !== null
        ? null
        : new Date(clock.now().getTime() + Math.max(0, entry.dueMs - clock.monotonicMs())).toISOString(),
  });

  return {
    add(job) {
      const entry: Entry = { job, timer: null, dueMs: null, running: null, lastRun: null, lastError: null };
      entries.set(job.name, entry);
      if (started) plan(entry, job.runAtStart ? 0 : job.intervalMs);
    },
    start() {
      started = true;
      for (const entry of entries.values()) plan(entry, entry.job.runAtStart ? 0 : entry.job.intervalMs);
    },
    async stop() {
      started = false;
      for (const entry of entries.values()) unplan(entry);
      await Promise.all([...entries.values()].map((e) => e.running));
    },
    async runNow(name) {
      const entry = entries.get(name);
      if (!entry) throw new Error(`no job named ${name}`);
      await execute(entry);
    },
    async runManually(name) {
      const entry = entries.get(name);
      if (!entry) return { kind: 'unknown' };
      if (entry.running) return { kind: 'busy' };
      const error = await execute(entry);
      return { kind: 'ran', error, health: healthOf(entry) };
    },
    isStarted: () => started,
    health: () => [...entries.values()].map(healthOf),
  };
}
