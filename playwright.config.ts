import { defineConfig, type LaunchOptions } from '@playwright/test';

/**
 * End-to-end tests. Browsers: Debian's Chromium (no Playwright browser download here).
 * Projects: `web` (1280x800, the customer touchscreen), `web-fullhd` (1920x1080, the technician
 * bench) both against the loopback web host; `electron` through Playwright's _electron, run by
 * scripts/e2e-electron.mjs only where the Electron binary exists.
 */
const chromium: LaunchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-default-apps',
  ],
};

export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results/e2e',
  timeout: 90_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  // Two cores: one browser at a time keeps the machine responsive.
  workers: Number(process.env.E2E_WORKERS ?? 1),
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    actionTimeout: 20_000,
    navigationTimeout: 30_000,
  },
  projects: [
    {
      name: 'web',
      testMatch: 'web/**/*.spec.ts',
      use: { browserName: 'chromium', viewport: { width: 1280, height: 800 }, launchOptions: chromium },
    },
    {
      name: 'web-fullhd',
      testMatch: 'web/**/*.spec.ts',
      use: { browserName: 'chromium', viewport: { width: 1920, height: 1080 }, launchOptions: chromium },
    },
    {
      name: 'electron',
      testMatch: 'electron/**/*.spec.ts',
    },
  ],
});
