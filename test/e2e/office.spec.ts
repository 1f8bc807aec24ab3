/**
 * The office page of `booth replica` in Chromium: a kiosk's sync status and
 * its replicated table, both changing on screen as the kiosk changes (no
 * reload), in English and Bahasa Indonesia. The kiosk (its LAN API over
 * HTTPS, the pinned certificate, the API key) and the replica run in this
 * process, as the integration tests' do.
 */
import fs from 'node:fs';
import path from 'node:path';
import { hashApiKey } from '../../main/api';
import { systemClock } from '../../main/clock';
import { configSchema } from '../../main/config';
import { createKiosk } from '../../main/kiosk';
import { memoryLogger } from '../../main/log';
import { createReplica, replicaConfigSchema, type Replica } from '../../main/replica';
import { expect, screenshot, test } from './support/fixtures';
import { makeTempDir } from './support/host';

const KEY = 'office-key-0123456789abcdefghijklmnopqrstuvwxyz';

interface Office {
  replica: Replica;
  stopKiosk(): Promise<void>;
  base: string;
  admit(id: string, persons?: number): void;
  remove(id: string): void;
}

const stops: (() => Promise<void>)[] = [];
test.afterEach(async () => {
  while (stops.length) await stops.pop()!().catch(() => undefined);
});

async function startOffice(): Promise<Office> {
  const dir = makeTempDir('booth-e2e-office-');
  stops.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
  const kioskDir = path.join(dir, 'kiosk');
  fs.mkdirSync(kioskDir);
  const config = configSchema.parse({
    modules: ['gate'],
    api: { baseUrl: 'http://127.0.0.1:9/api/' },
    services: { syncEnabled: false, fetchEnabled: false, probeIntervalSeconds: 3600 },
    lanApi: { enabled: true, port: 0, apiKeyHashes: [hashApiKey(KEY)] },
  });
  const kiosk = await createKiosk(config, { version: 'e2e', isPackaged: false, dataDir: kioskDir, clock: systemClock, fetch: (i, init) => fetch(i, init), log: memoryLogger() }, { configPath: null });
  let kioskRunning = true;
  stops.push(async () => {
    if (kioskRunning) await kiosk.stop();
  });
  kiosk.start();
  await kiosk.lanApi!.start();
  const port = kiosk.lanApi!.address()!.port;
  const insert = kiosk.store.db.prepare("INSERT INTO admissions (id, reference, attraction, persons, kiosk_id, at) VALUES (?, 'REF-7', 'A', ?, 'k', '2026-01-15T03:00:00.000Z')");
  const replica = await createReplica(
    replicaConfigSchema.parse({
      kiosks: [{ id: 'gate-a', url: `https://127.0.0.1:${port}`, apiKey: KEY, fingerprint: kiosk.lanApi!.status().fingerprint! }],
      store: { kind: 'sqlite', file: path.join(dir, 'replica.db') },
      syncIntervalSeconds: 1,
      http: { host: '127.0.0.1', port: 0 },
    }),
    memoryLogger(),
    { retryMinMs: 100, retryMaxMs: 1000, heartbeatMs: 500 },
  );
  stops.push(() => replica.stop());
  await replica.start();
  return {
    replica,
    stopKiosk: async () => {
      kioskRunning = false;
      await kiosk.stop();
    },
    base: `http://127.0.0.1:${replica.office.address()!.port}`,
    admit: (id, persons = 1) => void insert.run(id, persons),
    remove: (id) => void kiosk.store.db.prepare('DELETE FROM admissions WHERE id = ?').run(id),
  };
}

test('the office page shows a kiosk following live, and its admissions appear and go as the kiosk changes them', async ({ page }) => {
  const office = await startOffice();
  office.admit('first', 2);
  office.admit('second', 3);
  await page.goto(`${office.base}/office/?lang=en`);
  await expect(page.locator('h1')).toHaveText('Booth office replica');
  const card = page.locator('#kiosk-gate-a');
  await expect(card.locator('h2')).toHaveText('gate-a');
  await expect(card.locator('.office-state')).toHaveText('Following');
  await expect(card.locator('.office-live')).toHaveText('yes');
  await expect(card.locator('.office-seq')).toHaveText('2');
  await expect(card.locator('.office-tables button', { hasText: 'admissions' })).toHaveText('admissions (2)');
  const rows = card.locator('.office-rows tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(card.locator('.office-rows tr[data-id="second"]')).toContainText('3');

  // The kiosk admits and refunds: the page changes without a reload.
  office.admit('third', 4);
  await expect(card.locator('.office-rows tr[data-id="third"]')).toContainText('REF-7');
  await expect(card.locator('.office-tables button', { hasText: 'admissions' })).toHaveText('admissions (3)');
  await expect(card.locator('.office-seq')).toHaveText('3');
  office.remove('first');
  await expect(card.locator('.office-rows tr[data-id="first"]')).toHaveCount(0);
  await expect(rows).toHaveCount(2);
  await expect(card.locator('.office-tables button', { hasText: 'admissions' })).toHaveText('admissions (2)');
  await screenshot(page, 'office-following-800x480');
  // A wide table scrolls in its own box; the page itself does not get wider than the window.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(800);
  await expect(card.locator('.office-rows th', { hasText: 'reference' })).toHaveText('reference');
  expect((await card.locator('.office-rows th', { hasText: 'reference' }).boundingBox())!.height).toBeLessThan(60); // one line (a wrapped header is 3 lines high)

  // The kiosk goes away: its status says so, and its rows are still shown as they were.
  await office.stopKiosk();
  await expect(card.locator('.office-live')).toHaveText('no');
  await expect(card.locator('.office-state')).toHaveText('Kiosk unreachable: retrying');
  await expect(rows).toHaveCount(2);
  await screenshot(page, 'office-kiosk-unreachable-800x480');
});

test('the office page in Bahasa Indonesia', async ({ page }) => {
  const office = await startOffice();
  office.admit('satu');
  await page.goto(`${office.base}/office/?lang=id`);
  await expect(page.locator('h1')).toHaveText('Replika kantor Booth');
  const card = page.locator('#kiosk-gate-a');
  await expect(card.locator('.office-state')).toHaveText('Mengikuti');
  await expect(card.locator('.office-rows tr[data-id="satu"]')).toHaveCount(1);
  office.admit('dua');
  await expect(card.locator('.office-rows tr[data-id="dua"]')).toHaveCount(1);
});
