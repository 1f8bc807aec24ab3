/**
 * The sessions module's screens in Chromium: the countdown board on the
 * attract screen (every resource, end time, time left counting down, a
 * progress bar, a dash for a free one, the warning near the end) and the
 * attendant's page (start with a preset or a custom length, extend, move,
 * end, maintenance, today's use as a chart), at the three Pi sizes in both
 * languages.
 */
import { expect, test, unlockAdmin } from './support/fixtures';
import { kioskConfig } from './support/host';
import { checkScreen } from './support/layout';

const cafe = (lang: 'en' | 'id') =>
  kioskConfig({
    kioskName: 'Warnet Sentosa',
    extra: {
      modules: ['sessions'],
      screen: { language: lang, idleTimeoutSeconds: 600 },
      admin: { idleTimeoutSeconds: 600 },
      sessions: {
        resources: ['PC01', 'PC02', 'PC03', 'PC04', 'PC05', 'PS5-1'].map((name) => ({ name, kind: name.startsWith('PS') ? 'console' : 'PC' })),
        presetMinutes: [30, 60, 120],
        warningMinutes: [5, 1],
      },
    },
  });

const leftSeconds = (text: string) => {
  const parts = text.trim().split(':').map(Number);
  return parts.reduce((total, n) => total * 60 + n, 0);
};

test('the attendant starts, extends, moves and ends sessions; the board counts down and warns near the end', async ({ page, hosts }) => {
  const host = await hosts.start({ config: await cafe('en') });
  await page.goto(host.url);
  await expect(page.getByTestId('sessions-board')).toBeVisible();
  await expect(page.getByTestId('board-left-PC01')).toHaveText('-');
  await expect(page.getByTestId('board-PC01')).toHaveAttribute('data-status', 'Available');

  await unlockAdmin(page);
  await page.getByTestId('admin-tab-sessions').click();
  await expect(page.getByTestId('admin-sessions')).toBeVisible();
  await page.getByTestId('sessions-start-PC01-30').click();
  await expect(page.getByTestId('sessions-admin-PC01')).toHaveAttribute('data-status', 'Active');
  await page.getByTestId('sessions-extend-PC01-30').click();
  await page.getByTestId('sessions-custom-PC02').fill('1');
  await page.getByTestId('sessions-start-custom-PC02').click();
  await expect(page.getByTestId('sessions-admin-PC02')).toHaveAttribute('data-status', 'Active');
  await page.getByTestId('sessions-maintenance-PC03').click();
  await expect(page.getByTestId('sessions-admin-PC03')).toHaveAttribute('data-status', 'Maintenance');
  await page.getByTestId('sessions-move-PC02').click();
  await page.getByTestId('sessions-move-to-PC04').click();
  await expect(page.getByTestId('sessions-admin-PC04')).toHaveAttribute('data-status', 'Active');
  await expect(page.getByTestId('sessions-admin-PC02')).toHaveAttribute('data-status', 'Available');
  await expect(page.getByTestId('sessions-use-chart')).toBeVisible();
  await expect(page.getByTestId('sessions-today').locator('li')).toHaveCount(2);

  await page.getByTestId('admin-exit').click();
  await expect(page.getByTestId('sessions-board')).toBeVisible();
  // PC01: an hour, counting down; PC04: the one-minute session, in its last minute: warned.
  const first = leftSeconds(await page.getByTestId('board-left-PC01').innerText());
  expect(first).toBeGreaterThan(59 * 60);
  expect(first).toBeLessThanOrEqual(60 * 60);
  await expect.poll(async () => leftSeconds(await page.getByTestId('board-left-PC01').innerText()), { timeout: 5_000 }).toBeLessThan(first);
  await expect(page.getByTestId('board-end-PC01')).toBeVisible();
  await expect(page.getByTestId('board-PC04')).toHaveAttribute('data-warning', '1');
  await expect(page.getByTestId('board-warning-PC04')).toHaveText(/1 minute left/);
  await expect(page.getByTestId('board-PC03')).toHaveAttribute('data-status', 'Maintenance');
  await expect(page.getByTestId('board-PC01').getByRole('progressbar')).toBeVisible();

  // Ended from admin: the board shows the PC free at once, never "Expired".
  await unlockAdmin(page);
  await page.getByTestId('admin-tab-sessions').click();
  await page.getByTestId('sessions-end-PC04').click();
  await expect(page.getByTestId('sessions-admin-PC04')).toHaveAttribute('data-status', 'Available');
  await page.getByTestId('admin-exit').click();
  await expect(page.getByTestId('board-left-PC04')).toHaveText('-');
  await expect(page.getByText(/expired/i)).toHaveCount(0);
});

for (const lang of ['en', 'id'] as const) {
  test(`the board and the attendant's page fit every Pi size in ${lang}`, async ({ page, hosts }) => {
    const host = await hosts.start({ config: await cafe(lang) });
    await page.goto(host.url);
    await expect(page.getByTestId('sessions-board')).toBeVisible();
    await unlockAdmin(page);
    await page.getByTestId('admin-tab-sessions').click();
    await page.getByTestId('sessions-start-PC01-120').click();
    await expect(page.getByTestId('sessions-admin-PC01')).toHaveAttribute('data-status', 'Active');
    await page.getByTestId('sessions-custom-PC02').fill('3');
    await page.getByTestId('sessions-start-custom-PC02').click();
    await expect(page.getByTestId('sessions-admin-PC02')).toHaveAttribute('data-status', 'Active');
    await page.getByTestId('sessions-maintenance-PC05').click();
    await expect(page.getByTestId('sessions-admin-PC05')).toHaveAttribute('data-status', 'Maintenance');
    const problems = await checkScreen(page, lang, 'sessions admin', { scroll: true, shot: 'sessions-admin' });
    await page.getByTestId('admin-exit').click();
    await expect(page.getByTestId('board-PC02')).toHaveAttribute('data-warning', '5');
    problems.push(...(await checkScreen(page, lang, 'sessions board', { shot: 'sessions-board' })));
    expect(problems).toEqual([]);
  });
}
