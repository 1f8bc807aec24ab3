import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { findAppRoot, startKioskHost, type HostOptions } from '../../main/host';
import { sha256, tempDir } from '../support/temp';

const appRoot = findAppRoot(import.meta.dirname);
const host = (dataDir: string, extra: Partial<HostOptions> = {}) =>
  startKioskHost({ argv: ['--data-dir', dataDir], env: {}, appRoot, isPackaged: false, defaultDataDir: null, logToConsole: false, ...extra });

describe('kiosk host boot', () => {
  it('runs the demo profile from a source checkout with no config', async () => {
    const dir = tempDir();
    const running = await host(dir);
    expect(running.boot).toMatchObject({ state: 'ready', demo: true, demoPin: '2468', kioskName: 'Demo Gate' });
    expect(fs.existsSync(path.join(dir, 'demo', 'booth.db'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'config.json'))).toBe(false);
    await running.stop();
  });

  it('shows "not configured" for a config named by --config or BOOTH_CONFIG that is not there, never the demo', async () => {
    const dir = tempDir();
    const missing = path.join(dir, 'gate-a.json');
    for (const extra of [{ argv: ['--data-dir', dir, '--config', missing] }, { env: { BOOTH_CONFIG: missing } }]) {
      const running = await host(dir, extra);
      expect(running.boot.state).toBe('not-configured');
      expect(running.boot.demo).toBe(false);
      expect(running.boot.problem?.file).toBe(missing);
      // A code and its values, for the screen to word in its language.
      expect(running.boot.problem).toMatchObject({ code: 'config-missing', params: { file: missing } });
      await running.stop();
    }
    expect(fs.existsSync(path.join(dir, 'demo'))).toBe(false);
  });

  it('shows "not configured" instead of a demo when packaged', async () => {
    const dir = tempDir();
    const running = await host(dir, { isPackaged: true });
    expect(running.boot.state).toBe('not-configured');
    expect(running.boot.demo).toBe(false);
    expect(running.boot.problem?.howToFix).toContain('set-pin');
    expect(running.boot.problem?.file).toBe(path.join(dir, 'config.json'));
    expect(fs.readdirSync(dir)).not.toContain('config.json');
    await running.stop();
  });

  it('shows each config error with field and expectation, logs the value, and leaves the file alone', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify({ kioskName: 'Gate A', services: { fetchIntervalSeconds: 'often' }, colour: 'blue', api: { baseUrl: 'ftp://x/' } }));
    const before = await sha256(file);
    const running = await host(dir);
    expect(running.boot.state).toBe('config-error');
    const fields = running.boot.problem?.issues?.map((i) => i.field);
    expect(fields).toEqual(expect.arrayContaining(['services.fetchIntervalSeconds', 'colour', 'api.baseUrl']));
    expect(running.boot.problem).toMatchObject({ code: 'config-invalid', params: { file, count: running.boot.problem?.issues?.length } });
    const interval = running.boot.problem?.issues?.find((i) => i.field === 'services.fetchIntervalSeconds');
    expect(interval).toEqual({
      field: 'services.fetchIntervalSeconds',
      expected: expect.stringMatching(/number/),
      // The same as a shape the screen words in its language: the schema's limits, never the value found.
      expectedCoded: { kind: 'number', low: 5, high: 86_400 },
    });
    const log = fs.readFileSync(path.join(dir, 'booth.log'), 'utf8');
    expect(log).toMatch(/config .*services\.fetchIntervalSeconds = "often"; expected .*number/);
    expect(await sha256(file)).toBe(before);
    // Everything but the boot screen is refused while the config is wrong.
    expect(await running.handlers.invoke('admin:unlock', { pin: '2468' })).toMatchObject({ ok: false, error: { code: 'not_ready' } });
    await running.stop();
  });

  it('never hands a secret to the unauthenticated boot call or the log, whatever the config error', async () => {
    const secret = 'sk-live-0a1b2c3d4e5f';
    const files = [
      JSON.stringify({ api: { apikey: secret } }),
      JSON.stringify({ api: `apiKey=${secret}` }),
      JSON.stringify({ api: { apiKey: secret, baseUrl: 'ftp://x/' } }),
      JSON.stringify({ admin: { pinHash: secret } }),
      `{ "api": { "apiKey": "${secret}", } }`,
      `{ "api": { "apiKey": ${secret} } }`,
    ];
    for (const text of files) {
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, 'config.json'), text);
      const running = await host(dir);
      expect(running.boot.state, text).toBe('config-error');
      const boot = await running.handlers.invoke('kiosk:boot', {});
      expect(JSON.stringify(boot), text).not.toContain(secret);
      expect(JSON.stringify(boot), text).not.toContain('sk-live');
      expect(fs.readFileSync(path.join(dir, 'booth.log'), 'utf8'), text).not.toContain(secret);
      await running.stop();
    }
  });

  it('shows a config error in the language and time zone the config names, even with errors elsewhere', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ screen: { language: 'id' }, timeZone: 'Asia/Makassar', colour: 'blue' }));
    const running = await host(dir);
    expect(running.boot).toMatchObject({ state: 'config-error', defaultLanguage: 'id' });
    expect(await running.handlers.invoke('kiosk:status', {})).toMatchObject({ ok: true, value: { timeZone: 'Asia/Makassar' } });
    await running.stop();
  });

  it('shows a store error for a database from a newer Booth and does not touch it', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ kioskName: 'Gate C', screen: { language: 'id' } }));
    const dbFile = path.join(dir, 'booth.db');
    const db = new Database(dbFile);
    db.pragma('user_version = 999');
    db.exec('CREATE TABLE x (y)');
    db.close();
    const before = await sha256(dbFile);
    const running = await host(dir);
    expect(running.boot.state).toBe('store-error');
    expect(running.boot.problem?.title).toMatch(/newer Booth/);
    expect(running.boot.problem?.message).toContain('999');
    expect(running.boot.kioskName).toBe('Gate C');
    // The customer's part of the screen speaks the kiosk's language; the screen words it from the code.
    expect(running.boot.defaultLanguage).toBe('id');
    expect(running.boot.problem).toMatchObject({ code: 'store-newer', params: { file: dbFile } });
    expect(await sha256(dbFile)).toBe(before);
    await running.stop();
  });

  it('shows a store error for a damaged database and keeps the file as it was', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'config.json'), '{}');
    const dbFile = path.join(dir, 'booth.db');
    fs.writeFileSync(dbFile, Buffer.alloc(4096, 0xab));
    const before = await sha256(dbFile);
    const running = await host(dir);
    expect(running.boot.state).toBe('store-error');
    expect(running.boot.problem?.title).toMatch(/damaged/);
    expect(await sha256(dbFile)).toBe(before);
    await running.stop();
  });
});
