/**
 * Playwright fixtures for the kiosk: `hosts` starts headless hosts that are
 * stopped (SIGTERM) and whose temp data dirs are removed after each test.
 */
import { test as base, expect, type Page } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { makeTempDir, SCREENSHOT_DIR, startHost, type Host, type StartOptions } from './host';

export class HostPool {
  private readonly running: Host[] = [];
  private readonly dirs = new Set<string>();

  /** A temp data dir removed after the test. */
  tempDir(): string {
    const dir = makeTempDir();
    this.dirs.add(dir);
    return dir;
  }

  async start(options: StartOptions = {}): Promise<Host> {
    const dataDir = options.dataDir ?? this.tempDir();
    const host = await startHost({ ...options, dataDir });
    this.running.push(host);
    return host;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.running.map((h) => h.stop()));
    for (const dir of this.dirs) fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const test = base.extend<{ hosts: HostPool; pageProblems: void }>({
  // eslint-disable-next-line no-empty-pattern
  hosts: async ({}, use) => {
    const pool = new HostPool();
    await use(pool);
    await pool.stopAll();
  },
  // Every test fails on an uncaught page error or a Content-Security-Policy violation.
  pageProblems: [
    async ({ page }, use) => {
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
          problems.push(`CSP: ${message.text()}`);
        }
      });
      await use();
      expect(problems, 'page errors and CSP violations').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Opens the kiosk page and waits for the attract screen. */
export async function openKiosk(page: Page, host: Host): Promise<void> {
  await page.goto(host.url);
  await expect(page.getByTestId('screen-attract')).toBeVisible();
}

/** Types a PIN on the on-screen pad and presses OK. */
export async function enterPin(page: Page, pin: string): Promise<void> {
  for (const digit of pin) await page.getByTestId(`pin-key-${digit}`).click();
  await page.getByTestId('pin-ok').click();
}

/** Ctrl+Shift+A → PIN screen. */
export async function openPinByKeys(page: Page): Promise<void> {
  // Right after the page loads, the app may not listen to keys yet (it is still asking the host
  // what to show): a press then is lost, as a real one would be. Press again until the PIN shows.
  await expect(page.getByTestId('status-bar')).toBeVisible();
  const pin = page.getByTestId('screen-pin');
  await expect(async () => {
    if (!(await pin.isVisible())) await page.keyboard.press('Control+Shift+A');
    await expect(pin).toBeVisible({ timeout: 1_500 });
  }).toPass({ timeout: 10_000 });
}

export async function unlockAdmin(page: Page, pin = '1357'): Promise<void> {
  await openPinByKeys(page);
  await expect(page.getByTestId('pin-ok')).toBeVisible();
  await enterPin(page, pin);
  await expect(page.getByTestId('screen-admin')).toBeVisible();
}

/** Saves a screenshot under test-results/e2e/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Calls the contract from the page, as the renderer does. */
export function invokeInPage(page: Page, name: string, args: object = {}): Promise<unknown> {
  return page.evaluate(
    ([n, a]) => (window as unknown as { booth: { invoke(n: string, a: unknown): Promise<unknown> } }).booth.invoke(n, a),
    [name, args] as const,
  );
}
