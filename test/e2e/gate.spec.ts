/**
 * The ticket gate in Chromium: scans through the REAL serialport on a socat
 * pty (the scanner simulator writes the codes), the keyboard-wedge fallback,
 * the person choice, the network unplugged, and the attendant's gate page.
 */
import Database from 'better-sqlite3';
import { startCloudSim } from '../cloud-sim/server';
import { createPtyPair } from '../sim/pty';
import { expect, invokeInPage, openKiosk, screenshot, test, unlockAdmin } from './support/fixtures';
import { closeGateRigs, ref, startGateRig, ticket, venueDay, waitForGateReady } from './support/gate';

test.afterEach(closeGateRigs);

const result = (page: import('@playwright/test').Page) => page.getByTestId('scan-result');

test('every result through the serial scanner, shown with colour, icon and words', async ({ page, hosts }) => {
  const yesterday = venueDay(-1);
  const rig = await startGateRig(hosts, {
    tickets: [
      ticket(1, { A: { pax: 3 }, B: { pax: 1 } }),
      ticket(2, { A: { pax: 2, used: 2 } }),
      ticket(3, { B: { pax: 2 } }),
      ticket(4, { A: { pax: 1 } }, yesterday),
      ticket(5, { A: { pax: 1 } }),
      ticket(6, { A: { pax: 0 }, C: { pax: 4 } }),
    ],
  });
  await openKiosk(page, rig.host);
  await waitForGateReady(page);
  await expect(page.getByTestId('gate-ready')).toContainText('Scan your ticket');
  await expect(page.getByTestId('gate-attraction')).toHaveText('Entrance to A');
  await expect(page.getByTestId('demo-open')).toHaveCount(0);
  await expect(page.getByTestId('test-mode-banner')).toHaveCount(0);
  await screenshot(page, 'gate-ready-800x480');

  // VALID: reference, booking date, persons left; choose 2 of 3 → Please proceed.
  await rig.scan(ref(1));
  await expect(result(page)).toHaveAttribute('data-kind', 'valid');
  await expect(result(page)).toHaveAttribute('data-tone', 'ok');
  await expect(result(page).locator('svg[data-icon="check"]').first()).toBeVisible();
  await expect(page.getByTestId('scan-title')).toHaveText('Valid ticket');
  await expect(page.getByTestId('scan-reference')).toHaveText(ref(1));
  await expect(page.getByTestId('persons-left')).toHaveText('3 of 3 persons left');
  await expect(page.getByTestId('person-choice')).toHaveAttribute('data-selected', '3');
  await expect(page.getByTestId('persons-3')).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByTestId('persons-4')).toHaveCount(0);
  await screenshot(page, 'gate-valid-800x480');
  for (const [w, h] of [[720, 1280], [1920, 1080]] as const) {
    await page.setViewportSize({ width: w, height: h });
    await expect(page.getByTestId('choice-confirm')).toBeInViewport();
    await screenshot(page, `gate-valid-${w}x${h}`);
  }
  await page.setViewportSize({ width: 800, height: 480 });
  await page.getByTestId('persons-2').click();
  await expect(page.getByTestId('choice-confirm')).toHaveText('Let 2 persons in');
  await page.getByTestId('choice-confirm').click();
  await expect(result(page)).toHaveAttribute('data-kind', 'admitted');
  await expect(page.getByTestId('scan-title')).toHaveText('Please proceed');
  await expect(page.getByTestId('admitted-persons')).toHaveText('2 persons may enter.');
  await expect(page.getByTestId('admitted-left')).toHaveText('1 person left on this ticket.');
  await screenshot(page, 'gate-proceed-800x480');
  expect(rig.admissions(ref(1))).toEqual([{ reference: ref(1), persons: 2, test: 0 }]);
  // The result returns to the ready screen by itself.
  await expect(page.getByTestId('screen-attract')).toBeVisible({ timeout: 10_000 });

  // The same ticket again: 1 of 3 left, admitted without the question → then ALREADY USED here, with when and where.
  await rig.scan(ref(1));
  await expect(result(page)).toHaveAttribute('data-kind', 'admitted');
  await expect(page.getByTestId('admitted-left')).toHaveText('0 persons left on this ticket.');
  await rig.scan(ref(1));
  await expect(result(page)).toHaveAttribute('data-kind', 'already-used');
  await expect(result(page)).toHaveAttribute('data-tone', 'deny');
  await expect(page.getByTestId('scan-title')).toHaveText('Already used');
  await expect(page.getByTestId('last-used')).toHaveText(/^Last used \d{2}:\d{2} at Gate North\.$/);
  await screenshot(page, 'gate-already-used-800x480');
  await page.setViewportSize({ width: 720, height: 1280 });
  await screenshot(page, 'gate-already-used-720x1280');
  await page.setViewportSize({ width: 800, height: 480 });

  // Used up by the server's count (another gate): "at another gate".
  await rig.scan(ref(2));
  await expect(result(page)).toHaveAttribute('data-kind', 'already-used');
  await expect(page.getByTestId('last-used')).toHaveText('Used at another gate.');

  // NOT FOR THIS ATTRACTION: no allowance for A, or pax 0.
  await rig.scan(ref(3));
  await expect(result(page)).toHaveAttribute('data-kind', 'not-for-attraction');
  await expect(result(page)).toContainText('This ticket does not include A.');
  await screenshot(page, 'gate-not-for-attraction-800x480');
  await rig.scan(ref(6));
  await expect(result(page)).toHaveAttribute('data-kind', 'not-for-attraction');

  // WRONG DAY: the booking date against today in the venue.
  await rig.scan(ref(4, yesterday));
  await expect(result(page)).toHaveAttribute('data-kind', 'wrong-day');
  await expect(page.getByTestId('wrong-day-dates')).toHaveAttribute('data-booking', yesterday);
  await expect(page.getByTestId('wrong-day-dates')).toHaveAttribute('data-today', venueDay());
  await expect(page.getByTestId('wrong-day-dates')).toContainText('Today is');
  await screenshot(page, 'gate-wrong-day-800x480');

  // UNKNOWN, with the time of the last successful download.
  await rig.scan(ref(999));
  await expect(result(page)).toHaveAttribute('data-kind', 'unknown');
  await expect(page.getByTestId('scan-title')).toHaveText('Ticket not found');
  await expect(page.getByTestId('last-download')).toHaveText(/^Ticket list updated \d{2}:\d{2} \(.+\)\.$/);
  await screenshot(page, 'gate-unknown-800x480');

  // TEST TICKET refused while test mode is off.
  await rig.scan(`${ref(5)}-dummy`);
  await expect(result(page)).toHaveAttribute('data-kind', 'test-ticket');
  await expect(page.getByTestId('scan-title')).toHaveText('Test ticket: not accepted');
  await screenshot(page, 'gate-test-ticket-800x480');

  // UNREADABLE: not a ticket code; too long; control bytes.
  await rig.scan('hello world');
  await expect(result(page)).toHaveAttribute('data-kind', 'unreadable');
  await expect(page.getByTestId('unreadable-reason')).toHaveAttribute('data-reason', 'no-reference');
  await screenshot(page, 'gate-unreadable-800x480');
  await rig.scan('9'.repeat(400));
  await expect(page.getByTestId('unreadable-reason')).toHaveAttribute('data-reason', 'too-long');
  await rig.scanner.writeRaw(Buffer.from([0x41, 0x01, 0x42, 0x0d]));
  await expect(page.getByTestId('unreadable-reason')).toHaveAttribute('data-reason', 'control-bytes');

  // WITHDRAWN: gone from the latest complete download.
  rig.sim.tickets.clear();
  rig.sim.tickets.seed([ticket(1, { A: { pax: 3 } }), ticket(2, { A: { pax: 2, used: 2 } })]);
  expect(((await invokeInPage(page, 'admin:unlock', { pin: '1357' })) as { ok: boolean }).ok).toBe(true);
  await invokeInPage(page, 'gate:download-now');
  await expect
    .poll(async () => ((await invokeInPage(page, 'gate:admin-summary')) as { value: { lastDownload: { state: string; withdrawn: number } } }).value.lastDownload)
    .toMatchObject({ state: 'done', withdrawn: 4 });
  await invokeInPage(page, 'admin:exit', { reason: 'user' });
  await rig.scan(ref(5));
  await expect(result(page)).toHaveAttribute('data-kind', 'withdrawn');
  await expect(page.getByTestId('scan-title')).toHaveText('Ticket withdrawn');
  await screenshot(page, 'gate-withdrawn-800x480');

  // In Bahasa Indonesia.
  await expect(page.getByTestId('screen-attract')).toBeVisible({ timeout: 10_000 });
  await page.getByTestId('lang-id').click();
  await expect(page.getByTestId('gate-ready')).toContainText('Pindai tiket Anda');
  await rig.scan(ref(2));
  await expect(page.getByTestId('scan-title')).toHaveText('Sudah digunakan');
  await expect(page.getByTestId('last-used')).toHaveText('Sudah digunakan di gerbang lain.');
  await screenshot(page, 'gate-already-used-id-800x480');
});

