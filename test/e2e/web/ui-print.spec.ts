/**
 * The customer's receipt from the done screen, against the real kiosk service in demo mode with
 * only its printer faked (the Printer the service prints through): a German customer approves,
 * the update runs on a simulated phone, the done screen shows the receipt's signed QR code, and
 * "Print receipt" goes printing -> failed (no printer set up, in German, with what to do) ->
 * printed on a second tap, with the PDF handed to the printer. And the history record view's
 * print button against the scripted backend. Every wait is on the screen.
 */
import { test as base, expect, type Locator } from '@playwright/test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createDemoKiosk } from '../../../src/main/demo/demo-kiosk';
import { startWebHost, type WebHost } from '../../../src/main/hosts/web/server';
import { loadOrCreateReceiptKey, receiptKeyPath, ReceiptError, verifyReceiptPayload, type Printer, type PrintRequest } from '../../../src/main/receipts';
import type { KioskService } from '../../../src/main/services/kiosk-service';
import { BenchPage, CustomerPage, RENDERER_DIR, shoot, test as uiTest } from '../pages/ui-kiosk';
import { uiDevice } from '../pages/ui-backend';

const DEMO_PIN = '1234';
const SLOW = { timeout: 120_000 };

/** A printer that says "no printer" until told otherwise, and keeps what it was given. */
class FakePrinter implements Printer {
  readonly printed: { pdf: Uint8Array; request: PrintRequest }[] = [];
  configured = false;
  async listQueues() {
    return this.configured ? [{ name: 'theke', isDefault: true }] : [];
  }
  async print(pdf: Uint8Array, request: PrintRequest = {}) {
    if (!this.configured) throw new ReceiptError('NO_PRINTER');
    this.printed.push({ pdf, request });
    return { queue: 'theke', jobId: `theke-${this.printed.length}` };
  }
}

const test = base.extend<{ printer: FakePrinter; service: KioskService; host: WebHost; bench: BenchPage; customer: CustomerPage }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixture's dependencies from this pattern
  printer: async ({}, use) => use(new FakePrinter()),
  service: async ({ printer }, use) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fumo-ui-print-'));
    const service = await createDemoKiosk({ dataDir, printer });
    await use(service);
    await service.close();
    rmSync(dataDir, { recursive: true, force: true });
  },
  host: async ({ service }, use) => {
    if (!existsSync(resolve(RENDERER_DIR, 'index.html'))) throw new Error('dist/renderer is not built: run `npm run build` first');
    const host = await startWebHost({ backend: service, rendererDir: RENDERER_DIR, port: 0 });
    await use(host);
    await host.close();
  },
  bench: async ({ page, host }, use) => {
    await page.goto(`${host.url}#/tech`);
    await expect(page.locator('html')).toHaveAttribute('data-ready', 'true');
    await use(new BenchPage(page));
  },
  customer: async ({ context, host }, use) => {
    const page = await context.newPage();
    await page.goto(host.customerUrl);
    await expect(page.locator('html')).toHaveAttribute('data-ready', 'true');
    await use(new CustomerPage(page));
  },
});

async function readyPhone(bench: BenchPage): Promise<Locator> {
  const offering = bench.page.locator('[data-testid="device-card"]:has([data-testid="action-start"]):not(:has([data-testid="problem-BATTERY_LOW"]))');
  await expect(offering.first()).toBeVisible(SLOW);
  const portId = await offering.first().getAttribute('data-port-id');
  expect(portId).toBeTruthy();
  return bench.card(portId ?? '');
}

