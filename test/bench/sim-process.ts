/** The cloud simulator in its own process, so its work never shows in the kiosk's figures. */
import path from 'node:path';
import readline from 'node:readline';
import { spawnInGroup, stopGroup } from '../support/process-group';

const root = path.resolve(import.meta.dirname, '../..');

export interface SimProcess {
  apiUrl: string;
  control(pathname: string, body?: unknown): Promise<unknown>;
  close(): Promise<void>;
}

export async function startSimProcess(args: string[] = []): Promise<SimProcess> {
  const child = spawnInGroup(process.execPath, ['--import', 'tsx', path.join(root, 'test/cloud-sim/cli.ts'), '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const close = () => stopGroup(child);
  const apiUrl = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^cloud-sim: (\S+)/.exec(line);
      if (match) resolve(match[1]!);
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`cloud-sim exited (${code})`)));
  }).catch(async (error: unknown) => {
    await close();
    throw error;
  });
  const origin = new URL(apiUrl).origin;
  return {
    apiUrl,
    async control(pathname, body) {
      const response = await fetch(`${origin}${pathname}`, body === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      return response.json();
    },
    close,
  };
}
