import { enterPin, expect, invokeInPage, openKiosk, openPinByKeys, screenshot, test } from './support/fixtures';
import { kioskConfig } from './support/host';

test('five wrong PINs lock admin with a live countdown that survives a restart', async ({ page, hosts }) => {
  const config = await kioskConfig({ pin: '1357' });
  const first = await hosts.start({ config });
  await openKiosk(page, first);
  await openPinByKeys(page);

  for (let triesLeft = 4; triesLeft >= 1; triesLeft--) {
    await enterPin(page, '9999');
    const wrong = page.getByTestId('pin-wrong');
    await expect(wrong).toHaveAttribute('data-tries-left', String(triesLeft));
    await expect(wrong).toHaveText(`Wrong PIN. ${triesLeft} ${triesLeft === 1 ? 'try' : 'tries'} left.`);
    await expect(page.getByTestId('pin-dots')).toHaveAttribute('data-count', '0');
  }
  await screenshot(page, 'pin-wrong-800x480');
  await enterPin(page, '9999');

  const locked = page.getByTestId('pin-locked');
  await expect(locked).toBeVisible();
  await expect(page.getByTestId('pin-message')).toHaveAttribute('data-kind', 'locked');
  const start = Number(await locked.getAttribute('data-seconds'));
  expect(start).toBeGreaterThan(110);
  expect(start).toBeLessThanOrEqual(120);
  await expect(locked).toHaveText(`Locked. Try again in ${start} s.`);
  // The countdown is live.
  await expect.poll(async () => Number(await locked.getAttribute('data-seconds')), { timeout: 5000 }).toBeLessThanOrEqual(start - 2);
  await screenshot(page, 'pin-locked-800x480');

  // The pad and OK are disabled while locked, and main refuses the right PIN.
  await expect(page.getByTestId('pin-key-1')).toBeDisabled();
  await expect(page.getByTestId('pin-ok')).toBeDisabled();
  const refused = await invokeInPage(page, 'admin:unlock', { pin: '1357' });
  expect(refused).toMatchObject({ ok: true, value: { status: 'locked' } });
  await expect(page.getByTestId('screen-admin')).toHaveCount(0);

  // Restart the host on the same data dir: the lockout shows as soon as the PIN screen opens.
  await first.stop();
  const second = await hosts.start({ dataDir: first.dataDir, configPath: first.configPath! });
  await openKiosk(page, second);
  await openPinByKeys(page);
  const again = page.getByTestId('pin-locked');
  await expect(again).toBeVisible({ timeout: 3000 });
  const afterRestart = Number(await again.getAttribute('data-seconds'));
  expect(afterRestart).toBeGreaterThan(90);
  expect(afterRestart).toBeLessThan(start);
  await expect(page.getByTestId('pin-ok')).toBeDisabled();
  const stillRefused = await invokeInPage(page, 'admin:unlock', { pin: '1357' });
  expect(stillRefused).toMatchObject({ ok: true, value: { status: 'locked' } });
});
