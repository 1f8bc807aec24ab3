/**
 * The coin payout kiosk in Chromium: amount → QR code with a countdown → the
 * simulated cloud is paid → the simulated ccTalk hopper (on a pty, through the
 * real serialport) pays out with progress → "Please take your coins"; a jam
 * (paid / owed / reference, out of service, the attendant pays the rest and
 * puts the kiosk back in service); an expired payment link.
 */
import QRCode from 'qrcode';
import type { Page } from '@playwright/test';
import { QR_OPTIONS } from '../../renderer/screens/payout/QrCode';
import { expect, invokeInPage, openKiosk, screenshot, test, unlockAdmin } from './support/fixtures';
import { closePayoutRigs, startPayoutRig, type PayoutRig } from './support/payout';

test.afterEach(closePayoutRigs);

const session = (page: Page) => page.getByTestId('payout-session');

async function waitForHopper(page: Page) {
  await expect
    .poll(async () => {
      const r = (await invokeInPage(page, 'payout:status')) as { ok: boolean; value?: { hopper: { connected: boolean } } };
      return Boolean(r.ok && r.value?.hopper.connected);
    }, { timeout: 15_000 })
    .toBe(true);
}

async function startAmount(page: Page, rig: PayoutRig, amount: number): Promise<string> {
  await page.getByTestId(`amount-${amount}`).click();
  await expect(session(page)).toHaveAttribute('data-state', 'waiting-payment');
  const id = (await session(page).getAttribute('data-transaction'))!;
  expect(rig.sim.payout.transaction(id)?.amount).toBe(amount);
  return id;
}

test('the whole customer flow: amount, QR with countdown, the customer pays, coins with progress, "Please take your coins"', async ({ page, hosts }) => {
  const rig = await startPayoutRig(hosts);
  await openKiosk(page, rig.host);
  await waitForHopper(page);
  await expect(page.getByTestId('purpose-payout')).toContainText('Get your coins');
  // Dollars as people there write them: "$5.00", not "USD 5.00".
  await expect(page.getByTestId('amount-5')).toContainText('$5.00');
  await expect(page.getByTestId('amount-5')).not.toContainText('USD');
  await expect(page.getByTestId('amount-5')).toContainText('20 coins');
  await screenshot(page, 'payout-start-800x480');
  await page.setViewportSize({ width: 720, height: 1280 });
  await screenshot(page, 'payout-start-720x1280');
  await page.setViewportSize({ width: 800, height: 480 });

  const id = await startAmount(page, rig, 5);
  // The QR code is the payment link, drawn by the qrcode package (same SVG as qrcode renders here).
  const tx = rig.sim.payout.transaction(id)!;
  const img = page.getByTestId('payout-qr-image');
  await expect(img).toBeVisible();
  const src = (await img.getAttribute('src'))!;
  expect(src.startsWith('data:image/svg+xml')).toBe(true);
  expect(decodeURIComponent(src.slice(src.indexOf(',') + 1))).toBe(await QRCode.toString(tx.qrUrl, QR_OPTIONS));
  // The countdown to the link's expiry (the simulator's 15 minutes) runs down.
  const countdown = page.getByTestId('qr-countdown');
  const first = Number(await countdown.getAttribute('data-seconds'));
  expect(first).toBeGreaterThan(890);
  expect(first).toBeLessThanOrEqual(900);
  await expect(countdown).toContainText(/Valid for 1[45]:\d{2}/);
  await screenshot(page, 'payout-qr-800x480');
  for (const [w, h] of [[720, 1280], [1920, 1080]] as const) {
    await page.setViewportSize({ width: w, height: h });
    await expect(img).toBeInViewport();
    await screenshot(page, `payout-qr-${w}x${h}`);
  }
  await page.setViewportSize({ width: 800, height: 480 });
  // The QR holds the idle reset (5 s here).
  await page.waitForTimeout(6500);
  await expect(session(page)).toHaveAttribute('data-state', 'waiting-payment');
  expect(Number(await countdown.getAttribute('data-seconds'))).toBeLessThan(first - 5);

  // The customer pays on the phone: the kiosk pays 20 coins, showing progress.
  rig.sim.payout.pay(id);
  await expect(session(page)).toHaveAttribute('data-state', 'paying-out');
  const progress = page.getByTestId('payout-progress');
  await expect(progress).toHaveAttribute('data-owed', '20');
  await expect(page.getByTestId('payout-title')).toHaveText(/^Paying out \d+ of 20 coins$/);
  await expect.poll(async () => Number(await progress.getAttribute('data-paid'))).toBeGreaterThan(0);
  await screenshot(page, 'payout-paying-800x480');
  await expect(session(page)).toHaveAttribute('data-state', 'done', { timeout: 15_000 });
  await expect(page.getByTestId('payout-title')).toHaveText('Please take your coins');
  await expect(page.getByTestId('payout-paid')).toContainText('20 coins paid out');
  await screenshot(page, 'payout-done-800x480');
  expect(rig.hopper.coinsPaidTotal).toBe(20);
  await expect.poll(() => rig.sim.payout.dispensed(id)).toEqual([20]);

  // Done: back to the start, and main knows the customer left.
  await page.getByTestId('payout-finish').click();
  await expect(page.getByTestId('payout-start')).toBeVisible();
  await expect.poll(async () => ((await invokeInPage(page, 'payout:status')) as { value: { session: unknown } }).value.session).toBeNull();
});

