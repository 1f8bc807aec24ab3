/**
 * A pseudo-terminal pair made by socat, standing in for a serial cable:
 * the kiosk opens `<dir>/device`, a simulator writes to `<dir>/sim`, and the
 * bytes cross as they would on a wire (raw, no echo, no CR/LF translation).
 *
 * Closing the pair is an unplug: socat removes both links, so the device path
 * vanishes and an open port on it is disconnected. Creating a new pair in the
 * same folder is the replug: the same device path appears again (on a new pts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnInGroup, stopGroup } from '../support/process-group';

export interface PtyPair {
  /** What the kiosk opens (the "device" end). */
  devicePath: string;
  /** What the simulator writes to. */
  simPath: string;
  /** Stops socat (unplug) and removes the links. Safe to call more than once. */
  close(): Promise<void>;
}

const READY_TIMEOUT_MS = 5_000;
const EXIT_TIMEOUT_MS = 2_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const removeLink = (file: string) => fs.rmSync(file, { force: true });

export async function createPtyPair(dir: string): Promise<PtyPair> {
  const devicePath = path.join(dir, 'device');
  const simPath = path.join(dir, 'sim');
  // Links left by a socat that was killed hard would make the new pair look ready at once.
  removeLink(devicePath);
  removeLink(simPath);

  // In its own process group: killed with the runner if the test never closes it.
  const child = spawnInGroup('socat', ['-d', '-d', `pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${simPath}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => {
    if (stderr.length < 10_000) stderr += text;
  });
  let spawnError: Error | null = null;
  child.once('error', (error) => {
    spawnError = error;
  });

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      // socat removes its links on SIGTERM.
      await stopGroup(child, { signal: 'SIGTERM', graceMs: EXIT_TIMEOUT_MS });
      removeLink(devicePath);
      removeLink(simPath);
    })();
    return closing;
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(fs.existsSync(devicePath) && fs.existsSync(simPath))) {
    const failed = spawnError ?? (child.exitCode !== null ? new Error(`socat exited with code ${child.exitCode}`) : null);
    if (failed || Date.now() > deadline) {
      await close();
      const reason = failed ? failed.message : `no links after ${READY_TIMEOUT_MS} ms`;
      throw new Error(`cannot create a pty pair in ${dir}: ${reason}${stderr ? `\n${stderr.trim()}` : ''}`);
    }
    await sleep(10);
  }
  return { devicePath, simPath, close };
}
