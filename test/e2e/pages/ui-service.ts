/**
 * Fixture for the screen tests against the real KioskService in demo mode: a fresh data folder,
 * the demo catalogue and three simulated phones on ptys (one up to date, one ready to update,
 * one with a low battery), served by the web host. Nothing on the Node side is faked.
 */
import { test as base } from '@playwright/test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { KioskBackend } from '../../../src/shared/api';
import { startWebHost, type WebHost } from '../../../src/main/hosts/web/server';
import { createBackend } from '../../../src/main/hosts/backend';
import { BenchPage, CustomerPage, RENDERER_DIR } from './ui-kiosk';
import { expect } from '@playwright/test';

export const DEMO_PIN = '1234';

export interface ServiceFixtures {
  service: KioskBackend;
  serviceHost: WebHost;
  serviceBench: BenchPage;
  serviceCustomer: CustomerPage;
}

export const serviceTest = base.extend<ServiceFixtures>({
  // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixture's dependencies from this pattern
  service: async ({}, use) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fumo-ui-e2e-'));
    const service = await createBackend({ dataDir, demo: true, demoShell: false });
    await use(service);
    await service.close?.();
    rmSync(dataDir, { recursive: true, force: true });
  },
  serviceHost: async ({ service }, use) => {
    if (!existsSync(resolve(RENDERER_DIR, 'index.html'))) throw new Error('dist/renderer is not built: run `npm run build` first');
    const host = await startWebHost({ backend: service, rendererDir: RENDERER_DIR, port: 0 });
    await use(host);
    await host.close();
  },
  serviceBench: async ({ page, serviceHost }, use) => {
    await page.goto(`${serviceHost.url}#/tech`);
    await expect(page.locator('html')).toHaveAttribute('data-ready', 'true');
    await use(new BenchPage(page));
  },
  serviceCustomer: async ({ context, serviceHost }, use) => {
    const page = await context.newPage();
    await page.goto(`${serviceHost.url}#/customer`);
    await expect(page.locator('html')).toHaveAttribute('data-ready', 'true');
    await use(new CustomerPage(page));
    await page.close();
  },
});
