/**
 * Bench slots against the real kiosk service in demo mode (three simulated phones on ptys): an
 * administrator names the ready phone's port "Slot 3" on the Bench slots screen; the bench card
 * shows it at once, the customer's offer shows the model, "Slot 3" and the last digits of the
 * IMEI, and the update's history record keeps the slot. Every wait is on what a screen shows;
 * screenshots go to test-results/screens/<project>/slots-*.png and axe runs on the new screen.
 */
import { expect } from '@playwright/test';
import { expectAccessible, shoot } from '../pages/ui-kiosk';
import { serviceTest as test } from '../pages/ui-service';

/** The demo administrator's PIN (README). */
const DEMO_ADMIN_PIN = '246810';
const SLOW = { timeout: 120_000 };

test.describe('bench slots with the kiosk service', () => {
  test.setTimeout(300_000);

  test('an administrator names a port "Slot 3": card, customer offer and history show it', async ({ serviceBench: bench, serviceCustomer: customer }, testInfo) => {
    await bench.login(DEMO_ADMIN_PIN);
    await expect(bench.cards()).toHaveCount(3, SLOW);
    const offering = bench.page.locator('[data-testid="device-card"]:has([data-testid="action-start"]):not(:has([data-testid="problem-BATTERY_LOW"]))');
    await expect(offering).toHaveCount(1, SLOW);
    const portId = (await offering.getAttribute('data-port-id')) ?? '';
    expect(portId).not.toBe('');
    const card = bench.card(portId);
    // Unnamed, the card shows where the phone is: its port's path.
    const pathShown = (await card.getByTestId('slot').textContent())?.trim() ?? '';
    expect(pathShown).toMatch(/^\/dev\//);
    const devId = (await card.getByTestId('devid').textContent())?.trim() ?? '';
    const tail = devId.slice(-4);
    expect(tail).toMatch(/^\d{4}$/);

    await bench.nav('slots');
    const row = bench.page.locator(`[data-testid="slot-row"][data-port-id="${portId}"]`);
    await expect(row).toBeVisible(SLOW);
    await expect(row.getByTestId('slot-status')).toContainText('simulated phone');
    // The three demo phones; this computer's own serial ports may be listed beside them.
    await expect(bench.page.getByTestId('slot-row').filter({ hasText: 'a simulated phone' })).toHaveCount(3);
    await shoot(bench.page, 'slots-screen', testInfo);
    await expectAccessible(bench.page, 'bench slots');
    // Touch targets: every field and button of the screen at least 44 px high.
    for (const control of await bench.page.locator('[data-testid="screen-slots"] :is(input, select, button)').all()) {
      const box = await control.boundingBox();
      expect(box?.height ?? 0, `height of ${await control.getAttribute('data-testid')}`).toBeGreaterThanOrEqual(44);
    }

    // Too long a name is refused by the field itself (40 characters at most).
    await row.getByTestId('slot-name').fill('x'.repeat(60));
    await expect(row.getByTestId('slot-name')).toHaveValue('x'.repeat(40));
    await row.getByTestId('slot-name').fill('Slot 3');
    await row.getByTestId('slot-save').click();
    await expect(row.getByTestId('slot-saved')).toBeVisible();
    await expect(row.getByTestId('slot-name')).toHaveValue('Slot 3');
    await shoot(bench.page, 'slots-saved', testInfo);
    await bench.page.getByTestId('lang-de').first().click();
    await expect(bench.page.locator('#slots-title')).toHaveText('Anschlussplätze');
    await expect(row.getByTestId('slot-status')).toContainText('ein simuliertes Telefon');
    await shoot(bench.page, 'slots-screen-de', testInfo);
    await bench.page.getByTestId('lang-en').first().click();
    await expect(bench.page.locator('#slots-title')).toHaveText('Bench slots');

    await bench.nav('bench');
    await expect(card.getByTestId('slot')).toHaveText('Slot 3');
    // The other phones keep their paths.
    await expect(bench.page.locator('[data-testid="slot"]', { hasText: 'Slot 3' })).toHaveCount(1);

    await card.getByTestId('action-start').click();
    await expect(card.getByTestId('action-handToCustomer')).toBeVisible(SLOW);
    await card.getByTestId('action-handToCustomer').click();
    await customer.expectStage('offer');
    const phone = customer.page.getByTestId('offer-phone');
    await expect(phone).toContainText('FK-Demo Phone');
    await expect(customer.page.getByTestId('offer-slot')).toHaveText('Slot: Slot 3');
    await expect(customer.page.getByTestId('offer-imei')).toHaveText(`IMEI ending in ${tail}`);
    await shoot(customer.page, 'slots-customer-offer', testInfo);

    await customer.page.getByTestId('approve').click();
    await expect(customer.stage()).toHaveAttribute('data-stage', 'done', { timeout: 180_000 });

    await bench.nav('history');
    const record = bench.page.getByTestId('history-row').filter({ hasText: '1.1.0 → 1.2.0' });
    await expect(record).toHaveCount(1, SLOW);
    await expect(record.getByTestId('history-slot')).toHaveText('Slot 3');
    await record.getByRole('button').first().click();
    await expect(bench.page.getByTestId('history-detail-slot')).toHaveText('Slot 3');
    await shoot(bench.page, 'slots-history', testInfo);
  });
});
