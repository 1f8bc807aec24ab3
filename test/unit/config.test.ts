import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema, loadConfig, maskSecrets, parseConfigText, resolveConfigPath } from '../../main/config';
import { sha256, tempDir } from '../support/temp';

describe('config', () => {
  it('fills every default from an empty object, with seed 000 settings in place', () => {
    const config = configSchema.parse({});
    expect(config.api.fetchEndpoint).toBe('bookings/summary');
    expect(config.api.syncEndpoint).toBe('bookings/update-used');
    expect(config.api.timeoutSeconds).toBe(30);
    expect(config.api.retryAttempts).toBe(3);
    expect(config.api.retryDelaySeconds).toBe(5);
    expect(config.services.fetchIntervalSeconds).toBe(300);
    expect(config.services.fetchEnabled).toBe(true);
    expect(config.logging.maxSizeBytes).toBe(10 * 1024 * 1024);
    expect(config.logging.backupCount).toBe(5);
    expect(config.admin.maxTries).toBe(5);
    expect(config.modules).toEqual([]);
  });

  it('names the field, the value found and what was expected for each error', () => {
    const result = parseConfigText(
      JSON.stringify({ kioskName: 42, api: { baseUrl: 'not a url', timeoutSecs: 10 }, timeZone: 'Mars/Olympus' }),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const byField = Object.fromEntries(result.issues.map((i) => [i.field, i]));
    expect(byField.kioskName?.value).toBe('42');
    expect(byField.kioskName?.expected).toMatch(/string/);
    expect(byField['api.baseUrl']?.value).toBe('"not a url"');
    expect(byField['api.baseUrl']?.expected).toMatch(/URL/);
    expect(result.issues.filter((i) => i.field === 'api.baseUrl')).toHaveLength(1);
    expect(byField['api.timeoutSecs']?.expected).toMatch(/no such setting/);
    expect(byField.timeZone?.expected).toMatch(/IANA time zone/);
  });

  it('requires the base URL to end in "/" so endpoints resolve under it', () => {
    const result = parseConfigText(JSON.stringify({ api: { baseUrl: 'https://venue.example/api' } }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]?.expected).toMatch(/ending in "\/"/);
  });

  it('reports a file that is not JSON as such', () => {
    const result = parseConfigText('{ "kioskName": "Gate A", }');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]).toMatchObject({ field: '(file)', expected: expect.stringMatching(/valid JSON/) });
  });

  it('rejects modules it does not know', () => {
    const result = parseConfigText(JSON.stringify({ modules: ['gate', 'rollercoaster'] }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]?.field).toBe('modules.1');
  });

  it('never shows secrets in the admin view or in an error', () => {
    const config = configSchema.parse({ api: { apiKey: 'sekrit-key' }, admin: { pinHash: null } });
    const masked = JSON.stringify(maskSecrets(config));
    expect(masked).not.toContain('sekrit-key');
    expect(masked).toContain('••••');
    const bad = parseConfigText(JSON.stringify({ api: { apiKey: 'sekrit-key', extra: 1 }, admin: { pinHash: 'plain-1234' } }));
    expect(JSON.stringify(bad)).not.toContain('plain-1234');
  });

  it('leaves a bad config file exactly as it was', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, '{"kioskName": 7, "unknownThing": true}');
    const before = await sha256(file);
    const mtime = fs.statSync(file).mtimeMs;
    const loaded = loadConfig(file);
    expect(loaded.kind).toBe('invalid');
    expect(await sha256(file)).toBe(before);
    expect(fs.statSync(file).mtimeMs).toBe(mtime);
    expect(fs.readdirSync(dir)).toEqual(['config.json']);
  });

  it('finds the config from --config, then BOOTH_CONFIG, then the data folder', () => {
    expect(resolveConfigPath(['--config', '/etc/booth/a.json'], { BOOTH_CONFIG: '/b.json' }, '/data')).toBe('/etc/booth/a.json');
    expect(resolveConfigPath(['--config=/c.json'], {}, '/data')).toBe('/c.json');
    expect(resolveConfigPath([], { BOOTH_CONFIG: '/b.json' }, '/data')).toBe('/b.json');
    expect(resolveConfigPath([], {}, '/data')).toBe('/data/config.json');
  });

  it('says a missing file is missing rather than invalid', () => {
    expect(loadConfig(path.join(tempDir(), 'nope.json')).kind).toBe('missing');
  });
});
