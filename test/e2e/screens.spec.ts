/**
 * Every screen, customer and admin, at 800×480, 720×1280 and 1920×1080 in
 * English and Bahasa Indonesia: nothing overflows the viewport or its box,
 * the status bar stays one row (and small on a 7" screen), and no English
 * from the catalogue is left on an Indonesian screen (support/layout.ts).
 * Screenshots of each at 800×480 and 720×1280 go to test-results/e2e/screenshots.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from '@playwright/test';
import { expect, invokeInPage, test, unlockAdmin } from './support/fixtures';
import { closeGateRigs, ref, startGateRig, ticket, venueDay, waitForGateReady } from './support/gate';
import { kioskConfig } from './support/host';
import { checkScreen } from './support/layout';
import { closePayoutRigs, startPayoutRig } from './support/payout';

test.afterEach(closeGateRigs);
test.afterEach(closePayoutRigs);

const LANGS = ['en', 'id'] as const;
type Lang = (typeof LANGS)[number];

/** A real venue's name, as long as the config allows (40). */
const LONG_NAME = 'Loket Masuk Wahana Air Terjun Selatan 02';

/** Long enough that nothing returns to the attract screen while the sizes are checked. */
const slowScreens = (lang: Lang) => ({
  screen: { language: lang, idleTimeoutSeconds: 600, resultSeconds: 120 },
  admin: { idleTimeoutSeconds: 600 },
});

const scanResult = (page: Page) => page.getByTestId('scan-result');