test('a new scan replaces a result and cancels its choice; an unanswered choice holds the idle reset, then cancels and records nothing', async ({ page, hosts }) => {
  const rig = await startGateRig(hosts, { tickets: [ticket(1, { A: { pax: 2 } }), ticket(2, { A: { pax: 4 } }), ticket(3, { A: { pax: 12 } }), ticket(4, { A: { pax: 6 } })] });
  await openKiosk(page, rig.host);
  await waitForGateReady(page);

  await rig.scan(ref(1));
  await expect(result(page)).toHaveAttribute('data-kind', 'valid');
  const first = (await result(page).getAttribute('data-scan-id'))!;
  await page.getByTestId('persons-1').click();

  // A new scan while the choice shows replaces it; the first scan is cancelled in main.
  await rig.scan(ref(2));
  await expect(result(page)).not.toHaveAttribute('data-scan-id', first);
  await expect(page.getByTestId('scan-reference')).toHaveText(ref(2));
  await expect(page.getByTestId('persons-left')).toHaveText('4 of 4 persons left');
  await expect
    .poll(async () => ((await invokeInPage(page, 'gate:admit', { scanId: first, persons: 1 })) as { value: { status: string } }).value.status)
    .toBe('expired');

  // A non-valid result is replaced too.
  await rig.scan(ref(404));
  await expect(result(page)).toHaveAttribute('data-kind', 'unknown');

  // Cancel: back to the ready screen, nothing recorded.
  await rig.scan(ref(1));
  await expect(result(page)).toHaveAttribute('data-kind', 'valid');
  await page.getByTestId('choice-cancel').click();
  await expect(page.getByTestId('screen-attract')).toBeVisible();

  // Six persons: one button each, all on screen.
  await rig.scan(ref(4));
  await expect(page.getByTestId('persons-6')).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByTestId('persons-1')).toBeInViewport();
  await expect(page.getByTestId('choice-cancel')).toBeInViewport();
  await screenshot(page, 'gate-valid-six-800x480');

  // More than six persons left: a stepper, default all left.
  await rig.scan(ref(3));
  await expect(page.getByTestId('persons-value')).toHaveText('12');
  await page.getByTestId('persons-fewer').click();
  await page.getByTestId('persons-fewer').click();
  await expect(page.getByTestId('choice-confirm')).toHaveText('Let 10 persons in');
  await screenshot(page, 'gate-valid-stepper-800x480');
  const scanId = (await result(page).getAttribute('data-scan-id'))!;
  const shownAt = Date.now();

  // Left alone: the idle reset (5 s here) does not cut the choice short…
  await page.waitForTimeout(8000);
  await expect(result(page)).toHaveAttribute('data-scan-id', scanId);
  // …the choice times out as cancel (20 s) and returns to the ready screen, recording nothing.
  await expect(page.getByTestId('screen-attract')).toBeVisible({ timeout: 20_000 });
  expect(Date.now() - shownAt).toBeGreaterThanOrEqual(19_000);
  expect(rig.admissions()).toEqual([]);
  expect(((await invokeInPage(page, 'gate:admit', { scanId, persons: 1 })) as { value: { status: string } }).value.status).toBe('expired');
  await rig.scan(ref(3));
  await expect(page.getByTestId('persons-value')).toHaveText('12');
});

