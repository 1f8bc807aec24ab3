import WebSocket from 'ws';
import { expect, invokeInPage, screenshot, test } from './support/fixtures';
import { kioskConfig, type Host } from './support/host';

/** Opens a WebSocket to /bridge; resolves with 'open' or the HTTP status of the refusal. */
function tryBridge(host: Host, query: string): Promise<'open' | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${host.port}/bridge${query}`);
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
}

test('the bridge refuses a WebSocket without or with a wrong token', async ({ hosts }) => {
  const host = await hosts.start({ config: await kioskConfig() });
  expect(await tryBridge(host, '')).toBe(401);
  expect(await tryBridge(host, '?token=')).toBe(401);
  expect(await tryBridge(host, `?token=${'0'.repeat(host.token.length)}`)).toBe(401);
  expect(await tryBridge(host, `?token=${host.token}x`)).toBe(401);
  // Control: the right token is accepted.
  expect(await tryBridge(host, `?token=${host.token}`)).toBe('open');
});

test('the page opened without the token shows "not answering" and does not work', async ({ page, hosts }) => {
  const host = await hosts.start({ config: await kioskConfig() });
  await page.goto(`${host.origin}/`);
  await expect(page.getByTestId('screen-unavailable')).toBeVisible();
  await expect(page.getByTestId('screen-unavailable')).toContainText('Kiosk service not answering');
  await expect(page.getByTestId('screen-unavailable')).toContainText('Retrying');
  // It keeps retrying, and never shows the kiosk.
  await expect(page.getByTestId('unavailable-attempt')).toContainText(/Attempt [2-9]/, { timeout: 8000 });
  await expect(page.getByTestId('screen-attract')).toHaveCount(0);
  await screenshot(page, 'unavailable-800x480');

  // With a wrong token too.
  await page.goto(`${host.origin}/?token=wrong`);
  await expect(page.getByTestId('screen-unavailable')).toBeVisible();
  await expect(page.getByTestId('screen-attract')).toHaveCount(0);
});

test('when the host stops, the open kiosk says it is not answering', async ({ page, hosts }) => {
  const host = await hosts.start({ config: await kioskConfig() });
  await page.goto(host.url);
  await expect(page.getByTestId('screen-attract')).toBeVisible();
  await host.stop();
  // The next contract call (PIN screen asks lock-state) finds the service gone.
  await page.keyboard.press('Control+Shift+A');
  await expect(page.getByTestId('screen-unavailable')).toBeVisible({ timeout: 10_000 });
});

test('when the host stops, the screen shows "not answering" at once, without waiting for a call or a refresh', async ({ page, hosts }) => {
  const host = await hosts.start({ config: await kioskConfig() });
  await page.goto(host.url);
  await expect(page.getByTestId('screen-attract')).toBeVisible();
  await host.stop();
  // The socket's close is the signal: no touch, no 30 s status refresh.
  await expect(page.getByTestId('screen-unavailable')).toBeVisible({ timeout: 1500 });
  await expect(page.getByTestId('screen-attract')).toHaveCount(0);
});

test('the page drops the token from its URL once read, and still works after a reload', async ({ page, hosts }) => {
  const host = await hosts.start({ config: await kioskConfig() });
  await page.goto(`${host.url}#attract`);
  await expect(page.getByTestId('screen-attract')).toBeVisible();
  // Not in the address bar, nor in the history entry (replaceState), nor anywhere in the page's URL.
  await expect.poll(() => page.url()).toBe(`${host.origin}/#attract`);
  expect(await page.evaluate(() => history.length)).toBe(2);
  expect(await page.evaluate(() => document.location.href)).not.toContain(host.token);
  await page.reload();
  await expect(page.getByTestId('screen-attract')).toBeVisible();
  expect(page.url()).not.toContain(host.token);
  expect(JSON.stringify(await invokeInPage(page, 'kiosk:boot'))).toContain('"state":"ready"');
});
