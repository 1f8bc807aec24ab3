/**
 * The kiosk's systemd unit and device rules (issue 8, item 5): systemd's own
 * exposure rating of native/booth-kiosk.service stays at 4.0 or lower, every
 * directive parses, and the kiosk user gets the scanner and the hopper only,
 * not the whole dialout and input groups.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const unitFile = path.join(root, 'native', 'booth-kiosk.service');
const unit = fs.readFileSync(unitFile, 'utf8');
const directives = (name: string) => [...unit.matchAll(new RegExp(`^${name}=(.*)$`, 'gm'))].map((m) => m[1] ?? '');

const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
const analyzeMissing = analyze.error || analyze.status !== 0 ? 'systemd-analyze is not installed here (Debian package "systemd"); CI has it' : null;

describe('booth-kiosk.service', () => {
  it('rates 4.0 or lower in systemd-analyze security, with every directive understood', (ctx) => {
    if (analyzeMissing) {
      process.stderr.write(`skipped: ${analyzeMissing}\n`);
      ctx.skip(analyzeMissing);
    }
    const result = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', unitFile], { encoding: 'utf8' });
    const rating = /Overall exposure level for booth-kiosk\.service: (\d+\.\d+) (\w+)/.exec(result.stdout);
    expect(rating, result.stdout + result.stderr).not.toBeNull();
    expect(Number(rating![1])).toBeLessThanOrEqual(4.0);
    // A misspelt or unsupported directive is ignored with a warning: the rating would lie.
    expect(result.stderr.split('\n').filter((l) => /Unknown|Failed to parse|ignoring/i.test(l))).toEqual([]);
  });

  it('keeps the settings Electron under cage can live with, and says why cage has no -s', () => {
    for (const [name, value] of [
      ['NoNewPrivileges', 'yes'],
      ['CapabilityBoundingSet', ''],
      ['ProtectHome', 'tmpfs'],
      ['ProtectSystem', 'strict'],
      ['ProtectKernelTunables', 'yes'],
      ['ProtectKernelModules', 'yes'],
      ['ProtectKernelLogs', 'yes'],
      ['ProtectClock', 'yes'],
      ['SystemCallArchitectures', 'native'],
      ['LockPersonality', 'yes'],
      ['RestrictNamespaces', 'user pid net'],
      ['RestrictAddressFamilies', 'AF_UNIX AF_INET AF_INET6 AF_NETLINK'],
      ['DevicePolicy', 'closed'],
    ] as const) {
      expect(directives(name), name).toEqual([value]);
    }
    // Devices: display, input, tty1 and USB serial adapters; never the dialout or input groups.
    expect(directives('DeviceAllow').sort()).toEqual(['/dev/tty1 rw', 'char-drm rw', 'char-input rw', 'char-ttyACM rw', 'char-ttyUSB rw']);
    expect(directives('SupplementaryGroups')).toEqual([]);
    // V8's JIT needs writable code; this must not creep in.
    expect(directives('MemoryDenyWriteExecute')).toEqual([]);
    const exec = directives('ExecStart')[0] ?? '';
    expect(exec).toMatch(/^\/usr\/bin\/cage (?!.*\s-s\b).*-- \/usr\/local\/lib\/booth\/booth-launcher \/opt\/Booth\/booth /);
    expect(unit).toMatch(/^# .*No -s: .*Ctrl\+Alt\+F/m);
    // Electron's profile is not in /home, which ProtectHome hides.
    expect(directives('Environment')).toEqual(expect.arrayContaining(['HOME=/var/lib/booth', 'XDG_CONFIG_HOME=/var/lib/booth/.config']));
  });
});

describe('device access of the kiosk user', () => {
  const rules = fs.readFileSync(path.join(root, 'native', '99-booth-serial.rules'), 'utf8');
  const active = rules.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  const install = fs.readFileSync(path.join(root, 'native', 'install.sh'), 'utf8');

  it('gives the scanner and the hopper to the booth user only', () => {
    expect(active).toHaveLength(2);
    for (const name of ['booth-scanner', 'booth-hopper']) {
      const rule = active.find((l) => l.includes(`SYMLINK+="${name}"`));
      expect(rule, name).toMatch(/OWNER="booth", GROUP="booth", MODE="0660"/);
    }
    expect(rules).not.toMatch(/GROUP="(dialout|input)"/);
  });

  it('puts the booth user in the display groups only, and takes dialout, input and audio away', () => {
    expect(install).toMatch(/^for group in video render; do$/m);
    expect(install).not.toMatch(/for group in [^;\n]*\b(dialout|input)\b[^;\n]*; do\n\s*if getent group "\$group" >\/dev\/null; then usermod -aG/);
    expect(install).toMatch(/^for group in dialout input audio; do\n.*gpasswd -d "\$KIOSK_USER" "\$group"/m);
    // The setuid sandbox helper cannot work under NoNewPrivileges: user namespaces are required instead.
    expect(install).not.toContain('chmod 4755');
    expect(install).toMatch(/unshare --user true/);
  });
});
