/**
 * The attendant reads the LAN API's state and certificate fingerprint in the
 * admin overview (English and Bahasa Indonesia), the same fingerprint
 * `booth api-fingerprint` prints from the data folder.
 */
import { readFingerprint } from '../../main/api/certificate';
import { expect, screenshot, test, unlockAdmin, openKiosk } from './support/fixtures';
import { kioskConfig } from './support/host';

const KEY_HASH = `sha256:${'ab'.repeat(32)}`;

test('admin overview shows the LAN API running, its address and the certificate fingerprint clients pin', async ({ page, hosts }) => {
  const config = await kioskConfig({ extra: { lanApi: { enabled: true, port: 0, apiKeyHashes: [KEY_HASH] } } });
  const host = await hosts.start({ config });
  await openKiosk(page, host);
  await unlockAdmin(page);
  const card = page.getByTestId('ov-lan-api');
  await expect(card.getByTestId('ov-lan-api-state')).toContainText('Running');
  await expect(card.getByTestId('ov-lan-api-url')).toHaveText(/^https:\/\/127\.0\.0\.1:\d+$/);
  const fingerprint = readFingerprint(host.dataDir);
  expect(fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  await expect(card.getByTestId('ov-lan-api-fingerprint')).toContainText(fingerprint!);
  await card.scrollIntoViewIfNeeded();
  await screenshot(page, 'admin-overview-lan-api-800x480');
  await page.setViewportSize({ width: 720, height: 1280 });
  await card.scrollIntoViewIfNeeded();
  await screenshot(page, 'admin-overview-lan-api-720x1280');
  // The fingerprint wraps inside the card rather than widening the page.
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(720);
});

test('admin overview says the LAN API is off and how to turn it on, in Bahasa Indonesia too', async ({ page, hosts }) => {
  const host = await hosts.start({ config: await kioskConfig({ extra: { screen: { language: 'id' } } }) });
  await openKiosk(page, host);
  await unlockAdmin(page);
  const state = page.getByTestId('ov-lan-api-state');
  await expect(state).toContainText('Mati');
  await expect(state).toContainText('lanApi.enabled');
  await expect(page.getByTestId('ov-lan-api-fingerprint')).toHaveCount(0);
});
