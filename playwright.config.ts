import { defineConfig } from '@playwright/test';

/** Debian's Chromium, headless, with no calls home (this machine has no internet). */
export const chromiumLaunch = {
  executablePath: process.env.BOOTH_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ],
};

export default defineConfig({
  testDir: 'test/e2e',
  // Builds dist/ when it is missing or older than the sources.
  globalSetup: './test/e2e/support/global-setup.ts',
  outputDir: 'test-results/e2e',
  retries: 0,
  workers: 1,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  use: {
    launchOptions: chromiumLaunch,
    viewport: { width: 800, height: 480 },
    screenshot: 'only-on-failure',
    trace: 'off',
  },
});