test('keyboard-wedge scanner: a fast burst ending in Enter is a scan in any keyboard layout; slow typing is not; the PIN pad keeps its keys; HTML-looking scans are text', async ({ page, hosts }) => {
  const rig = await startGateRig(hosts, {
    tickets: [ticket(1, { A: { pax: 2 } }), ticket(2, { A: { pax: 3 } })],
    extra: { gate: { referencePattern: '^(.+)$' } },
  });
  await openKiosk(page, rig.host);
  await waitForGateReady(page);

  // Slow typing (a person): nothing happens.
  await page.keyboard.type(ref(1), { delay: 120 });
  await page.keyboard.press('Enter');
  await page.waitForTimeout(500);
  await expect(page.getByTestId('screen-attract')).toBeVisible();
  await expect(result(page)).toHaveCount(0);

  // A burst, as a wedge scanner types it.
  await page.keyboard.type(ref(1), { delay: 0 });
  await page.keyboard.press('Enter');
  await expect(result(page)).toHaveAttribute('data-kind', 'valid');
  await expect(page.getByTestId('scan-reference')).toHaveText(ref(1));

  // The Enter that ends a scan never presses the focused button: choose 1 (focus stays on it), then scan ticket 2.
  await page.getByTestId('persons-1').click();
  await page.getByTestId('choice-confirm').focus();
  await page.keyboard.type(ref(2), { delay: 0 });
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('scan-reference')).toHaveText(ref(2));
  expect(rig.admissions()).toEqual([]);

  // Decoded from the physical keys (the scanner presses US-layout keys): on a French AZERTY
  // keyboard the same keys give other `key`s ('&é"'(-è_çà' for the digits, ')' for Minus).
  const azerty: Record<string, string> = { Digit0: 'à', Digit1: '&', Digit2: 'é', Digit3: '"', Digit4: "'", Digit5: '(', Digit6: '-', Digit7: 'è', Digit8: '_', Digit9: 'ç', Minus: ')' };
  const code = ref(1);
  await page.evaluate(
    async ({ code, azerty }) => {
      const send = (init: KeyboardEventInit) => window.dispatchEvent(new KeyboardEvent('keydown', { bubbles: true, cancelable: true, ...init }));
      for (const ch of code) {
        const physical = ch === '-' ? 'Minus' : `Digit${ch}`;
        send({ code: physical, key: azerty[physical] ?? ch });
        await new Promise((r) => setTimeout(r, 8));
      }
      send({ code: 'Enter', key: 'Enter' });
    },
    { code, azerty },
  );
  await expect(page.getByTestId('scan-reference')).toHaveText(ref(1));

  // Shifted keys and symbols, decoded as a US-layout scanner means them (the pattern here keeps the whole line).
  await page.evaluate(async () => {
    const keys: [string, boolean][] = [];
    for (const ch of 'HTTPS://T.EXAMPLE/A_B?') {
      if (ch >= 'A' && ch <= 'Z') keys.push([`Key${ch}`, true]);
      else if (ch === ':') keys.push(['Semicolon', true]);
      else if (ch === '/') keys.push(['Slash', false]);
      else if (ch === '?') keys.push(['Slash', true]);
      else if (ch === '.') keys.push(['Period', false]);
      else if (ch === '_') keys.push(['Minus', true]);
    }
    const send = (code: string, shiftKey: boolean) =>
      window.dispatchEvent(new KeyboardEvent('keydown', { bubbles: true, cancelable: true, code, shiftKey, key: 'x' }));
    for (const [code, shift] of keys) {
      if (shift) send('ShiftLeft', true);
      send(code, shift);
      await new Promise((r) => setTimeout(r, 5));
    }
    send('Enter', false);
  });
  await expect(result(page)).toHaveAttribute('data-kind', 'unknown');
  await expect(page.getByTestId('scan-reference')).toHaveText('HTTPS://T.EXAMPLE/A_B?');

  // Scanned text that looks like HTML is shown as text, never parsed (here through the serial scanner).
  const html = '<img src=x onerror="window.__xss=1"><b>bold</b><script>window.__xss=2</script>';
  await rig.scan(html);
  await expect(result(page)).toHaveAttribute('data-kind', 'unknown');
  await expect(page.getByTestId('scan-reference')).toHaveText(html);
  await expect(result(page).locator('img, b, script')).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  await screenshot(page, 'gate-html-as-text-800x480');

  // On the PIN screen every key belongs to the PIN pad, even typed fast.
  await page.keyboard.press('Control+Shift+A');
  await expect(page.getByTestId('screen-pin')).toBeVisible();
  await expect(page.getByTestId('pin-ok')).toBeVisible();
  await page.keyboard.type('1357', { delay: 0 });
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('screen-admin')).toBeVisible();
});

