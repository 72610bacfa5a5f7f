/**
 * The screens against the real kiosk service with simulated phones on ptys (demo mode): the
 * technician logs in, the three demo phones appear, the customer approves, the phone confirms by
 * itself (simulated user), progress moves, completion names the new version, history has it.
 */
import { expect } from '@playwright/test';
import type { TestInfo } from '@playwright/test';
import { expectAccessible, shoot, type BenchPage, type CustomerPage } from '../pages/ui-kiosk';
import { DEMO_PIN, serviceTest as test } from '../pages/ui-service';

/** Log in, wait for the three demo phones to identify themselves, hand the ready one over. */
async function handOverReadyPhone(bench: BenchPage, customer: CustomerPage, testInfo: TestInfo) {
  await bench.login(DEMO_PIN);
  await expect(bench.cards()).toHaveCount(3, { timeout: 60_000 });
  const offering = bench.page.locator('[data-testid="device-card"]:has([data-testid="action-start"])');
  await expect(offering).toHaveCount(1, { timeout: 90_000 });
  const ready = bench.card((await offering.getAttribute('data-port-id'))!);
  await expect(bench.page.locator('[data-testid="device-status"][data-state="up-to-date"]')).toHaveCount(1, { timeout: 90_000 });
  await expect(bench.page.getByTestId('problem-BATTERY_LOW')).toContainText('Battery at 12%', { timeout: 90_000 });
  await shoot(bench.page, 'service-bench', testInfo);
  await expectAccessible(bench.page, 'bench with the service');

  await ready.getByTestId('action-start').click();
  await expect(ready.getByTestId('action-handToCustomer')).toBeVisible({ timeout: 90_000 });
  await ready.getByTestId('action-handToCustomer').click();
  await customer.expectStage('offer');
  await expect(customer.page.getByTestId('offer-versions')).toContainText('from version 1.1.0 to version 1.2.0');
  await shoot(customer.page, 'service-customer-offer', testInfo);
  await expectAccessible(customer.page, 'offer from the service');
  return ready;
}

test.describe('with the kiosk service and simulated phones', () => {
  test.setTimeout(240_000);

  test('the technician hands a demo phone over, the customer approves, the update is sent and installs', async ({ serviceBench: bench, serviceCustomer: customer }, testInfo) => {
    const ready = await handOverReadyPhone(bench, customer, testInfo);
    await customer.page.getByTestId('approve').click();
    // The simulated phone confirms by itself; the transfer runs and the phone starts installing.
    await expect(customer.stage()).toHaveAttribute('data-stage', /progress|done/, { timeout: 90_000 });
    await expect(ready.getByTestId('device-status')).toHaveAttribute('data-phase', /installing|verifying|completed/, { timeout: 120_000 });
    await expect(customer.page.getByTestId('percent')).toHaveText('100%');
  });

  test('the customer declines and nothing is changed', async ({ serviceBench: bench, serviceCustomer: customer }, testInfo) => {
    const ready = await handOverReadyPhone(bench, customer, testInfo);
    await customer.page.getByTestId('decline').click();
    await customer.expectStage('declined');
    await expect(customer.page.getByTestId('customer-declined')).toContainText('Your phone still runs version 1.1.0.');
    await expect(ready.getByTestId('device-status')).toHaveAttribute('data-phase', 'declined', { timeout: 60_000 });
  });

  // The phone reboots after the install and reports its result (Generic Alert 1226) in a new
  // session on a new pty: the job completes only if that session reaches this kiosk's job.
  test('completion names the new version and the history has the record', async ({ serviceBench: bench, serviceCustomer: customer }, testInfo) => {
    const ready = await handOverReadyPhone(bench, customer, testInfo);
    await customer.page.getByTestId('approve').click();
    await expect(customer.stage()).toHaveAttribute('data-stage', 'done', { timeout: 180_000 });
    await expect(customer.page.getByTestId('done-version')).toHaveText('Your phone now runs version 1.2.0.');
    await shoot(customer.page, 'service-customer-done', testInfo);
    await expect(ready.getByTestId('device-status')).toHaveAttribute('data-state', 'updated', { timeout: 60_000 });

    await bench.nav('history');
    const row = bench.page.getByTestId('history-row').filter({ hasText: '1.1.0 → 1.2.0' });
    await expect(row).toHaveCount(1, { timeout: 60_000 });
    await expect(row).toContainText('Updated');
    await shoot(bench.page, 'service-history', testInfo);
  });
});
