/**
 * `booth release keygen | sign | verify` as a fleet admin runs them (the
 * command file under Node, as ./booth runs it): keys made here at test time.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp';

const tsx = path.resolve('node_modules/tsx/dist/esm/index.mjs');
const release = (...args: string[]) => spawnSync(process.execPath, ['--import', tsx, 'main/cli/release.ts', ...args], { encoding: 'utf8' });

function keygen(dir: string): { privateFile: string; publicFile: string } {
  const run = release('keygen', '--out', dir);
  expect(run.status, run.stdout + run.stderr).toBe(0);
  const files = fs.readdirSync(dir);
  return { privateFile: path.join(dir, files.find((f) => f.endsWith('.key'))!), publicFile: path.join(dir, files.find((f) => f.endsWith('.pub'))!) };
}

/** A folder of pinned keys holding the public key of `publicFile`. */
function keyDir(...publicFiles: string[]): string {
  const dir = tempDir();
  for (const f of publicFiles) fs.copyFileSync(f, path.join(dir, path.basename(f)));
  return dir;
}

function appImage(dir: string, name = 'Booth-0.3.0-arm64.AppImage', body = '#!/bin/sh\necho booth 0.3.0\n'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, body);
  return file;
}

describe('booth release', () => {
  it('keygen writes the private key with mode 0600 and warns to keep it offline', () => {
    const dir = path.join(tempDir(), 'keys');
    const { privateFile, publicFile } = keygen(dir);
    expect(fs.statSync(privateFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(privateFile, 'utf8')).toContain('PRIVATE KEY');
    expect(fs.readFileSync(publicFile, 'utf8')).toContain('PUBLIC KEY');
    const again = release('keygen', '--out', dir);
    expect(again.stdout).toMatch(/WARNING.*ship software to every kiosk/);
    expect(again.stdout).toMatch(/Keep it offline/);
  });

  it('sign writes manifest.json beside a copy of the file; verify with the admin\'s keys says a kiosk installs it (exit 0)', () => {
    const keys = keygen(tempDir());
    const out = path.join(tempDir(), 'stable-arm64');
    const signed = release('sign', appImage(tempDir()), '--key', keys.privateFile, '--channel', 'stable', '--rollout', '25', '--expires', '30d', '--out', out);
    expect(signed.status, signed.stdout).toBe(0);
    expect(signed.stdout).toContain('booth 0.3.0 for arm64 on channel "stable"');
    expect(signed.stdout).toContain('stable/arm64/');
    expect(fs.readdirSync(out).sort()).toEqual(['Booth-0.3.0-arm64.AppImage', 'manifest.json']);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { signed: string; signatures: { keyId: string }[] };
    const body = JSON.parse(Buffer.from(manifest.signed, 'base64').toString()) as Record<string, unknown>;
    expect(body).toMatchObject({ product: 'booth', version: '0.3.0', channel: 'stable', arch: 'arm64', rolloutPercent: 25, file: 'Booth-0.3.0-arm64.AppImage' });
    expect(manifest.signatures[0]!.keyId).toBe(path.basename(keys.publicFile).match(/([0-9a-f]{16})\.pub$/)![1]);

    const ok = release('verify', out, '--key-dir', keyDir(keys.publicFile));
    expect(ok.status, ok.stdout).toBe(0);
    expect(ok.stdout).toContain('would INSTALL');
  });

  it('verify exits non-zero, with the reason, whenever a kiosk would refuse', () => {
    const keys = keygen(tempDir());
    const trusted = keyDir(keys.publicFile);
    const sign = (out: string, expires = '30d', ...extra: string[]) => {
      const run = release('sign', appImage(tempDir()), '--key', keys.privateFile, '--channel', 'stable', '--rollout', '100', '--expires', expires, '--out', out, ...extra);
      expect(run.status, run.stdout).toBe(0);
      return out;
    };
    const good = sign(path.join(tempDir(), 'r'));
    const refused = (dir: string, ...extra: string[]) => {
      const run = release('verify', dir, ...extra);
      expect(run.status, run.stdout).toBe(1);
      return /REFUSE it \(([a-z-]+)\)/.exec(run.stdout)?.[1];
    };
    // the keys pinned in the app did not sign it
    expect(refused(good)).toBe('unpinned-key');
    // a kiosk already at a higher version, or below its high-water mark
    expect(refused(good, '--key-dir', trusted, '--running', '0.4.0')).toBe('older-than-running');
    expect(refused(good, '--key-dir', trusted, '--high-water', '0.5.0')).toBe('below-high-water');
    expect(refused(good, '--key-dir', trusted, '--arch', 'x64')).toBe('wrong-arch');
    // the file changed after signing
    fs.appendFileSync(path.join(good, 'Booth-0.3.0-arm64.AppImage'), 'x');
    expect(refused(good, '--key-dir', trusted)).toBe('size-mismatch');
    // expired
    const old = sign(path.join(tempDir(), 'old'), '2020-02-01T00:00:00Z', '--released-at', '2020-01-01T00:00:00Z');
    expect(refused(old, '--key-dir', trusted)).toBe('expired');
  });

  it('sign refuses a file name without version or arch unless they are given', () => {
    const keys = keygen(tempDir());
    const file = appImage(tempDir(), 'booth.AppImage');
    const args = [file, '--key', keys.privateFile, '--channel', 'stable', '--rollout', '10', '--expires', '7d', '--out', tempDir()];
    const run = release('sign', ...args);
    expect(run.status).toBe(2);
    expect(run.stdout).toContain('give --version');
    expect(release('sign', ...args, '--version', '1.2.3', '--arch', 'aarch64').status).toBe(0);
  });
});