test('CANNOT RECORD when the admission cannot be committed: never "Please proceed", and nothing is recorded', async ({ page, hosts }) => {
  const rig = await startGateRig(hosts, { tickets: [ticket(1, { A: { pax: 2 } })] });
  await openKiosk(page, rig.host);
  await waitForGateReady(page);

  // Another process holds the database's write lock: the kiosk's commit fails (SQLITE_BUSY after its busy timeout).
  const blocker = new Database(rig.dbFile);
  blocker.exec('BEGIN IMMEDIATE');
  try {
    await rig.scan(ref(1));
    await expect(result(page)).toHaveAttribute('data-kind', 'valid');
    await page.getByTestId('choice-confirm').click();
    await expect(result(page)).toHaveAttribute('data-kind', 'cannot-record', { timeout: 15_000 });
  } finally {
    blocker.exec('ROLLBACK');
    blocker.close();
  }
  await expect(page.getByTestId('scan-title')).toHaveText('Cannot record: please see the attendant');
  await expect(result(page)).toHaveAttribute('data-tone', 'deny');
  await expect(page.getByText('Please proceed')).toHaveCount(0);
  await screenshot(page, 'gate-cannot-record-800x480');
  expect(rig.admissions()).toEqual([]);

  // Nothing half-written: the ticket still has both persons, and the next admission records.
  await expect(page.getByTestId('screen-attract')).toBeVisible({ timeout: 10_000 });
  await rig.scan(ref(1));
  await expect(page.getByTestId('persons-left')).toHaveText('2 of 2 persons left');
  await page.getByTestId('choice-confirm').click();
  await expect(result(page)).toHaveAttribute('data-kind', 'admitted');
  expect(rig.admissions()).toEqual([{ reference: ref(1), persons: 2, test: 0 }]);
});

test('network unplugged: scans and admissions go on, the status bar counts uploads waiting, and each arrives once when it returns; a clock warning note', async ({ page, hosts }) => {
  // The cloud's clock is 10 minutes ahead: date decisions say the kiosk clock may be wrong.
  const rig = await startGateRig(hosts, { tickets: [ticket(1, { A: { pax: 3 } }), ticket(2, { A: { pax: 2 } })], sim: { clockOffsetMs: 600_000 } });
  await openKiosk(page, rig.host);
  await waitForGateReady(page);
  await expect(page.getByTestId('clock-warning')).toBeVisible();
  await rig.scan(ref(2));
  await expect(result(page)).toHaveAttribute('data-kind', 'valid');
  await expect(page.getByTestId('scan-clock-warning')).toHaveText('The kiosk clock may be wrong: check the date.');
  await screenshot(page, 'gate-valid-clock-warning-800x480');
  await page.getByTestId('choice-cancel').click();
  await expect(page.getByTestId('status-online')).toHaveAttribute('data-state', 'online');
  await expect(page.getByTestId('sync-pending')).toHaveCount(0);

  rig.sim.set({ down: true });
  await expect(page.getByTestId('status-online')).toHaveAttribute('data-state', 'offline', { timeout: 10_000 });
  await rig.scan(ref(1));
  await page.getByTestId('persons-2').click();
  await page.getByTestId('choice-confirm').click();
  await expect(result(page)).toHaveAttribute('data-kind', 'admitted');
  await rig.scan(ref(2));
  await page.getByTestId('choice-confirm').click();
  await expect(result(page)).toHaveAttribute('data-kind', 'admitted');
  await rig.scan(ref(1));
  // The last person of ticket 1: admitted without the question.
  await expect(result(page)).toHaveAttribute('data-kind', 'admitted');
  await expect(page.getByTestId('admitted-persons')).toHaveAttribute('data-persons', '1');

  // Waiting uploads: icon + number in the status bar (two tickets: one upload each, or more before coalescing).
  const pending = page.getByTestId('sync-pending');
  await expect(pending).toBeVisible();
  await expect.poll(async () => Number(await pending.getAttribute('data-count'))).toBeGreaterThanOrEqual(2);
  await expect(pending.locator('svg[data-icon="upload"]')).toHaveCount(1);
  await screenshot(page, 'gate-offline-pending-800x480');
  expect(rig.sim.tickets.get(ref(1))!.attractions.A!.used).toBe(0);

  rig.sim.set({ down: false });
  await expect(page.getByTestId('status-online')).toHaveAttribute('data-state', 'online', { timeout: 10_000 });
  await expect(pending).toHaveCount(0, { timeout: 15_000 });
  expect(rig.sim.tickets.get(ref(1))!.attractions.A!.used).toBe(3);
  expect(rig.sim.tickets.get(ref(2))!.attractions.A!.used).toBe(2);
  // Every admission exactly once, in order per ticket.
  const applied = rig.sim.tickets.get(ref(1))!.admissions.A!;
  expect(applied.map((a) => a.persons)).toEqual([2, 1]);
  const ids = [...applied, ...rig.sim.tickets.get(ref(2))!.admissions.A!].map((a) => a.id);
  for (const id of ids) expect(rig.sim.tickets.admissionArrivals(id)).toBe(1);
  expect(rig.sim.stats().admissions).toMatchObject({ applied: 3, repeats: 0 });
});

