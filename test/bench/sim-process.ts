/** The cloud simulator in its own process, so its work never shows in the kiosk's figures. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

const root = path.resolve(import.meta.dirname, '../..');

export interface SimProcess {
  apiUrl: string;
  control(pathname: string, body?: unknown): Promise<unknown>;
  close(): Promise<void>;
}

export async function startSimProcess(args: string[] = []): Promise<SimProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'test/cloud-sim/cli.ts'), '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const apiUrl = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^cloud-sim: (\S+)/.exec(line);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`cloud-sim exited (${code})`)));
  });
  const origin = new URL(apiUrl).origin;
  return {
    apiUrl,
    async control(pathname, body) {
      const response = await fetch(`${origin}${pathname}`, body === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      return response.json();
    },
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
