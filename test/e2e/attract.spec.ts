import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { enterPin, expect, openKiosk, screenshot, test } from './support/fixtures';
import { kioskConfig } from './support/host';

const SIZES = [
  { name: '800x480', width: 800, height: 480 },
  { name: '720x1280', width: 720, height: 1280 },
  { name: '1920x1080', width: 1920, height: 1080 },
];

test('attract screen: Welcome, kiosk name, offline state; screenshots at three sizes', async ({ page, hosts }) => {
  const host = await hosts.start({ config: await kioskConfig({ kioskName: 'Gate North' }) });
  await openKiosk(page, host);
  await expect(page.getByTestId('attract-title')).toHaveText('Welcome');
  await expect(page.getByTestId('purpose-none')).toContainText('This kiosk is ready');
  await expect(page.getByTestId('kiosk-name')).toHaveText('Gate North');
  // The cloud port is closed: the probe proves offline (icon + word + colour). Offline is not
  // broken (the kiosk works from local data): calm words and colour, not the red of a refusal.
  const online = page.getByTestId('status-online');
  await expect(online).toHaveAttribute('data-state', 'offline');
  await expect(online).toHaveText('Working offline');
  await expect(online.locator('svg[data-icon="cloud-off"]')).toHaveCount(1);
  const red = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--error').trim());
  expect(red).toBe('#b3261e');
  await expect(online).not.toHaveCSS('background-color', 'rgb(179, 38, 30)');
  await expect(page.getByTestId('clock')).toHaveAttribute('data-time-zone', 'Asia/Jakarta');
  await expect(page.getByTestId('clock-time')).toHaveText(/^\d{2}:\d{2}$/);
  await expect(page.getByTestId('demo-marker')).toHaveCount(0);
  await expect(page.getByTestId('clock-warning')).toHaveCount(0);

  for (const size of SIZES) {
    await page.setViewportSize({ width: size.width, height: size.height });
    await expect(page.getByTestId('attract-title')).toBeInViewport();
    await expect(page.getByTestId('lang-toggle')).toBeInViewport();
    // Touch targets stay at least 64 px at every size.
    for (const id of ['kiosk-name', 'lang-en', 'lang-id']) {
      const box = await page.getByTestId(id).boundingBox();
      expect(box!.height, `${id} height at ${size.name}`).toBeGreaterThanOrEqual(64);
      expect(box!.width, `${id} width at ${size.name}`).toBeGreaterThanOrEqual(64);
    }
    await screenshot(page, `attract-${size.name}`);
  }
});

test('demo profile: Demo marker, PIN hint, and the demo PIN opens admin', async ({ page, hosts }) => {
  const host = await hosts.start(); // no config, not packaged → demo
  await openKiosk(page, host);
  await expect(page.getByTestId('demo-marker')).toHaveText('Demo');
  await expect(page.getByTestId('demo-pin-hint')).toContainText('2468');
  await screenshot(page, 'attract-demo-800x480');
  await page.keyboard.press('Control+Shift+A');
  await enterPin(page, '2468');
  await expect(page.getByTestId('screen-admin')).toBeVisible();
  await expect(page.getByTestId('ov-config-path')).toContainText('demo');
});

test('language switch EN → ID changes the texts; idle returns to the default language', async ({ page, hosts }) => {
  const host = await hosts.start({ config: await kioskConfig() });
  await openKiosk(page, host);
  await expect(page.getByTestId('status-online')).toHaveAttribute('data-state', 'offline');
  await expect(page.getByTestId('lang-en')).toHaveAttribute('aria-pressed', 'true');

  await page.getByTestId('lang-id').click();
  await expect(page.getByTestId('attract-title')).toHaveText('Selamat datang');
  await expect(page.getByTestId('purpose-none')).toContainText('Kios ini siap digunakan');
  await expect(page.getByTestId('status-online')).toHaveText('Bekerja offline');
  await expect(page.getByTestId('lang-id')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('html')).toHaveAttribute('lang', 'id');
  await screenshot(page, 'attract-id-800x480');

  // The PIN screen in Indonesian too.
  await page.keyboard.press('Control+Shift+A');
  await expect(page.getByTestId('pin-cancel')).toHaveText('Batal');
  await page.getByTestId('pin-cancel').click();
  await expect(page.getByTestId('attract-title')).toHaveText('Selamat datang');

  // No input for the idle timeout (5 s): back to English.
  const switchedAt = Date.now();
  await expect(page.getByTestId('attract-title')).toHaveText('Welcome', { timeout: 12_000 });
  expect(Date.now() - switchedAt).toBeGreaterThanOrEqual(4000);
  await expect(page.getByTestId('status-online')).toHaveText('Working offline');
  await expect(page.getByTestId('lang-en')).toHaveAttribute('aria-pressed', 'true');
});

test('online state and the clock warning when the cloud clock differs', async ({ page, hosts }) => {
  // A stand-in cloud whose Date header is 10 minutes behind the kiosk.
  const cloud = http.createServer((_req, res) => {
    res.setHeader('Date', new Date(Date.now() - 10 * 60_000).toUTCString());
    res.end();
  });
  await new Promise<void>((resolve) => cloud.listen(0, '127.0.0.1', resolve));
  try {
    const port = (cloud.address() as AddressInfo).port;
    const host = await hosts.start({ config: await kioskConfig({ extra: { api: { baseUrl: `http://127.0.0.1:${port}/api/` } } }) });
    await openKiosk(page, host);
    const online = page.getByTestId('status-online');
    await expect(online).toHaveAttribute('data-state', 'online');
    await expect(online).toHaveText('Online');
    await expect(online.locator('svg[data-icon="check"]')).toHaveCount(1);
    // For customers an icon, its words as its label; the words themselves in admin.
    const warning = page.getByTestId('clock-warning');
    await expect(warning).toHaveAttribute('aria-label', 'Clock is off by 10 min');
    await expect(warning).toHaveText('');
    await expect(warning.locator('svg[data-icon="clock"]')).toHaveCount(1);
    await screenshot(page, 'attract-online-clock-warning-800x480');
    await page.getByTestId('lang-id').click();
    await expect(warning).toHaveAttribute('aria-label', 'Jam meleset 10 menit');
    await expect(online).toHaveText('Terhubung');
    await page.keyboard.press('Control+Shift+A');
    for (const d of '1357') await page.getByTestId(`pin-key-${d}`).click();
    await page.getByTestId('pin-ok').click();
    await expect(page.getByTestId('screen-admin')).toBeVisible();
    await expect(warning).toHaveText('Jam meleset 10 menit');
    await expect(page.getByTestId('ov-health-clock')).toHaveText('Jam meleset 10 menit');
  } finally {
    cloud.closeAllConnections();
    await new Promise((resolve) => cloud.close(resolve));
  }
});

test('a kiosk whose default language is Indonesian starts in Indonesian', async ({ page, hosts }) => {
  const host = await hosts.start({ config: await kioskConfig({ extra: { screen: { language: 'id' } } }) });
  await page.goto(host.url);
  await expect(page.getByTestId('attract-title')).toHaveText('Selamat datang');
  await expect(page.getByTestId('lang-id')).toHaveAttribute('aria-pressed', 'true');
  await page.getByTestId('lang-en').click();
  await expect(page.getByTestId('attract-title')).toHaveText('Welcome');
  await expect(page.getByTestId('attract-title')).toHaveText('Selamat datang', { timeout: 12_000 });
});