test.describe('the receipt on the done screen', () => {
  test.setTimeout(300_000);

  test('shows the signed QR code and prints on the kiosk printer: failed, then printed', async ({ service, printer, bench, customer }, testInfo) => {
    await bench.login(DEMO_PIN);
    await customer.chooseLanguage('de');
    const card = await readyPhone(bench);
    await card.getByTestId('action-start').click();
    await expect(card.getByTestId('action-handToCustomer')).toBeVisible(SLOW);
    await card.getByTestId('action-handToCustomer').click();
    await customer.expectStage('offer');
    await customer.page.getByTestId('approve').click();
    await expect(customer.stage()).toHaveAttribute('data-stage', 'done', { timeout: 180_000 });

    // The QR code carries the kiosk's signed summary of this record.
    const qr = customer.page.getByTestId('receipt-qr');
    await expect(qr).toBeVisible(SLOW);
    const payload = (await qr.getAttribute('data-payload')) ?? '';
    const check = verifyReceiptPayload(payload, loadOrCreateReceiptKey(receiptKeyPath(service.store.dataDir)).publicKey);
    expect(check.valid).toBe(true);
    expect(check.summary?.res).toBe('success');
    await expect(customer.page.getByTestId('customer-done')).toContainText('Richten Sie die Kamera auf diesen Code');

    const area = customer.page.getByTestId('print-receipt');
    const button = customer.page.getByTestId('print-receipt-button');
    await expect(button).toHaveText('Beleg drucken');
    await button.click();
    await expect(area).toHaveAttribute('data-print-state', 'failed');
    await expect(area).toContainText('Der Beleg wurde nicht gedruckt.');
    await expect(area).toContainText('Es ist kein Belegdrucker eingerichtet');
    await expect(area).toContainText('Bitte sagen Sie am Schalter Bescheid.');
    // In sight without scrolling by hand, at 1280x800 too.
    await expect(customer.page.getByTestId('print-receipt-status')).toBeInViewport();
    await shoot(customer.page, 'print-customer-done-failed', testInfo);

    printer.configured = true;
    await expect(button).toHaveText('Erneut drucken');
    await button.click();
    await expect(area).toHaveAttribute('data-print-state', 'printed');
    await expect(area).toContainText('An den Drucker theke gesendet. Nehmen Sie den Beleg am Drucker mit.');
    await shoot(customer.page, 'print-customer-done-printed', testInfo);

    expect(printer.printed).toHaveLength(1);
    const job = printer.printed[0]!;
    expect(Buffer.from(job.pdf.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    expect(job.request.title).toBe(`receipt ${check.summary?.id}`);
    // Finish stays in reach beside the print button.
    await expect(customer.page.getByTestId('finish')).toBeInViewport();
    await expect(customer.page.getByTestId('print-receipt-status')).toBeInViewport();
  });
});

uiTest.describe('the receipt in the history record view', () => {
  uiTest('"Print receipt" prints the record in the customer’s language, and says plainly when the print system is down', async ({ bench, customer, backend }, testInfo) => {
    await bench.loginAsAdmin();
    backend.attach(uiDevice(1));
    await bench.act('port-1', 'start');
    await bench.act('port-1', 'handToCustomer');
    await customer.page.getByTestId('approve').click();
    await customer.expectStage('device');
    backend.deviceAccepts('port-1');
    backend.installing('port-1');
    backend.complete('port-1');
    await expect(bench.card('port-1').getByTestId('device-status')).toHaveText('Updated');

    await bench.nav('history');
    await bench.page.getByTestId('history-row').getByRole('button').click();
    const detail = bench.page.getByTestId('history-detail');
    const area = detail.getByTestId('print-receipt');
    const button = detail.getByTestId('print-receipt-button');

    backend.printError = 'PRINT_SYSTEM_DOWN';
    await button.click();
    await expect(area).toHaveAttribute('data-print-state', 'failed');
    await expect(area).toContainText('The receipt was not printed.');
    await expect(area).toContainText('The print system of this computer is not running');
    await expect(button).toHaveText('Print again');

    backend.printError = null;
    await button.click();
    await expect(area).toHaveAttribute('data-print-state', 'printed');
    await expect(area).toContainText('Sent to the printer receipts.');
    await shoot(bench.page, 'print-history-printed', testInfo);
    const prints = backend.calls.filter((c) => c.method === 'history.print');
    expect(prints).toHaveLength(2);
    // No language from the bench: the receipt is printed in the language the customer used.
    expect(prints[1]!.params).toEqual({ id: expect.any(String) });
  });
});
