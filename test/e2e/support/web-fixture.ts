/**
 * Playwright fixtures for the web suite: each test gets its own ScriptedBackend behind a fresh web
 * host (loopback, random port, new token) serving the built renderer in dist/renderer.
 */
import { test as base } from '@playwright/test';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { startWebHost, type WebHost } from '../../../src/main/hosts/web/server';
import { KioskPage } from '../pages/kiosk-page';
import { ScriptedBackend } from '../../../src/main/demo/shell-backend';

export const RENDERER_DIR = resolve('dist/renderer');

export interface WebFixtures {
  backend: ScriptedBackend;
  host: WebHost;
  kiosk: KioskPage;
  contractWarnings: string[];
}

export const test = base.extend<WebFixtures>({
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures destructure their fixture argument
  contractWarnings: async ({}, use) => {
    await use([]);
  },
  // eslint-disable-next-line no-empty-pattern -- as above
  backend: async ({}, use) => {
    const backend = new ScriptedBackend();
    await use(backend);
    await backend.close();
  },
  host: async ({ backend, contractWarnings }, use) => {
    if (!existsSync(resolve(RENDERER_DIR, 'index.html')))
      throw new Error('dist/renderer is not built: run `npm run build` first');
    const host = await startWebHost({
      backend,
      rendererDir: RENDERER_DIR,
      port: 0,
      dispatch: { checkOutgoing: true, warn: (m) => contractWarnings.push(m) },
    });
    await use(host);
    await host.close();
  },
  kiosk: async ({ page, host }, use) => {
    await use(new KioskPage(page, host.url));
  },
});

export { expect } from '@playwright/test';
