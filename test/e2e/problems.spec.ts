import fs from 'node:fs';
import path from 'node:path';
import { expect, invokeInPage, screenshot, test } from './support/fixtures';

const SECRET = 'sk-live-0a1b2c3d4e5f';
const BAD_CONFIG = `{
  "kioskName": 42,
  "colour": "blue",
  "api": { "baseUrl": "not a url", "apikey": "${SECRET}" },
  "fetch_interval": 300,
  "devices": { "scanner": { "terminator": "TAB" } }
}
`;

test('config error screen names each field and what it needs, never a value; the file is unchanged', async ({ page, hosts }) => {
  const dir = hosts.tempDir();
  const file = path.join(dir, 'booth-config.json');
  fs.writeFileSync(file, BAD_CONFIG);
  const before = fs.readFileSync(file);
  const mtime = fs.statSync(file).mtimeMs;

  const host = await hosts.start({ dataDir: dir, configPath: file });
  await page.goto(host.url);
  const screen = page.getByTestId('screen-problem');
  await expect(screen).toHaveAttribute('data-state', 'config-error');
  await expect(page.getByTestId('problem-kind')).toHaveText('Configuration error');
  await expect(page.getByTestId('problem-title')).toHaveText('The configuration has errors');
  await expect(page.getByTestId('problem-file')).toHaveText(file);
  await expect(page.getByTestId('problem-howtofix')).toContainText(file);

  const row = (field: string) => page.locator(`[data-testid="problem-issue"][data-field="${field}"]`);
  await expect(row('kioskName').getByTestId('issue-expected')).toHaveText('text in quotes (1 to 40 characters)');
  await expect(row('colour').getByTestId('issue-expected')).toContainText('no such setting');
  await expect(row('api.apikey').getByTestId('issue-expected')).toHaveText('no such setting: did you mean api.apiKey?');
  await expect(row('api.baseUrl').getByTestId('issue-expected')).toContainText('http(s) URL');
  // A seed-style key is pointed to Booth's name; a wrong choice reads as the choices.
  await expect(row('fetch_interval').getByTestId('issue-expected')).toHaveText('no such setting: did you mean services.fetchIntervalSeconds?');
  await expect(row('devices.scanner.terminator').getByTestId('issue-expected')).toHaveText('one of CR, LF, CRLF');
  // Nothing but these fields is named, and no value from the file is shown.
  const fields = await page.getByTestId('issue-field').allTextContents();
  expect(new Set(fields)).toEqual(new Set(['kioskName', 'colour', 'api.apikey', 'api.baseUrl', 'fetch_interval', 'devices.scanner.terminator']));
  await expect(page.getByTestId('issue-value')).toHaveCount(0);
  const shown = await page.getByTestId('screen-problem').innerText();
  for (const value of [SECRET, 'blue', 'not a url', '42', 'TAB']) expect(shown).not.toContain(value);
  expect(shown).not.toMatch(/Invalid (input|option)|received|>=/);
  // Nor does the contract hand it to the page.
  expect(JSON.stringify(await invokeInPage(page, 'kiosk:boot'))).not.toContain(SECRET);

  // No admin on a kiosk that is not running.
  await page.keyboard.press('Control+Shift+A');
  await expect(page.getByTestId('screen-pin')).toHaveCount(0);
  await expect(page.getByTestId('status-online')).toHaveCount(0);
  await screenshot(page, 'config-error-800x480');
  await page.setViewportSize({ width: 720, height: 1280 });
  await screenshot(page, 'config-error-720x1280');

  await host.stop();
  // The log has the details for the installer, with the secret masked.
  const log = fs.readFileSync(path.join(dir, 'booth.log'), 'utf8');
  expect(log).toContain('kioskName = 42');
  expect(log).toContain('api.apikey = ••••');
  expect(log).not.toContain(SECRET);
  expect(fs.readFileSync(file).equals(before)).toBe(true);
  expect(fs.statSync(file).mtimeMs).toBe(mtime);
});

test('a packaged kiosk with no config shows "not configured" and how to configure it', async ({ page, hosts }) => {
  const host = await hosts.start({ packaged: true });
  await page.goto(host.url);
  await expect(page.getByTestId('screen-problem')).toHaveAttribute('data-state', 'not-configured');
  await expect(page.getByTestId('problem-kind')).toHaveText('Not configured');
  await expect(page.getByTestId('problem-title')).toHaveText('This kiosk is not configured yet');
  await expect(page.getByTestId('problem-file')).toHaveText(path.join(host.dataDir, 'config.json'));
  await expect(page.getByTestId('problem-howtofix')).toContainText('set-pin');
  await expect(page.getByTestId('problem-issues')).toHaveCount(0);
  await expect(page.getByTestId('demo-marker')).toHaveCount(0);
  await page.keyboard.press('Control+Shift+A');
  await expect(page.getByTestId('screen-pin')).toHaveCount(0);
  await screenshot(page, 'not-configured-800x480');
  expect(fs.existsSync(path.join(host.dataDir, 'config.json'))).toBe(false);
});

test('a problem screen is for customers first, in the kiosk\'s language; the attendant\'s part below it is translated too', async ({ page, hosts }) => {
  const dir = hosts.tempDir();
  const file = path.join(dir, 'booth-config.json');
  fs.writeFileSync(file, JSON.stringify({ kioskName: 'Gerbang Utara', screen: { language: 'id' }, colour: 'blue' }));
  const host = await hosts.start({ dataDir: dir, configPath: file });
  await page.goto(host.url);
  await expect(page.getByTestId('screen-problem')).toHaveAttribute('data-state', 'config-error');
  // The customer's part: large, first, in view on a 7" screen, in Indonesian.
  const customer = page.getByTestId('problem-customer');
  await expect(page.getByTestId('problem-out-of-service')).toHaveText('Tidak beroperasi');
  await expect(customer).toContainText('Silakan hubungi petugas.');
  await expect(customer).toBeInViewport({ ratio: 1 });
  const customerBox = (await customer.boundingBox())!;
  const attendantBox = (await page.getByTestId('problem-attendant').boundingBox())!;
  expect(customerBox.y).toBeLessThan(attendantBox.y);
  const fontSize = await page.getByTestId('problem-out-of-service').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  const titleSize = await page.getByTestId('problem-title').evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  expect(fontSize).toBeGreaterThan(titleSize * 1.3);
  // The attendant's part, worded here from main's code, also in Indonesian.
  await expect(page.getByTestId('problem-kind')).toHaveText('Kesalahan konfigurasi');
  await expect(page.getByTestId('problem-title')).toHaveText('Konfigurasi mengandung kesalahan');
  await expect(page.getByTestId('problem-message')).toHaveText(`Booth tidak berjalan karena ${file} mengandung 1 kesalahan. Berkas tidak diubah.`);
  await expect(page.getByTestId('problem-howtofix')).toContainText(`Perbaiki kolom yang tercantum di bawah dalam ${file}`);
  // What the field expects is in Indonesian too, the key's name literal.
  const expected = page.locator('[data-testid="problem-issue"][data-field="colour"] [data-testid="issue-expected"]');
  await expect(expected).not.toHaveAttribute('data-untranslated', 'true');
  await expect(expected).toHaveText('pengaturan ini tidak ada (periksa ejaannya; lihat docs/config.md)');
  await screenshot(page, 'config-error-id-800x480');
});
