/**
 * Scripted backend (test/e2e/pages/ui-backend.ts), for states the real service in demo mode does
 * not produce: a wrong PIN refused, many cards with varied problems in attach order, install
 * later (no demo phone offers it), a failure with retry (no demo phone fails), the cable pulled
 * mid-update (the demo phones fetch the package by PkgURL, which the disconnect-at fault does not
 * cut, and the service tells the screens nothing until the job parks) and cancelling. Approve,
 * decline and the up-to-date phone run against the real service in ui-service.spec.ts.
 */
import { LOW_BATTERY, UP_TO_DATE, uiDevice } from '../pages/ui-backend';
import { expect, shoot, test } from '../pages/ui-kiosk';

test.describe('technician and customer', () => {
  test('login: a wrong PIN is refused in plain words, the right one opens the bench', async ({ bench, backend }, testInfo) => {
    await shoot(bench.page, 'tech-login', testInfo);
    await bench.page.getByLabel('PIN', { exact: true }).fill('0000');
    await bench.page.getByTestId('login-submit').click();
    await expect(bench.page.getByTestId('login-error')).toHaveText('That PIN was not accepted. Try again.');
    await bench.login();
    await expect(bench.page.getByTestId('bench-empty')).toBeVisible();
    await shoot(bench.page, 'tech-bench-empty', testInfo);
    // A technician sees no administrator screens.
    await expect(bench.page.getByTestId('nav-catalog')).toHaveCount(0);
    await expect(bench.page.getByTestId('nav-admin')).toHaveCount(0);
    expect(backend.calls.filter((c) => c.method === 'auth.login')).toHaveLength(2);
  });

  test('device cards appear in attach order with masked ids and plain-language problems', async ({ bench, backend }, testInfo) => {
    await bench.login();
    backend.attach(uiDevice(1));
    backend.attach(uiDevice(2, UP_TO_DATE));
    backend.attach(uiDevice(3, LOW_BATTERY));
    await expect(bench.cards()).toHaveCount(3);
    await expect(bench.cards().nth(0)).toHaveAttribute('data-port-id', 'port-1');
    await expect(bench.cards().nth(2)).toHaveAttribute('data-port-id', 'port-3');

    const first = bench.card('port-1');
    await expect(first).toContainText('Fumo FD-201');
    await expect(first.getByTestId('devid')).toHaveText('IMEI ••••3801');
    await expect(first).not.toContainText('356938035643801');
    await expect(first.getByTestId('versions')).toHaveText('2.3.0 → 2.4.1');
    await expect(first.getByTestId('action-start')).toBeVisible();

    // Up to date: nothing to do, no action offered.
    await expect(bench.card('port-2').getByTestId('device-status')).toHaveText('Up to date');
    await expect(bench.card('port-2').getByRole('button')).toHaveCount(0);

    // Low battery: the problem with required and measured values and the next step.
    const low = bench.card('port-3');
    await expect(low.getByTestId('problem-BATTERY_LOW')).toContainText('Battery at 12%, needs 30%: charge the phone or connect power.');
    await expect(low.getByTestId('problem-BATTERY_LOW')).toContainText('Required: 30');
    await expect(low.getByTestId('problem-BATTERY_LOW')).toContainText('Measured: 12');
    await expect(low.getByTestId('action-start')).toHaveCount(0);

    // Nothing is pre-selected: no card has focus or a selected state.
    await expect(bench.page.locator('[aria-selected="true"], [aria-current="true"]')).toHaveCount(0);
    await shoot(bench.page, 'tech-bench-devices', testInfo);
  });

  test('install later is offered where the phone supports it and is sent with the answer', async ({ bench, customer, backend }, testInfo) => {
    await bench.login();
    backend.attach(uiDevice(4, { supportsSchedule: true }));
    await bench.act('port-4', 'start');
    await bench.act('port-4', 'handToCustomer');
    await customer.expectStage('offer');
    await expect(customer.page.getByTestId('approve')).toHaveText('Install now');
    await expect(customer.page.getByTestId('approve-later')).toHaveText('Install later');
    await shoot(customer.page, 'customer-offer-schedule', testInfo);
    await customer.page.getByTestId('approve-later').click();
    await customer.expectStage('device');
    const answer = backend.calls.find((c) => c.method === 'consent.answer')!.params as Record<string, string>;
    expect(answer.schedule).toBe('later');
  });

  test('a failure shows in plain words on both screens and can be retried', async ({ bench, customer, backend }, testInfo) => {
    await bench.login();
    backend.attach(uiDevice(1));
    await bench.act('port-1', 'start');
    await bench.act('port-1', 'handToCustomer');
    await customer.page.getByTestId('approve').click();
    await customer.expectStage('device'); // the answer has reached the Node side
    backend.deviceAccepts('port-1');
    backend.progress('port-1', 5_000_000, 1_000_000);
    backend.fail('port-1', 'LINK_TIMEOUT');
    await customer.expectStage('failed');
    await expect(customer.page.getByTestId('failed-reason')).toHaveText(
      'The phone stopped answering. Check the cable and that the phone is switched on, then retry.',
    );
    await shoot(customer.page, 'customer-failed', testInfo);
    await expect(bench.card('port-1').getByTestId('job-error')).toContainText('The phone stopped answering');
    await shoot(bench.page, 'tech-bench-failed', testInfo);
    await bench.act('port-1', 'retry');
    await expect(bench.card('port-1').getByTestId('device-status')).toHaveText('Waiting for customer');
    expect(backend.calls.some((c) => c.method === 'jobs.retry')).toBe(true);
  });

  test('the cable is pulled mid-update: the customer is told to plug it back in, and it continues', async ({ bench, customer, backend }, testInfo) => {
    await bench.login();
    backend.attach(uiDevice(1));
    await bench.act('port-1', 'start');
    await bench.act('port-1', 'handToCustomer');
    await customer.page.getByTestId('approve').click();
    await customer.expectStage('device'); // the answer has reached the Node side
    backend.deviceAccepts('port-1', 40_000_000);
    backend.progress('port-1', 10_000_000, 1_000_000);
    await expect(customer.page.getByTestId('percent')).toHaveText('25%');
    const device = uiDevice(1, { state: 'updating', phase: 'downloading', jobId: backend.jobFor('port-1')!.jobId });
    backend.detach('port-1');
    await expect(customer.page.getByTestId('cable-out')).toHaveText(
      'The cable came loose. Plug it back in; the update continues where it stopped.',
    );
    await shoot(customer.page, 'customer-cable-out', testInfo);
    backend.attach(device);
    await expect(customer.page.getByTestId('cable-out')).toHaveCount(0);
    backend.progress('port-1', 30_000_000, 1_000_000);
    await expect(customer.page.getByTestId('percent')).toHaveText('75%');
  });

  test('cancelling takes a second, deliberate press', async ({ bench, backend }) => {
    await bench.login();
    backend.attach(uiDevice(1));
    await bench.act('port-1', 'start');
    await bench.act('port-1', 'cancel');
    await expect(bench.card('port-1')).toContainText('Cancel the update on this phone?');
    await bench.card('port-1').getByTestId('action-cancel-keep').click();
    expect(backend.calls.some((c) => c.method === 'jobs.cancel')).toBe(false);
    await bench.act('port-1', 'cancel');
    await bench.card('port-1').getByTestId('action-cancel-confirm').click();
    await expect(bench.card('port-1').getByTestId('device-status')).toHaveText('Cancelled');
    await expect(bench.card('port-1').getByTestId('job-error')).toHaveText('The update was cancelled. Nothing was installed.');
    expect(backend.calls.filter((c) => c.method === 'jobs.cancel')).toHaveLength(1);
  });
});
