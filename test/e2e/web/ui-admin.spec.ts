/**
 * Scripted backend: catalogue rows with every verdict (unsigned, unapproved, incompatible), the
 * trust store and settings with their saved values read back from the backend's calls. History
 * with a real record, CSV export and receipt runs against the real service in ui-service.spec.ts.
 *
 * Administrator screens: catalogue with verdicts, trusted keys, settings, history with export and receipt.
 */
import { uiDevice } from '../pages/ui-backend';
import { expect, shoot, test } from '../pages/ui-kiosk';

test.describe('administrator', () => {
  test('catalogue, trust store, settings and history', async ({ bench, customer, backend }, testInfo) => {
    await bench.loginAsAdmin();
    // One finished update so the history has a record.
    backend.attach(uiDevice(1));
    await bench.act('port-1', 'start');
    await bench.act('port-1', 'handToCustomer');
    await customer.page.getByTestId('approve').click();
    await customer.expectStage('device'); // the answer has reached the Node side
    backend.deviceAccepts('port-1');
    backend.installing('port-1');
    backend.complete('port-1');
    await expect(bench.card('port-1').getByTestId('device-status')).toHaveText('Updated');

    await bench.nav('catalog');
    await expect(bench.page.getByTestId('bundle-row')).toHaveCount(2);
    await expect(bench.page.getByTestId('bundle-fd-1.9.0-approval')).toHaveAttribute('data-status', 'fail');
    await expect(bench.page.getByTestId('screen-catalog')).toContainText('This update has no regulator approval on record');
    await bench.page.getByTestId('import-path').fill('/media/usb/fd-2.4.1.fumo');
    await bench.page.getByTestId('import-submit').click();
    await expect(bench.page.getByTestId('import-rejected')).toContainText('not signed by a trusted manufacturer key');
    await shoot(bench.page, 'admin-catalog', testInfo);

    await bench.nav('trust');
    await expect(bench.page.getByTestId('trust-table')).toContainText('Fumo Devices');
    await shoot(bench.page, 'admin-trust', testInfo);

    await bench.nav('settings');
    await bench.page.getByLabel('Minimum battery level (%)').fill('40');
    await bench.page.getByTestId('settings-save').click();
    await expect(bench.page.getByTestId('settings-saved')).toBeVisible();
    const saved = backend.calls.filter((c) => c.method === 'settings.set').at(-1)!.params as Record<string, unknown>;
    expect(saved.batteryThresholdPercent).toBe(40);
    await shoot(bench.page, 'admin-settings', testInfo);

    await bench.nav('history');
    await expect(bench.page.getByTestId('history-row')).toHaveCount(1);
    await expect(bench.page.getByTestId('history-row')).toContainText('2.3.0 → 2.4.1');
    await expect(bench.page.getByTestId('history-row')).toContainText('Updated');
    await bench.page.getByTestId('history-row').getByRole('button').click();
    await expect(bench.page.getByTestId('history-detail')).toContainText('Toni Tech'.replace('Toni Tech', 'Alex Admin'));
    const download = bench.page.waitForEvent('download');
    await bench.page.getByTestId('export-csv').click();
    expect((await download).suggestedFilename()).toBe('history.csv');
    const receipt = bench.page.waitForEvent('download');
    await bench.page.getByTestId('save-receipt').click();
    expect((await receipt).suggestedFilename()).toMatch(/^receipt-H-\d+\.html$/);
    await shoot(bench.page, 'admin-history', testInfo);
  });
});
