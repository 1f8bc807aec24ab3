/**
 * Child processes for tests, benchmarks and soaks, each started in its own
 * process group (detached), so that ending one ends what it started too
 * (tsx's esbuild service, a simulator's socat), and so that nothing is left
 * running when the runner fails:
 * - stopGroup() ends a group (SIGTERM, then SIGKILL after a grace period);
 * - every group still running is killed when the runner exits: normally, on an
 *   uncaught error, or on SIGINT, SIGTERM or SIGHUP;
 * - a runner that is killed outright (SIGKILL: a test runner's last resort,
 *   `timeout -s KILL`) cannot run any of that: a small watchdog shell, started
 *   with the first group, reads the runner's list of groups on a pipe and kills
 *   them when the pipe closes, which the kernel does when the runner dies.
 * A group is its leader's pid; when the leader exits, what is left of its group
 * is killed at once.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** Groups whose leader is running, by pgid (= the leader's pid). */
const live = new Map<number, ChildProcess>();
let hooksInstalled = false;
let watchdog: ChildProcess | null = null;

const EXIT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

// The watchdog keeps the list as its positional parameters: "+ pgid" adds, "- pgid" removes.
// It ignores the signals a terminal sends to the runner's group, so that it outlives the runner.
// One line, so that it reads as one in `ps`.
const WATCHDOG_SCRIPT =
  `trap '' INT TERM HUP; ` +
  `while read -r op id; do case "$op" in ` +
  `+) set -- "$@" "$id" ;; ` +
  `-) kept=""; for g in "$@"; do [ "$g" = "$id" ] || kept="$kept $g"; done; set -- $kept ;; ` +
  `esac; done; ` +
  `for g in "$@"; do kill -KILL -"$g" 2>/dev/null; done`;

/** Sends a signal to every process of the group; a group that is gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  if (!Number.isInteger(pgid) || pgid <= 1) return; // -0 and -1 would mean this group, or everything
  try {
    process.kill(-pgid, signal);
  } catch {
    /* ESRCH: nothing left in it */
  }
}

function tellWatchdog(line: string): void {
  if (!watchdog?.stdin?.writable) return;
  watchdog.stdin.write(`${line}\n`);
}

function startWatchdog(): void {
  if (watchdog) return;
  const child = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'booth-process-watchdog'], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
  child.on('error', () => undefined); // no shell: the in-process hooks still run
  child.stdin!.on('error', () => undefined);
  // Neither the watchdog nor its pipe keeps the runner alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  watchdog = child;
}

function killAllGroups(): void {
  for (const pgid of live.keys()) signalGroup(pgid, 'SIGKILL');
  live.clear();
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllGroups);
  for (const signal of EXIT_SIGNALS) {
    const onSignal = () => {
      killAllGroups();
      // Alone on this signal: die of it as the runner would have without this hook.
      if (process.listenerCount(signal) === 1) {
        process.off(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

/**
 * `spawn` in a new process group, registered so that the group is killed if
 * the runner ends before stopGroup() does. Same arguments as `spawn`.
 */
export function spawnInGroup(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  installHooks();
  startWatchdog();
  const child = spawn(command, args, { ...options, detached: true });
  const pgid = child.pid;
  if (pgid === undefined) return child; // it did not start ('error' follows): nothing to kill
  live.set(pgid, child);
  tellWatchdog(`+ ${pgid}`);
  child.once('exit', () => {
    // The leader is gone: so is the rest of its group.
    signalGroup(pgid, 'SIGKILL');
    live.delete(pgid);
    tellWatchdog(`- ${pgid}`);
  });
  return child;
}

function exitOf(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Ends a group started with spawnInGroup: `signal` to all of it (SIGTERM lets
 * a kiosk close its database and socat remove its links), SIGKILL after
 * `graceMs` if the leader has not exited. Resolves once the leader has exited.
 * Safe to call more than once, and on a group that already ended.
 */
export async function stopGroup(child: ChildProcess, options: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<void> {
  const pgid = child.pid;
  if (pgid === undefined) return;
  if (child.exitCode === null && child.signalCode === null) signalGroup(pgid, options.signal ?? 'SIGTERM');
  if (!(await exitOf(child, options.graceMs ?? 5_000))) {
    signalGroup(pgid, 'SIGKILL');
    await exitOf(child, 5_000);
  }
}

/** Kills a group at once (SIGKILL), e.g. a simulator that a test is done with. */
export function killGroup(child: ChildProcess): void {
  if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
}

/**
 * Steps that undo what a bench or helper started, run last-in first-out in a
 * `finally`; every step runs even when one before it fails, and a failing step
 * never hides the error that brought the run there (it is reported on stderr).
 */
export class Teardown {
  private readonly steps: { what: string; run: () => unknown }[] = [];

  add(what: string, run: () => unknown): void {
    this.steps.push({ what, run });
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.run();
      } catch (error) {
        process.stderr.write(`teardown: ${step.what} failed: ${(error as Error).message}\n`);
      }
    }
  }
}

/** Runs `body` with a Teardown that is run when it ends, whether it succeeds or throws. */
export async function withTeardown<T>(body: (teardown: Teardown) => Promise<T>): Promise<T> {
  const teardown = new Teardown();
  try {
    return await body(teardown);
  } finally {
    await teardown.run();
  }
}
