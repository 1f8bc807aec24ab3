/**
 * Interval jobs on the monotonic clock (setTimeout never follows wall-clock
 * jumps). A job's next run is planned after the previous one finished, so a
 * slow run never overlaps itself; `runNow` starts one at once (manual trigger).
 */
import type { ScopedLog } from '../log';

export interface JobSpec {
  name: string;
  intervalMs: number;
  run(): Promise<void> | void;
  /** Run once right at start. */
  runAtStart?: boolean;
}

export interface Scheduler {
  add(job: JobSpec): void;
  start(): void;
  stop(): Promise<void>;
  runNow(name: string): Promise<void>;
}

interface Entry {
  job: JobSpec;
  timer: NodeJS.Timeout | null;
  running: Promise<void> | null;
}

export function createScheduler(log: ScopedLog): Scheduler {
  const entries = new Map<string, Entry>();
  let started = false;

  const plan = (entry: Entry, delay: number) => {
    if (!started) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = setTimeout(() => void execute(entry), delay);
    entry.timer.unref?.();
  };

  const execute = (entry: Entry): Promise<void> => {
    if (entry.running) return entry.running;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
    entry.running = (async () => {
      try {
        await entry.job.run();
      } catch (error) {
        log.error(`job ${entry.job.name} failed:`, error);
      } finally {
        entry.running = null;
        plan(entry, entry.job.intervalMs);
      }
    })();
    return entry.running;
  };

  return {
    add(job) {
      const entry: Entry = { job, timer: null, running: null };
      entries.set(job.name, entry);
      if (started) plan(entry, job.runAtStart ? 0 : job.intervalMs);
    },
    start() {
      started = true;
      for (const entry of entries.values()) plan(entry, entry.job.runAtStart ? 0 : entry.job.intervalMs);
    },
    async stop() {
      started = false;
      for (const entry of entries.values()) if (entry.timer) clearTimeout(entry.timer);
      await Promise.all([...entries.values()].map((e) => e.running));
    },
    runNow(name) {
      const entry = entries.get(name);
      if (!entry) return Promise.reject(new Error(`no job named ${name}`));
      return execute(entry);
    },
  };
}
