/**
 * The screens against the real kiosk service in demo mode: the KioskService, its store and
 * sessions, and simulated phones on ptys whose scripted user answers the phone's own questions.
 * Nothing on the Node side is faked. Every wait is on what a screen shows.
 *
 * Covered here: technician login with the demo PIN, the device cards, the customer's offer in
 * English, German and Spanish, approve -> the phone confirms -> progress -> completion with the
 * new version and a receipt -> history record, CSV export and receipt; decline -> nothing was
 * changed; the up-to-date phone asks nothing; the cable pulled mid-update and its recovery.
 * axe runs on every screen reached; screenshots go to test-results/screens/<project>/service-*.png.
 */
import { expect } from '@playwright/test';
import type { Locator, TestInfo } from '@playwright/test';
import { expectAccessible, shoot, type BenchPage, type CustomerPage } from '../pages/ui-kiosk';
import { CABLE_PULLED_PORT, DEMO_PIN, serviceTest as test } from '../pages/ui-service';

const SLOW = { timeout: 120_000 };

/** Screenshot and axe in one go: every screen reached is looked at both ways. */
async function look(page: BenchPage['page'], name: string, testInfo: TestInfo): Promise<void> {
  await shoot(page, name, testInfo);
  await expectAccessible(page, name);
}

/** Log in with the demo PIN and wait until the demo phones have identified themselves. */
async function loginAndWaitForPhones(bench: BenchPage, count: number): Promise<void> {
  await bench.login(DEMO_PIN);
  await expect(bench.cards()).toHaveCount(count, SLOW);
  await expect(bench.page.locator('[data-testid="device-status"][data-state="up-to-date"]')).toHaveCount(1, SLOW);
  await expect(bench.page.getByTestId('problem-BATTERY_LOW')).toContainText('Battery at 12%', SLOW);
}

/** Start a phone's job on the bench and hand it to the customer, who sees the offer. */
async function handOver(bench: BenchPage, customer: CustomerPage, card: Locator): Promise<void> {
  await expect(card.getByTestId('action-start')).toBeVisible(SLOW);
  await card.getByTestId('action-start').click();
  await expect(card.getByTestId('action-handToCustomer')).toBeVisible(SLOW);
  await card.getByTestId('action-handToCustomer').click();
  await customer.expectStage('offer');
  await expect(customer.page.getByTestId('offer-versions')).toContainText('from version 1.1.0 to version 1.2.0');
}

/** The demo's phone that is ready to update (1.1.0, battery fine). */
async function readyPhone(bench: BenchPage): Promise<Locator> {
  const offering = bench.page.locator('[data-testid="device-card"]:has([data-testid="action-start"]):not(:has([data-testid="problem-BATTERY_LOW"]))');
  await expect(offering.first()).toBeVisible(SLOW);
  const portId = await offering.first().getAttribute('data-port-id');
  expect(portId).toBeTruthy();
  return bench.card(portId ?? '');
}

