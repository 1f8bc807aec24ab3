/**
 * native/install.sh installs only a package its signed manifest vouches for
 * (checked with openssl against the pinned keys, before anything is touched).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp';

const tsx = path.resolve('node_modules/tsx/dist/esm/index.mjs');
const release = (...args: string[]) => spawnSync(process.execPath, ['--import', tsx, 'main/cli/release.ts', ...args], { encoding: 'utf8' });
const arch = os.arch() === 'arm64' ? 'arm64' : 'x64';
const install = (keyDir: string, ...args: string[]) =>
  spawnSync('sh', ['native/install.sh', '--verify-only', ...args], { encoding: 'utf8', env: { ...process.env, BOOTH_UPDATE_KEY_DIR: keyDir } });

function signedPackage() {
  const keys = tempDir();
  expect(release('keygen', '--out', keys).status).toBe(0);
  const privateKey = path.join(keys, fs.readdirSync(keys).find((f) => f.endsWith('.key'))!);
  const pinned = tempDir();
  for (const f of fs.readdirSync(keys).filter((f) => f.endsWith('.pub'))) fs.copyFileSync(path.join(keys, f), path.join(pinned, f));
  const src = path.join(tempDir(), `Booth-0.3.0-${arch}.AppImage`);
  fs.writeFileSync(src, 'stand-in AppImage\n');
  const out = tempDir();
  expect(release('sign', src, '--key', privateKey, '--channel', 'stable', '--rollout', '100', '--expires', '30d', '--out', out).status).toBe(0);
  return { pinned, pkg: path.join(out, path.basename(src)), out };
}

describe('install.sh', () => {
  it('accepts a package its manifest, signed by a pinned key, vouches for', () => {
    const t = signedPackage();
    const run = install(t.pinned, t.pkg);
    expect(run.status, run.stderr + run.stdout).toBe(0);
    expect(run.stdout).toMatch(/signed by [0-9a-f]{16}, booth 0\.3\.0 for/);
  });

  it('refuses a package without a manifest, signed by another key, or changed after signing', () => {
    const t = signedPackage();
    const other = signedPackage();
    expect(install(other.pinned, t.pkg).stderr).toContain('is not signed by a key pinned');
    const lone = path.join(tempDir(), path.basename(t.pkg));
    fs.copyFileSync(t.pkg, lone);
    expect(install(t.pinned, lone).stderr).toContain('no signed manifest');
    fs.appendFileSync(t.pkg, 'x');
    const changed = install(t.pinned, t.pkg);
    expect(changed.status).not.toBe(0);
    expect(changed.stderr).toContain('its size is not the signed');
    fs.writeFileSync(t.pkg, fs.readFileSync(t.pkg).subarray(0, -1).fill(0x41, 0, 1));
    expect(install(t.pinned, t.pkg).stderr).toContain('SHA-512 is not the one signed');
  });
});
