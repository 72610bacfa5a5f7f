/**
 * Page objects and fixtures for the screen tests: the technician bench (/tech) and the customer
 * touchscreen (/customer) in two pages of one browser context, both against a fresh web host
 * serving the built renderer with a scripted UiBackend behind it.
 */
import AxeBuilder from '@axe-core/playwright';
import { test as base, expect, type Locator, type Page, type TestInfo } from '@playwright/test';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startWebHost, type WebHost } from '../../../src/main/hosts/web/server';
import { ADMIN_PIN, TECH_PIN, UiBackend } from './ui-backend';

export const RENDERER_DIR = resolve('dist/renderer');

async function openArea(page: Page, url: string, area: 'tech' | 'customer'): Promise<void> {
  await page.goto(`${url}#/${area}`);
  await expect(page.locator('html')).toHaveAttribute('data-ready', 'true');
}

export class BenchPage {
  constructor(readonly page: Page) {}

  async login(pin: string = TECH_PIN): Promise<void> {
    await expect(this.page.getByTestId('screen-login')).toBeVisible();
    await this.page.getByLabel('PIN', { exact: true }).fill(pin);
    await this.page.getByTestId('login-submit').click();
    await expect(this.page.getByTestId('nav-bench')).toBeVisible();
  }
  loginAsAdmin(): Promise<void> {
    return this.login(ADMIN_PIN);
  }
  cards(): Locator {
    return this.page.getByTestId('device-card');
  }
  card(portId: string): Locator {
    return this.page.locator(`[data-testid="device-card"][data-port-id="${portId}"]`);
  }
  async act(portId: string, action: 'start' | 'handToCustomer' | 'cancel' | 'retry'): Promise<void> {
    await this.card(portId).getByTestId(`action-${action}`).click();
  }
  async nav(view: 'bench' | 'catalog' | 'trust' | 'slots' | 'people' | 'settings' | 'history'): Promise<void> {
    // The administrator's screens are tabs under "Administration" in the menu.
    const tab = this.page.getByTestId(`nav-${view}`);
    if (!(await tab.isVisible())) await this.page.getByTestId('nav-admin').click();
    await tab.click();
    await expect(this.page.getByTestId(`screen-${view}`)).toBeVisible();
  }
}

export class CustomerPage {
  constructor(readonly page: Page) {}
  stage(): Locator {
    return this.page.getByTestId('customer-area');
  }
  async expectStage(stage: string): Promise<void> {
    await expect(this.stage()).toHaveAttribute('data-stage', stage);
  }
  async chooseLanguage(lng: 'en' | 'de' | 'es'): Promise<void> {
    await this.page.getByTestId(`lang-${lng}`).first().click();
  }
}

/** Full-page screenshot into test-results/screens/<project>/<name>.png. */
export async function shoot(page: Page, name: string, testInfo: TestInfo): Promise<void> {
  const dir = join('test-results', 'screens', testInfo.project.name);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled' });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/** axe (WCAG 2.1 A and AA) on the page as it is now: no violations allowed. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const found = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect(found, `axe on ${what}`).toEqual([]);
}

export interface UiFixtures {
  backend: UiBackend;
  host: WebHost;
  bench: BenchPage;
  customer: CustomerPage;
  contractWarnings: string[];
}

export const test = base.extend<UiFixtures>({
  // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixture's dependencies from this pattern
  contractWarnings: async ({}, use) => {
    await use([]);
  },
  // eslint-disable-next-line no-empty-pattern -- as above
  backend: async ({}, use) => {
    const backend = new UiBackend();
    await use(backend);
    await backend.close();
  },
  host: async ({ backend, contractWarnings }, use) => {
    if (!existsSync(resolve(RENDERER_DIR, 'index.html'))) throw new Error('dist/renderer is not built: run `npm run build` first');
    const host = await startWebHost({ backend, rendererDir: RENDERER_DIR, port: 0, dispatch: { checkOutgoing: true, warn: (m) => contractWarnings.push(m) } });
    await use(host);
    await host.close();
  },
  bench: async ({ page, host }, use) => {
    await openArea(page, host.url, 'tech');
    await use(new BenchPage(page));
  },
  customer: async ({ context, host }, use) => {
    const page = await context.newPage();
    await openArea(page, host.url, 'customer');
    await use(new CustomerPage(page));
    await page.close();
  },
});

export { expect };