test.describe('with the kiosk service and simulated phones', () => {
  test.setTimeout(300_000);

  test('approve: the phone confirms, progress moves, completion names the new version, history has the record and the receipt', async ({ serviceBench: bench, serviceCustomer: customer }, testInfo) => {
    await expect(bench.page.getByTestId('screen-login')).toBeVisible();
    await look(bench.page, 'service-login', testInfo);
    await loginAndWaitForPhones(bench, 3);
    await look(bench.page, 'service-bench', testInfo);
    await look(customer.page, 'service-customer-welcome', testInfo);

    const ready = await readyPhone(bench);
    await handOver(bench, customer, ready);
    const offer = customer.page.getByTestId('customer-offer');
    await expect(offer.getByTestId('offer-privacy')).toContainText('the last 4 digits of the device id');
    await expect(offer.getByTestId('offer-warranty')).toContainText('does not affect your warranty');
    await look(customer.page, 'service-customer-offer', testInfo);
    await look(bench.page, 'service-bench-handed-over', testInfo);

    await customer.page.getByTestId('approve').click();
    // The simulated phone's user confirms on the phone; then the transfer runs and it installs.
    await expect(customer.stage()).toHaveAttribute('data-stage', /device|progress|done/, SLOW);
    await expect(ready.getByTestId('device-status')).toHaveAttribute('data-phase', /downloading|installing|verifying|completed/, SLOW);
    await expect(customer.stage()).toHaveAttribute('data-stage', 'done', { timeout: 180_000 });
    await expect(customer.page.getByTestId('done-version')).toHaveText('Your phone now runs version 1.2.0.');
    const receipt = customer.page.getByTestId('customer-receipt');
    await expect(receipt).toContainText('1.1.0');
    await expect(receipt).toContainText('1.2.0');
    await expect(receipt).toContainText('FK-Demo Phone');
    await look(customer.page, 'service-customer-done', testInfo);
    await expect(ready.getByTestId('device-status')).toHaveAttribute('data-state', 'updated', SLOW);
    await expect(ready.getByTestId('versions')).toContainText('1.2.0');
    await look(bench.page, 'service-bench-updated', testInfo);

    await bench.nav('history');
    const row = bench.page.getByTestId('history-row').filter({ hasText: '1.1.0 → 1.2.0' });
    await expect(row).toHaveCount(1, SLOW);
    await expect(row).toContainText('Updated');
    await row.getByRole('button').click();
    await expect(bench.page.getByTestId('history-detail')).toContainText('1.2.0');
    await look(bench.page, 'service-history', testInfo);
    // Exports carry full device ids: a technician has none to press (an administrator's act).
    await expect(bench.page.getByTestId('export-csv')).toHaveCount(0);
    const saved = bench.page.waitForEvent('download');
    await bench.page.getByTestId('save-receipt').click();
    const download = await saved;
    expect(download.suggestedFilename()).toMatch(/^receipt-.+\.html$/);
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(path, 'utf8')).toContain('1.2.0');
  });

  test('decline: in German and Spanish the offer reads in that language; declining changes nothing', async ({ serviceBench: bench, serviceCustomer: customer }, testInfo) => {
    await loginAndWaitForPhones(bench, 3);
    const ready = await readyPhone(bench);
    await handOver(bench, customer, ready);

    await customer.chooseLanguage('de');
    await expect(customer.page.locator('#offer-title')).toHaveText('Für Ihr Telefon ist ein Update bereit');
    await expect(customer.page.getByTestId('offer-privacy')).toContainText('die letzten 4 Ziffern der Geräte-ID');
    await expect(customer.page.getByTestId('offer-privacy')).toHaveAttribute('lang', 'de');
    await expect(customer.page.getByTestId('offer-warranty')).toContainText('Garantie');
    await look(customer.page, 'service-customer-offer-de', testInfo);

    await customer.chooseLanguage('es');
    await expect(customer.page.getByTestId('offer-privacy')).toContainText('los 4 últimos dígitos del identificador');
    await expect(customer.page.getByTestId('offer-privacy')).toHaveAttribute('lang', 'es');
    await expect(customer.page.getByTestId('offer-warranty')).toContainText('garantía');
    await look(customer.page, 'service-customer-offer-es', testInfo);
    // The bench keeps its own language.
    await expect(bench.page.getByTestId('nav-bench')).toHaveText(/Bench/);

    await customer.chooseLanguage('en');
    await expect(customer.page.getByTestId('offer-privacy')).toContainText('the last 4 digits of the device id');
    await customer.page.getByTestId('decline').click();
    await customer.expectStage('declined');
    await expect(customer.page.getByTestId('customer-declined')).toContainText('Nothing was changed');
    await expect(customer.page.getByTestId('customer-declined')).toContainText('Your phone still runs version 1.1.0.');
    await look(customer.page, 'service-customer-declined', testInfo);
    await expect(ready.getByTestId('device-status')).toHaveAttribute('data-phase', 'declined', SLOW);
    await expect(ready.getByTestId('versions')).toContainText('1.1.0');
    await expect(ready.getByTestId('versions')).not.toContainText('1.1.0 → 1.2.0 ✓');
    await look(bench.page, 'service-bench-declined', testInfo);
  });

  test('the up-to-date phone asks nothing', async ({ serviceBench: bench, serviceCustomer: customer }, testInfo) => {
    await loginAndWaitForPhones(bench, 3);
    const upToDate = bench.page.locator('[data-testid="device-card"]:has([data-testid="device-status"][data-state="up-to-date"])');
    await expect(upToDate).toHaveCount(1);
    await expect(upToDate.getByTestId('versions')).toContainText('1.2.0');
    await expect(upToDate.getByTestId('action-start')).toHaveCount(0);
    await expect(upToDate.getByTestId('action-handToCustomer')).toHaveCount(0);
    // Nothing reaches the customer display.
    await customer.expectStage('welcome');
    await expect(customer.page.getByTestId('approve')).toHaveCount(0);
    await customer.chooseLanguage('de');
    await expect(customer.page.locator('#welcome-title')).toHaveText('Willkommen');
    await look(customer.page, 'service-customer-welcome-de', testInfo);
    await customer.chooseLanguage('es');
    await look(customer.page, 'service-customer-welcome-es', testInfo);
  });
});

test.describe('with a phone whose cable is pulled mid-update', () => {
  test.setTimeout(300_000);
  test.use({ cablePulledPhone: true });

  // The phone's link is cut part-way through the package (fault disconnect-at); it is plugged
  // back in after a while. FUMO_KIOSK_DEBUG=1 prints the service's log and the job's phases.
  test('the plain-language problem shows, the phone comes back, the update resumes and completes', async ({ serviceBench: bench, serviceCustomer: customer }, testInfo) => {
    await loginAndWaitForPhones(bench, 4);
    const phone = bench.card(CABLE_PULLED_PORT);
    await handOver(bench, customer, phone);
    await customer.page.getByTestId('approve').click();

    // The cable comes out part-way through the transfer: the customer is told in plain words.
    await expect(customer.page.getByTestId('cable-out')).toHaveText('The cable came loose. Plug it back in; the update continues where it stopped.', SLOW);
    await expect(phone.getByTestId('job-error')).toContainText('The cable to the phone was disconnected. Plug it back in; the update continues where it stopped.', SLOW);
    await expect(phone.getByTestId('device-status')).toHaveAttribute('data-phase', 'downloading');
    await expect(phone.getByTestId('problem-CABLE_UNPLUGGED')).toHaveCount(0);
    await look(customer.page, 'service-customer-cable-out', testInfo);
    await look(bench.page, 'service-bench-cable-out', testInfo);

    // The phone is plugged back in: the transfer resumes and the update completes.
    await expect(customer.page.getByTestId('cable-out')).toHaveCount(0, SLOW);
    await expect(phone.getByTestId('job-error')).toHaveCount(0, SLOW);
    await expect(customer.stage()).toHaveAttribute('data-stage', 'done', { timeout: 180_000 });
    await expect(customer.page.getByTestId('done-version')).toHaveText('Your phone now runs version 1.2.0.');
    await expect(phone.getByTestId('device-status')).toHaveAttribute('data-state', 'updated', SLOW);
    await expect(phone.getByTestId('versions')).toContainText('1.2.0');
    await expect(phone.getByTestId('problems')).toHaveCount(0);
  });
});
