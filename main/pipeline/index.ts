/**
 * A durable task pipeline in SQLite (table pipeline_tasks, see
 * ./migrations.ts): each task runs its owner's steps in order, one try at a
 * time, every change of step committed before the next begins. So a kill -9
 * resumes each task at the step it was in (a try that was under way runs
 * again: steps are written so that this is harmless), and a step that
 * succeeded is never run again.
 *
 * Per step: its tries and the delays between them (the seed's retry
 * policies), then what happens when they are used up: `offline` (waits in
 * the offline queue and runs again when the network is back, or after
 * `offlineRetryMs` as its own probe) or `failed` (the attendant's redrive).
 * A step may hand its task to someone else (`wait`): the outbox completes it
 * (`complete()`) in the transaction that records its acknowledgement, and
 * reports its failed sends (`handedOffFailed()`), so that the step's tries,
 * its offline queue and the attendant's redrive are the same as for any step.
 *
 * Generic: the bookings module's match videos are its first user.
 */
import type Database from 'better-sqlite3';
import type { Clock } from '../clock';
import type { ScopedLog } from '../log';

export { pipelineMigration } from './migrations';

export type TaskState = 'ready' | 'running' | 'retry' | 'offline' | 'waiting' | 'failed' | 'done' | 'cancelled';

export interface TaskRow {
  id: number;
  kind: string;
  subject: string;
  step: string;
  state: TaskState;
  attempts: number;
  total_attempts: number;
  next_at: string | null;
  last_error: string | null;
  data: string;
  created_at: string;
  updated_at: string;
}

export type TaskData = Record<string, unknown>;

export interface StepRun {
  task: TaskRow;
  /** The task's durable data (as the last committed step or saveData left it). */
  data: TaskData;
  /** Aborted when the task is cancelled or the pipeline stops. */
  signal: AbortSignal;
  /** Commits progress inside a try (e.g. each uploaded part), so a resumed try skips it. */
  saveData(patch: TaskData): void;
}

/**
 * The step succeeded: on to `next` (null: the task is done). With `wait`, the
 * task waits at `next` until `complete()` (handed over, e.g. to the outbox in
 * `commit`). `commit` runs in the transaction that records the step.
 */
export interface StepOutcome {
  next: string | null;
  wait?: boolean;
  data?: TaskData;
  commit?: () => void;
}

export interface StepDef {
  name: string;
  /** Tries before the step is given up to `exhausted`. */
  tries: number;
  /** Delay after the n-th failed try (the last entry repeats). */
  delaysMs: readonly number[];
  exhausted: 'offline' | 'failed';
  /**
   * How long an offline task of this step waits before it tries again by
   * itself; null: only when the network is back or the attendant redrives it
   * (a step whose failure is not the network's, e.g. ffmpeg's). Default: the pipeline's.
   */
  offlineRetryMs?: number | null;
  /** Tries of this step running at once. */
  concurrency: number;
  /** When false, the step's due tasks wait (e.g. the disk is below its floor). */
  canStart?(): boolean;
  run(run: StepRun): Promise<StepOutcome>;
}

export interface PipelineDef {
  kind: string;
  steps: readonly StepDef[];
  /** How long an offline task waits before it tries again by itself. */
  offlineRetryMs: number;
  /** A task cancelled (at its step), inside the cancelling transaction: e.g. withdraw what the step handed over. */
  onCancel?(task: TaskRow): void;
  /**
   * A task cancelled, once the cancellation committed and no try of it runs
   * any more (e.g. delete its files: a try under way would still write them).
   */
  afterCancel?(task: TaskRow): void;
  /** Each change of a task's step or state, inside its transaction (the owner's own rows follow it). */
  onChange?(task: TaskRow): void;
  /** After the transaction that changed a task committed. */
  afterCommit?(task: TaskRow): void;
}

/** Delay after the n-th failed try (1-based). */
export const retryDelay = (step: Pick<StepDef, 'delaysMs'>, attempt: number): number =>
  step.delaysMs[Math.min(attempt, step.delaysMs.length) - 1] ?? 0;

const IDLE_MS = 5_000;
const MAX_ERROR = 4_000;