test('admin gate page: a dead upload with its error and Retry, test mode, download now with progress, admissions per hour', async ({ page, hosts }) => {
  const rig = await startGateRig(hosts, { tickets: [ticket(1, { A: { pax: 2 } }), ticket(2, { A: { pax: 2 } })] });
  await openKiosk(page, rig.host);
  await waitForGateReady(page);

  // Ticket 2 vanishes from the cloud before its upload: the server refuses it (404) and the upload is dead.
  rig.sim.tickets.clear();
  rig.sim.tickets.seed([ticket(1, { A: { pax: 2 } })]);
  await rig.scan(ref(2));
  await page.getByTestId('choice-confirm').click();
  await expect(result(page)).toHaveAttribute('data-kind', 'admitted');
  const dead = page.getByTestId('sync-dead');
  await expect(dead).toHaveAttribute('data-count', '1', { timeout: 10_000 });
  await expect(dead.locator('svg[data-icon="warning"]')).toHaveCount(1);

  await unlockAdmin(page);
  await page.getByTestId('admin-tab-gate').click();
  await expect(page.getByTestId('admin-gate')).toBeVisible();
  await expect(page.getByTestId('gate-admin-attraction')).toHaveAttribute('data-attraction', 'A');
  await expect(page.getByTestId('gate-tickets-stored')).toHaveText('2');
  await expect(page.getByTestId('gate-scanner-state')).toHaveAttribute('data-state', 'connected');
  await expect(page.getByTestId('gate-scanner-path')).toHaveText(rig.pty.devicePath);
  await expect(page.getByTestId('gate-sync-dead')).toHaveText('1');
  const row = page.getByTestId('dead-items').locator('tbody tr');
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(ref(2));
  await expect(row.locator('.dead-error')).toContainText('404');
  // The chart: the two persons admitted this hour.
  const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Jakarta', hour: '2-digit', hourCycle: 'h23' }).format(new Date()));
  await expect(page.getByTestId('admissions-chart')).toHaveAttribute('data-total', '2');
  await expect(page.getByTestId(`chart-hour-${hour}`)).toHaveAttribute('data-value', '2');
  await screenshot(page, 'admin-gate-dead-800x480');

  // The cloud knows the ticket again: Retry sends it, once.
  rig.sim.tickets.seed([ticket(2, { A: { pax: 2 } })]);
  await row.getByRole('button', { name: 'Retry' }).click();
  await expect(page.getByTestId('dead-items')).toHaveCount(0, { timeout: 10_000 });
  await expect(page.getByTestId('gate-sync-dead')).toHaveText('0');
  await expect.poll(() => rig.sim.tickets.get(ref(2))!.attractions.A!.used).toBe(2);
  await expect(page.getByTestId('sync-dead')).toHaveCount(0);

  // Test mode: the switch, the banner on the ready screen, a test ticket accepted, marked and never uploaded.
  await expect(page.getByTestId('gate-test-mode')).toHaveAttribute('data-state', 'off');
  await page.getByTestId('gate-test-mode').click();
  await expect(page.getByTestId('gate-test-mode')).toHaveAttribute('data-state', 'on');
  await page.getByTestId('admin-exit').click();
  await expect(page.getByTestId('test-mode-banner')).toBeVisible();
  await screenshot(page, 'gate-ready-test-mode-800x480');
  const posts = rig.sim.received.filter((r) => r.method === 'POST').length;
  // A test ticket for one person: admitted without the question, marked as a test.
  await rig.scan(`${ref(7)}-dummy`);
  await expect(result(page)).toHaveAttribute('data-kind', 'admitted');
  await expect(result(page)).toHaveAttribute('data-tone', 'test');
  await expect(result(page).locator('.gate-result__test-note')).toHaveText('Test ticket: this entry is not counted.');
  await screenshot(page, 'gate-test-admitted-800x480');
  expect(rig.admissions(`${ref(7)}-dummy`)).toEqual([{ reference: `${ref(7)}-dummy`, persons: 1, test: 1 }]);
  await page.waitForTimeout(1000);
  expect(rig.sim.received.filter((r) => r.method === 'POST').length).toBe(posts);

  // Download now, with progress, against a slow cloud with many tickets.
  rig.sim.tickets.generate({ count: 60_000, date: venueDay(), firstNumber: 1000 });
  rig.sim.prepareDownload();
  rig.sim.set({ latencyMs: 1500 });
  await unlockAdmin(page);
  await page.getByTestId('admin-tab-gate').click();
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { __progress: string[] }).__progress = seen;
    new MutationObserver(() => {
      const el = document.querySelector('[data-testid="download-progress"]');
      if (el) seen.push(`${el.getAttribute('data-state')}:${el.getAttribute('data-processed')}/${el.getAttribute('data-total')}`);
    }).observe(document.body, { subtree: true, attributes: true, childList: true });
  });
  await page.getByTestId('gate-download-now').click();
  const progress = page.getByTestId('download-progress');
  await expect(progress).toHaveAttribute('data-state', 'running');
  await expect(page.getByTestId('gate-download-now')).toBeDisabled();
  await screenshot(page, 'admin-gate-downloading-800x480');
  await expect(progress).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  await expect(progress).toHaveAttribute('aria-valuenow', '100');
  await expect(page.getByTestId('gate-tickets-stored')).toHaveText((60_002).toLocaleString('en-GB'));
  await expect(page.getByTestId('gate-download-count')).toContainText('60,002 stored');
  const seen = await page.evaluate(() => (window as unknown as { __progress: string[] }).__progress);
  expect(seen.some((s) => s.startsWith('running:'))).toBe(true);
  await screenshot(page, 'admin-gate-800x480');
  await page.setViewportSize({ width: 1920, height: 1080 });
  await screenshot(page, 'admin-gate-1920x1080');
  await page.setViewportSize({ width: 720, height: 1280 });
  await screenshot(page, 'admin-gate-720x1280');
});

