/**
 * The intake board and its attendant page in Chromium, fed by the simulated
 * REYAX receiver on a pty: packets appear as they arrive, today's batches
 * count heads, a scanned (keyboard-wedge) tag finds the animal, a pen is
 * assigned by touch and shown only once committed; the attendant reprocesses
 * nothing that cannot be, sees the conflict and the signal chart. Both
 * languages, at 800×480, 720×1280 and 1920×1080 (support/layout.ts).
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import { openLoraSimulator, type LoraSimulator } from '../sim/lora-sim';
import { createPtyPair, type PtyPair } from '../sim/pty';
import { openScannerSimulator, type ScannerSimulator } from '../sim/scanner-sim';
import { expect, test, unlockAdmin } from './support/fixtures';
import { kioskConfig } from './support/host';
import { checkScreen } from './support/layout';

const LANGS = ['en', 'id'] as const;
const open: { close(): Promise<void> }[] = [];
test.afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

for (const lang of LANGS) {
  test(`intake board and attendant page work by touch and fit in ${lang}`, async ({ page, hosts }) => {
    const pty: PtyPair = await createPtyPair(hosts.tempDir());
    open.push(pty);
    const config = await kioskConfig({
      kioskName: 'Barn Gate',
      extra: {
        modules: ['intake'],
        screen: { language: lang, idleTimeoutSeconds: 600 },
        admin: { idleTimeoutSeconds: 600 },
        intake: { receiver: { path: pty.devicePath }, pens: [{ name: 'Pen A' }, { name: 'Pen B', capacity: 30 }, { name: 'Quarantine' }] },
      },
    });
    const host = await hosts.start({ config });
    await page.goto(host.url);
    await expect(page.getByTestId('intake-board')).toBeVisible();
    await expect(page.getByTestId('intake-receiver')).toHaveAttribute('data-state', 'connected', { timeout: 15_000 });
    const radio: LoraSimulator = await openLoraSimulator(pty.simPath);
    open.push(radio);

    await radio.sendLine('+READY');
    for (let i = 1; i <= 4; i++) await radio.send(`hxb:BATCH001:LF10${i}:UHF20${i}`, { rssi: -60 - i * 5, snr: 7 });
    await radio.send('hxb:BATCH002:LF101:UHF201'); // the same animal in another batch: a conflict
    await radio.send('hxb:BATCH002:LF301:UHF401');
    await expect(page.getByTestId('batch-count-BATCH001')).toHaveText(lang === 'id' ? '4 ekor' : '4 head');
    await expect(page.getByTestId('batch-count-BATCH002')).toHaveText(lang === 'id' ? '1 ekor' : '1 head');
    await expect(page.locator('[data-testid^="packet-status-"][data-status="failed"]')).toHaveCount(1);
    await expect(page.locator('[data-testid^="packet-status-"][data-status="processed"]')).toHaveCount(5);
    const problems = await checkScreen(page, lang, 'intake board', { shot: 'screens-intake-board' });

    // A wedge scanner types the tag and Enter into the field.
    await page.getByTestId('intake-search-input').click();
    await page.keyboard.type('UHF203');
    await page.keyboard.press('Enter');
    const animal = page.getByTestId('intake-animal');
    await expect(animal).toContainText('LF103');
    await expect(page.getByTestId('intake-animal-pen')).toHaveText(lang === 'id' ? 'belum di kandang' : 'no pen yet');
    const penB = page.locator('[data-testid^="pen-"]', { hasText: 'Pen B' });
    await penB.click();
    await expect(penB).toHaveAttribute('aria-pressed', 'true');
    await expect(page.getByTestId('intake-animal-pen')).toHaveText(lang === 'id' ? 'di Pen B' : 'in Pen B');
    // What the screen says is what is on disk.
    const db = new Database(path.join(host.dataDir, 'booth.db'), { readonly: true });
    try {
      expect(db.prepare("SELECT p.name FROM cattle c JOIN pens p ON p.id = c.pen_id WHERE c.lf_tag = 'LF103'").get()).toEqual({ name: 'Pen B' });
    } finally {
      db.close();
    }
    problems.push(...(await checkScreen(page, lang, 'intake board, animal in a pen', { shot: 'screens-intake-animal' })));

    await page.getByTestId('intake-search-input').fill('NOPE');
    await page.getByTestId('intake-search-go').click();
    await expect(page.getByTestId('intake-search-none')).toBeVisible();

    await unlockAdmin(page);
    await page.getByTestId('admin-tab-intake').click();
    await expect(page.getByTestId('intake-failed').locator('[data-code="conflict"]')).toHaveCount(1);
    // Why, in the screen's language: the same animal already in the other batch.
    const why = page.locator('[data-testid^="failed-reason-"]');
    await expect(why).toHaveAttribute('data-code', 'intake-tags-elsewhere');
    await expect(why).not.toHaveAttribute('data-untranslated', 'true');
    await expect(why).toContainText(lang === 'id' ? 'bukan dari batch BATCH002' : 'not of batch BATCH002');
    await expect(page.getByTestId('signal-chart')).toBeVisible();
    await expect(page.getByTestId('intake-admin-lines')).toHaveText(lang === 'id' ? '6 paket, 1 baris lain' : '6 packets, 1 other lines');
    // Reprocessing a conflict that still stands keeps it failed (never an overwrite).
    await page.locator('[data-testid^="reprocess-"]').click();
    await expect(page.getByTestId('intake-failed').locator('[data-code="conflict"]')).toHaveCount(1);
    problems.push(...(await checkScreen(page, lang, 'admin intake page', { scroll: true, shot: 'screens-admin-intake' })));
    await page.getByTestId('admin-tab-audit').click();
    const reprocessed = page.locator('[data-testid="audit-row"][data-action="intake.reprocess"]');
    await expect(reprocessed).toContainText(lang === 'id' ? 'Payload diproses ulang' : 'Payload reprocessed');
    await expect(reprocessed.locator('[data-untranslated]')).toHaveCount(0);
    expect(problems).toEqual([]);
  });
}

test('the intake demo (`--demo intake`): the simulated receiver feeds the board, the demo pens take an animal', async ({ page, hosts }) => {
  const pty: PtyPair = await createPtyPair(hosts.tempDir());
  open.push(pty);
  const host = await hosts.start({ extraArgs: ['--demo', 'intake'], env: { BOOTH_DEMO_LORA_PATH: pty.devicePath } });
  await page.goto(host.url);
  await expect(page.getByTestId('intake-board')).toBeVisible();
  await expect(page.getByTestId('intake-receiver')).toHaveAttribute('data-state', 'connected', { timeout: 15_000 });
  const radio: LoraSimulator = await openLoraSimulator(pty.simPath);
  open.push(radio);
  await radio.send('hxb:DEMO-1:LF777:UHF888');
  await expect(page.getByTestId('batch-count-DEMO-1')).toHaveText('1 head');
  await page.getByTestId('intake-search-input').fill('LF777');
  await page.getByTestId('intake-search-go').click();
  await expect(page.getByTestId('intake-animal')).toContainText('LF777');
  const quarantine = page.locator('[data-testid^="pen-"]', { hasText: 'Quarantine' });
  await quarantine.click();
  await expect(page.getByTestId('intake-animal-pen')).toHaveText('in Quarantine');
  await unlockAdmin(page, '2468');
});

test('a serial scanner (devices.scanner) finds the animal on the intake board, as a typed tag does', async ({ page, hosts }) => {
  const radioPty: PtyPair = await createPtyPair(hosts.tempDir());
  const scannerPty: PtyPair = await createPtyPair(hosts.tempDir());
  open.push(radioPty, scannerPty);
  const config = await kioskConfig({
    kioskName: 'Barn Gate',
    extra: {
      modules: ['intake'],
      screen: { idleTimeoutSeconds: 600 },
      devices: { scanner: { path: scannerPty.devicePath } },
      intake: { receiver: { path: radioPty.devicePath }, pens: [{ name: 'Pen A' }] },
    },
  });
  const host = await hosts.start({ config });
  await page.goto(host.url);
  await expect(page.getByTestId('intake-receiver')).toHaveAttribute('data-state', 'connected', { timeout: 15_000 });
  const radio: LoraSimulator = await openLoraSimulator(radioPty.simPath);
  open.push(radio);
  await radio.send('hxb:BATCH009:LF9001:UHF9002');
  await expect(page.getByTestId('batch-count-BATCH009')).toHaveText('1 head');
  const scanner: ScannerSimulator = await openScannerSimulator(scannerPty.simPath);
  open.push(scanner);
  // The field is not focused: the tag comes over the serial line, not the keyboard. Scanned until the port is open.
  await expect(async () => {
    await scanner.write('UHF9002');
    await expect(page.getByTestId('intake-animal')).toContainText('LF9001', { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(page.getByTestId('intake-search-input')).toHaveValue('UHF9002');
  // A line that is not a tag (control bytes) changes nothing on the screen.
  await scanner.writeRaw('\u0001\u0002junk\r');
  await expect(page.getByTestId('intake-animal')).toContainText('LF9001');
});
