/**
 * native/install.sh installs only a package its signed manifest vouches for
 * (checked with openssl against the pinned keys, before anything is touched).
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
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

/**
 * A manifest made from CONTRACTS.md's text alone, as another pipeline would
 * (Python's json.dumps spacing in the signed JSON, an unknown field, the
 * signature's fields in the other order, a pretty-printed envelope).
 */
function contractManifest(dir: string, pkg: string, pkgArch: string) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  const raw = publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
  const keyId = crypto.createHash('sha256').update(raw).digest('hex').slice(0, 16);
  const pinned = tempDir();
  fs.writeFileSync(path.join(pinned, 'fleet.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  const body = fs.readFileSync(pkg);
  const signed =
    `{"product": "booth", "version": "0.3.0", "channel": "stable", "arch": "${pkgArch}", "file": "${path.basename(pkg)}", ` +
    `"size": ${body.length}, "sha512": "${crypto.createHash('sha512').update(body).digest('base64')}", "rolloutPercent": 100, ` +
    `"releasedAt": "2026-01-10T00:00:00+00:00", "expiresAt": "2099-01-10T00:00:00+00:00", "notes": "first"}`;
  const sig = crypto.sign(null, Buffer.from(signed), privateKey).toString('base64');
  const envelope = { signed: Buffer.from(signed).toString('base64'), signatures: [{ sig, keyId }] };
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(envelope, null, 2));
  return { pinned, keyId };
}

describe('install.sh', () => {
  it('accepts a conforming manifest made from the contract text, not by `booth release sign`', () => {
    const dir = tempDir();
    const pkg = path.join(dir, `Booth-0.3.0-${arch}.AppImage`);
    fs.writeFileSync(pkg, 'stand-in AppImage\n');
    const { pinned, keyId } = contractManifest(dir, pkg, arch);
    const run = install(pinned, pkg);
    expect(run.status, run.stderr + run.stdout).toBe(0);
    expect(run.stdout).toContain(`signed by ${keyId}, booth 0.3.0 for ${arch}`);
  });


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
