/**
 * The catalogue changes while phones stay plugged in, against the real kiosk service in demo
 * mode: an administrator removes the bundle the ready phone needs, and its card says at once
 * that it is up to date with the catalogue (1.1.0 is now the newest version the kiosk holds); the administrator imports that bundle again, and the card
 * offers the update at once. Nobody replugs a phone or reloads a page.
 */
import { resolve } from 'node:path';
import { expect } from '@playwright/test';
import { shoot } from '../pages/ui-kiosk';
import { serviceTest as test } from '../pages/ui-service';
import { DEMO_ADMIN_PIN } from '../../../src/main/demo/demo-kiosk';

const SLOW = { timeout: 120_000 };
const BUNDLE = resolve('resources/catalog/fk-demo-phone-1.1.0-to-1.2.0.fumo');

test.describe('the catalogue changes under attached phones', () => {
  test.setTimeout(300_000);

  test('a removed bundle is no longer offered and an imported one is offered at once, without a replug', async ({ serviceBench: bench, service }, testInfo) => {
    await bench.login(DEMO_ADMIN_PIN);
    const page = bench.page;
    await expect(bench.cards()).toHaveCount(3, SLOW);
    // The demo's ready phone: version 1.1.0, the 1.1.0 -> 1.2.0 bundle applies.
    const ready = page.locator('[data-testid="device-card"]:has([data-testid="action-start"]):not(:has([data-testid="problem-BATTERY_LOW"]))');
    await expect(ready).toHaveCount(1, SLOW);
    const portId = (await ready.getAttribute('data-port-id')) ?? '';
    expect(portId).not.toBe('');
    const card = bench.card(portId);
    await expect(card.getByTestId('versions')).toContainText('1.2.0');
    await expect(card.getByTestId('device-status')).toHaveAttribute('data-state', 'update-available');
    // Every attach and detach from here on: the phones must stay as they are.
    const replugs: string[] = [];
    const onAttached = (d: { portId: string }): void => void replugs.push(`attached ${d.portId}`);
    const onDetached = (d: { portId: string }): void => void replugs.push(`detached ${d.portId}`);
    service.on('device:attached', onAttached);
    service.on('device:detached', onDetached);

    // Remove the bundle the phone needs (ask, confirm, let the undo window end).
    await bench.nav('catalog');
    const row = page.getByTestId('bundle-row').filter({ hasText: '1.2.0' });
    await expect(row).toHaveCount(1);
    await row.getByTestId('remove').click();
    await page.getByTestId('remove-yes').click();
    await expect(page.getByTestId('undo-toast')).toHaveCount(0, { timeout: 30_000 });
    await expect(page.getByTestId('catalog-message')).toContainText('Removed');

    await bench.nav('bench');
    await expect(card.getByTestId('device-status')).toHaveAttribute('data-state', 'up-to-date', SLOW);
    await expect(card.getByTestId('action-start')).toHaveCount(0);
    await expect(card.getByTestId('versions')).not.toContainText('1.2.0');
    await shoot(page, 'catalog-removed-card', testInfo);

    // Import it again by its path: the same card offers 1.1.0 -> 1.2.0 again.
    await bench.nav('catalog');
    await page.getByTestId('import-path').fill(BUNDLE);
    await page.getByTestId('import-submit').click();
    await expect(page.getByTestId('catalog-message')).toContainText('1.2.0', SLOW);

    await bench.nav('bench');
    await expect(card.getByTestId('device-status')).toHaveAttribute('data-state', 'update-available', SLOW);
    await expect(card.getByTestId('action-start')).toBeVisible();
    await expect(card.getByTestId('versions')).toContainText('1.1.0');
    await expect(card.getByTestId('versions')).toContainText('1.2.0');
    await shoot(page, 'catalog-imported-card', testInfo);
    // The same attach all along: no phone left the bench or came back.
    service.off('device:attached', onAttached);
    service.off('device:detached', onDetached);
    expect(replugs).toEqual([]);
    await expect(bench.cards()).toHaveCount(3);
  });
});
