import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';

const made: string[] = [];

/** A temp folder removed after the test. */
export function tempDir(prefix = 'booth-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

afterEach(() => {
  while (made.length) fs.rmSync(made.pop()!, { recursive: true, force: true });
});

export const sha256 = async (file: string): Promise<string> => {
  const crypto = await import('node:crypto');
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
};