export interface Pipeline {
  /** Adds a task at its first step; call inside the owner's transaction. False when the subject already has one. */
  enqueue(subject: string, data?: TaskData): boolean;
  /** Cancels the subjects' unfinished tasks (a try under way is aborted, its result ignored); inside the owner's transaction. */
  cancel(subjects: readonly string[]): number;
  /** A waiting task goes on from its step; inside the transaction of whoever completed it. */
  complete(subject: string, step: string, data?: TaskData): boolean;
  /**
   * A send of a task handed over at `step` failed: recorded as one of the
   * step's tries; after its tries the task is
   * offline (the other side goes on trying), a permanent failure makes it
   * failed. Inside the transaction that records the failure.
   */
  handedOffFailed(subject: string, step: string, failure: { error: string; permanent: boolean }): boolean;
  /** A failed or offline task starts its step again with fresh tries. */
  redrive(id: number): boolean;
  /** Deletes the subjects' tasks (their owner deleted them); a task under way is aborted. Inside the owner's transaction. */
  forget(subjects: readonly string[]): void;
  /** The network is back: offline tasks run now. */
  networkBack(): void;
  task(subject: string): TaskRow | undefined;
  tasks(limit?: number): TaskRow[];
  /** Runs what is due soon. */
  wake(): void;
  /** Resolves when no try is running and nothing is due now. */
  idle(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

export function createPipeline(deps: { db: Database.Database; clock: Clock; log: ScopedLog; def: PipelineDef }): Pipeline {
  const { db, clock, log, def } = deps;
  const steps = new Map(def.steps.map((s) => [s.name, s]));
  const first = def.steps[0]!.name;
  const sql = {
    insert: db.prepare(
      `INSERT INTO pipeline_tasks (kind, subject, step, state, data, created_at, updated_at) VALUES (?, ?, ?, 'ready', ?, ?, ?)
       ON CONFLICT (kind, subject) DO NOTHING`,
    ),
    bySubject: db.prepare('SELECT * FROM pipeline_tasks WHERE kind = ? AND subject = ?'),
    byId: db.prepare('SELECT * FROM pipeline_tasks WHERE kind = ? AND id = ?'),
    due: db.prepare(
      `SELECT * FROM pipeline_tasks WHERE kind = ? AND step = ?
         AND (state = 'ready' OR (state IN ('retry', 'offline') AND next_at <= ?)) ORDER BY id LIMIT ?`,
    ),
    soonest: db.prepare("SELECT MIN(next_at) AS at FROM pipeline_tasks WHERE kind = ? AND state IN ('retry', 'offline')"),
    set: db.prepare(
      `UPDATE pipeline_tasks SET step = @step, state = @state, attempts = @attempts, total_attempts = @total_attempts, next_at = @next_at,
         last_error = @last_error, data = @data, updated_at = @updated_at WHERE id = @id`,
    ),
    saveData: db.prepare("UPDATE pipeline_tasks SET data = ?, updated_at = ? WHERE id = ? AND state = 'running'"),
    resumeRunning: db.prepare("UPDATE pipeline_tasks SET state = 'ready', updated_at = ? WHERE kind = ? AND state = 'running' RETURNING *"),
    remove: db.prepare('DELETE FROM pipeline_tasks WHERE id = ?'),
    offlineNow: db.prepare("UPDATE pipeline_tasks SET next_at = ? WHERE kind = ? AND state = 'offline'"),
    list: db.prepare(
      `SELECT * FROM pipeline_tasks WHERE kind = ?
       ORDER BY CASE WHEN state IN ('done', 'cancelled') THEN 1 ELSE 0 END, id DESC LIMIT ?`,
    ),
  };
  const running = new Map<number, AbortController>();
  /** Cancelled while a try ran: afterCancel waits for its end. */
  const cancelledWhileRunning = new Set<number>();
  const activeOf = new Map<string, number>();
  let started = false;
  let timer: NodeJS.Timeout | null = null;
  let idleWaiters: (() => void)[] = [];

  const nowIso = () => clock.now().toISOString();

  /** Writes a task's new state and tells the owner, in the current transaction. */
  const write = (task: TaskRow, patch: Partial<TaskRow>): TaskRow => {
    const next: TaskRow = { ...task, ...patch, updated_at: nowIso() };
    sql.set.run(next);
    def.onChange?.(next);
    return next;
  };

  /** Only if the cancellation was committed (the cancelling transaction may have been rolled back). */
  const afterCancelled = (id: number) => {
    const task = sql.byId.get(def.kind, id) as TaskRow | undefined;
    if (task?.state !== 'cancelled') return;
    try {
      def.afterCancel?.(task);
    } catch (error) {
      log.warn(`task ${task.subject}: after its cancellation: ${(error as Error).message}`);
    }
  };

  const due = (step: StepDef, limit: number): TaskRow[] => sql.due.all(def.kind, step.name, nowIso(), limit) as TaskRow[];

  function claim(step: StepDef, task: TaskRow): TaskRow | null {
    return db.transaction(() => {
      const current = sql.byId.get(def.kind, task.id) as TaskRow | undefined;
      if (!current || current.step !== step.name || !['ready', 'retry', 'offline'].includes(current.state)) return null;
      return write(current, { state: 'running', attempts: current.attempts + 1, total_attempts: current.total_attempts + 1, next_at: null });
    })();
  }

  async function runTry(step: StepDef, task: TaskRow): Promise<void> {
    const controller = new AbortController();
    running.set(task.id, controller);
    activeOf.set(step.name, (activeOf.get(step.name) ?? 0) + 1);
    let outcome: StepOutcome | null = null;
    let failure: string | null = null;
    try {
      const data = JSON.parse(task.data) as TaskData;
      outcome = await step.run({
        task,
        data,
        signal: controller.signal,
        saveData(patch) {
          Object.assign(data, patch);
          sql.saveData.run(JSON.stringify(data), nowIso(), task.id);
        },
      });
    } catch (error) {
      failure = (error instanceof Error ? error.message : String(error)).slice(0, MAX_ERROR);
    } finally {
      running.delete(task.id);
      activeOf.set(step.name, (activeOf.get(step.name) ?? 1) - 1);
      if (cancelledWhileRunning.delete(task.id)) afterCancelled(task.id);
    }
    // Stopped mid-try: the row stays running and the try runs again at the next start.
    if (!started && failure) return;
    let changed: TaskRow | null = null;
    try {
      changed = db.transaction(() => {
        const current = sql.byId.get(def.kind, task.id) as TaskRow | undefined;
        // Cancelled (or otherwise moved) while the try ran: its result is dropped.
        if (!current || current.state !== 'running' || current.step !== step.name) return null;
        if (outcome) {
          const data = JSON.stringify({ ...(JSON.parse(current.data) as TaskData), ...outcome.data });
          outcome.commit?.();
          if (outcome.next === null) return write(current, { state: 'done', data, last_error: null });
          return write(current, { step: outcome.next, state: outcome.wait ? 'waiting' : 'ready', attempts: 0, data, last_error: null });
        }
        if (current.attempts < step.tries) {
          return write(current, { state: 'retry', next_at: new Date(clock.now().getTime() + retryDelay(step, current.attempts)).toISOString(), last_error: failure });
        }
        if (step.exhausted === 'failed') return write(current, { state: 'failed', last_error: failure });
        const wait = step.offlineRetryMs === undefined ? def.offlineRetryMs : step.offlineRetryMs;
        return write(current, { state: 'offline', next_at: wait === null ? null : new Date(clock.now().getTime() + wait).toISOString(), last_error: failure });
      })();
    } catch (error) {
      // The result could not be written: the task stays running in the table and is resumed at the next start.
      log.error(`task ${task.subject} (${step.name}): its result could not be recorded:`, error);
    }
    if (changed) {
      if (failure) log.warn(`task ${task.subject}: ${step.name} try ${changed.attempts}/${step.tries} failed (${changed.state}): ${failure.split('\n')[0]}`);
      def.afterCommit?.(changed);
    }
    schedule(0);
  }

  function tick(): void {
    timer = null;
    if (!started) return;
    for (const step of def.steps) {
      const free = step.concurrency - (activeOf.get(step.name) ?? 0);
      if (free <= 0) continue;
      if (step.canStart && !step.canStart()) continue;
      for (const task of due(step, free)) {
        const claimed = claim(step, task);
        if (!claimed) continue;
        def.afterCommit?.(claimed);
        void runTry(step, claimed);
      }
    }
    const soonest = (sql.soonest.get(def.kind) as { at: string | null }).at;
    const delay = soonest ? Math.max(10, Date.parse(soonest) - clock.now().getTime()) : IDLE_MS;
    schedule(Math.min(delay, IDLE_MS));
    if (running.size === 0 && def.steps.every((s) => (s.canStart && !s.canStart()) || due(s, 1).length === 0)) {
      const waiters = idleWaiters;
      idleWaiters = [];
      waiters.forEach((w) => w());
    }
  }

  function schedule(delayMs: number): void {
    if (!started) return;
    if (timer && delayMs > 0) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(tick, delayMs);
    timer.unref?.();
  }

  return {
    enqueue(subject, data = {}) {
      const at = nowIso();
      const inserted = sql.insert.run(def.kind, subject, first, JSON.stringify(data), at, at).changes > 0;
      if (inserted) def.onChange?.(sql.bySubject.get(def.kind, subject) as TaskRow);
      return inserted;
    },
    cancel(subjects) {
      let n = 0;
      for (const subject of subjects) {
        const task = sql.bySubject.get(def.kind, subject) as TaskRow | undefined;
        if (!task || task.state === 'done' || task.state === 'cancelled') continue;
        const cancelled = write(task, { state: 'cancelled', next_at: null });
        def.onCancel?.(cancelled);
        const controller = running.get(task.id);
        if (controller) {
          cancelledWhileRunning.add(task.id);
          controller.abort(new Error('cancelled'));
        } else queueMicrotask(() => afterCancelled(task.id));
        n++;
      }
      return n;
    },
    complete(subject, step, data) {
      const task = sql.bySubject.get(def.kind, subject) as TaskRow | undefined;
      // Also while a try of the step runs (e.g. a redrive asking the outbox to send now): that try's result is dropped.
      if (!task || task.step !== step || !['waiting', 'ready', 'retry', 'offline', 'failed', 'running'].includes(task.state)) return false;
      running.get(task.id)?.abort(new Error('completed'));
      const index = def.steps.findIndex((s) => s.name === step);
      const next = def.steps[index + 1]?.name ?? null;
      const merged = JSON.stringify({ ...(JSON.parse(task.data) as TaskData), ...data });
      write(task, next === null ? { state: 'done', data: merged } : { step: next, state: 'ready', attempts: 0, data: merged });
      queueMicrotask(() => schedule(0));
      return true;
    },
    handedOffFailed(subject, stepName, failure) {
      const task = sql.bySubject.get(def.kind, subject) as TaskRow | undefined;
      const step = steps.get(stepName);
      if (!task || !step || task.step !== stepName || !['waiting', 'offline', 'failed'].includes(task.state)) return false;
      // The step's own count (a redrive starts it again), not the other side's, which goes on from where it was.
      const attempts = task.attempts + 1;
      const state: TaskState = failure.permanent ? 'failed' : attempts >= step.tries ? 'offline' : 'waiting';
      const changed = write(task, {
        state,
        attempts,
        total_attempts: task.total_attempts + 1,
        // The other side keeps its own schedule: the pipeline does not run the step by itself.
        next_at: null,
        last_error: failure.error.slice(0, MAX_ERROR),
      });
      if (task.state !== state) log.warn(`task ${subject}: ${stepName} try ${attempts}/${step.tries} failed (${state}): ${failure.error.split('\n')[0]}`);
      queueMicrotask(() => def.afterCommit?.(changed));
      return true;
    },
    redrive(id) {
      const changed = db.transaction(() => {
        const task = sql.byId.get(def.kind, id) as TaskRow | undefined;
        if (!task || (task.state !== 'failed' && task.state !== 'offline')) return null;
        return write(task, { state: 'ready', attempts: 0, next_at: null });
      })();
      if (changed) {
        def.afterCommit?.(changed);
        schedule(0);
      }
      return changed !== null;
    },
    forget(subjects) {
      for (const subject of subjects) {
        const task = sql.bySubject.get(def.kind, subject) as TaskRow | undefined;
        if (!task) continue;
        running.get(task.id)?.abort(new Error('deleted'));
        sql.remove.run(task.id);
      }
    },
    networkBack() {
      if (sql.offlineNow.run(nowIso(), def.kind).changes > 0) schedule(0);
    },
    task: (subject) => sql.bySubject.get(def.kind, subject) as TaskRow | undefined,
    tasks: (limit = 200) => sql.list.all(def.kind, limit) as TaskRow[],
    wake: () => schedule(0),
    idle() {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        schedule(0);
      });
    },
    start() {
      if (started) return;
      // A try under way when the kiosk died runs again, at the same step.
      const resumed = db.transaction(() => sql.resumeRunning.all(nowIso(), def.kind) as TaskRow[])();
      for (const task of resumed) {
        log.info(`task ${task.subject} resumes at ${task.step} (a try was under way when the kiosk stopped)`);
        def.onChange && db.transaction(() => def.onChange!(task))();
      }
      started = true;
      for (const step of def.steps) if (!steps.has(step.name)) throw new Error(`unknown step ${step.name}`);
      schedule(0);
    },
    async stop() {
      started = false;
      if (timer) clearTimeout(timer);
      timer = null;
      for (const controller of running.values()) controller.abort(new Error('the kiosk is stopping'));
      const until = Date.now() + 5_000;
      while (running.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      idleWaiters.forEach((w) => w());
      idleWaiters = [];
    },
  };
}
