/**
 * Page object for the kiosk screens, shared by the web and the Electron suites: it knows the
 * screens (test ids, roles), not the host. The host-specific part is how a page is opened.
 */
import { expect, type Locator, type Page, type TestInfo } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export type Area = 'tech' | 'customer';

export class KioskPage {
  constructor(
    readonly page: Page,
    /** The web host's URL with its token; undefined under Electron (the window is already open). */
    private readonly baseUrl?: string,
  ) {}

  /** Open an area and wait until the first snapshot is on screen. */
  async open(area: Area = 'tech'): Promise<void> {
    if (this.baseUrl !== undefined) await this.page.goto(`${this.baseUrl}#/${area}`);
    else await this.page.evaluate((a) => (window.location.hash = `#/${a}`), area);
    await this.waitReady();
    await expect(this.areaRoot(area)).toBeVisible();
  }

  /** The readiness flag the app sets once its first snapshot is rendered (never a sleep). */
  async waitReady(): Promise<void> {
    await expect(this.page.locator('html')).toHaveAttribute('data-ready', 'true');
  }

  areaRoot(area: Area): Locator {
    return this.page.getByTestId(area === 'tech' ? 'tech-area' : 'customer-area');
  }

  connectionStatus(): Locator {
    return this.page.getByTestId('connection-status');
  }

  deviceCards(): Locator {
    return this.page.getByTestId('device-card');
  }

  deviceCard(portId: string): Locator {
    return this.page.locator(`[data-testid="device-card"][data-port-id="${portId}"]`);
  }

  /** Log in on the technician login screen (the PIN pad) and wait for the bench. */
  async login(pin: string): Promise<void> {
    await expect(this.page.getByTestId('screen-login')).toBeVisible();
    await this.page.getByTestId('pin-input').fill(pin);
    await this.page.getByTestId('login-submit').click();
    await expect(this.page.getByTestId('screen-bench')).toBeVisible();
  }

  async startUpdate(portId: string): Promise<void> {
    await this.deviceCard(portId).getByTestId('action-start').click();
  }

  /** The device's status badge; its data-phase attribute is the phase of its job. */
  deviceStatus(portId: string): Locator {
    return this.deviceCard(portId).getByTestId('device-status');
  }

  /** Save a full-page screenshot under test-results/screenshots/<project>/<name>.png. */
  async screenshot(name: string, testInfo: TestInfo): Promise<string> {
    const dir = join('test-results', 'screenshots', testInfo.project.name);
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${name}.png`);
    await this.page.screenshot({ path, fullPage: true });
    await testInfo.attach(name, { path, contentType: 'image/png' });
    return path;
  }
}
