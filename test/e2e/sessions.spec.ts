/**
 * The sessions module's screens in Chromium: the countdown board on the
 * attract screen (every resource, end time, time left counting down, a
 * progress bar, a dash for a free one, the warning near the end) and the
 * attendant's page (start with a preset or a custom length, extend, move,
 * end, maintenance, today's use as a chart), at the three Pi sizes in both
 * languages.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startCloudSim } from '../cloud-sim/server';
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
    // The audit page words each action and its detail in the kiosk's language.
    await page.getByTestId('admin-tab-audit').click();
    const started = page.locator('[data-testid="audit-row"][data-action="sessions.start"]');
    await expect(started).toHaveCount(2);
    await expect(started.first()).toContainText(lang === 'id' ? 'Sesi dimulai' : 'Session started');
    await expect(started.first()).toContainText(lang === 'id' ? 'PC02: 3 menit' : 'PC02: 3 minutes');
    await expect(page.locator('[data-testid="audit-row"][data-action="sessions.maintenance"]')).toContainText(lang === 'id' ? 'PC05: dalam perawatan' : 'PC05: in maintenance');
    await expect(page.locator('[data-testid="audit-row"][data-action^="sessions."] [data-untranslated]')).toHaveCount(0);
    problems.push(...(await checkScreen(page, lang, 'audit with sessions', { scroll: true })));
    await page.getByTestId('admin-exit').click();
    await expect(page.getByTestId('board-PC02')).toHaveAttribute('data-warning', '5');
    problems.push(...(await checkScreen(page, lang, 'sessions board', { shot: 'sessions-board' })));
    expect(problems).toEqual([]);
  });
}

test('the café demo (`--demo cafe`): its PCs on the board, a session booked in the customer app pulled and reported back', async ({ page, hosts }) => {
  const sim = await startCloudSim();
  try {
    const booking = sim.sessions.book({ systemId: 'PC03', minutes: 45 });
    // Where a real kiosk's config would be, a gate's: --demo runs the café anyway, in a folder of its own.
    const dataDir = hosts.tempDir();
    fs.writeFileSync(path.join(dataDir, 'config.json'), JSON.stringify(await kioskConfig({ extra: { modules: ['gate'] } })));
    const host = await hosts.start({ dataDir, extraArgs: ['--demo', 'cafe'], env: { BOOTH_DEMO_CLOUD_URL: sim.apiUrl } });
    await page.goto(host.url);
    await expect(page.getByTestId('sessions-board')).toBeVisible();
    await expect(page.getByTestId('demo-marker')).toBeVisible();
    for (const name of ['PC01', 'PC06', 'PS5']) await expect(page.getByTestId(`board-${name}`)).toBeVisible();
    await expect(page.getByTestId('board-PC03')).toHaveAttribute('data-status', 'Active', { timeout: 15_000 });
    await expect.poll(() => sim.sessions.systems.get('PC03'), { timeout: 15_000 }).toMatchObject({ status: 'Active', activeBooking: booking.id });

    // The demo PIN opens admin; the attendant starts a session, and the cloud hears of it.
    await unlockAdmin(page, '2468');
    await page.getByTestId('admin-tab-sessions').click();
    await page.getByTestId('sessions-start-PC01-30').click();
    await expect(page.getByTestId('sessions-admin-PC01')).toHaveAttribute('data-status', 'Active');
    await expect.poll(() => sim.sessions.systems.get('PC01')?.status, { timeout: 15_000 }).toBe('Active');
    expect(fs.existsSync(path.join(dataDir, 'demo-cafe', 'booth.db'))).toBe(true);
  } finally {
    await sim.close();
  }
});

test('the attendant adds, renames and retires a station in admin (in Bahasa Indonesia); the board follows and the audit says it', async ({ page, hosts }) => {
  const host = await hosts.start({ config: await cafe('id') });
  await page.goto(host.url);
  await unlockAdmin(page);
  await page.getByTestId('admin-tab-sessions').click();
  await expect(page.getByTestId('sessions-resource-PC01')).toHaveAttribute('data-origin', 'config');
  await expect(page.getByTestId('sessions-rename-PC01')).toHaveCount(0);

  await page.getByTestId('sessions-resource-name').fill('PS5 #2');
  await page.getByTestId('sessions-resource-kind').fill('konsol');
  await page.getByTestId('sessions-resource-add').click();
  await expect(page.getByTestId('sessions-admin-PS5 #2')).toHaveAttribute('data-status', 'Available');
  await expect(page.getByTestId('sessions-resource-name')).toHaveValue('');
  // A name in use is refused, in the screen's language.
  await page.getByTestId('sessions-resource-name').fill('pc02');
  await page.getByTestId('sessions-resource-add').click();
  await expect(page.getByTestId('sessions-admin-error')).toContainText('Sudah ada stasiun bernama PC02');
  const problems = await checkScreen(page, 'id', 'sessions resources', { scroll: true, shot: 'sessions-resources' });

  await page.getByTestId('sessions-rename-PS5 #2').click();
  await page.getByTestId('sessions-rename-name-PS5 #2').fill('PlayStation');
  await page.getByTestId('sessions-rename-save-PS5 #2').click();
  await expect(page.getByTestId('sessions-admin-PlayStation')).toBeVisible();
  await page.getByTestId('admin-exit').click();
  await expect(page.getByTestId('board-PlayStation')).toHaveAttribute('data-status', 'Available');

  await unlockAdmin(page);
  await page.getByTestId('admin-tab-sessions').click();
  await page.getByTestId('sessions-retire-PlayStation').click();
  await expect(page.getByTestId('sessions-resource-PlayStation')).toHaveCount(0);
  await page.getByTestId('admin-tab-audit').click();
  await expect(page.locator('[data-testid="audit-row"][data-action="sessions.resource-add"]')).toContainText('Stasiun ditambahkan');
  await expect(page.locator('[data-testid="audit-row"][data-action="sessions.resource-rename"]')).toContainText('PS5 #2 menjadi PlayStation (konsol)');
  await expect(page.locator('[data-testid="audit-row"][data-action="sessions.resource-retire"]')).toContainText('Stasiun dipensiunkan');
  await expect(page.locator('[data-testid="audit-row"][data-action^="sessions.resource-"] [data-untranslated]')).toHaveCount(0);
  await page.getByTestId('admin-exit').click();
  await expect(page.getByTestId('board-PlayStation')).toHaveCount(0);
  await expect(page.getByTestId('board-PC01')).toBeVisible();
  expect(problems).toEqual([]);
});
