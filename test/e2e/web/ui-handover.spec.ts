/**
 * One-screen handover against the scripted backend (test/e2e/pages/ui-backend.ts): with no
 * customer display open elsewhere, "Hand to customer" gives this screen to the customer; only the
 * Staff control with a technician PIN accepted by auth.login brings the bench back. With a
 * customer display open in another window, handing over leaves the bench where it is.
 * Screenshots go to test-results/screens/<project>/handover-*.png; axe runs on every state.
 */
import type { Page } from '@playwright/test';
import { TECH_PIN, uiDevice } from '../pages/ui-backend';
import { expect, expectAccessible, shoot, test } from '../pages/ui-kiosk';

/** Nothing of the technician area is on the page. */
async function expectNoTechnicianControls(page: Page): Promise<void> {
  for (const id of ['tech-area', 'nav-bench', 'logout', 'signed-in-as', 'device-card', 'screen-bench'])
    await expect(page.getByTestId(id), id).toHaveCount(0);
  await expect(page.locator('[data-testid^="action-"]')).toHaveCount(0);
}

async function enterStaffPin(page: Page, pin: string): Promise<void> {
  const dialog = page.getByTestId('staff-pin-dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('PIN', { exact: true }).fill(pin);
  await dialog.getByTestId('login-submit').click();
}

test.describe('one-screen handover', () => {
  test('hand over -> customer screen without technician controls -> wrong PIN stays -> right PIN returns the bench', async ({
    bench,
    backend,
  }, testInfo) => {
    const page = bench.page;
    await bench.login();
    backend.attach(uiDevice(1));
    await bench.act('port-1', 'start');
    await bench.act('port-1', 'handToCustomer');

    // This screen is now the customer's, showing the request handed over.
    await expect(page.getByTestId('handover-area')).toHaveAttribute('data-mode', 'customer');
    await expect(page.getByTestId('customer-area')).toHaveAttribute('data-stage', 'offer');
    await expectNoTechnicianControls(page);
    const staff = page.getByTestId('staff-control');
    await expect(staff).toHaveText('Staff');
    const box = (await staff.boundingBox())!;
    expect(box.height).toBeGreaterThanOrEqual(44);
    expect(box.width).toBeGreaterThanOrEqual(44);
    await shoot(page, 'handover-customer', testInfo);
    await expectAccessible(page, 'the handed-over customer screen');

    // A reload does not unlock the bench.
    await page.reload();
    await expect(page.locator('html')).toHaveAttribute('data-ready', 'true');
    await expect(page.getByTestId('handover-area')).toHaveAttribute('data-mode', 'customer');
    await expectNoTechnicianControls(page);

    // Keyboard: the Staff control opens the PIN dialog; a wrong PIN keeps the customer screen.
    const loginsBefore = backend.calls.filter((c) => c.method === 'auth.login').length;
    await staff.focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('staff-pin-dialog')).toBeVisible();
    await expect(page.getByTestId('pin-input')).toBeFocused();
    await shoot(page, 'handover-staff-pin', testInfo);
    await expectAccessible(page, 'the staff PIN dialog');
    await enterStaffPin(page, '0000');
    await expect(page.getByTestId('login-error')).toHaveText('That PIN was not accepted. The screen stays with the customer.');
    expect(backend.calls.filter((c) => c.method === 'auth.login')).toHaveLength(loginsBefore + 1);
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('staff-pin-dialog')).toHaveCount(0);
    await expect(staff).toBeFocused();
    await expect(page.getByTestId('handover-area')).toHaveAttribute('data-mode', 'customer');
    await expectNoTechnicianControls(page);

    // The customer declines and finishes: the neutral hand-back screen, still PIN-guarded.
    await page.getByTestId('decline').click();
    await expect(page.getByTestId('customer-area')).toHaveAttribute('data-stage', 'declined');
    await page.getByTestId('finish').click();
    await expect(page.getByTestId('handback-screen')).toContainText('Please hand the screen back to the staff.');
    await expect(page.getByTestId('handover-area')).toHaveAttribute('data-mode', 'handBack');
    await expectNoTechnicianControls(page);
    await shoot(page, 'handover-hand-back', testInfo);
    await expectAccessible(page, 'the hand-back screen');

    await staff.click();
    await enterStaffPin(page, '9876');
    await expect(page.getByTestId('login-error')).toBeVisible();
    await expectNoTechnicianControls(page);
    await page.getByTestId('staff-pin-cancel').click();
    await expect(page.getByTestId('handback-screen')).toBeVisible();

    // The right PIN: auth.login accepts it and only then the bench is back.
    await staff.click();
    await enterStaffPin(page, TECH_PIN);
    await expect(page.getByTestId('nav-bench')).toBeVisible();
    await expect(page.getByTestId('handover-area')).toHaveCount(0);
    await expect(bench.card('port-1')).toBeVisible();
    expect(backend.calls.filter((c) => c.method === 'auth.login')).toHaveLength(loginsBefore + 3);
    await shoot(page, 'handover-bench-back', testInfo);
  });

  test('with a customer display open in another window the bench keeps its screen', async ({ bench, customer, backend }) => {
    await bench.login();
    backend.attach(uiDevice(1));
    await bench.act('port-1', 'start');
    await bench.act('port-1', 'handToCustomer');
    await customer.expectStage('offer');
    await expect(bench.page.getByTestId('handover-area')).toHaveCount(0);
    await expect(bench.page.getByTestId('nav-bench')).toBeVisible();
    await expect(bench.card('port-1')).toBeVisible();
  });
});
