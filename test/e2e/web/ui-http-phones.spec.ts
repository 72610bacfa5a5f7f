/**
 * Phones that speak DM over HTTP, through the screens, against the real kiosk service in demo
 * mode (the service `web --demo` builds, with its DM endpoint on loopback):
 *   fumo-kiosk simulate --link http --devices 3 --server <the service's DM endpoint>
 * runs as a child process. Its three phones call the endpoint, appear on the bench as
 * `http:<DevId>`, and each goes through the customer flow (approve on the customer display, the
 * phone's own user confirms) to completion; the history then holds one record per phone.
 * Every wait is on what a screen or the child prints.
 */
import { expect } from '@playwright/test';
import type { Locator } from '@playwright/test';
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { KioskService } from '../../../src/main/services/kiosk-service';
import { childLines } from '../../support/child-lines';
import { cliChildren } from '../../support/cli-children';
import { DEMO_PIN, serviceTest as test } from '../pages/ui-service';

const SLOW = { timeout: 120_000 };

test.describe('with three phones on the DM endpoint over HTTP', () => {
  test.setTimeout(480_000);

  test('they appear on the bench and each updates to completion through the customer flow; the history has three records', async ({ service, serviceBench: bench, serviceCustomer: customer }) => {
    const url = (service as KioskService).dmEndpointUrls[0];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dm$/);
    const children = cliChildren('fumo-e2e-http-');
    try {
      const sim = children.start(['simulate', '--link', 'http', '--devices', '3', '--server', url!, '--reboot-ms', '300', '--state', path.join(children.root, 'phones')]);
      const out = childLines(sim);
      const phoneLine = /^(IMEI:\d+) FK-Demo Phone fw 1\.0\.0 http (\S+)$/;
      await out.until((all) => all.filter((l) => phoneLine.test(l)).length >= 3, 'three phone lines');
      const ids = out.all.filter((l) => phoneLine.test(l)).map((l) => phoneLine.exec(l)![1]!);
      expect(new Set(ids).size).toBe(3);

      await bench.login(DEMO_PIN);
      const httpCards = bench.page.locator('[data-testid="device-card"][data-port-id^="http:"]');
      await expect(httpCards).toHaveCount(3, SLOW);
      for (const id of ids) await expect(bench.card(`http:${id}`)).toBeVisible(SLOW);

      for (const [i, id] of ids.entries()) {
        const card: Locator = bench.card(`http:${id}`);
        await expect(card.getByTestId('action-start')).toBeVisible(SLOW);
        await card.getByTestId('action-start').click();
        await expect(card.getByTestId('action-handToCustomer')).toBeVisible(SLOW);
        await card.getByTestId('action-handToCustomer').click();
        await customer.expectStage('offer');
        await expect(customer.page.getByTestId('offer-versions')).toContainText('from version 1.0.0 to version 1.1.0');
        await customer.page.getByTestId('approve').click();
        await expect(customer.stage()).toHaveAttribute('data-stage', 'done', { timeout: 240_000 });
        await expect(customer.page.getByTestId('done-version')).toHaveText('Your phone now runs version 1.1.0.');
        await expect(card.getByTestId('device-status')).toHaveAttribute('data-state', 'updated', SLOW);
        await expect(card.getByTestId('versions')).toContainText('1.1.0');
        // The phone rebooted into the new version and called the kiosk again with it.
        await out.until((all) => all.includes(`${id} FK-Demo Phone fw 1.1.0 http ${url}`), `${id} back on 1.1.0`);
        if (i < ids.length - 1) await customer.page.getByTestId('finish').click();
      }

      await bench.nav('history');
      const rows = bench.page.getByTestId('history-row').filter({ hasText: '1.0.0 → 1.1.0' });
      await expect(rows).toHaveCount(3, SLOW);
      for (const r of await rows.all()) await expect(r).toContainText('Updated');
      expect(sim.exitCode).toBeNull();
    } finally {
      children.stop();
      rmSync(children.root, { recursive: true, force: true });
    }
  });
});