/** A stand-in cloud whose Date header is 10 minutes behind: online, with the clock warning. */
async function skewedCloud(): Promise<{ url: string; close(): Promise<void> }> {
  const cloud = http.createServer((_req, res) => {
    res.setHeader('Date', new Date(Date.now() - 10 * 60_000).toUTCString());
    res.end();
  });
  await new Promise<void>((resolve) => cloud.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(cloud.address() as AddressInfo).port}/api/`,
    close: async () => {
      cloud.closeAllConnections();
      await new Promise((resolve) => cloud.close(resolve));
    },
  };
}

for (const lang of LANGS) {
  test(`built-in screens fit and speak ${lang}: attract offline and online with a clock warning, PIN, admin overview, logs and audit`, async ({ page, hosts }) => {
    const problems: string[] = [];
    const offline = await hosts.start({ config: await kioskConfig({ kioskName: LONG_NAME, extra: slowScreens(lang) }) });
    await page.goto(offline.url);
    await expect(page.getByTestId('status-online')).toHaveAttribute('data-state', 'offline');
    problems.push(...(await checkScreen(page, lang, 'attract offline', { shot: 'screens-attract-offline' })));

    const cloud = await skewedCloud();
    try {
      const online = await hosts.start({ config: await kioskConfig({ kioskName: LONG_NAME, extra: { ...slowScreens(lang), api: { baseUrl: cloud.url } } }) });
      await page.goto(online.url);
      await expect(page.getByTestId('status-online')).toHaveAttribute('data-state', 'online');
      await expect(page.getByTestId('clock-warning')).toBeVisible();
      problems.push(...(await checkScreen(page, lang, 'attract online, clock warning', { shot: 'screens-attract-clock' })));

      await page.keyboard.press('Control+Shift+A');
      await expect(page.getByTestId('pin-ok')).toBeVisible();
      problems.push(...(await checkScreen(page, lang, 'PIN')));
      for (const d of '1357') await page.getByTestId(`pin-key-${d}`).click();
      await page.getByTestId('pin-ok').click();
      await expect(page.getByTestId('admin-overview')).toBeVisible();
      await expect(page.getByTestId('ov-health')).toBeVisible();
      // In admin, the clock warning has its words.
      await expect(page.getByTestId('clock-warning')).toHaveAttribute('data-words', 'true');
      problems.push(
        ...(await checkScreen(page, lang, 'admin overview', {
          scroll: true,
          shot: 'screens-admin-overview',
          each: async (size) => {
            const found: string[] = [];
            // The health card comes first; on a 7" screen the page is a little over two screens, not five.
            const first = await page.locator('[data-testid="admin-overview"] > .admin-card').first().getAttribute('data-testid');
            if (first !== 'ov-health') found.push(`the first card is ${first}, not the health card`);
            const tall = await page.locator('.app__body').evaluate((b) => b.scrollHeight);
            if (size.name === '800x480' && tall > 1100) found.push(`the overview is ${tall} px tall`);
            return found;
          },
        })),
      );
      await page.getByTestId('ov-config-fold').locator('summary').click();
      await page.getByTestId('ov-log-fold').locator('summary').click();
      problems.push(...(await checkScreen(page, lang, 'admin overview, folds open', { scroll: true })));
      await page.getByTestId('admin-tab-logs').click();
      await expect(page.getByTestId('log-line').first()).toBeVisible();
      problems.push(...(await checkScreen(page, lang, 'admin logs', { scroll: true, shot: 'screens-admin-logs' })));
      await page.getByTestId('admin-tab-audit').click();
      await expect(page.getByTestId('audit-row').first()).toBeVisible();
      problems.push(...(await checkScreen(page, lang, 'admin audit', { scroll: true, shot: 'screens-admin-audit' })));

      // The service goes away: the retry screen.
      await online.stop();
      await expect(page.getByTestId('screen-unavailable')).toBeVisible();
      problems.push(...(await checkScreen(page, lang, 'unavailable', { shot: 'screens-unavailable' })));
    } finally {
      await cloud.close();
    }
    expect(problems).toEqual([]);
  });

  test(`gate screens fit and speak ${lang}: ready, every result with the clock warning, the stepper, uploads waiting, the gate page`, async ({ page, hosts }) => {
    const problems: string[] = [];
    const rig = await startGateRig(hosts, {
      kioskName: LONG_NAME,
      tickets: [
        ticket(1, { A: { pax: 3 } }),
        ticket(2, { A: { pax: 2, used: 2 } }),
        ticket(3, { B: { pax: 2 } }),
        ticket(4, { A: { pax: 1 } }, venueDay(-1)),
        ticket(5, { A: { pax: 12 } }),
        ticket(6, { A: { pax: 6 } }),
        // The server counts more than allowed: a flag for the attendant to resolve.
        ticket(7, { A: { pax: 1, used: 2 } }),
      ],
      // The cloud's clock is 10 minutes ahead: every date decision carries the clock note.
      sim: { clockOffsetMs: 600_000 },
      extra: { ...slowScreens(lang), gate: { choiceTimeoutSeconds: 300 } },
    });
    await page.goto(rig.host.url);
    await waitForGateReady(page);
    await expect(page.getByTestId('clock-warning')).toBeVisible();
    problems.push(...(await checkScreen(page, lang, 'gate ready', { shot: 'screens-gate-ready' })));

    const scan = async (code: string, kind: string, where: string, shot?: string) => {
      await rig.scan(code);
      await expect(scanResult(page)).toHaveAttribute('data-kind', kind);
      problems.push(...(await checkScreen(page, lang, where, shot ? { shot } : {})));
    };
    await scan(ref(1), 'valid', 'valid, three persons, clock note', 'screens-gate-valid');
    await expect(page.getByTestId('scan-clock-warning')).toBeVisible();
    await scan(ref(6), 'valid', 'valid, six persons', 'screens-gate-valid-six');
    await scan(ref(5), 'valid', 'valid, stepper', 'screens-gate-stepper');
    await page.getByTestId('persons-fewer').click();
    await page.getByTestId('choice-confirm').click();
    await expect(scanResult(page)).toHaveAttribute('data-kind', 'admitted');
    problems.push(...(await checkScreen(page, lang, 'admitted', { shot: 'screens-gate-admitted' })));
    await scan(ref(2), 'already-used', 'already used', 'screens-gate-already-used');
    await scan(ref(3), 'not-for-attraction', 'not for this attraction');
    await scan(ref(4, venueDay(-1)), 'wrong-day', 'wrong day', 'screens-gate-wrong-day');
    await scan(ref(999), 'unknown', 'unknown', 'screens-gate-unknown');
    await scan(`${ref(1)}-dummy`, 'test-ticket', 'test ticket');
    await scan('hello world', 'unreadable', 'unreadable');

    // Offline, with an admission waiting to be uploaded: the widest status bar.
    await page.getByTestId('choice-cancel').count();
    rig.sim.set({ down: true });
    await expect(page.getByTestId('status-online')).toHaveAttribute('data-state', 'offline', { timeout: 10_000 });
    await rig.scan(ref(1));
    await expect(scanResult(page)).toHaveAttribute('data-kind', 'valid');
    await page.getByTestId('choice-confirm').click();
    await expect(scanResult(page)).toHaveAttribute('data-kind', 'admitted');
    await expect(page.getByTestId('sync-pending')).toBeVisible();
    problems.push(...(await checkScreen(page, lang, 'admitted offline, upload waiting', { shot: 'screens-gate-offline' })));

    // The attendant's gate page: a download that failed (offline), then the chart, flags and uploads.
    await unlockAdmin(page);
    await page.getByTestId('admin-tab-gate').click();
    await expect(page.getByTestId('admin-gate')).toBeVisible();
    await page.getByTestId('gate-download-now').click();
    await expect(page.getByTestId('download-progress')).toHaveAttribute('data-state', 'failed', { timeout: 15_000 });
    problems.push(
      ...(await checkScreen(page, lang, 'admin gate page', {
        scroll: true,
        shot: 'screens-admin-gate',
        each: async () => {
          const found: string[] = [];
          // Chart labels at least 16 px as drawn (not shrunk with the drawing), the current hour marked.
          const heights = await page.locator('.hour-chart text').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
          if (heights.length === 0 || Math.min(...heights) < 16) found.push(`chart labels ${Math.min(...heights).toFixed(1)} px tall`);
          const fonts = await page.locator('.hour-chart text').evaluateAll((els) => els.map((e) => parseFloat(getComputedStyle(e).fontSize)));
          if (Math.min(...fonts) < 16) found.push(`chart label font ${Math.min(...fonts)} px`);
          if ((await page.locator('[data-testid^="chart-hour-"][data-now="true"] text.is-now').count()) === 0) found.push('the current hour is not marked');
          return found;
        },
      })),
    );
    // Why the download failed, in the screen's language (main's code; the system's words beneath).
    const downloadError = page.getByTestId('gate-download-error');
    await expect(downloadError).toHaveAttribute('data-code', /^net-(unreachable|timeout)$/);
    await expect(downloadError).toHaveText(lang === 'id' ? /^(Tidak dapat menghubungi|Tidak ada jawaban dari) bookings\/summary/ : /^(Cannot reach|No answer from) bookings\/summary/);

    // The scanner unplugged: why, in the screen's language, with its path.
    await rig.pty.close();
    const scannerError = page.getByTestId('gate-scanner-error');
    await expect(scannerError).toHaveAttribute('data-code', 'device-unplugged', { timeout: 15_000 });
    await expect(scannerError).toHaveText(
      lang === 'id' ? `Kabel pemindai dicabut dari ${rig.pty.devicePath}.` : `The scanner was unplugged from ${rig.pty.devicePath}.`,
    );
    problems.push(...(await checkScreen(page, lang, 'admin gate page, scanner unplugged', { scroll: true, shot: 'screens-admin-gate-unplugged' })));

    // A flag resolved with a note: the audit row says what in the screen's language, the note as typed beneath.
    const flag = page.locator('[data-testid^="gate-flag-"][data-kind="over-admission"]');
    const flagId = (await flag.getAttribute('data-testid'))!.replace('gate-flag-', '');
    await page.getByTestId(`gate-flag-resolve-${flagId}`).click();
    await page.getByTestId(`gate-flag-note-${flagId}`).fill('dihitung ulang di gerbang');
    await page.getByTestId(`gate-flag-confirm-${flagId}`).click();
    await expect(flag).toHaveCount(0);
    await page.getByTestId('admin-tab-audit').click();
    const resolved = page.locator('[data-testid="audit-row"][data-action="gate.resolve-flag"] [data-testid="audit-detail"]');
    await expect(resolved).toHaveAttribute('data-code', 'audit-resolve-flag');
    await expect(resolved).toHaveText(lang === 'id' ? `Kelebihan masuk pada tiket ${ref(7)} (A)` : `Over-admission on ticket ${ref(7)} (A)`);
    await expect(page.locator('[data-testid="audit-row"][data-action="gate.resolve-flag"] [data-testid="audit-detail-detail"]')).toHaveText('dihitung ulang di gerbang');
    problems.push(...(await checkScreen(page, lang, 'admin audit, a flag resolved', { scroll: true, shot: 'screens-admin-audit-flag' })));
    rig.sim.set({ down: false });
    expect(problems).toEqual([]);
  });

  test(`payout screens fit and speak ${lang}: amounts in rupiah, QR, paying, done, a jam, out of service, the payout page with an owed payout`, async ({ page, hosts }) => {
    const problems: string[] = [];
    const rig = await startPayoutRig(hosts, {
      kioskName: LONG_NAME,
      payout: { amounts: [5000, 10000, 20000], coinValue: 500, currency: 'IDR', maxAmount: 20000, dailyCap: 1_000_000 },
      sim: { coinValue: 500 },
      extra: slowScreens(lang),
    });
    await page.goto(rig.host.url);
    await expect
      .poll(async () => ((await invokeInPage(page, 'payout:status')) as { value?: { hopper: { connected: boolean } } }).value?.hopper.connected, { timeout: 15_000 })
      .toBe(true);
    await expect(page.getByTestId('amount-5000')).toBeEnabled();
    // Rupiah as people there write them, whatever the screen's language.
    await expect(page.getByTestId('amount-5000')).toContainText('Rp 5.000');
    await expect(page.getByTestId('amount-20000')).toContainText('Rp 20.000');
    // The chosen language chip does not look like an amount button.
    const look = (testId: string) =>
      page.getByTestId(testId).evaluate((el) => {
        const s = getComputedStyle(el);
        return { background: s.backgroundColor, radius: s.borderTopLeftRadius, color: s.color };
      });
    const chip = await look(`lang-${lang}`);
    const amount = await look('amount-5000');
    expect(chip.background).not.toBe(amount.background);
    expect(chip.radius).not.toBe(amount.radius);
    expect(chip.color).not.toBe(amount.color);
    problems.push(...(await checkScreen(page, lang, 'payout start', { shot: 'screens-payout-start' })));

    // A start that cannot be: the customer reads why in the kiosk's language (main sent a code).
    rig.sim.set({ down: true });
    await page.getByTestId('amount-5000').click();
    await expect(page.getByTestId('payout-start-error')).toHaveAttribute('data-code', 'payout-service-offline');
    await expect(page.getByTestId('payout-start-reason')).toHaveText(
      lang === 'id' ? 'Tidak ada koneksi ke layanan pembayaran. Silakan coba lagi nanti.' : 'No connection to the payment service. Please try again later.',
    );
    problems.push(...(await checkScreen(page, lang, 'payout start refused', { shot: 'screens-payout-start-refused' })));
    rig.sim.set({ down: false });

    const session = page.getByTestId('payout-session');
    await page.getByTestId('amount-5000').click();
    await expect(session).toHaveAttribute('data-state', 'waiting-payment');
    await expect(page.getByTestId('payout-qr-image')).toBeVisible();
    problems.push(...(await checkScreen(page, lang, 'payout QR', { shot: 'screens-payout-qr' })));
    rig.sim.payout.pay((await session.getAttribute('data-transaction'))!);
    await expect(session).toHaveAttribute('data-state', 'done', { timeout: 15_000 });
    problems.push(...(await checkScreen(page, lang, 'payout done', { shot: 'screens-payout-done' })));
    await page.getByTestId('payout-finish').click();

    rig.hopper.jamAfter(7);
    await page.getByTestId('amount-10000').click();
    await expect(session).toHaveAttribute('data-state', 'waiting-payment');
    rig.sim.payout.pay((await session.getAttribute('data-transaction'))!);
    await expect(session).toHaveAttribute('data-state', 'partial', { timeout: 15_000 });
    problems.push(...(await checkScreen(page, lang, 'payout stopped', { shot: 'screens-payout-partial' })));
    await page.getByTestId('payout-finish').click();
    await expect(page.getByTestId('payout-out-of-service')).toBeVisible();
    problems.push(...(await checkScreen(page, lang, 'payout out of service', { shot: 'screens-payout-oos' })));

    await unlockAdmin(page);
    await page.getByTestId('admin-tab-payout').click();
    await expect(page.locator('[data-testid^="owed-"][data-reason="partial"]')).toHaveCount(1);
    problems.push(
      ...(await checkScreen(page, lang, 'admin payout page', {
        scroll: true,
        shot: 'screens-admin-payout',
        each: async (size) => {
          // Under ~800 px the owed table is a stack of cards (no squeezed columns); wider, a table.
          const display = await page.locator('[data-testid="owed-payouts"] tbody tr').first().evaluate((tr) => getComputedStyle(tr).display);
          const want = size.width < 1000 ? 'block' : 'table-row';
          return display === want ? [] : [`owed rows display ${display}, not ${want}`];
        },
      })),
    );
    // Why it is out of service, in the screen's language (main sends a code with the coins and the reference).
    await expect(page.getByTestId('payout-oos-reason')).toHaveAttribute('data-code', 'oos-stopped-owed');
    await expect(page.getByTestId('payout-oos-reason')).toHaveText(lang === 'id' ? /^Pengeluaran berhenti \(.+\): 13 koin terutang untuk [0-9A-F]{6}\.$/ : /^Payout stopped \(.+\): 13 coins owed to [0-9A-F]{6}\.$/);
    // The hopper's last error: our words for what kind it is, the driver's words beneath.
    await expect(page.getByTestId('hopper-last-error-kind')).toHaveAttribute('data-kind', 'payout');
    await expect(page.getByTestId('hopper-last-error-kind')).toHaveText(lang === 'id' ? 'Pengeluaran terakhir berhenti:' : 'The last payout stopped:');
    const detail = page.locator('[data-testid^="owed-detail-"][data-code]');
    await expect(detail).toHaveAttribute('data-code', 'owed-stopped');
    await expect(detail).toHaveText(lang === 'id' ? /^Berhenti \(.+\): 7 dari 20 koin dikeluarkan\.$/ : /^Stopped \(.+\): 7 of 20 coins paid\.$/);
    // A refused action speaks the screen's language too, with its numbers: the hopper is still jammed.
    await page.locator('[data-testid^="pay-owed-"]').click();
    const refusal = page.getByTestId('payout-admin-error-notice-reason');
    await expect(refusal).toHaveAttribute('data-code', 'payout-hopper-stopped', { timeout: 15_000 });
    await expect(refusal).toHaveText(lang === 'id' ? /^Hopper berhenti \(.+\): 7 dari 20 koin dikeluarkan\.$/ : /^The hopper stopped \(.+\): 7 of 20 coins paid\.$/);
    problems.push(...(await checkScreen(page, lang, 'admin payout page, a refused action', { scroll: true, shot: 'screens-admin-payout-refused' })));
    await page.getByTestId('admin-tab-overview').click();
    await expect(page.getByTestId('ov-health-hopper')).toBeVisible();
    problems.push(...(await checkScreen(page, lang, 'admin overview, payout', { scroll: true, shot: 'screens-admin-overview-payout' })));
    expect(problems).toEqual([]);
  });

  test(`a refused payout speaks ${lang} with its amounts in rupiah`, async ({ page, hosts }) => {
    // 7 250 is not a whole number of 500 coins: main refuses it, naming both amounts.
    const rig = await startPayoutRig(hosts, {
      kioskName: LONG_NAME,
      payout: { amounts: [5000, 7250], coinValue: 500, currency: 'IDR', maxAmount: 20000, dailyCap: 1_000_000 },
      sim: { coinValue: 500 },
      extra: slowScreens(lang),
    });
    await page.goto(rig.host.url);
    await expect
      .poll(async () => ((await invokeInPage(page, 'payout:status')) as { value?: { hopper: { connected: boolean } } }).value?.hopper.connected, { timeout: 15_000 })
      .toBe(true);
    await page.getByTestId('amount-7250').click();
    await expect(page.getByTestId('payout-start-error')).toHaveAttribute('data-code', 'payout-amount-not-coins');
    await expect(page.getByTestId('payout-start-reason')).toHaveText(
      lang === 'id' ? 'Rp 7.250 tidak dapat dibayar dengan koin Rp 500.' : 'Rp 7.250 cannot be paid in coins of Rp 500.',
    );
    expect(await checkScreen(page, lang, 'payout refused with amounts', { shot: 'screens-payout-refused-amount' })).toEqual([]);
  });

  test(`problem screens fit and speak ${lang}: a config with errors, a database from a newer Booth`, async ({ page, hosts }) => {
    const problems: string[] = [];
    const bad = await kioskConfig({ kioskName: LONG_NAME, extra: { screen: { language: lang }, colour: 'blue', api: { baseUrl: 'not a url' } } });
    const broken = await hosts.start({ config: bad });
    await page.goto(broken.url);
    await expect(page.getByTestId('screen-problem')).toHaveAttribute('data-state', 'config-error');
    // What each field expects, in the screen's language; the names literal.
    const expected = (field: string) => page.locator(`[data-testid="problem-issue"][data-field="${field}"] [data-testid="issue-expected"]`);
    await expect(expected('colour')).toHaveAttribute('data-kind', 'no-such-setting');
    await expect(expected('colour')).toHaveText(lang === 'id' ? 'pengaturan ini tidak ada (periksa ejaannya; lihat docs/config.md)' : 'no such setting (check the spelling; see docs/config.md)');
    await expect(expected('api.baseUrl')).toHaveText(lang === 'id' ? 'URL http(s)' : 'an http(s) URL');
    problems.push(...(await checkScreen(page, lang, 'config error', { scroll: true, shot: 'screens-problem-config' })));

    const dataDir = hosts.tempDir();
    const db = new Database(path.join(dataDir, 'booth.db'));
    db.pragma('user_version = 999');
    db.close();
    const newer = await hosts.start({ dataDir, config: await kioskConfig({ kioskName: LONG_NAME, extra: { screen: { language: lang } } }) });
    await page.goto(newer.url);
    await expect(page.getByTestId('screen-problem')).toHaveAttribute('data-state', 'store-error');
    problems.push(...(await checkScreen(page, lang, 'store error', { scroll: true, shot: 'screens-problem-store' })));
    expect(problems).toEqual([]);
  });
}