test('a jam: the customer sees paid, owed and the reference; the kiosk goes out of service; the attendant pays the rest and puts it back', async ({ page, hosts }) => {
  const rig = await startPayoutRig(hosts);
  await openKiosk(page, rig.host);
  await waitForHopper(page);
  rig.hopper.jamAfter(7);
  const id = await startAmount(page, rig, 5);
  rig.sim.payout.pay(id);
  await expect(session(page)).toHaveAttribute('data-state', 'partial', { timeout: 15_000 });
  await expect(session(page)).toHaveAttribute('role', 'alert');
  await expect(page.getByTestId('payout-paid')).toHaveAttribute('data-paid', '7');
  await expect(page.getByTestId('payout-owed')).toHaveAttribute('data-owed', '13');
  await expect(page.getByTestId('payout-owed')).toContainText('13 coins');
  const reference = (await page.getByTestId('payout-reference').textContent())!;
  expect(reference).toMatch(/^[0-9A-F]{6}$/);
  await expect(session(page)).toContainText('This kiosk is now out of service.');
  await screenshot(page, 'payout-partial-800x480');
  await page.setViewportSize({ width: 720, height: 1280 });
  await screenshot(page, 'payout-partial-720x1280');
  await page.setViewportSize({ width: 800, height: 480 });
  expect(rig.hopper.coinsPaidTotal).toBe(7);

  // Customers now get a plain "out of service" (the reason is the attendant's).
  await page.getByTestId('payout-finish').click();
  await expect(page.getByTestId('payout-out-of-service')).toBeVisible();
  await expect(page.getByTestId('payout-out-of-service')).not.toContainText('jam');
  await expect(page.locator('[data-testid^="amount-"]')).toHaveCount(0);
  await screenshot(page, 'payout-out-of-service-800x480');

  // The attendant: the owed payout with its reference, pays it out after clearing the jam.
  await unlockAdmin(page);
  await page.getByTestId('admin-tab-payout').click();
  await expect(page.getByTestId('payout-service')).toHaveAttribute('data-in-service', 'false');
  await expect(page.getByTestId('payout-oos-reason')).toContainText(reference);
  await expect(page.getByTestId('payout-oos-reason')).toHaveAttribute('data-code', 'oos-stopped-owed');
  await expect(page.getByTestId('payout-oos-reason')).toContainText('13 coins owed to');
  await expect(page.getByTestId('hopper-state')).toHaveAttribute('data-state', 'connected');
  const owed = page.getByTestId(`owed-${reference}`);
  await expect(owed).toHaveAttribute('data-reason', 'partial');
  await expect(page.getByTestId(`owed-coins-${reference}`)).toHaveAttribute('data-owed', '13');
  await screenshot(page, 'admin-payout-owed-800x480');
  await page.setViewportSize({ width: 1920, height: 1080 });
  await screenshot(page, 'admin-payout-owed-1920x1080');
  await page.setViewportSize({ width: 800, height: 480 });
  rig.hopper.clearFaults();
  await page.getByTestId(`pay-owed-${reference}`).click();
  await expect(page.getByTestId('owed-none')).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId('payout-admin-done')).toContainText(reference);
  expect(rig.hopper.coinsPaidTotal).toBe(20);
  await expect.poll(() => rig.sim.payout.dispensed(id).at(-1)).toBe(20);

  // Hardware tests and refill from the page.
  await page.getByTestId('payout-test-dispense').click();
  await expect(page.getByTestId('payout-admin-done')).toContainText('1 coin paid out');
  expect(rig.hopper.coinsPaidTotal).toBe(21);
  const pad = page.locator('.refill__pad');
  for (const d of '400') await pad.getByTestId(`pin-key-${d}`).click();
  await expect(page.getByTestId('payout-refill-coins')).toHaveValue('400');
  await page.getByTestId('payout-refilled').click();
  await expect(page.getByTestId('hopper-coins-left')).toHaveText('400');

  // Back in service: customers see the amounts again.
  await page.getByTestId('payout-back-in-service').click();
  await expect(page.getByTestId('payout-service')).toHaveAttribute('data-in-service', 'true');
  await page.getByTestId('admin-exit').click();
  await expect(page.getByTestId('amount-5')).toBeEnabled();
});

