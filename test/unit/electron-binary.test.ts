/** scripts/electron-binary.mjs: finds the Electron binary by path, never by requiring 'electron'. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ELECTRON_MISSING_REASON, findElectronBinary } from '../../scripts/electron-binary.mjs';

const dirs: string[] = [];
const checkout = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'booth-electron-binary-'));
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, 'node_modules', 'electron', 'dist'), { recursive: true });
  return dir;
};
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('findElectronBinary', () => {
  it('returns null where the binary was not downloaded, and says why', () => {
    expect(findElectronBinary(checkout(), { env: {}, platform: 'linux' })).toBeNull();
    expect(ELECTRON_MISSING_REASON).toBe('Electron binary not installed (node_modules/electron/dist/electron)');
  });

  it('returns the absolute path of an executable node_modules/electron/dist/electron', () => {
    const dir = checkout();
    const binary = path.join(dir, 'node_modules', 'electron', 'dist', 'electron');
    fs.writeFileSync(binary, '#!/bin/sh\n', { mode: 0o644 });
    expect(findElectronBinary(dir, { env: {}, platform: 'linux' })).toBeNull(); // present but not executable
    fs.chmodSync(binary, 0o755);
    const found = findElectronBinary(path.relative(process.cwd(), dir), { env: {}, platform: 'linux' });
    expect(found).toBe(binary);
    expect(path.isAbsolute(found ?? '')).toBe(true);
  });

  it('follows path.txt (as electron’s installer writes it) and ELECTRON_OVERRIDE_DIST_PATH', () => {
    const dir = checkout();
    fs.mkdirSync(path.join(dir, 'node_modules', 'electron', 'dist', 'sub'));
    fs.writeFileSync(path.join(dir, 'node_modules', 'electron', 'dist', 'sub', 'electron'), '', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'node_modules', 'electron', 'path.txt'), 'sub/electron');
    expect(findElectronBinary(dir, { env: {}, platform: 'linux' })).toBe(path.join(dir, 'node_modules', 'electron', 'dist', 'sub', 'electron'));
    const other = checkout();
    fs.writeFileSync(path.join(other, 'electron'), '', { mode: 0o755 });
    expect(findElectronBinary(dir, { env: { ELECTRON_OVERRIDE_DIST_PATH: other }, platform: 'linux' })).toBe(path.join(other, 'electron'));
  });

  it('never requires electron', () => {
    const source = fs.readFileSync(path.resolve(import.meta.dirname, '../../scripts/electron-binary.mjs'), 'utf8');
    expect(source).not.toMatch(/require\(|import\(|from ['"]electron/);
  });
});
