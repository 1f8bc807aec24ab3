import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema, describeIssues, insecureCloudUrls, issueLine, issueView, loadConfig, maskSecrets, parseConfigText, resolveConfigPath } from '../../main/config';
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
    expect(byField.kioskName?.expected).toBe('text in quotes (1 to 40 characters)');
    expect(byField['api.baseUrl']?.value).toBe('"not a url"');
    expect(byField['api.baseUrl']?.expected).toMatch(/URL/);
    expect(result.issues.filter((i) => i.field === 'api.baseUrl')).toHaveLength(1);
    expect(byField['api.timeoutSecs']?.expected).toMatch(/no such setting/);
    expect(byField.timeZone?.expected).toMatch(/IANA time zone/);
  });

  const expectedByField = (input: unknown): Record<string, string> => {
    const result = parseConfigText(typeof input === 'string' ? input : JSON.stringify(input));
    return result.ok ? {} : Object.fromEntries(result.issues.map((i) => [i.field, i.expected]));
  };

  it("points each key of seed 000's config.json to Booth's name for it", () => {
    // The seed's file as it was, keys and all: an installer may well start from it.
    const seedConfig = `{
  "api": {
    "base_url": "http://demotms.aditonline.com/api/",
    "fetch_endpoint": "bookings/summary",
    "sync_endpoint": "bookings/update-used",
    "timeout": 30,
    "retry_attempts": 3,
    "retry_delay": 5
  },
  "services": {
    "fetch_interval": 300,
    "sync_interval": 1,
    "fetch_enabled": true,
    "sync_enabled": true
  },
  "logging": {
    "level": "INFO",
    "file": "sou_system.log",
    "max_size": 10485760,
    "backup_count": 5
  }
}`;
    expect(expectedByField(seedConfig)).toEqual({
      'api.base_url': 'no such setting: did you mean api.baseUrl?',
      'api.fetch_endpoint': 'no such setting: did you mean api.fetchEndpoint?',
      'api.sync_endpoint': 'no such setting: did you mean api.syncEndpoint?',
      'api.timeout': 'no such setting: did you mean api.timeoutSeconds?',
      'api.retry_attempts': 'no such setting: did you mean api.retryAttempts?',
      'api.retry_delay': 'no such setting: did you mean api.retryDelaySeconds?',
      'services.fetch_interval': 'no such setting: did you mean services.fetchIntervalSeconds?',
      'services.sync_interval': 'no such setting: did you mean services.syncIntervalSeconds?',
      'services.fetch_enabled': 'no such setting: did you mean services.fetchEnabled?',
      'services.sync_enabled': 'no such setting: did you mean services.syncEnabled?',
      'logging.level': 'one of error, warn, info, debug (letter case matters)',
      'logging.max_size': 'no such setting: did you mean logging.maxSizeBytes?',
      'logging.backup_count': 'no such setting: did you mean logging.backupCount?',
    });
  });

  it('suggests the setting meant by a flattened, misplaced or misspelt key, and says when there is none', () => {
    expect(
      expectedByField({
        api_base_url: 'https://t.example/api/',
        fetch_interval: 300,
        sync_interval: 1,
        kiosk_name: 'Gate A',
        TimeZone: 'Asia/Jakarta',
        baseUrl: 'https://t.example/api/',
        kiosk_id: 'f00',
        pin: '2468',
        colour: 'blue',
        api: { timeoutSecs: 10, apikey: 'k', timout: 5 },
        gate: { atraction: 'A' },
        devices: { path: '/dev/ttyUSB0' },
      }),
    ).toEqual({
      api_base_url: 'no such setting: did you mean api.baseUrl?',
      fetch_interval: 'no such setting: did you mean services.fetchIntervalSeconds?',
      sync_interval: 'no such setting: did you mean services.syncIntervalSeconds or bookings.syncIntervalSeconds?',
      kiosk_name: 'no such setting: did you mean kioskName?',
      TimeZone: 'no such setting: did you mean timeZone?',
      baseUrl: 'no such setting: did you mean api.baseUrl, payout.baseUrl or sessions.baseUrl?',
      kiosk_id: 'no such setting: Booth makes the kiosk id once and keeps it in its database (admin shows it)',
      pin: 'no such setting: the PIN is never in the config; set it with booth set-pin, which writes admin.pinHash',
      colour: 'no such setting (check the spelling; see docs/config.md)',
      'api.timeoutSecs': 'no such setting: did you mean api.timeoutSeconds?',
      'api.apikey': 'no such setting: did you mean api.apiKey?',
      'api.timout': 'no such setting: did you mean api.timeoutSeconds?',
      'gate.atraction': 'no such setting: did you mean gate.attraction?',
      'devices.path': 'no such setting: did you mean devices.scanner.path, devices.hopper.path or intake.receiver.path?',
    });
    const result = parseConfigText(JSON.stringify({ colour: 'blue', fetch_interval: 300 }));
    if (!result.ok) {
      expect(result.issues.map(issueLine)).toEqual([
        'colour = "blue"; no such setting (check the spelling; see docs/config.md)',
        'fetch_interval = 300; no such setting: did you mean services.fetchIntervalSeconds?',
      ]);
    }
  });

  it('says what a field expects in words, never in the validator\'s, one finding per field', () => {
    const byField = expectedByField({
      kioskName: '',
      modules: 'gate',
      services: { fetchIntervalSeconds: 2, fetchEnabled: 'yes' },
      admin: { maxTries: 0 },
      gate: { maxScanLength: 20.5 },
      devices: { scanner: { terminator: 'TAB', path: 5 } },
      payout: { amounts: [], coinValue: 0, currency: 'RUPIAHRUPIAH' },
      logging: { maxSizeBytes: 5 },
    });
    expect(byField).toEqual({
      kioskName: 'text in quotes (1 to 40 characters)',
      modules: 'a list in [ ] (at most 5 items), each one of gate, payout, sessions, intake, bookings',
      'services.fetchIntervalSeconds': 'a number from 5 to 86400',
      'services.fetchEnabled': 'true or false',
      'admin.maxTries': 'a whole number from 1 to 20',
      'gate.maxScanLength': 'a whole number from 16 to 4096',
      'devices.scanner.terminator': 'one of CR, LF, CRLF',
      'devices.scanner.path': 'text in quotes (at most 500 characters), or null',
      'payout.amounts': 'a list in [ ] (1 to 8 items), each a number above 0, up to 1000000',
      'payout.coinValue': 'a number above 0, up to 1000000',
      'payout.currency': 'text in quotes (1 to 8 characters)',
      'logging.maxSizeBytes': 'a whole number of at least 10000',
    });
    expect(expectedByField({ modules: ['gate', 'rides'] })).toEqual({ 'modules.1': 'one of gate, payout, sessions, intake, bookings' });
    expect(expectedByField('[1, 2]')).toEqual({ '(top level)': 'the settings in { }, as in docs/config.md' });
    for (const text of Object.values(byField)) expect(text).not.toMatch(/Invalid|received|expected|>=|<=|safeint|\bint\b|"CR"\|/);
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

  it('says where a JSON syntax error is without quoting any of the file', () => {
    const secret = 'sk-live-9f8e7d6c5b4a';
    for (const text of [
      `{"api": {"apiKey": "${secret}",}}`,
      `apiKey=${secret}`,
      `{"api": {"apiKey": "${secret}"`,
      `{"api": {"apiKey": ${secret}}}`,
    ]) {
      const result = parseConfigText(text);
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      const everything = JSON.stringify(result.issues);
      expect(everything, text).not.toContain(secret);
      expect(everything, text).not.toContain('sk-live');
      expect(result.issues[0]?.expected, text).toMatch(/valid JSON/);
    }
    const placed = parseConfigText('{\n  "kioskName": "Gate A",\n}');
    if (!placed.ok) expect(placed.issues[0]?.expected).toMatch(/line 3, column 1/);
  });

  it('masks every secret-looking key, misspelled, nested or a section given as a string, in the log line', () => {
    const secret = 'sk-live-9f8e7d6c5b4a';
    const cases = [
      { api: { apikey: secret } }, // misspelled: an unknown key
      { api: { apiKey: secret, timeoutSeconds: 'x' } },
      { api: { apiKey: 42 } }, // a secret of the wrong type
      { api: `apiKey=${secret}` }, // a whole section as a string
      { admin: `pinHash=${secret}` },
      { apiSection: { apiKey: secret } }, // an unknown section holding a secret
      { api: [{ token: secret }] },
      { admin: { pinHash: secret } }, // not a hash set-pin writes
      { gate: { authToken: secret } },
      `just a string ${secret}`,
    ];
    for (const raw of cases) {
      const result = parseConfigText(JSON.stringify(raw));
      expect(result.ok, JSON.stringify(raw)).toBe(false);
      if (result.ok) continue;
      const lines = result.issues.map(issueLine).join('\n');
      expect(lines, JSON.stringify(raw)).not.toContain(secret);
      expect(lines).not.toContain('42');
      // The screen's part carries no value at all.
      for (const view of result.issues.map(issueView)) {
        expect(Object.keys(view).sort()).toEqual(['expected', 'expectedCoded', 'field']);
        // Its coded words too: the schema's names and limits only.
        expect(JSON.stringify(view.expectedCoded)).not.toContain(secret);
      }
    }
    // A plain value that is not secret is still named in the log, to help the installer.
    const plain = parseConfigText(JSON.stringify({ kioskName: 42 }));
    if (!plain.ok) expect(issueLine(plain.issues[0]!)).toBe('kioskName = 42; expected text in quotes (1 to 40 characters)');
    expect(describeIssues({}, [])).toEqual([]);
  });

  it('refuses plain http to another machine for every cloud URL unless its section allows it', () => {
    const https = 'expected an https';
    const fieldsOf = (input: unknown) => {
      const r = parseConfigText(JSON.stringify(input));
      return r.ok ? [] : r.issues.filter((i) => /https:\/\//.test(i.expected)).map((i) => i.field);
    };
    expect(https).toBeTruthy();
    expect(fieldsOf({ api: { baseUrl: 'http://192.168.1.20:8080/api/' } })).toEqual(['api.baseUrl']);
    expect(fieldsOf({ api: { baseUrl: 'http://tickets.example.com/api/' } })).toEqual(['api.baseUrl']);
    expect(fieldsOf({ payout: { baseUrl: 'http://coins.example.com/v2/' } })).toEqual(['payout.baseUrl']);
    // Also when the section has another error: every error shows at once.
    expect(fieldsOf({ api: { baseUrl: 'http://10.0.0.5/api/', timeoutSeconds: 'slow' } })).toEqual(['api.baseUrl']);
    // https anywhere, and http to this machine, are fine.
    for (const baseUrl of ['https://tickets.example.com/api/', 'http://127.0.0.1:8787/api/', 'http://127.8.9.10/api/', 'http://localhost:3000/', 'http://[::1]:8080/']) {
      expect(parseConfigText(JSON.stringify({ api: { baseUrl } })).ok, baseUrl).toBe(true);
    }
    // A LAN server is allowed only by the section that names it.
    const lan = configSchema.parse({ modules: ['payout'], api: { baseUrl: 'http://192.168.1.20/api/', allowInsecureHttp: true } });
    expect(insecureCloudUrls(lan).map((u) => [u.field, u.url])).toEqual([
      ['api.baseUrl', 'http://192.168.1.20/api/'],
      ['api.baseUrl', 'http://192.168.1.20/api/v2/'],
    ]);
    expect(fieldsOf({ api: { allowInsecureHttp: true }, payout: { baseUrl: 'http://192.168.1.21/v2/' } })).toEqual(['payout.baseUrl']);
    expect(parseConfigText(JSON.stringify({ payout: { baseUrl: 'http://192.168.1.21/v2/', allowInsecureHttp: true } })).ok).toBe(true);
    expect(insecureCloudUrls(configSchema.parse({ modules: ['payout'], api: { baseUrl: 'https://t.example/api/' } }))).toEqual([]);
    // The match videos' storage endpoint too, under the bookings section's switch.
    expect(fieldsOf({ bookings: { s3: { endpoint: 'http://192.168.1.30:9000' } } })).toEqual(['bookings.s3.endpoint']);
    expect(fieldsOf({ bookings: { s3: { endpoint: 'http://127.0.0.1:9000' } } })).toEqual([]);
    expect(fieldsOf({ bookings: { s3: { endpoint: 'https://acct.r2.cloudflarestorage.com' } } })).toEqual([]);
    const storage = configSchema.parse({ modules: ['bookings'], api: { baseUrl: 'https://t.example/api/' }, bookings: { allowInsecureHttp: true, s3: { endpoint: 'http://192.168.1.30:9000' } } });
    expect(insecureCloudUrls(storage).map((u) => [u.field, u.url])).toEqual([['bookings.s3.endpoint', 'http://192.168.1.30:9000']]);
  });

  it('rejects modules it does not know', () => {
    const result = parseConfigText(JSON.stringify({ modules: ['gate', 'rollercoaster'] }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]?.field).toBe('modules.1');
  });

  it('keeps the LAN API off and on loopback by default, and refuses one that no key could open', () => {
    expect(configSchema.parse({}).lanApi).toEqual({ enabled: false, host: '127.0.0.1', port: 8443, apiKeyHashes: [], bodyLimitBytes: 65536, rateLimitPerMinute: 600 });
    const issues = (input: unknown) => {
      const result = parseConfigText(JSON.stringify(input));
      return result.ok ? [] : result.issues.map((i) => `${i.field}: ${i.expected}`);
    };
    expect(issues({ lanApi: { enabled: true } })).toEqual([
      'lanApi.apiKeyHashes: at least one key hash while enabled is true (create one with `booth api-key --config FILE`)',
    ]);
    expect(issues({ lanApi: { enabled: true, apiKeyHashes: ['my-secret-key'], host: 'kiosk.local' } })).toEqual([
      'lanApi.host: an IP address such as "127.0.0.1" (this machine only), the kiosk\'s LAN address, or "0.0.0.0" (every interface)',
      'lanApi.apiKeyHashes.0: a hash printed by `booth api-key` ("sha256:" and 64 hex digits)',
    ]);
    // A key written where its hash belongs is never shown back.
    expect(JSON.stringify(parseConfigText(JSON.stringify({ lanApi: { apiKeyHashes: ['my-secret-key'] } })))).not.toContain('my-secret-key');
    expect(issues({ lanApi: { enabled: true, host: '0.0.0.0', apiKeyHashes: [`sha256:${'ab'.repeat(32)}`] } })).toEqual([]);
  });

  it('never shows secrets in the admin view or in an error', () => {
    const config = configSchema.parse({ api: { apiKey: 'sekrit-key' }, admin: { pinHash: null } });
    const masked = JSON.stringify(maskSecrets(config));
    expect(masked).not.toContain('sekrit-key');
    expect(masked).toContain('••••');
    // The header's name is not a secret and stays readable.
    expect(masked).toContain('"apiKeyHeader":"X-Api-Key"');
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
