import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writePinHash } from '../../main/cli/set-pin';
import { loadConfig, verifyPin } from '../../main/config';
import { sha256, tempDir } from '../support/temp';

describe('booth set-pin', () => {
  it('stores only the hash of the PIN and keeps the rest of the config', async () => {
    const file = path.join(tempDir(), 'config.json');
    fs.writeFileSync(file, JSON.stringify({ kioskName: 'Gate A', api: { baseUrl: 'https://venue.example/api/' } }));
    fs.chmodSync(file, 0o644);
    expect(await writePinHash(file, '97531')).toEqual({ note: 'its mode went from 0644 to 0640: other users may no longer read it' });
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain('97531');
    const loaded = loadConfig(file);
    expect(loaded.kind).toBe('ok');
    if (loaded.kind !== 'ok') return;
    expect(loaded.config.kioskName).toBe('Gate A');
    expect(loaded.config.api.baseUrl).toBe('https://venue.example/api/');
    expect(await verifyPin('97531', loaded.config.admin.pinHash!)).toBe(true);
    // Others lose access to a file that now holds the PIN hash; the owner and group keep theirs.
    expect(fs.statSync(file).mode & 0o777).toBe(0o640);
  });

  it('creates a missing config readable by its owner only', async () => {
    const file = path.join(tempDir(), 'config.json');
    expect(await writePinHash(file, '97531')).toEqual({ note: null });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^\{\n  "admin": \{\n    "pinHash": "scrypt[^"]+"\n  \}\n\}\n$/);
  });

  it('refuses to touch a config that has other errors', async () => {
    const file = path.join(tempDir(), 'config.json');
    fs.writeFileSync(file, '{"kioskName": 5}');
    const before = await sha256(file);
    await expect(writePinHash(file, '2468')).rejects.toThrow(/kioskName/);
    expect(await sha256(file)).toBe(before);
  });

  describe('keeps the config as the installer wrote it: only the hash changes', () => {
    const HASH = /"scrypt\$131072\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+"/;
    const cases: { name: string; before: string; after: string }[] = [
      {
        name: 'four spaces, a pinHash already there (null), no newline at the end',
        before: '{\n    "kioskName": "Gate A",\n    "admin": {\n        "pinHash": null,\n        "maxTries": 4\n    },\n    "modules": [ "gate" ]\n}',
        after: '{\n    "kioskName": "Gate A",\n    "admin": {\n        "pinHash": HASH,\n        "maxTries": 4\n    },\n    "modules": [ "gate" ]\n}',
      },
      {
        name: 'tabs, an admin section without pinHash',
        before: '{\n\t"timeZone": "Asia/Makassar",\n\t"admin": {\n\t\t"maxTries": 3\n\t}\n}\n',
        after: '{\n\t"timeZone": "Asia/Makassar",\n\t"admin": {\n\t\t"maxTries": 3,\n\t\t"pinHash": HASH\n\t}\n}\n',
      },
      {
        name: 'four spaces, no admin section, keys in the installer\'s order',
        before: '{\n    "modules": ["gate"],\n    "kioskName": "Gate B",\n    "api": {\n        "baseUrl": "https://venue.example/api/"\n    }\n}\n',
        after: '{\n    "modules": ["gate"],\n    "kioskName": "Gate B",\n    "api": {\n        "baseUrl": "https://venue.example/api/"\n    },\n    "admin": {\n        "pinHash": HASH\n    }\n}\n',
      },
      {
        name: 'Windows line ends and a replaced older hash',
        before: '{\r\n  "kioskName" : "Gate C",\r\n  "admin" : { "pinHash" : "scrypt$16384$8$1$c2FsdA==$aGFzaA==" }\r\n}\r\n',
        after: '{\r\n  "kioskName" : "Gate C",\r\n  "admin" : { "pinHash" : HASH }\r\n}\r\n',
      },
      { name: 'all on one line', before: '{"kioskName":"Gate D"}', after: '{"kioskName":"Gate D", "admin":{ "pinHash":HASH }}' },
    ];
    for (const { name, before, after } of cases) {
      it(name, async () => {
        const file = path.join(tempDir(), 'config.json');
        fs.writeFileSync(file, before);
        await writePinHash(file, '97531');
        const text = fs.readFileSync(file, 'utf8');
        expect(text.replace(HASH, 'HASH')).toBe(after);
        const loaded = loadConfig(file);
        expect(loaded.kind === 'ok' && (await verifyPin('97531', loaded.config.admin.pinHash!))).toBe(true);
      });
    }

    it('keeps the mode (0640) and, run as root, the owner and group (root:booth on a kiosk)', () => {
      const dir = tempDir();
      const file = path.join(dir, 'config.json');
      fs.writeFileSync(file, '{\n    "kioskName": "Gate A"\n}\n');
      fs.chmodSync(file, 0o640);
      const asRoot = process.getuid?.() === 0;
      if (asRoot) fs.chownSync(file, 0, 4242);
      const tsx = path.resolve('node_modules/tsx/dist/esm/index.mjs');
      const run = spawnSync(process.execPath, ['--import', tsx, 'main/cli/set-pin.ts', '--config', file], { input: '4321\n', encoding: 'utf8' });
      expect(run.stderr).toContain('Admin PIN set');
      const stat = fs.statSync(file);
      expect(stat.mode & 0o7777).toBe(0o640);
      if (asRoot) expect([stat.uid, stat.gid]).toEqual([0, 4242]);
      expect(fs.readFileSync(file, 'utf8')).toMatch(/^\{\n {4}"kioskName": "Gate A",\n {4}"admin": \{\n {8}"pinHash": "scrypt/);
      expect(fs.readdirSync(dir)).toEqual(['config.json']);
    });

    it('writes through a link to where the config really is, leaving the link', async () => {
      const dir = tempDir();
      const real = path.join(dir, 'real.json');
      fs.writeFileSync(real, '{ "kioskName": "Gate E" }\n');
      fs.symlinkSync(real, path.join(dir, 'config.json'));
      await writePinHash(path.join(dir, 'config.json'), '97531');
      expect(fs.lstatSync(path.join(dir, 'config.json')).isSymbolicLink()).toBe(true);
      expect(fs.readFileSync(real, 'utf8')).toMatch(/^\{ "kioskName": "Gate E", "admin": \{ "pinHash": "scrypt[^"]+" \} \}\n$/);
    });
  });

  // `script` (util-linux) gives the command a real terminal; what it prints is what the installer would see.
  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)('asks twice on a terminal and never shows the PIN there', async () => {
    const file = path.join(tempDir(), 'config.json');
    const tsx = path.resolve('node_modules/tsx/dist/esm/index.mjs');
    const command = [process.execPath, '--import', tsx, 'main/cli/set-pin.ts', '--config', file].map((a) => `'${a}'`).join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    const answered = new Set<string>();
    child.stdout.on('data', (d: Buffer) => {
      screen += d.toString();
      // Typed only once the prompt is there, as a person would (typed ahead, a terminal echoes anyway).
      for (const prompt of ['New admin PIN', 'Repeat the PIN']) {
        if (screen.includes(prompt) && !answered.has(prompt)) {
          answered.add(prompt);
          child.stdin.write('4321\r');
        }
      }
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.stdin.end();
    expect(screen).toContain('Admin PIN set');
    expect(code).toBe(0);
    expect(screen).not.toContain('4321');
    expect(screen).not.toMatch(/\*{4}/);
    const loaded = loadConfig(file);
    expect(loaded.kind === 'ok' && (await verifyPin('4321', loaded.config.admin.pinHash!))).toBe(true);
  }, 20_000);

  it('takes a relative --config from the folder ./booth was run in', () => {
    const dir = tempDir();
    const tsx = path.resolve('node_modules/tsx/dist/esm/index.mjs');
    const run = spawnSync(process.execPath, ['--import', tsx, 'main/cli/set-pin.ts', '--config', 'gate-a.json'], {
      input: '4321\n',
      encoding: 'utf8',
      env: { ...process.env, BOOTH_CALLER_DIR: dir },
    });
    expect(run.stderr).toContain(`its hash is in ${path.join(dir, 'gate-a.json')}`);
    expect(loadConfig(path.join(dir, 'gate-a.json')).kind).toBe('ok');
  });

  it('works as a command reading the PIN from standard input', () => {
    const file = path.join(tempDir(), 'config.json');
    const tsx = path.resolve('node_modules/tsx/dist/esm/index.mjs');
    const ok = spawnSync(process.execPath, ['--import', tsx, 'main/cli/set-pin.ts', '--config', file], { input: '4321\n', encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stderr).toContain('Admin PIN set');
    expect(loadConfig(file).kind).toBe('ok');
    const bad = spawnSync(process.execPath, ['--import', tsx, 'main/cli/set-pin.ts', '--config', file], { input: 'abcd\n', encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/4 to 12 digits/);
  });
});
