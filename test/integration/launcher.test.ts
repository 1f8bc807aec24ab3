/**
 * native/booth-launcher with stand-in AppImages (shell scripts that extract
 * themselves as an AppImage does, then behave as a good, crashing or hanging
 * release), each launcher run standing for one start by systemd.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { revertedSchema } from '../../main/updates/launcher-files';
import { tempDir } from '../support/temp';

const launcher = path.resolve('native/booth-launcher');

/** The app part of a stand-in: logs its start, then behaves. */
function appScript(version: string, behaviour: 'good' | 'crash' | 'hang'): string {
  const act = {
    good: `printf '%s\\n' ${version} > "$BOOTH_DATA_DIR/updates/ready"; exit 0`,
    crash: 'exit 3',
    hang: 'exec sleep 30',
  }[behaviour];
  return `#!/bin/sh\nprintf '%s\\n' ${version} >> "$BOOTH_DATA_DIR/ran"\n${act}\n`;
}

/** An "AppImage" whose --appimage-extract writes squashfs-root/booth. */
function standInAppImage(version: string, behaviour: 'good' | 'crash' | 'hang'): Buffer {
  const app = appScript(version, behaviour);
  return Buffer.from(
    `#!/bin/sh\nif [ "\${1:-}" = --appimage-extract ]; then\n  mkdir -p squashfs-root\n  cat > squashfs-root/booth <<'APP'\n${app}APP\n  chmod +x squashfs-root/booth\n  exit 0\nfi\nexit 1\n`,
  );
}

function setup(env: Record<string, string> = {}) {
  const data = tempDir();
  fs.mkdirSync(path.join(data, 'updates/staged'), { recursive: true });
  const base = path.join(data, 'base-booth');
  fs.writeFileSync(base, appScript('base', 'good').replace('printf \'%s\\n\' base > "$BOOTH_DATA_DIR/updates/ready"; ', ''), { mode: 0o755 });
  /** What the kiosk does: stage a verified file and ask for its install. */
  const stage = (version: string, behaviour: 'good' | 'crash' | 'hang', tamper = false) => {
    const file = `Booth-${version}-arm64.AppImage`;
    const body = standInAppImage(version, behaviour);
    const sha512 = crypto.createHash('sha512').update(body).digest('base64');
    fs.writeFileSync(path.join(data, 'updates/staged', file), tamper ? Buffer.concat([body.subarray(0, -2), Buffer.from('x\n')]) : body, { mode: 0o755 });
    fs.writeFileSync(path.join(data, 'updates/install.json'), `${JSON.stringify({ version, file, size: body.length, sha512 })}\n`);
  };
  /** One start of the kiosk service. */
  const start = () =>
    spawnSync('sh', [launcher, base, '--ozone-platform=wayland'], {
      encoding: 'utf8',
      timeout: 20_000,
      env: { ...process.env, BOOTH_DATA_DIR: data, BOOTH_UPDATE_MAX_STARTS: '2', BOOTH_UPDATE_READY_SECONDS: '120', ...env },
    });
  const ran = () => fs.readFileSync(path.join(data, 'ran'), 'utf8').trim().split('\n');
  const reverted = () => {
    const file = path.join(data, 'updates/reverted.json');
    return fs.existsSync(file) ? revertedSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8'))) : null;
  };
  const current = () => (fs.existsSync(path.join(data, 'apps/current')) ? path.basename(fs.readlinkSync(path.join(data, 'apps/current'))) : 'base');
  return { data, stage, start, ran, reverted, current };
}

describe('booth-launcher', () => {
  it('swaps in a staged release, confirms it once it reports ready, and keeps running it', () => {
    const t = setup();
    expect(t.start().status).toBe(0);
    t.stage('0.3.0', 'good');
    const run = t.start();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain('0.3.0 reached ready: confirmed');
    t.start();
    expect(t.ran()).toEqual(['base', '0.3.0', '0.3.0']);
    expect(t.current()).toBe('0.3.0');
    expect(fs.existsSync(path.join(t.data, 'apps/trial'))).toBe(false);
    expect(t.reverted()).toBeNull();
  });

  it('goes back to the previous version when a release never reaches ready within N starts, and says so for the kiosk', () => {
    const t = setup();
    t.stage('0.3.0', 'good');
    t.start();
    fs.rmSync(path.join(t.data, 'updates/install.json')); // the kiosk cleared it once 0.3.0 ran
    t.stage('0.4.0', 'crash');
    for (let i = 0; i < 3; i++) t.start();
    expect(t.ran()).toEqual(['0.3.0', '0.4.0', '0.4.0', '0.3.0']);
    expect(t.current()).toBe('0.3.0');
    expect(t.reverted()).toMatchObject({ version: '0.4.0', to: '0.3.0', reason: 'did not reach ready in 2 starts' });
    expect(fs.existsSync(path.join(t.data, 'apps/0.4.0'))).toBe(false);
  });

  it('goes back to the installed base when a release hangs past M seconds without ready', () => {
    const t = setup({ BOOTH_UPDATE_READY_SECONDS: '2' });
    t.stage('0.3.0', 'hang');
    const hung = t.start();
    expect(hung.status).toBe(1);
    expect(t.reverted()).toMatchObject({ version: '0.3.0', to: null, reason: 'did not reach ready within 2 s' });
    t.start();
    expect(t.ran()).toEqual(['0.3.0', 'base']);
    expect(t.current()).toBe('base');
  });

  it('refuses a staged file that is not the one the kiosk verified', () => {
    const t = setup();
    t.stage('0.3.0', 'good', true);
    const run = t.start();
    expect(run.stderr).toContain('refusing Booth-0.3.0-arm64.AppImage');
    expect(t.ran()).toEqual(['base']);
    expect(t.current()).toBe('base');
    // The kiosk hears of it (else it asks again at every maintenance window: a restart loop).
    expect(t.reverted()).toMatchObject({ version: '0.3.0', to: null });
    expect(t.reverted()?.reason).toContain('not the file the kiosk verified');
  });

  it('tells the kiosk when a verified release cannot be installed (it does not extract), and runs the running version', () => {
    const t = setup();
    const file = 'Booth-0.3.0-arm64.AppImage';
    const body = Buffer.from('#!/bin/sh\nexit 1\n');
    fs.writeFileSync(path.join(t.data, 'updates/staged', file), body, { mode: 0o755 });
    fs.writeFileSync(path.join(t.data, 'updates/install.json'), `${JSON.stringify({ version: '0.3.0', file, size: body.length, sha512: crypto.createHash('sha512').update(body).digest('base64') })}\n`);
    const run = t.start();
    expect(run.stderr).toContain('could not extract');
    expect(t.ran()).toEqual(['base']);
    expect(t.reverted()).toMatchObject({ version: '0.3.0', to: null });
    expect(t.reverted()?.reason).toContain('could not be installed');
  });
});
