/**
 * gate.scan_to_screen: ms from a code written on the scanner's pty to its
 * result painted in Chromium, p50 and p99 over 200 scans, against the serial
 * transfer time of the line plus one 60 Hz frame.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { chromiumLaunch } from '../../playwright.config';
import { venueDate } from '../../main/clock';
import { openScannerSimulator } from '../sim/scanner-sim';
import { createPtyPair } from '../sim/pty';
import { startHeadless } from '../support/headless';
import { withTeardown } from '../support/process-group';
import { benchLine, percentile, progress, quick, withRef } from './format';
import { startSimProcess } from './sim-process';

const BAUD = 9600;

export async function benchScanToScreen(): Promise<void> {
  const scans = quick ? 20 : 200;
  // The first scans pay for the page's first renders and the JIT: not counted.
  const warmup = 5;
  const root = path.resolve(import.meta.dirname, '../..');
  if (!fs.existsSync(path.join(root, 'dist/renderer/index.html'))) throw new Error('dist/ is missing: run `node scripts/build.mjs` first');
  progress(`gate.scan_to_screen: ${scans} scans`);
  const latencies = await withTeardown(async (teardown) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'booth-bench-scan-'));
    teardown.add('scratch folder', () => fs.rmSync(dir, { recursive: true, force: true }));
    fs.mkdirSync(path.join(dir, 'pty'));
    const pty = await createPtyPair(path.join(dir, 'pty'));
    teardown.add('pty pair', () => pty.close());
    const scanner = await openScannerSimulator(pty.simPath, { baudRate: BAUD });
    teardown.add('scanner simulator', () => scanner.close());
    const sim = await startSimProcess(['--tickets', String(scans + warmup + 10)]);
    teardown.add('cloud simulator', () => sim.close());
    const configFile = path.join(dir, 'config.json');
    fs.writeFileSync(
      configFile,
      JSON.stringify({
        modules: ['gate'],
        api: { baseUrl: sim.apiUrl },
        services: { probeIntervalSeconds: 3600 },
        gate: { attraction: 'A', duplicateScanSeconds: 0 },
        devices: { scanner: { path: pty.devicePath, baudRate: BAUD, terminator: 'CR' } },
        logging: { level: 'warn' },
      }),
    );
    const host = await startHeadless({ dataDir: dir, config: configFile });
    teardown.add('headless host', () => host.stop());
    for (;;) {
      const status = await host.invoke<{ lastDownloadAt: string | null; scanner: { connected: boolean } }>('gate:status');
      if (status.ok && status.value.lastDownloadAt && status.value.scanner.connected) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const browser = await chromium.launch(chromiumLaunch);
    teardown.add('browser', () => browser.close());
    const page = await browser.newPage({ viewport: { width: 800, height: 480 } });
    await page.goto(host.url);
    // BENCH_PAUSE_HOST_MS (for tests): the host stops for that long right after
    // the page has loaded, as it may on a machine still busy with other work.
    const pauseMs = Number(process.env.BENCH_PAUSE_HOST_MS ?? 0);
    if (pauseMs > 0) {
      process.kill(host.child.pid!, 'SIGSTOP');
      setTimeout(() => process.kill(host.child.pid!, 'SIGCONT'), pauseMs);
    }
    // Scans start when the screen asks for them, as a customer's would. Until
    // then the page is still booting (asking the host what to show), and a scan
    // then is shown by no screen: a host that pauses for a moment right after
    // the page loads (the machine still busy) used to lose the first scan here.
    await page.getByTestId('gate-ready').waitFor({ timeout: 30_000 });
    // Record, for each scan id, the frame in which its result is first on screen.
    await page.evaluate(() => {
      const seen: Record<string, number> = {};
      (window as unknown as { __painted: Record<string, number> }).__painted = seen;
      new MutationObserver(() => {
        for (const el of document.querySelectorAll<HTMLElement>('[data-testid="scan-result"][data-scan-id]')) {
          const id = el.dataset.scanId!;
          if (!(id in seen)) {
            seen[id] = -1;
            requestAnimationFrame(() => (seen[id] = performance.timeOrigin + performance.now()));
          }
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-scan-id'] });
    });
    const today = venueDate(new Date(), 'Asia/Jakarta').replaceAll('-', '');
    const measured: number[] = [];
    for (let i = 1; i <= scans + warmup; i++) {
      const code = `${today}-${String(i).padStart(6, '0')}`;
      const before = await page.evaluate(() => Object.keys((window as unknown as { __painted: object }).__painted).length);
      const t0 = performance.timeOrigin + performance.now();
      await scanner.write(code, 'CR');
      const painted = await page.waitForFunction(
        (count) => {
          const seen = (window as unknown as { __painted: Record<string, number> }).__painted;
          const values = Object.values(seen);
          return values.length > count && values.every((v) => v > 0) ? Math.max(...values) : null;
        },
        before,
        { timeout: 10_000, polling: 5 },
      );
      if (i > warmup) measured.push((await painted.jsonValue())! - t0);
      await new Promise((r) => setTimeout(r, 30));
    }
    return measured;
  });
  const sorted = [...latencies].sort((a, b) => a - b);
  // 10 bits per byte on the wire (start, 8 data, stop), the code and its CR; then one frame.
  const reference = Math.round(((16 * 10) / BAUD) * 1000 + 1000 / 60);
  for (const p of [50, 99]) {
    benchLine(withRef({ bench: `gate.scan_to_screen.p${p}`, value: Math.round(percentile(sorted, p) * 10) / 10, unit: 'ms', better: 'lower', ref: 'serial-transfer+1-frame', refValue: reference, n: scans }));
  }
}