test('cancel and an expired payment link: the kiosk says so and returns to the start; late payments are kept for the attendant', async ({ page, hosts }) => {
  const rig = await startPayoutRig(hosts, { sim: { transactionTtlSeconds: 5 } });
  await openKiosk(page, rig.host);
  await waitForHopper(page);

  // Cancel leaves the flow: main is told, and a payment arriving later is not paid into an empty tray.
  const cancelled = await startAmount(page, rig, 1);
  await page.getByTestId('payout-cancel').click();
  await expect(page.getByTestId('payout-start')).toBeVisible();
  await expect.poll(async () => ((await invokeInPage(page, 'payout:status')) as { value: { session: unknown } }).value.session).toBeNull();
  rig.sim.payout.pay(cancelled);
  await expect.poll(() => rig.sim.payout.job(rig.sim.payout.jobs().find((j) => j.transactionId === cancelled)!.id)?.errorMessage).toBe('customer_absent');
  expect(rig.hopper.coinsPaidTotal).toBe(0);

  const id = await startAmount(page, rig, 1);
  const countdown = page.getByTestId('qr-countdown');
  expect(Number(await countdown.getAttribute('data-seconds'))).toBeLessThanOrEqual(5);
  await expect(session(page)).toHaveAttribute('data-state', 'expired', { timeout: 15_000 });
  await expect(page.getByTestId('payout-title')).toHaveText('The payment link expired');
  await screenshot(page, 'payout-expired-800x480');
  await expect(page.getByTestId('payout-start')).toBeVisible({ timeout: 10_000 });
  // A late payment for it is not paid into an empty tray: kept as owed for the attendant.
  rig.sim.payout.pay(id);
  await page.waitForTimeout(1500);
  expect(rig.hopper.coinsPaidTotal).toBe(0);
});

test('a hopper power cut whose counters restart at 0: "at least" what was seen, the attendant counts the rest; the hand count settles it and the kiosk is back in service', async ({ page, hosts }) => {
  const rig = await startPayoutRig(hosts, { hopper: { payMs: 80, countersRestartOnPowerUp: true } });
  await openKiosk(page, rig.host);
  await waitForHopper(page);
  const id = await startAmount(page, rig, 5);
  rig.sim.payout.pay(id);
  const progress = page.getByTestId('payout-progress');
  await expect.poll(async () => Number(await progress.getAttribute('data-paid')), { timeout: 15_000 }).toBeGreaterThanOrEqual(3);
  const shown = Number(await progress.getAttribute('data-paid'));
  rig.hopper.powerCut({ offMs: 300 });

  // What is known, never "Paid out 0 coins, still owed 20".
  await expect(session(page)).toHaveAttribute('data-state', 'partial', { timeout: 15_000 });
  const truth = rig.hopper.coinsPaidTotal;
  const paid = page.getByTestId('payout-paid');
  await expect(paid).toHaveAttribute('data-at-least', 'true');
  const atLeast = Number(await paid.getAttribute('data-paid'));
  expect(atLeast).toBeGreaterThanOrEqual(shown);
  expect(atLeast).toBeLessThanOrEqual(truth);
  await expect(paid).toHaveText(`at least ${atLeast} coins`);
  await expect(page.getByTestId('payout-count-pending')).toContainText('the attendant will count your coins');
  await expect(page.getByTestId('payout-owed')).toHaveCount(0);
  await expect(session(page)).toContainText('This kiosk is now out of service.');
  const reference = (await page.getByTestId('payout-reference').textContent())!;
  await screenshot(page, 'payout-uncounted-800x480');

  // The attendant: nothing to pay by itself, a hand count to record.
  await unlockAdmin(page);
  await page.getByTestId('admin-tab-payout').click();
  await expect(page.getByTestId('payout-service')).toHaveAttribute('data-in-service', 'false');
  await expect(page.getByTestId(`owed-${reference}`)).toHaveAttribute('data-reason', 'mismatch');
  await expect(page.getByTestId(`owed-coins-${reference}`)).toContainText(`at least ${atLeast} of 20 paid`);
  await expect(page.getByTestId(`pay-owed-${reference}`)).toHaveCount(0);
  await page.getByTestId(`hand-count-${reference}`).click();
  await expect(page.getByTestId('hand-count')).toContainText(`The kiosk saw at least ${atLeast} of 20`);
  const pad = page.getByTestId('hand-count').locator('.refill__pad');
  for (const d of String(truth)) await pad.getByTestId(`pin-key-${d}`).click();
  await screenshot(page, 'admin-payout-hand-count-800x480');
  await page.getByTestId('hand-count-save').click();
  await expect(page.getByTestId('payout-admin-done')).toContainText(`Hand count recorded for ${reference}`);
  await expect(page.getByTestId('payout-service')).toHaveAttribute('data-in-service', 'true');
  await expect(page.getByTestId(`owed-coins-${reference}`)).toHaveAttribute('data-owed', String(20 - truth));
  await page.getByTestId(`pay-owed-${reference}`).click();
  await expect(page.getByTestId('owed-none')).toBeVisible({ timeout: 15_000 });
  expect(rig.hopper.coinsPaidTotal).toBe(20);
  await expect.poll(() => rig.sim.payout.dispensed(id).at(-1)).toBe(20);
});

