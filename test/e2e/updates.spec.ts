import { expect, openKiosk, screenshot, test, unlockAdmin } from './support/fixtures';
import { closedPort, kioskConfig } from './support/host';

test('the updates page: running version, check now and why it failed, history; in both languages', async ({ page, hosts }) => {
  const port = await closedPort();
  const host = await hosts.start({ config: { ...(await kioskConfig()), updates: { baseUrl: `https://127.0.0.1:${port}/updates/`, checkIntervalMinutes: 600 } } });
  await openKiosk(page, host);
  await unlockAdmin(page);
  await page.getByTestId('admin-tab-updates').click();
  const pageEl = page.getByTestId('admin-updates');
  await expect(pageEl).toBeVisible();
  await expect(page.getByTestId('updates-current')).toContainText('stable');
  await page.getByTestId('updates-check').click();
  const problem = page.getByTestId('updates-problem');
  await expect(problem).toHaveAttribute('data-kind', 'failed');
  await expect(problem).toHaveAttribute('data-code', 'network');
  await expect(problem).toContainText('The last check failed: the network failed');
  await expect(page.getByTestId('updates-history').locator('tr[data-event="failed"]').first()).toBeVisible();
  await screenshot(page, 'admin-updates-failed-800x480');

  // Bahasa Indonesia (chosen on the attract screen), the same state
  await page.goto(host.url);
  await page.getByTestId('lang-id').click();
  await unlockAdmin(page);
  await page.getByTestId('admin-tab-updates').click();
  await expect(page.getByTestId('admin-updates').locator('h2').first()).toHaveText('Pembaruan');
  await expect(problem).toContainText('Pemeriksaan terakhir gagal: jaringan gagal');
  await screenshot(page, 'admin-updates-failed-id-800x480');
});
