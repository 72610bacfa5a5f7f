/**
 * Clear ends and screens that tell the truth, against the scripted backend
 * (test/e2e/pages/ui-backend.ts): a confirmed cancel shows "Cancelling..." at once and until the
 * job ends; a failed install says once, in plain words, what happened and what comes next, with
 * the result code only in the technician's details; a customer display opened or reopened in the
 * middle of an update shows that update. Screenshots: test-results/screens/<project>/ends-*.png.
 */
import type { Page } from '@playwright/test';
import { uiDevice } from '../pages/ui-backend';
import { expect, shoot, test } from '../pages/ui-kiosk';

async function openCustomer(page: Page, url: string): Promise<void> {
  await page.goto(`${url}#/customer`);
  await expect(page.locator('html')).toHaveAttribute('data-ready', 'true');
}

test.describe('clear ends', () => {
  test('cancel: "Cancelling..." at once after the confirmation, until the job ends', async ({ bench, customer, backend }, testInfo) => {
    await bench.login();
    backend.attach(uiDevice(1));
    backend.holdCancel = true; // the phone takes its time to stop
    await bench.act('port-1', 'start');
    await bench.act('port-1', 'handToCustomer');
    await customer.page.getByTestId('approve').click();
    await customer.expectStage('device');
    backend.deviceAccepts('port-1', 4_000_000);
    backend.progress('port-1', 400_000, 11_520);
    const card = bench.card('port-1');
    await expect(card.getByTestId('percent')).toHaveText('10%');
    await expect(card.getByTestId('action-cancel')).toBeVisible();
    await bench.act('port-1', 'cancel');

    // The question lies over the card with two large answers, one above the other.
    const yes = card.getByTestId('action-cancel-confirm');
    const no = card.getByTestId('action-cancel-keep');
    await expect(card.getByTestId('cancel-confirm')).toContainText('Cancel the update on this phone?');
    const yesBox = (await yes.boundingBox())!;
    const noBox = (await no.boundingBox())!;
    expect(yesBox.height).toBeGreaterThanOrEqual(56);
    expect(noBox.height).toBeGreaterThanOrEqual(56);
    expect(noBox.y).toBeGreaterThan(yesBox.y + yesBox.height - 1); // stacked, not side by side
    await shoot(bench.page, 'ends-cancel-confirm', testInfo);

    await yes.click();
    await expect(card.getByTestId('device-status')).toHaveText('Cancelling…');
    await expect(card.getByTestId('action-cancelling')).toBeDisabled();
    await expect(card.getByTestId('action-cancel')).toHaveCount(0);
    expect(backend.calls.filter((c) => c.method === 'jobs.cancel')).toHaveLength(1);
    await shoot(bench.page, 'ends-cancelling', testInfo);

    // Still cancelling while the phone has not stopped (bytes still arrive) ...
    backend.progress('port-1', 411_520, 11_520);
    await expect(card.getByTestId('percent')).toHaveText('10%');
    await expect(customer.page.getByTestId('customer-area')).toHaveAttribute('data-stage', 'progress');
    await expect(card.getByTestId('device-status')).toHaveText('Cancelling…');
    // ... until the job ends.
    backend.cancelled('port-1');
    await expect(card.getByTestId('device-status')).toHaveText('Cancelled');
    await expect(card.getByTestId('action-cancelling')).toHaveCount(0);
    await expect(card.getByTestId('action-retry')).toBeVisible();
  });

  test('a failed install says once what happened and what next; the result code only in the technician’s details', async ({
    bench,
    customer,
    backend,
  }, testInfo) => {
    await bench.login();
    backend.attach(uiDevice(1));
    await bench.act('port-1', 'start');
    await bench.act('port-1', 'handToCustomer');
    await customer.page.getByTestId('approve').click();
    await customer.expectStage('device');
    backend.deviceAccepts('port-1', 4_000_000);
    backend.progress('port-1', 4_000_000, 11_520);
    backend.installing('port-1');
    backend.fail('port-1', 'INSTALL_FAILED', { detail: 410 });

    // The customer: plain words and the next step, no code, no "result".
    await customer.expectStage('failed');
    await expect(customer.page.getByTestId('failed-reason')).toHaveText(
      'The phone could not install the update. It still runs its previous version.',
    );
    await expect(customer.page.getByTestId('failed-next')).toHaveText('Please ask the technician: they can try again or ask the manufacturer.');
    await expect(customer.page.getByTestId('customer-area')).not.toContainText('410');
    await expect(customer.page.getByTestId('customer-area')).not.toContainText('result');
    await shoot(customer.page, 'ends-customer-failed', testInfo);

    // The bench: the same words once, the next step, the code behind "Technical details".
    const card = bench.card('port-1');
    await expect(card.getByTestId('job-error')).toHaveCount(1);
    await expect(card.getByTestId('job-error-text')).toHaveText('The phone could not install the update. It still runs its previous version.');
    await expect(card.getByTestId('job-error-next')).toContainText('ask the manufacturer');
    await expect(card.getByText('(result')).toHaveCount(0);
    await expect(card.getByTestId('job-error-details').locator('code').first()).toBeHidden();
    await card.getByTestId('job-error-details').locator('summary').click();
    await expect(card.getByTestId('job-error-details')).toContainText('INSTALL_FAILED');
    await expect(card.getByTestId('job-error-details')).toContainText('410');
    // The bar is not left full and blue: it is drawn as failed.
    await expect(card.getByTestId('progress')).toHaveAttribute('data-tone', 'error');
    await expect(customer.page.getByTestId('customer-area')).toHaveAttribute('data-stage', 'failed');
    await shoot(bench.page, 'ends-bench-failed', testInfo);
    await expect(card.getByTestId('action-retry')).toBeVisible();
  });

  test('a customer display opened, and reopened, mid-update shows that update', async ({ bench, backend, context, host }, testInfo) => {
    await bench.login();
    backend.attach(uiDevice(1));
    // A customer display in another window: handing over leaves the bench where it is.
    const first = await context.newPage();
    await openCustomer(first, host.url);
    await bench.act('port-1', 'start');
    await bench.act('port-1', 'handToCustomer');
    await expect(first.getByTestId('customer-area')).toHaveAttribute('data-stage', 'offer');
    await expect(first.getByTestId('offer-slot')).toHaveText('Slot: Slot 1');
    await expect(first.getByTestId('offer-imei')).toHaveText('IMEI ending in 3801');
    await first.getByTestId('approve').click();
    await expect(first.getByTestId('customer-area')).toHaveAttribute('data-stage', 'device');
    backend.deviceAccepts('port-1', 4_000_000);
    backend.progress('port-1', 1_120_000, 11_520);
    await expect(first.getByTestId('percent')).toHaveText('28%');

    // The display is closed and another one opened: it shows the update, not Welcome.
    await first.close();
    const second = await context.newPage();
    await openCustomer(second, host.url);
    await expect(second.getByTestId('customer-area')).toHaveAttribute('data-stage', 'progress');
    await expect(second.getByTestId('percent')).toHaveText('28%');
    await expect(second.getByTestId('progress-eta')).toHaveText(/About \d+ minutes left/);
    await expect(bench.card('port-1').getByTestId('percent')).toHaveText('28%');
    await expect(bench.card('port-1').getByTestId('speed')).toHaveText('11.5 kB/s');
    await shoot(second, 'ends-customer-reopened', testInfo);

    // A reload of that display keeps it on the update, and it follows the update to its end.
    await second.reload();
    await expect(second.locator('html')).toHaveAttribute('data-ready', 'true');
    await expect(second.getByTestId('customer-area')).toHaveAttribute('data-stage', 'progress');
    backend.progress('port-1', 3_960_000, 11_520);
    await expect(second.getByTestId('percent')).toHaveText('99%');
    await expect(second.getByTestId('progress-eta')).toHaveText('Less than a minute left');
    backend.installing('port-1');
    await expect(second.getByTestId('progress-phase')).toContainText('installing');
    backend.complete('port-1');
    await expect(second.getByTestId('customer-area')).toHaveAttribute('data-stage', 'done');
    await second.close();
  });
});