test('demo profile: the demo panel scans sample codes through the simulated serial scanner', async ({ page, hosts }) => {
  const sim = await startCloudSim();
  sim.tickets.generate({ count: 50, date: venueDay(), pax: { min: 2, max: 2 } });
  const dir = hosts.tempDir();
  const pty = await createPtyPair(dir);
  try {
    const host = await hosts.start({
      env: { BOOTH_DEMO_CLOUD_URL: sim.apiUrl, BOOTH_DEMO_SCANNER_PATH: pty.devicePath, BOOTH_DEMO_SCANNER_SIM: pty.simPath },
    });
    await openKiosk(page, host);
    await expect(page.getByTestId('demo-marker')).toBeVisible();
    await waitForGateReady(page);

    const demoScan = async (id: string) => {
      await page.getByTestId('demo-open').click();
      await page.getByTestId(`demo-scan-${id}`).click();
    };
    await screenshot(page, 'gate-demo-ready-800x480');
    await page.getByTestId('demo-open').click();
    await expect(page.getByTestId(`demo-scan-valid`)).toBeVisible();
    await screenshot(page, 'gate-demo-panel-800x480');
    await page.getByTestId('demo-close').click();

    await demoScan('valid');
    await expect(result(page)).toHaveAttribute('data-kind', 'valid');
    await expect(page.getByTestId('scan-reference')).toHaveText(ref(1));
    await page.getByTestId('choice-confirm').click();
    await expect(result(page)).toHaveAttribute('data-kind', 'admitted');
    await page.waitForTimeout(2100); // identical scans within 2 s are ignored (the demo config's default)
    await demoScan('again');
    await expect(result(page)).toHaveAttribute('data-kind', 'already-used');
    await demoScan('unknown');
    await expect(result(page)).toHaveAttribute('data-kind', 'unknown');
    await demoScan('dummy');
    await expect(result(page)).toHaveAttribute('data-kind', 'test-ticket');
    await demoScan('garbage');
    await expect(result(page)).toHaveAttribute('data-kind', 'unreadable');
    await demoScan('qr');
    await expect(result(page)).toHaveAttribute('data-kind', 'valid');

    // Never over the PIN pad or admin.
    await page.keyboard.press('Control+Shift+A');
    await expect(page.getByTestId('screen-pin')).toBeVisible();
    await expect(page.getByTestId('demo-open')).toHaveCount(0);
  } finally {
    await pty.close();
    await sim.close();
  }
});

test('persons left in the plural of the ticket\'s persons, and ALREADY USED says only what this gate knows', async ({ page, hosts }) => {
  const rig = await startGateRig(hosts, { tickets: [ticket(1, { A: { pax: 1 } }), ticket(2, { A: { pax: 3, used: 1 } })] });
  await openKiosk(page, rig.host);
  await waitForGateReady(page);

  // One person on the ticket: admitted at once, no question to answer.
  await rig.scan(ref(1));
  await expect(result(page)).toHaveAttribute('data-kind', 'admitted');
  await expect(page.getByTestId('admitted-persons')).toHaveText('1 person may enter.');
  await rig.scan(ref(2));
  await expect(page.getByTestId('persons-left')).toHaveText('2 of 3 persons left');
  await page.getByTestId('choice-confirm').click();
  await expect(result(page)).toHaveAttribute('data-kind', 'admitted');

  // One person of ticket 2 entered at another gate, the last two here: this gate names itself only for its own.
  await rig.scan(ref(2));
  await expect(result(page)).toHaveAttribute('data-kind', 'already-used');
  await expect(page.getByTestId('last-used')).toHaveText(/^Used at Gate North \(\d{2}:\d{2}\) and at another gate\.$/);
  await screenshot(page, 'gate-already-used-here-and-elsewhere-800x480');
  await expect(page.getByTestId('screen-attract')).toBeVisible({ timeout: 10_000 });
  await page.getByTestId('lang-id').click();
  await rig.scan(ref(2));
  await expect(page.getByTestId('last-used')).toHaveText(/^Digunakan di Gate North \(\d{2}\.\d{2}\) dan di gerbang lain\.$/);
});

