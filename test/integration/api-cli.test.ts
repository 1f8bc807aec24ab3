/**
 * `booth api-key` and `booth api-fingerprint` as an installer runs them (the
 * command files under Node, as ./booth and the packaged app run them), and
 * what they print against the kiosk's running LAN API on loopback.
 */
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { certificateFiles, hashApiKey } from '../../main/api';
import { loadConfig } from '../../main/config';
import { testKiosk } from '../support/kiosk';
import { callApi } from '../support/lan-api';
import { sha256, tempDir } from '../support/temp';

const tsx = path.resolve('node_modules/tsx/dist/esm/index.mjs');
const command = (file: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, ['--import', tsx, `main/cli/${file}`, ...args], { encoding: 'utf8', env: { ...process.env, BOOTH_CONFIG: '', BOOTH_DATA_DIR: '', ...env } });

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

describe('booth api-key', () => {
  it('adds the new key\'s hash to the config, keeps the rest of the file, and prints the key once: it opens the API', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, '{\n    "kioskName": "Gate A",\n    "lanApi": {\n        "enabled": true,\n        "port": 0,\n        "apiKeyHashes": []\n    }\n}\n');
    fs.chmodSync(file, 0o644);
    // An API that no key could open is a config error; the command fixes exactly that.
    expect(loadConfig(file).kind).toBe('invalid');
    const run = command('api-key.ts', ['--config', file]);
    expect(run.status).toBe(0);
    const key = run.stdout.trim();
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(run.stderr).toContain('shown only now');
    expect(run.stderr).toContain('Restart the kiosk to use it');
    expect(run.stderr).not.toContain(key);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain(key);
    expect(text).toBe(
      `{\n    "kioskName": "Gate A",\n    "lanApi": {\n        "enabled": true,\n        "port": 0,\n        "apiKeyHashes": [\n            "${hashApiKey(key)}"\n        ]\n    }\n}\n`,
    );
    expect(fs.statSync(file).mode & 0o777).toBe(0o640);

    // A second key is added beside the first (rotation: remove the old hash later).
    const second = command('api-key.ts', ['--config', file]).stdout.trim();
    const loaded = loadConfig(file);
    expect(loaded.kind === 'ok' && loaded.config.lanApi.apiKeyHashes).toEqual([hashApiKey(key), hashApiKey(second)]);
    if (loaded.kind !== 'ok') return;

    const t = await testKiosk(dir, loaded.config);
    stops.push(() => t.kiosk.stop());
    t.kiosk.start();
    await t.kiosk.lanApi!.start();
    const fingerprint = command('api-fingerprint.ts', ['--data-dir', dir]).stdout.trim();
    const port = t.kiosk.lanApi!.address()!.port;
    for (const k of [key, second]) expect((await callApi({ port, fingerprint, key: k, path: '/health' })).status).toBe(200);
    expect((await callApi({ port, fingerprint, key: hashApiKey(key), path: '/health' })).status).toBe(401); // the hash is not a key
  });

  it('tells what to do when the API is not enabled yet, and creates a missing config for its owner only', () => {
    const file = path.join(tempDir(), 'new.json');
    const run = command('api-key.ts', ['--config', file]);
    expect(run.status).toBe(0);
    expect(run.stderr).toContain('Set lanApi.enabled to true in the config, then restart the kiosk');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ lanApi: { apiKeyHashes: [hashApiKey(run.stdout.trim())] } });
  });

  it('--print-only prints a key and its hash and writes nothing', () => {
    const dir = tempDir();
    const run = command('api-key.ts', ['--print-only'], { BOOTH_CALLER_DIR: dir });
    expect(run.status).toBe(0);
    const key = run.stdout.trim();
    expect(run.stderr).toContain(`Add this hash to lanApi.apiKeyHashes in the config: ${hashApiKey(key)}`);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('refuses to touch a config with other errors, and says how to call it without one', async () => {
    const file = path.join(tempDir(), 'config.json');
    fs.writeFileSync(file, '{"kioskName": 5}');
    const before = await sha256(file);
    const run = command('api-key.ts', ['--config', file]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe(''); // no key was given out
    expect(run.stderr).toContain('has other errors; fix them first, nothing was written');
    expect(await sha256(file)).toBe(before);
    const usage = command('api-key.ts', []);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('usage: booth api-key --config FILE');
  });
});

describe('booth api-fingerprint', () => {
  it('prints the fingerprint the server presents, read from the data folder (relative to where ./booth was run)', async () => {
    const dir = tempDir();
    const dataDir = path.join(dir, 'gate-a-data');
    const t = await testKiosk(dataDir, { lanApi: { enabled: true, port: 0, apiKeyHashes: [hashApiKey('k'.repeat(43))] } });
    stops.push(() => t.kiosk.stop());
    t.kiosk.start();
    await t.kiosk.lanApi!.start();
    const run = command('api-fingerprint.ts', ['--data-dir', 'gate-a-data'], { BOOTH_CALLER_DIR: dir });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`${t.kiosk.lanApi!.status().fingerprint}\n`);
    expect(run.stderr).toContain(certificateFiles(dataDir).certificate);
    // Pinning what it printed works; the same through BOOTH_DATA_DIR.
    const port = t.kiosk.lanApi!.address()!.port;
    await expect(callApi({ port, fingerprint: run.stdout.trim(), key: 'k'.repeat(43), path: '/health' })).resolves.toMatchObject({ status: 200 });
    expect(command('api-fingerprint.ts', [], { BOOTH_DATA_DIR: dataDir }).stdout).toBe(run.stdout);
  });

  const hasCurl = spawnSync('curl', ['--version']).status === 0;
  it.skipIf(!hasCurl)('prints the key pin curl takes: curl with it is answered, curl with another pin sends nothing', async () => {
    const dataDir = tempDir();
    const key = 'k'.repeat(43);
    const t = await testKiosk(dataDir, { lanApi: { enabled: true, port: 0, apiKeyHashes: [hashApiKey(key)] } });
    stops.push(() => t.kiosk.stop());
    t.kiosk.start();
    await t.kiosk.lanApi!.start();
    const printed = command('api-fingerprint.ts', ['--data-dir', dataDir]).stderr;
    const pin = /--pinnedpubkey "(sha256\/\/[A-Za-z0-9+/=]{44})"/.exec(printed)?.[1];
    expect(pin).toBeDefined();
    const url = `https://127.0.0.1:${t.kiosk.lanApi!.address()!.port}/health`;
    // Not spawnSync: the server answering curl runs in this process.
    const curl = (p: string) =>
      new Promise<{ code: number | null; stdout: string }>((resolve) => {
        execFile('curl', ['--silent', '--max-time', '20', '--noproxy', '*', '--insecure', '--pinnedpubkey', p, '-H', `X-API-Key: ${key}`, url], (error, stdout) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout }),
        );
      });
    const ok = await curl(pin!);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ status: 'OK', cronJob: { isRunning: true } });
    const refused = await curl(`sha256//${Buffer.alloc(32, 7).toString('base64')}`);
    expect(refused.code).toBe(90); // CURLE_SSL_PINNEDPUBKEYNOTMATCH: aborted before the request
    expect(refused.stdout).toBe('');
  });

  it('says there is no certificate yet, and makes none', () => {
    const dir = tempDir();
    const run = command('api-fingerprint.ts', [`--data-dir=${dir}`]);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`no certificate at ${certificateFiles(dir).certificate} yet`);
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
