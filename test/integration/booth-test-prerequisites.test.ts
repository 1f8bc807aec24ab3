/**
 * `./booth test` on a machine without the Debian packages the tests need
 * (issue 9, item 12) stops at once with one line naming them and the command
 * that installs them, instead of failing test after test with
 * "spawn socat ENOENT". Driven with a PATH that lacks them: a scratch folder
 * holding only what the script itself runs before the check.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp';

const root = path.resolve(import.meta.dirname, '../..');

/** A scratch copy of ./booth, and a PATH with `dirname` and stand-ins for node and npm that record being called. */
function freshMachine() {
  const dir = tempDir('booth-fresh-');
  fs.copyFileSync(path.join(root, 'booth'), path.join(dir, 'booth'));
  fs.writeFileSync(path.join(dir, 'package-lock.json'), '{}');
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  const which = (name: string) => spawnSync('bash', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  fs.symlinkSync(which('dirname'), path.join(bin, 'dirname'));
  for (const name of ['node', 'npm']) {
    fs.writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >> "${dir}/calls"\nexit 1\n`, { mode: 0o755 });
  }
  const installFake = (name: string) => {
    const file = path.join(dir, 'fake', name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    return file;
  };
  return { dir, bin, installFake, env: { PATH: bin, HOME: dir, BOOTH_CHROMIUM: path.join(dir, 'no-chromium-here'), BOOTH_POSTGRESQL_DIR: path.join(dir, 'no-postgresql-here') } };
}

const runBooth = (dir: string, env: NodeJS.ProcessEnv, args: string[]) =>
  spawnSync('/bin/bash', [path.join(dir, 'booth'), ...args], { cwd: dir, env, encoding: 'utf8' });

describe('./booth test on a machine without chromium, socat, ffmpeg and postgresql', () => {
  it('stops at once with one line naming the packages and the command that installs them', () => {
    const { dir, env } = freshMachine();
    const run = runBooth(dir, env, ['test']);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
    expect(lines[0]).toBe(
      `booth test: the tests need the Debian packages chromium socat ffmpeg postgresql (not found: ${env.BOOTH_CHROMIUM}, socat on PATH, ffmpeg and ffprobe on PATH, ${env.BOOTH_POSTGRESQL_DIR}/<version>/bin/initdb); install them with: ${sudo}apt-get install -y chromium socat ffmpeg postgresql`,
    );
    // Nothing was fetched, installed or run before that.
    expect(fs.existsSync(path.join(dir, 'calls'))).toBe(false);
    expect(fs.existsSync(path.join(dir, '.tools'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'node_modules'))).toBe(false);
  });

  it('names only what is missing, and goes on when both are there', () => {
    const { dir, bin, env, installFake } = freshMachine();
    const withChromium = { ...env, BOOTH_CHROMIUM: installFake('chromium'), BOOTH_POSTGRESQL_DIR: path.dirname(path.dirname(path.dirname(installFake('postgresql/15/bin/initdb')))) };
    for (const tool of ['ffmpeg', 'ffprobe']) fs.symlinkSync(installFake(tool), path.join(bin, tool));
    const onlySocat = runBooth(dir, withChromium, ['test']);
    expect(onlySocat.status).toBe(1);
    expect(onlySocat.stderr.trimEnd()).toMatch(/^booth test: the tests need the Debian packages socat \(not found: socat on PATH\); install them with: (sudo )?apt-get install -y socat$/);

    fs.symlinkSync(installFake('socat'), path.join(bin, 'socat'));
    const check = spawnSync('/bin/bash', ['-c', 'source ./booth && check_test_prerequisites'], { cwd: dir, env: withChromium, encoding: 'utf8' });
    expect(check.status).toBe(0);
    expect(check.stderr).toBe('');
    // ./booth start does not need them.
    const start = runBooth(dir, env, ['start']);
    expect(start.stderr).not.toContain('Debian packages');
  });

  it('stops `npm test` (scripts/test-all.mjs) the same way before the type check', () => {
    const { bin, env } = freshMachine();
    fs.symlinkSync('/bin/bash', path.join(bin, 'bash'));
    const run = spawnSync(process.execPath, [path.join(root, 'scripts', 'test-all.mjs')], { cwd: root, env, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^booth test: the tests need the Debian packages chromium socat ffmpeg postgresql .*apt-get install -y chromium socat ffmpeg postgresql$/)]);
    expect(run.stderr).not.toContain('typecheck');
  });

  it('is the list .ci/run installs from', () => {
    const ci = fs.readFileSync(path.join(root, '.ci', 'run'), 'utf8');
    expect(ci).toMatch(/^source \.\/booth$/m);
    expect(ci).toContain('missing_test_packages');
    expect(ci).toMatch(/^\.\/booth test$/m);
  });
});