test('a scan that is not exactly one ticket code is UNREADABLE, and a test code in any case is the test ticket', async ({ page, hosts }) => {
  const rig = await startGateRig(hosts, { tickets: [ticket(1, { A: { pax: 2 } }), ticket(2, { A: { pax: 2 } })] });
  await openKiosk(page, rig.host);
  await waitForGateReady(page);

  // Two codes glued together (a double read), and the reference inside a longer digit string.
  for (const code of [`${ref(1)}${ref(2)}`, `1${ref(1)}0`, `${ref(1)} ${ref(2)}`]) {
    await rig.scan(code);
    await expect(result(page)).toHaveAttribute('data-kind', 'unreadable');
    await expect(page.getByTestId('unreadable-reason')).toHaveAttribute('data-reason', 'no-reference');
  }
  // The test ticket in upper case: refused outside test mode, never the live ticket.
  await rig.scan(`${ref(1)}-DUMMY`);
  await expect(result(page)).toHaveAttribute('data-kind', 'test-ticket');
  await expect(page.getByTestId('scan-reference')).toHaveText(`${ref(1)}-dummy`);
  // A venue's QR code link still reads.
  await rig.scan(`https://tickets.example/t/${ref(1)}?lang=id`);
  await expect(result(page)).toHaveAttribute('data-kind', 'valid');
  await expect(page.getByTestId('scan-reference')).toHaveText(ref(1));
  expect(rig.admissions()).toEqual([]);
});

test('a server that lost its count: the next scan is ALREADY USED, the attendant reads that the count was sent again, resolves the flag with a note, and pages the flags', async ({ page, hosts }) => {
  const overAdmitted = Array.from({ length: 55 }, (_, i) => ticket(100 + i, { A: { pax: 1, used: 2 } }));
  const rig = await startGateRig(hosts, { tickets: [ticket(1, { A: { pax: 1 } }), ...overAdmitted] });
  await openKiosk(page, rig.host);
  await waitForGateReady(page);

  await rig.scan(ref(1));
  await expect(result(page)).toHaveAttribute('data-kind', 'admitted');
  await expect.poll(() => rig.sim.tickets.get(ref(1))!.attractions.A!.used).toBe(1);

  // The server restarts from an old state: ticket 1 unused. The next download notices.
  rig.sim.tickets.seed([ticket(1, { A: { pax: 1, used: 0 } })]);
  await unlockAdmin(page);
  await page.getByTestId('admin-tab-gate').click();
  await page.getByTestId('gate-download-now').click();
  await expect(page.getByTestId('download-progress')).toHaveAttribute('data-state', 'done', { timeout: 15_000 });
  const conflict = page.locator('[data-testid^="gate-flag-"][data-kind="count-conflict"]');
  await expect(conflict).toHaveCount(1);
  await expect(conflict).toContainText(ref(1));
  await expect(conflict).toContainText(
    'The server counts 0, but it acknowledged 1 from this kiosk: it lost a count. This kiosk sends its count (1) again to restore the server.',
  );
  // …and the server has it again.
  await expect.poll(() => rig.sim.tickets.get(ref(1))!.attractions.A!.used).toBe(1);

  // 56 open flags: 50 shown, then the rest.
  await expect(page.getByTestId('gate-flags-total')).toHaveText('56 open');
  await expect(page.getByTestId('gate-flags').locator(':scope > li')).toHaveCount(50);
  await expect(page.getByTestId('gate-flags-more')).toHaveText('Show more (6 not shown)');
  await page.getByTestId('gate-flags-total').scrollIntoViewIfNeeded();
  await screenshot(page, 'admin-gate-flags-800x480');
  await page.getByTestId('gate-flags-more').click();
  await expect(page.getByTestId('gate-flags').locator(':scope > li')).toHaveCount(56);
  await expect(page.getByTestId('gate-flags-more')).toHaveCount(0);

  // Resolve, with a note: gone from the list, and in the audit.
  const id = (await conflict.getAttribute('data-testid'))!.replace('gate-flag-', '');
  await page.getByTestId(`gate-flag-resolve-${id}`).click();
  await page.getByTestId(`gate-flag-note-${id}`).fill('server restored from backup; count re-sent');
  await screenshot(page, 'admin-gate-flag-resolve-800x480');
  await page.getByTestId(`gate-flag-confirm-${id}`).click();
  await expect(conflict).toHaveCount(0);
  await expect(page.getByTestId('gate-flags-total')).toHaveText('55 open');
  const audit = (await invokeInPage(page, 'admin:audit', { limit: 5 })) as { value: { action: string; detail: string }[] };
  // (Reading the audit is audited itself: look for the resolution among the newest rows.)
  expect(audit.value.find((a) => a.action === 'gate.resolve-flag')).toMatchObject({ detail: expect.stringContaining('server restored from backup; count re-sent') });

  // The customer side: the used ticket stays used.
  await page.getByTestId('admin-exit').click();
  // A scan that arrives while admin is still on screen is dropped by design: scan once the customer screen is back.
  await waitForGateReady(page);
  await rig.scan(ref(1));
  await expect(result(page)).toHaveAttribute('data-kind', 'already-used');
  await expect(page.getByTestId('last-used')).toHaveText(/^Last used \d{2}:\d{2} at Gate North\.$/);
  expect(rig.admissions(ref(1))).toEqual([{ reference: ref(1), persons: 1, test: 0 }]);
});

