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
import { createBackend } from '../../../src/main/demo/backend';
import { addDemoPhones, cablePulledPhoneSpec } from '../../../src/main/demo/demo-phones';
import { createDemoKiosk } from '../../../src/main/demo/demo-kiosk';
import type { KioskService } from '../../../src/main/services/kiosk-service';
import { simulatedDevId } from '../../../src/simulator/identity';
import { BenchPage, CustomerPage, RENDERER_DIR } from './ui-kiosk';
import { expect } from '@playwright/test';

export const DEMO_PIN = '1234';
/** DevId index of the cable-pulled phone (the demo's own three are 0..2). */
export const CABLE_PULLED_INDEX = 3;
/** FUMO_KIOSK_DEBUG=1 prints the service's log (attach, detach, sessions) to stderr. */
const DEBUG_LOG = process.env['FUMO_KIOSK_DEBUG'] ? { log: (line: string) => process.stderr.write(`[kiosk] ${new Date().toISOString()} ${line}\n`) } : {};
/** How long the phone stays unplugged, so the problem is on screen before it returns. */
const UNPLUGGED_MS = 8_000;
/** Its port as the service names it (`sim:<DevId>`). */
export const CABLE_PULLED_PORT = `sim:${simulatedDevId(CABLE_PULLED_INDEX)}`;

export interface ServiceFixtures {
  /** Start the demo with a fourth phone whose cable is pulled once mid-transfer (fault disconnect-at). */
  cablePulledPhone: boolean;
  service: KioskBackend;
  serviceHost: WebHost;
  serviceBench: BenchPage;
  serviceCustomer: CustomerPage;
}

export const serviceTest = base.extend<ServiceFixtures>({
  cablePulledPhone: [false, { option: true }],
  service: async ({ cablePulledPhone }, use) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fumo-ui-e2e-'));
    // With the cable-pulled phone: the same service as `web --demo` builds, plus that phone (the
    // service shows the pulled cable as soon as the job waits for the phone).
    const service = cablePulledPhone
      ? await createDemoKiosk({ dataDir, ...DEBUG_LOG })
      : await createBackend({ dataDir, demo: true, demoShell: false });
    const extra = cablePulledPhone
      ? await addDemoPhones(service as KioskService, join(dataDir, 'extra-phones'), [
          cablePulledPhoneSpec({ index: CABLE_PULLED_INDEX, replugDelayMs: UNPLUGGED_MS }),
        ])
      : undefined;
    if (DEBUG_LOG.log) {
      const log = DEBUG_LOG.log;
      (service as KioskService).on('job:updated', (j) =>
        log(`job ${j.portId} ${j.phase} ${j.bytesSent}/${j.bytesTotal} ${j.error?.code ?? ''} faults=${JSON.stringify(extra?.devices[0]?.device.faults.all())}`),
      );
      for (const h of extra?.devices ?? []) h.device.on('disconnected', (why: unknown) => log(`phone ${h.devId} disconnected ${String(why)}`));
    }
    await use(service);
    await extra?.stop();
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
    await page.goto(serviceHost.customerUrl);
    await expect(page.locator('html')).toHaveAttribute('data-ready', 'true');
    await use(new CustomerPage(page));
    await page.close();
  },
});
