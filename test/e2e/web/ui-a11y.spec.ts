/**
 * Scripted backend: axe on screens the demo cannot reach (failure, install later, catalogue
 * verdicts of every kind), keyboard and touch-target checks on fixed layouts. axe on every screen
 * reached with the real service runs in ui-service.spec.ts.
 *
 * Accessibility: axe (WCAG 2.1 A/AA) on every screen, keyboard operation, visible focus and touch
 * target sizes.
 */
import { LOW_BATTERY, UP_TO_DATE, uiDevice } from '../pages/ui-backend';
import { expect, expectAccessible, test } from '../pages/ui-kiosk';

test.describe('accessibility', () => {
  test('axe finds nothing on any technician or administrator screen', async ({ bench, backend }) => {
    await expectAccessible(bench.page, 'login');
    await bench.loginAsAdmin();
    await expectAccessible(bench.page, 'empty bench');
    backend.attach(uiDevice(1));
    backend.attach(uiDevice(2, UP_TO_DATE));
    backend.attach(uiDevice(3, LOW_BATTERY));
    await expect(bench.cards()).toHaveCount(3);
    await bench.act('port-1', 'start');
    await expect(bench.card('port-1').getByTestId('action-handToCustomer')).toBeVisible();
    await expectAccessible(bench.page, 'bench with devices');
    for (const view of ['catalog', 'trust', 'people', 'settings', 'history'] as const) {
      await bench.nav(view);
      await expectAccessible(bench.page, view);
    }
  });

  test('axe finds nothing on the People screen with a lockout, a refusal and a remove being asked', async ({ bench, backend }) => {
    await bench.loginAsAdmin();
    backend.pins.lock(Date.UTC(2030, 0, 1));
    await bench.nav('people');
    await expect(bench.page.getByTestId('login-locked')).toBeVisible();
    await bench.page.getByTestId('person-name').fill('Sam');
    await bench.page.getByTestId('person-pin').fill('12');
    await bench.page.getByTestId('person-pin-again').fill('12');
    await bench.page.getByTestId('person-save').click();
    await expect(bench.page.getByTestId('person-error')).toBeVisible();
    await bench.page.locator('[data-testid="person-row"][data-name="Toni Tech"]').getByTestId('remove').click();
    await expect(bench.page.getByTestId('remove-confirm')).toBeVisible();
    await expectAccessible(bench.page, 'people with a lockout, a refusal and a remove asked');
    for (const button of await bench.page.getByTestId('screen-people').getByRole('button').all()) {
      const box = await button.boundingBox();
      if (!box) continue;
      expect(box.height, await button.innerText()).toBeGreaterThanOrEqual(44);
      expect(box.width, await button.innerText()).toBeGreaterThanOrEqual(44);
    }
    for (const id of ['person-name', 'person-role', 'person-pin', 'person-pin-again']) {
      const box = await bench.page.getByTestId(id).boundingBox();
      expect(box!.height, id).toBeGreaterThanOrEqual(44);
    }
  });

  test('axe finds nothing on any customer screen', async ({ bench, customer, backend }) => {
    await expectAccessible(customer.page, 'customer welcome');
    await bench.login();
    backend.attach(uiDevice(1));
    backend.attach(uiDevice(4, { supportsSchedule: true }));
    await bench.act('port-1', 'start');
    await bench.act('port-1', 'handToCustomer');
    await customer.expectStage('offer');
    await expectAccessible(customer.page, 'offer');
    await customer.page.getByTestId('approve').click();
    await customer.expectStage('device');
    await expectAccessible(customer.page, 'confirm on the phone');
    backend.deviceAccepts('port-1');
    backend.progress('port-1', 20_000_000, 2_000_000);
    await expect(customer.page.getByTestId('percent')).not.toHaveText('0%');
    await expectAccessible(customer.page, 'progress');
    backend.installing('port-1');
    backend.complete('port-1');
    await customer.expectStage('done');
    await expectAccessible(customer.page, 'done');
    await customer.page.getByTestId('finish').click();

    await bench.act('port-4', 'start');
    await bench.act('port-4', 'handToCustomer');
    await customer.expectStage('offer');
    await expectAccessible(customer.page, 'offer with install later');
    await customer.page.getByTestId('decline').click();
    await customer.expectStage('declined');
    await expectAccessible(customer.page, 'declined');
    await customer.page.getByTestId('finish').click();

    await bench.act('port-4', 'retry');
    await bench.act('port-4', 'handToCustomer');
    await customer.page.getByTestId('approve').click();
    await customer.expectStage('device'); // the answer has reached the Node side
    backend.deviceDeclines('port-4');
    await customer.expectStage('declined');
    await customer.page.getByTestId('finish').click();
    await bench.act('port-4', 'retry');
    await bench.act('port-4', 'handToCustomer');
    await customer.page.getByTestId('approve').click();
    await customer.expectStage('device'); // the answer has reached the Node side
    backend.deviceAccepts('port-4');
    backend.fail('port-4', 'CABLE_UNPLUGGED');
    await customer.expectStage('failed');
    await expectAccessible(customer.page, 'failed');
  });

  test('the whole customer decision works from the keyboard with a visible focus ring', async ({ bench, customer, backend }) => {
    await bench.login();
    backend.attach(uiDevice(1));
    await bench.act('port-1', 'start');
    await bench.act('port-1', 'handToCustomer');
    await customer.expectStage('offer');
    const approve = customer.page.getByTestId('approve');
    for (let i = 0; i < 12; i++) {
      if (await approve.evaluate((el) => el === document.activeElement)) break;
      await customer.page.keyboard.press('Tab');
    }
    await expect(approve).toBeFocused();
    const ring = await approve.evaluate((el) => getComputedStyle(el).boxShadow);
    expect(ring).not.toBe('none');
    await customer.page.keyboard.press('Enter');
    await customer.expectStage('device');
  });

  test('touch targets: bench controls at least 44 px, customer decisions much larger', async ({ bench, customer, backend }) => {
    await bench.login();
    backend.attach(uiDevice(1));
    for (const button of await bench.page.getByRole('button').all()) {
      const box = await button.boundingBox();
      if (!box) continue;
      expect(box.height, await button.innerText()).toBeGreaterThanOrEqual(44);
      expect(box.width, await button.innerText()).toBeGreaterThanOrEqual(44);
    }
    for (const button of await customer.page.getByRole('button').all()) {
      const box = await button.boundingBox();
      if (box) expect(box.height).toBeGreaterThanOrEqual(56);
    }
    await bench.act('port-1', 'start');
    await bench.act('port-1', 'handToCustomer');
    for (const id of ['approve', 'decline']) {
      const box = await customer.page.getByTestId(id).boundingBox();
      expect(box!.height).toBeGreaterThanOrEqual(88);
      expect(box!.width).toBeGreaterThanOrEqual(300);
    }
  });
});
