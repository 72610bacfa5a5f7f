/**
 * The same shell checks against the Electron app (run by scripts/e2e-electron.mjs, which sets
 * FUMO_ELECTRON_PATH only where the Electron binary exists; otherwise this suite is skipped).
 */
import { _electron as electron, expect, test } from '@playwright/test';
import { resolve } from 'node:path';
import { KioskPage } from '../pages/kiosk-page';
import { TECHNICIAN_PIN } from '../../../src/main/demo/shell-backend';

const executablePath = process.env.FUMO_ELECTRON_PATH;

test.skip(!executablePath, 'the Electron binary is not available (run through scripts/e2e-electron.mjs)');

// eslint-disable-next-line no-empty-pattern -- Playwright fixtures destructure their fixture argument
test('the Electron app opens hardened, connects over IPC and shows the sample devices', async ({}, testInfo) => {
  const app = await electron.launch({
    executablePath,
    args: [resolve('.'), '--demo-shell', '--windowed', '--no-sandbox'],
    env: { ...process.env, FUMO_KIOSK_DEBUG: '' },
  });
  try {
    const window = await app.firstWindow();
    await window.setViewportSize({ width: 1920, height: 1080 });
    const kiosk = new KioskPage(window);
    await kiosk.waitReady();
    await kiosk.login(TECHNICIAN_PIN);
    await expect(kiosk.deviceCards()).toHaveCount(3);
    expect(window.url()).toMatch(/^app:\/\/kiosk\//);
    // No Node in the page; only the bridge.
    expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe(
      'undefined',
    );
    expect(
      await window.evaluate(() => typeof (window as unknown as { kiosk?: { api?: unknown } }).kiosk?.api),
    ).toBe('object');
    await kiosk.startUpdate('sim-1');
    await expect(kiosk.deviceStatus('sim-1')).toHaveAttribute('data-phase', 'queued');
    await kiosk.screenshot('electron-tech', testInfo);
    await kiosk.open('customer');
  } finally {
    await app.close();
  }
});
