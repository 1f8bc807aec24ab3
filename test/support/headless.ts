/**
 * The real headless host as a child process (dist/main/headless.cjs), driven
 * over its WebSocket bridge as the renderer would: for crash and soak tests.
 * It runs in its own process group, ended by stop() or when the runner exits.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import WebSocket from 'ws';
import type { Result } from '../../preload/contract';
import { killGroup, spawnInGroup, stopGroup } from './process-group';

const root = path.resolve(import.meta.dirname, '../..');

export interface HeadlessHost {
  url: string;
  child: ChildProcess;
  invoke<T>(name: string, args?: unknown): Promise<Result<T>>;
  /** Resolves when the process has exited, with its signal or code. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/** Thrown when the host died (or was killed) before its bridge answered. */
export class HostStartError extends Error {
  constructor(
    message: string,
    readonly exit: { code: number | null; signal: NodeJS.Signals | null },
  ) {
    super(message);
  }
}

export async function startHeadless(options: { dataDir: string; config?: string; env?: NodeJS.ProcessEnv }): Promise<HeadlessHost> {
  const args = [path.join(root, 'dist/main/headless.cjs'), '--port', '0', '--quiet', '--data-dir', options.dataDir];
  if (options.config) args.push('--config', options.config);
  const child = spawnInGroup(process.execPath, args, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const fail = async (reason: unknown): Promise<never> => {
    killGroup(child);
    const exit = await exited;
    throw new HostStartError(`headless host did not start: ${(reason as Error).message}`, exit);
  };
  const url = await new Promise<string>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const match = /^Booth kiosk \(headless\): (\S+)$/.exec(line);
      if (match) resolve(match[1]!);
    });
    void exited.then(({ code, signal }) => reject(new Error(`exited (${code ?? signal}) before ready: ${stderr}`)));
  }).catch(fail);
  const { port, searchParams } = new URL(url);
  const socket = new WebSocket(`ws://127.0.0.1:${port}/bridge?token=${searchParams.get('token')}`);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  }).catch(fail);
  socket.on('error', () => undefined);
  let nextId = 1;
  const waiting = new Map<number, (r: Result<unknown>) => void>();
  socket.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as { t: string; id?: number; result?: Result<unknown> };
    if (frame.t === 'result' && frame.id !== undefined) {
      waiting.get(frame.id)?.(frame.result!);
      waiting.delete(frame.id);
    }
  });
  socket.on('close', () => {
    for (const [id, settle] of waiting) {
      settle({ ok: false, error: { code: 'unavailable', message: 'host gone' } });
      waiting.delete(id);
    }
  });
  return {
    url,
    child,
    exited,
    invoke<T>(name: string, args: unknown = {}) {
      return new Promise<Result<T>>((resolve) => {
        if (socket.readyState !== WebSocket.OPEN) {
          resolve({ ok: false, error: { code: 'unavailable', message: 'host gone' } });
          return;
        }
        const id = nextId++;
        waiting.set(id, resolve as (r: Result<unknown>) => void);
        socket.send(JSON.stringify({ t: 'invoke', id, name, args }));
      });
    },
    async stop() {
      socket.close();
      await stopGroup(child);
    },
  };
}