test('a refused job for the customer on screen: the payment arrived and the attendant will pay; the owed list has it', async ({ page, hosts }) => {
  const rig = await startPayoutRig(hosts);
  await openKiosk(page, rig.host);
  await waitForHopper(page);
  const id = await startAmount(page, rig, 5);
  rig.sim.payout.pay(id, { quarters: -5 });
  await expect(session(page)).toHaveAttribute('data-state', 'failed');
  await expect(page.getByTestId('payout-title')).toHaveText('Payment received');
  await expect(page.getByTestId('payout-attendant')).toHaveText('This kiosk cannot pay it out by itself: the attendant will pay you.');
  await expect(page.getByTestId('qr-countdown')).toHaveCount(0);
  const reference = (await page.getByTestId('payout-reference').textContent())!;
  await screenshot(page, 'payout-attendant-800x480');
  expect(rig.hopper.coinsPaidTotal).toBe(0);
  // And an answer of jobs/pending that is not a job at all (no readable id): kept for the attendant too.
  rig.sim.payout.garbleNextJobs(1, 'wrong-types');
  await expect.poll(() => rig.sim.payout.garblesPending()).toBe(0);

  await unlockAdmin(page);
  await page.getByTestId('admin-tab-payout').click();
  const unreadable = page.getByTestId('unreadable-jobs');
  await expect(unreadable).toContainText('Jobs this kiosk could not read');
  await expect(unreadable.getByTestId('unreadable-job').first()).toHaveAttribute('data-reported', 'false');
  await expect(unreadable).toContainText('no readable id: cannot be reported');
  // Our words first; the validator's and the server's text beneath, as they are.
  await expect(unreadable).toContainText('The payment service sent something that is not a job this kiosk can read:');
  await expect(unreadable.getByTestId('unreadable-problem').first()).toHaveAttribute('data-untranslated', 'true');
  await expect(unreadable).toContainText('{"id":12345,');
  await expect(page.getByTestId(`owed-${reference}`)).toHaveAttribute('data-reason', 'refused-job');
  await expect(page.getByTestId(`owed-detail-${reference}`)).toHaveText('The job asks -5 coins, which is not a count of coins.');
  await expect(page.getByTestId(`owed-detail-${reference}`)).toHaveAttribute('data-code', 'owed-not-a-count');
  await page.setViewportSize({ width: 1920, height: 1080 });
  await screenshot(page, 'admin-payout-refused-1920x1080');
  await page.setViewportSize({ width: 800, height: 480 });
  await page.getByTestId(`pay-owed-${reference}`).click();
  await expect(page.getByTestId('owed-none')).toBeVisible({ timeout: 15_000 });
  expect(rig.hopper.coinsPaidTotal).toBe(20);
});