test('one person left: admitted at once, without "How many enter now?", through the same admission as a chosen one', async ({ page, hosts }) => {
  const rig = await startGateRig(hosts, { tickets: [ticket(1, { A: { pax: 3, used: 2 } }), ticket(2, { A: { pax: 2 } })] });
  await openKiosk(page, rig.host);
  await waitForGateReady(page);
  // Everything the screen ever shows, recorded as it happens.
  await page.evaluate(() => {
    const seen = new Set<string>();
    (window as unknown as { __seen: Set<string> }).__seen = seen;
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('[data-testid="person-choice"], [data-testid="choice-confirm"]')) seen.add(el.getAttribute('data-testid')!);
    }).observe(document.body, { subtree: true, childList: true });
  });

  await rig.scan(ref(1));
  await expect(result(page)).toHaveAttribute('data-kind', 'admitted');
  await expect(page.getByTestId('scan-title')).toHaveText('Please proceed');
  await expect(page.getByTestId('admitted-persons')).toHaveText('1 person may enter.');
  await expect(page.getByTestId('admitted-left')).toHaveAttribute('data-left', '0');
  expect(await page.evaluate(() => [...(window as unknown as { __seen: Set<string> }).__seen])).toEqual([]);
  expect(rig.admissions(ref(1))).toEqual([{ reference: ref(1), persons: 1, test: 0 }]);
  // The admission is the ordinary one: uploaded with the ticket's new count.
  await expect.poll(() => rig.sim.tickets.get(ref(1))!.attractions.A!.used).toBe(3);
  // Scanned again, it is used up.
  await rig.scan(ref(1));
  await expect(result(page)).toHaveAttribute('data-kind', 'already-used');

  // Two persons left: the question is asked.
  await rig.scan(ref(2));
  await expect(page.getByTestId('person-choice')).toBeVisible();
  expect(rig.admissions(ref(2))).toEqual([]);
});

test('person buttons are a radio group: arrow keys move the choice, one tab stop, and the focus ring is not the selected look', async ({ page, hosts }) => {
  const rig = await startGateRig(hosts, { tickets: [ticket(1, { A: { pax: 4 } })] });
  await openKiosk(page, rig.host);
  await waitForGateReady(page);
  await rig.scan(ref(1));
  await expect(page.getByTestId('persons-4')).toHaveAttribute('aria-checked', 'true');
  // One tab stop: only the chosen button is in the tab order.
  const tabIndexes = await page.locator('[role="radio"]').evaluateAll((els) => els.map((e) => (e as HTMLElement).tabIndex));
  expect(tabIndexes).toEqual([-1, -1, -1, 0]);

  await page.getByTestId('persons-4').focus();
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('persons-3')).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByTestId('persons-3')).toBeFocused();
  await expect(page.getByTestId('choice-confirm')).toHaveText('Let 3 persons in');
  await page.keyboard.press('ArrowUp');
  await expect(page.getByTestId('persons-2')).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowDown');
  await expect(page.getByTestId('persons-4')).toHaveAttribute('aria-checked', 'true');
  await page.keyboard.press('ArrowRight'); // wraps around
  await expect(page.getByTestId('persons-1')).toHaveAttribute('aria-checked', 'true');
  await page.keyboard.press('End');
  await expect(page.getByTestId('persons-4')).toBeFocused();
  await page.keyboard.press('Home');
  await expect(page.getByTestId('persons-1')).toHaveAttribute('aria-checked', 'true');
  await expect(page.getByTestId('person-choice')).toHaveAttribute('data-selected', '1');

  // Keyboard focus shows a ring outside the button; the selected look is the filled button with a tick.
  const look = (testId: string) =>
    page.getByTestId(testId).evaluate((el) => {
      const s = getComputedStyle(el);
      return { outline: s.outlineStyle, background: s.backgroundColor, tick: el.querySelector('svg[data-icon="check"]') !== null };
    });
  const focusedSelected = await look('persons-1');
  expect(focusedSelected.outline).not.toBe('none');
  expect(focusedSelected.tick).toBe(true);
  await page.keyboard.press('Tab'); // focus leaves the group
  const selected = await look('persons-1');
  const other = await look('persons-2');
  expect(selected.outline).toBe('none');
  expect(selected.tick).toBe(true);
  expect(other.tick).toBe(false);
  expect(selected.background).not.toBe(other.background);
  await screenshot(page, 'gate-persons-keyboard-800x480');

  // Enter on the confirm button records the choice.
  await page.getByTestId('choice-confirm').focus();
  await page.keyboard.press('Enter');
  await expect(result(page)).toHaveAttribute('data-kind', 'admitted');
  expect(rig.admissions(ref(1))).toEqual([{ reference: ref(1), persons: 1, test: 0 }]);
});

test('an unchanged download says so with the tickets the kiosk holds, never "0 stored"', async ({ page, hosts }) => {
  const rig = await startGateRig(hosts, { tickets: [ticket(1, { A: { pax: 2 } }), ticket(2, { A: { pax: 2 } }), ticket(3, { A: { pax: 1 } })] });
  await openKiosk(page, rig.host);
  await waitForGateReady(page);
  await unlockAdmin(page);
  await page.getByTestId('admin-tab-gate').click();
  await expect(page.getByTestId('gate-download-count')).toContainText('3 stored');
  // Nothing changed on the server: 304.
  await page.getByTestId('gate-download-now').click();
  await expect(page.getByTestId('gate-last-download').locator('[data-state]')).toHaveAttribute('data-state', 'not-modified', { timeout: 15_000 });
  await expect(page.getByTestId('gate-download-count')).toHaveText('unchanged, 3 tickets');
  await expect(page.getByTestId('gate-tickets-stored')).toHaveText('3');
  await page.getByTestId('admin-exit').click();
  await page.getByTestId('lang-id').click();
  await unlockAdmin(page);
  await page.getByTestId('admin-tab-gate').click();
  await expect(page.getByTestId('gate-download-count')).toHaveText('tidak berubah, 3 tiket');
});
