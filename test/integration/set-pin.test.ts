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
    await writePinHash(file, '97531');
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain('97531');
    const loaded = loadConfig(file);
    expect(loaded.kind).toBe('ok');
    if (loaded.kind !== 'ok') return;
    expect(loaded.config.kioskName).toBe('Gate A');
    expect(loaded.config.api.baseUrl).toBe('https://venue.example/api/');
    expect(await verifyPin('97531', loaded.config.admin.pinHash!)).toBe(true);
    expect(fs.statSync(file).mode & 0o077).toBe(0);
  });

  it('refuses to touch a config that has other errors', async () => {
    const file = path.join(tempDir(), 'config.json');
    fs.writeFileSync(file, '{"kioskName": 5}');
    const before = await sha256(file);
    await expect(writePinHash(file, '2468')).rejects.toThrow(/kioskName/);
    expect(await sha256(file)).toBe(before);
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
