/**
 * Tickets dated in another time zone than the kiosk's (issue 9, item 15): the
 * attendant reads it in admin, on the overview and the gate page, in English
 * and in Bahasa Indonesia.
 */
import { expect, openKiosk, screenshot, test, unlockAdmin } from './support/fixtures';
import { closeGateRigs, startGateRig, ticket, venueDay, waitForGateReady } from './support/gate';

test.afterEach(closeGateRigs);

const formatDay = (date: string, locale: string) =>
  new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(Date.parse(`${date}T00:00:00Z`));

for (const { language, locale, words } of [
  { language: 'en', locale: 'en-GB', words: ['Ticket dates suggest another time zone: 30 of the 30 tickets', 'the day before today here', 'time zone Asia/Jakarta', 'and none today', 'Wrong day'] },
  { language: 'id', locale: 'id-ID', words: ['Tanggal tiket menunjukkan zona waktu lain: 30 dari 30 tiket', 'sehari sebelum hari ini di sini', 'zona waktu Asia/Jakarta', 'dan tidak ada yang bertanggal hari ini', 'Bukan hari ini'] },
]) {
  test(`tickets all dated yesterday by the venue's zone: admin says to check the time zone (${language})`, async ({ page, hosts }) => {
    const yesterday = venueDay(-1);
    const rig = await startGateRig(hosts, {
      noScanner: true,
      tickets: Array.from({ length: 30 }, (_, i) => ticket(i + 1, { A: { pax: 2 } }, yesterday)),
      extra: { screen: { language } },
    });
    await openKiosk(page, rig.host);
    await waitForGateReady(page, { scanner: false });
    await unlockAdmin(page);

    const overview = page.getByTestId('ov-time-zone-hint');
    await expect(overview).toBeVisible();
    await expect(overview).toHaveAttribute('data-kind', 'warning');
    for (const text of [...words, formatDay(yesterday, locale), formatDay(venueDay(), locale)]) await expect(overview).toContainText(text);
    await screenshot(page, `admin-overview-time-zone-${language}-800x480`);

    await page.getByTestId('admin-tab-gate').click();
    const gatePage = page.getByTestId('gate-time-zone-hint');
    await expect(gatePage).toBeVisible();
    await expect(gatePage.locator('[data-direction]')).toHaveAttribute('data-direction', 'yesterday');
    for (const text of words) await expect(gatePage).toContainText(text);
    await screenshot(page, `admin-gate-time-zone-${language}-800x480`);
  });
}

test('tickets dated today: no time zone warning', async ({ page, hosts }) => {
  const rig = await startGateRig(hosts, { noScanner: true, tickets: Array.from({ length: 30 }, (_, i) => ticket(i + 1, { A: { pax: 2 } })) });
  await openKiosk(page, rig.host);
  await waitForGateReady(page, { scanner: false });
  await unlockAdmin(page);
  await expect(page.getByTestId('admin-overview')).toBeVisible();
  await expect(page.getByTestId('ov-time-zone-hint')).toHaveCount(0);
  await page.getByTestId('admin-tab-gate').click();
  await expect(page.getByTestId('gate-tickets-stored')).toHaveText('30');
  await expect(page.getByTestId('gate-time-zone-hint')).toHaveCount(0);
});
