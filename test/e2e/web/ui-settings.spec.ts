/**
 * The settings screen against the real kiosk service, printing through a private CUPS scheduler
 * (two queues: "office", the system default, and "theke", whose device writes the PDF to a
 * file): an administrator sets the shop's name and address and chooses "theke" as the receipt
 * printer; the history's receipt of a German customer's update, printed from the screen, comes
 * out on "theke" in German with that shop on it (read back with pdftotext). Screenshots of the
 * settings screen at both viewports. Every wait is on the screen or on the scheduler's files.
 */
import { test as base, expect } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startWebHost, type WebHost } from '../../../src/main/hosts/web/server';
import { CupsPrinter } from '../../../src/main/receipts';
import { createKioskService, type KioskService } from '../../../src/main/services/kiosk-service';
import { cupsToolsPresent, startPrivateCups, type PrivateCups } from '../../integration/receipts/private-cups';
import { seedKiosk } from '../../integration/receipts/seed';
import { BenchPage, RENDERER_DIR, expectAccessible, shoot } from '../pages/ui-kiosk';

const ADMIN_PIN = '864213';

const test = base.extend<{ cups: PrivateCups; service: KioskService; host: WebHost; bench: BenchPage }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixture's dependencies from this pattern
  cups: async ({}, use) => {
    const dir = mkdtempSync(join(tmpdir(), 'fumo-ui-settings-cups-'));
    chmodSync(dir, 0o755);
    const cups = await startPrivateCups(join(dir, 'cups'), 'theke');
    cups.run('lpadmin', ['-p', 'office', '-E', '-v', 'file:///dev/null', '-P', join(dir, 'cups', 'receipt-pdf.ppd')]);
    cups.run('lpadmin', ['-d', 'office']);
    await use(cups);
    await cups.stop();
    rmSync(dir, { recursive: true, force: true });
  },
  service: async ({ cups }, use) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fumo-ui-settings-'));
    await seedKiosk(dataDir, { language: 'de' });
    const service = await createKioskService({ dataDir, sources: [], dmListen: [], printer: new CupsPrinter({ env: cups.env }) });
    await service.ensurePin('anna', 'admin', ADMIN_PIN);
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
});

test.describe('receipt settings', () => {
  test.skip(!cupsToolsPresent('settings screen e2e'), 'CUPS or poppler-utils missing');
  test.setTimeout(240_000);

  test('an administrator sets the shop and chooses the printer; the German receipt printed there carries them', async ({ cups, service, bench }, testInfo) => {
    await bench.login(ADMIN_PIN);
    await bench.nav('settings');
    const page = bench.page;
    const printer = page.getByLabel('Receipt printer');
    // The print system's queues, its default marked, and "this computer's default" first.
    await expect(printer.locator('option')).toHaveText(["This computer's default printer (now office)", "office (this computer's default)", 'theke']);
    await page.getByLabel('Shop name').fill('Telefon-Eck Lindner');
    await page.getByLabel('Shop address').fill('Lindenweg 3\n04109 Leipzig');
    await printer.selectOption('theke');
    await page.getByLabel('80 mm receipt roll').check();
    await page.getByLabel('A4 sheet').check();
    await shoot(page, 'admin-settings-receipt', testInfo);
    await expectAccessible(page, 'the settings screen');
    await page.getByTestId('settings-save').click();
    await expect(page.getByTestId('settings-saved')).toHaveText('Settings saved.');
    expect(service.store.settings.getAll()).toMatchObject({ shopName: 'Telefon-Eck Lindner', shopAddress: 'Lindenweg 3\n04109 Leipzig', receiptPrinter: 'theke', receiptPaper: 'a4' });

    await bench.nav('history');
    await page.getByTestId('history-row').getByRole('button').click();
    await page.getByTestId('print-receipt-button').click();
    await expect(page.getByTestId('print-receipt')).toHaveAttribute('data-print-state', 'printed');
    await cups.waitFor('the receipt on theke', () => (statSync(cups.outFile).size > 0 && cups.run('lpstat', ['-W', 'not-completed', '-o', 'theke']).trim() === '' ? true : undefined), 60_000);
    expect(readFileSync(cups.outFile).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = spawnSync('pdftotext', ['-layout', '-enc', 'UTF-8', cups.outFile, '-'], { encoding: 'utf8' });
    const receipt = text.stdout.replace(/[ \t\u00a0\u202f]+/g, ' ');
    expect(receipt).toContain('Beleg über die Software-Aktualisierung');
    expect(receipt).toContain('Telefon-Eck Lindner');
    expect(receipt).toContain('Lindenweg 3');
    expect(receipt).toContain('04109 Leipzig');
  });

  test('a DM endpoint address beyond this computer without a cable mark is refused on saving; marked, it saves and says when it applies', async ({ service, bench }, testInfo) => {
    await bench.login(ADMIN_PIN);
    await bench.nav('settings');
    const page = bench.page;
    await page.getByTestId('dm-add').click();
    await page.getByLabel('Address 1').fill('192.0.2.10:8080');
    await page.getByTestId('settings-save').click();
    await expect(page.getByTestId('error')).toContainText('only over HTTPS');
    expect(service.store.settings.get('dmListen')).toEqual([]);
    await page.getByTestId('dm-row').getByLabel('Phone cable (plain HTTP)').check();
    await page.getByTestId('settings-save').click();
    await expect(page.getByTestId('settings-saved')).toContainText('from the next start of the kiosk');
    expect(service.store.settings.getAll()).toMatchObject({ dmListen: [], dmCable: ['192.0.2.10:8080'] });
    await page.getByTestId('settings-section-s-dm').scrollIntoViewIfNeeded();
    await shoot(page, 'admin-settings-dm', testInfo);
  });

  test('with the print system stopped, the printer list says so in plain words, in German too, and the chosen printer stays', async ({ cups, service, bench }, testInfo) => {
    service.store.settings.patch({ receiptPrinter: 'theke' });
    await cups.stop();
    await bench.login(ADMIN_PIN);
    await bench.nav('settings');
    const page = bench.page;
    await expect(page.getByTestId('settings-printers-failed')).toContainText('The print system of this computer is not running, so its printers cannot be listed.');
    await expect(page.getByLabel('Receipt printer')).toHaveValue('theke');
    await expect(page.getByLabel('Receipt printer').locator('option:checked')).toHaveText('theke (not set up on this computer)');
    await page.getByRole('button', { name: 'Deutsch' }).click();
    await expect(page.getByTestId('settings-printers-failed')).toContainText('Das Drucksystem dieses Computers läuft nicht');
    await shoot(page, 'admin-settings-print-system-down-de', testInfo);
  });
});
