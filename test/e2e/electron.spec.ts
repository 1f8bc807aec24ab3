/**
 * The kiosk in real Electron, driven by Playwright's `_electron`. Runs where
 * the Electron binary is installed (node_modules/electron/dist/electron);
 * elsewhere it reports itself skipped with the reason. Build first
 * (`npm run test:e2e` does). Screenshots go to the test output folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { ELECTRON_MISSING_REASON, findElectronBinary } from '../../scripts/electron-binary.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const executablePath = findElectronBinary(root);

test.describe('Electron kiosk window', () => {
  test.skip(executablePath === null, ELECTRON_MISSING_REASON);

  let app: ElectronApplication;
  let page: Page;
  let dataDir = '';

  test.beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'booth-electron-e2e-'));
    app = await electron.launch({
      executablePath: executablePath ?? undefined,
      args: [root, '--data-dir', path.join(dataDir, 'data'), `--user-data-dir=${path.join(dataDir, 'chromium')}`],
      env: { ...process.env, BOOTH_LOG_CONSOLE: '1', ELECTRON_ENABLE_LOGGING: '1' },
      timeout: 60_000,
    });
    page = await app.firstWindow();
  });

  test.afterAll(async () => {
    await app?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test('shows the attract screen from app://booth', async ({}, testInfo) => {
    expect(page.url()).toMatch(/^app:\/\/booth\/index\.html/);
    await expect(page.getByTestId('screen-attract')).toBeVisible();
    await expect(page.getByTestId('attract-title')).toHaveText(/Welcome/);
    await page.screenshot({ path: testInfo.outputPath('electron-attract.png') });
  });

  test('reports "ready" to the launcher once the window painted the customer screen', async () => {
    await expect(page.getByTestId('screen-attract')).toBeVisible();
    // No config in a source checkout: the demo profile, in data/demo.
    const ready = path.join(dataDir, 'data', 'demo', 'updates', 'ready');
    const version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
    await expect.poll(() => (fs.existsSync(ready) ? fs.readFileSync(ready, 'utf8').trim() : null)).toBe(version);
  });

  test('exposes window.booth and no Node.js or Electron API', async () => {
    const probe = await page.evaluate(async () => {
      const w = window as unknown as Record<string, unknown> & { booth: { invoke(n: string, a: unknown): Promise<{ ok: boolean; value?: { state?: string }; error?: { code: string } }> } };
      const boot = await w.booth.invoke('kiosk:boot', {});
      const unknown = await w.booth.invoke('shell:open-external', { url: 'https://example.com' });
      return {
        keys: Object.keys(w.booth).sort(),
        bootOk: boot.ok,
        bootState: boot.value?.state,
        unknownCode: unknown.error?.code,
        require: typeof w.require,
        process: typeof w.process,
        module: typeof w.module,
        buffer: typeof w.Buffer,
        ipcRenderer: typeof w.ipcRenderer,
        electron: typeof w.electron,
      };
    });
    expect(probe).toEqual({
      keys: ['invoke', 'on'],
      bootOk: true,
      bootState: 'ready',
      unknownCode: 'unknown_handler',
      require: 'undefined',
      process: 'undefined',
      module: 'undefined',
      buffer: 'undefined',
      ipcRenderer: 'undefined',
      electron: 'undefined',
    });
  });

  test('refuses navigation, new windows and remote requests', async () => {
    const opened = await page.evaluate(() => window.open('https://example.com/') === null);
    expect(opened).toBe(true);
    await page.evaluate(() => {
      location.href = 'https://example.com/';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toMatch(/^app:\/\/booth\//);
    const fetched = await page.evaluate(() => fetch('https://example.com/').then(() => 'loaded', () => 'refused'));
    expect(fetched).toBe('refused');
    expect(app.windows()).toHaveLength(1);
  });
});
