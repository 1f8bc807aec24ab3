/**
 * `./booth` fetches Node 22 on a machine whose Node is older (issue 8, item 9):
 * the tarball is checked against the SHA-512 pinned per architecture before
 * anything is unpacked. Driven through a copy of the script in a scratch
 * folder (its .tools/ is the scratch one), with a stand-in `node` that reports
 * version 20 and a tampered tarball given by BOOTH_NODE_TARBALL.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp';

const root = path.resolve(import.meta.dirname, '../..');
/** dist.integrity of the registry's tarballs (`npm view node-linux-<arch>@22.23.3 dist.integrity`). */
const REGISTRY_INTEGRITY = {
  x64: 'sha512-qHnz5tFsHoj/WM+uRENVjWONi5hVvmwrgq8A4V76KpuVNAc4+jwK8x4gwbobE9BtHNg/AKR2583eYorLF/c7ng==',
  arm64: 'sha512-l3DAHZreylo+p9QXDtsOrjG2JXJqVzYXnAGmIQNOUNARcMppTO2cmewVQP+36tjJnSE+dzpMNtgW+c3oiDvXtA==',
};

/** A gzipped tar shaped like the npm package (package/bin/node), whose node only says it ran. */
function fakeNodeTarball(dir: string, name: string): string {
  const pkg = path.join(dir, `${name}-src`, 'package', 'bin');
  fs.mkdirSync(pkg, { recursive: true });
  fs.writeFileSync(path.join(pkg, 'node'), '#!/bin/sh\necho "tampered node ran" >&2\n', { mode: 0o755 });
  const tarball = path.join(dir, `${name}.tgz`);
  const made = spawnSync('tar', ['czf', tarball, '-C', path.join(dir, `${name}-src`), 'package']);
  expect(made.status).toBe(0);
  return tarball;
}

/** A scratch copy of ./booth and a PATH where `node` is version 20 and `npm` only records that it was called. */
function scratchCheckout() {
  const dir = tempDir('booth-script-');
  fs.copyFileSync(path.join(root, 'booth'), path.join(dir, 'booth'));
  fs.writeFileSync(path.join(dir, 'package-lock.json'), '{}');
  const bin = path.join(dir, 'stub-bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'node'), '#!/bin/sh\ncase "$*" in *versions*) echo 20 ;; *) echo v20.20.2 ;; esac\n', { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'npm'), `#!/bin/sh\necho "$*" >> "${dir}/npm-calls"\nexit 1\n`, { mode: 0o755 });
  // The Debian packages `./booth test` checks for first, there whatever this machine has.
  for (const name of ['socat', 'chromium']) fs.writeFileSync(path.join(bin, name), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  return { dir, env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir, BOOTH_CHROMIUM: path.join(bin, 'chromium') } };
}

const arch = process.arch === 'arm64' ? 'arm64' : 'x64';

describe('./booth fetching Node', () => {
  it('pins, per architecture, the SHA-512 the registry publishes for node-linux-<arch>@22.23.3', () => {
    for (const [name, integrity] of Object.entries(REGISTRY_INTEGRITY)) {
      const hex = Buffer.from(integrity.replace(/^sha512-/, ''), 'base64').toString('hex');
      const pinned = spawnSync('bash', ['-c', `source ./booth && pinned_node_sha512 ${name}`], { cwd: root, encoding: 'utf8' });
      expect(pinned.stdout.trim(), name).toBe(hex);
    }
    expect(spawnSync('bash', ['-c', 'source ./booth && pinned_node_sha512 riscv64'], { cwd: root }).status).not.toBe(0);
  });

  it('refuses a tampered tarball: nothing is unpacked, nothing runs, npm is not reached', () => {
    const { dir, env } = scratchCheckout();
    const tampered = fakeNodeTarball(dir, 'node-linux-tampered');
    const run = spawnSync('bash', [path.join(dir, 'booth'), 'test'], { cwd: dir, env: { ...env, BOOTH_NODE_TARBALL: tampered }, encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(new RegExp(`is not the node-linux-${arch}@22\\.23\\.3 package this checkout pins \\(SHA-512 [0-9a-f]{128}, expected [0-9a-f]{128}\\); not unpacked`));
    expect(run.stderr).not.toContain('tampered node ran');
    const tools = path.join(dir, '.tools');
    const unpacked = fs.existsSync(tools) ? fs.readdirSync(tools, { recursive: true }) : [];
    expect(unpacked).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'npm-calls'))).toBe(false);
  });

  it('unpacks a tarball whose SHA-512 matches the pin (through a .partial folder)', () => {
    const dir = tempDir('booth-script-');
    const tarball = fakeNodeTarball(dir, 'node-linux-fake');
    const sha = crypto.createHash('sha512').update(fs.readFileSync(tarball)).digest('hex');
    const dest = path.join(dir, 'tools', 'node');
    // The pin is fixed in the script; this run redefines it to the fake tarball's, as a stand-in.
    const script = `source ./booth && pinned_node_sha512() { echo ${sha}; } && install_node x64 '${tarball}' '${dest}'`;
    const run = spawnSync('bash', ['-c', script], { cwd: root, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(fs.existsSync(path.join(dest, 'bin', 'node'))).toBe(true);
    expect(fs.existsSync(`${dest}.partial`)).toBe(false);
  });
});
