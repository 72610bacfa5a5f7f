/**
 * The receipt printed through the KioskApi (history.print) on a real CUPS queue: a private
 * scheduler whose queue writes the PDF to a file, read back with pdftotext. The record is a
 * German customer's; the kiosk's zone is Europe/Berlin, so the receipt shows local summer time.
 */
// Before anything formats a date: the kiosk's own zone for this file.
process.env['TZ'] = 'Europe/Berlin';

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CupsPrinter, verifyReceiptPayload, loadOrCreateReceiptKey, receiptKeyPath } from '../../../src/main/receipts';
import { createKioskService, type KioskService } from '../../../src/main/services/kiosk-service';
import type { KioskConnection } from '../../../src/shared/api';
import { cupsToolsPresent, startPrivateCups, type PrivateCups } from './private-cups';
import { seedKiosk } from './seed';

const PIN = '4711';
const ADMIN_PIN = '471147';

const present = cupsToolsPresent('receipt printing test');

describe.skipIf(!present)('printing a receipt from the screens through CUPS (history.print)', () => {
  let dir: string;
  let cups: PrivateCups;
  let service: KioskService;
  let bench: KioskConnection;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'fumo-print-'));
    // The print filters may run as CUPS's own user (cupsd started as root): it must reach the scheduler's folder inside.
    chmodSync(dir, 0o755);
    cups = await startPrivateCups(path.join(dir, 'cups'));
    const data = path.join(dir, 'data');
    await seedKiosk(data, { language: 'de' });
    service = await createKioskService({ dataDir: data, sources: [], dmListen: [], printer: new CupsPrinter({ env: cups.env }) });
    await service.ensurePin('tom', 'technician', PIN);
    bench = service.connect('bench');
    const login = await bench.auth.login({ pin: PIN });
    expect(login.ok).toBe(true);
  }, 60_000);

  afterAll(async () => {
    bench?.close();
    await service?.close();
    await cups?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The jobs of the queue in the given state (lpstat -W), by id. */
  const jobs = (which: 'completed' | 'not-completed'): string[] =>
    cups
      .run('lpstat', ['-W', which, '-o', cups.queue])
      .split('\n')
      .map((l) => l.split(/\s+/)[0] ?? '')
      .filter((id) => id !== '');

  it('prints the German receipt with the shop, the local time and the record id on the queue', async () => {
    service.store.settings.patch({ receiptPrinter: cups.queue });
    const r = await bench.history.print({ id: 'h1' });
    if (!r.ok) throw new Error(`print failed: ${r.error.code} ${r.error.message}`);
    expect(r.value.queue).toBe(cups.queue);
    const printJob = r.value.printJobId;
    expect(printJob).toMatch(new RegExp(`^${cups.queue}-\\d+$`));

    await cups.waitFor(`print job ${printJob} to finish`, () => (jobs('completed').includes(printJob!) && !jobs('not-completed').includes(printJob!) ? true : undefined));
    // An aborted job is "completed" too: then the file stays empty and the log says why.
    expect(statSync(cups.outFile).size, cups.log()).toBeGreaterThan(0);
    const pdf = readFileSync(cups.outFile);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = spawnSync('pdftotext', ['-layout', '-enc', 'UTF-8', cups.outFile, '-'], { encoding: 'utf8' });
    expect(text.status).toBe(0);
    const page = text.stdout.replace(/[ \t\u00a0\u202f]+/g, ' ');
    // In the customer's language (German), with the shop's name and address from the settings.
    expect(page).toContain('Beleg über die Software-Aktualisierung');
    expect(page).toContain('Erfolgreich aktualisiert');
    expect(page).toContain('Handy-Service Müller');
    expect(page).toContain('Königstraße 12');
    // Finished 12:10 UTC on 14 July 2026: 14:10 summer time in Berlin.
    expect(page).toContain('14. Juli 2026 um 14:10 MESZ');
    expect(page).not.toMatch(/12:10/);
    // The record id, and the manufacturer as the catalogue names it.
    expect(page).toMatch(/Vorgangsnummer\s+h1\b/);
    expect(page).toContain('Demo Manufacturer');
    expect(page).not.toContain('493005100592800');
  }, 60_000);

  it('prints in another language when asked, and the receipt code the screen shows verifies', async () => {
    const code = await bench.history.receiptCode({ id: 'h1' });
    if (!code.ok) throw new Error(code.error.message);
    expect(code.value.modules).toHaveLength(code.value.size * code.value.size);
    const key = loadOrCreateReceiptKey(receiptKeyPath(service.store.dataDir));
    const check = verifyReceiptPayload(code.value.payload, key.publicKey);
    expect(check.valid).toBe(true);

    const r = await bench.history.print({ id: 'h1', language: 'es' });
    if (!r.ok) throw new Error(r.error.message);
    await cups.waitFor(`print job ${r.value.printJobId} to finish`, () =>
      jobs('completed').includes(r.value.printJobId!) && !jobs('not-completed').includes(r.value.printJobId!) ? true : undefined,
    );
    expect(statSync(cups.outFile).size, cups.log()).toBeGreaterThan(0);
    const text = spawnSync('pdftotext', ['-enc', 'UTF-8', cups.outFile, '-'], { encoding: 'utf8' });
    expect(text.stdout).toContain('Actualizado correctamente');
  }, 60_000);

  it('says which printers there are when the chosen one is not set up', async () => {
    service.store.settings.patch({ receiptPrinter: 'counter-2' });
    const r = await bench.history.print({ id: 'h1' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('PRINTER_NOT_FOUND');
    expect(r.error.details?.['known']).toBe(cups.queue);
    expect(r.error.message).toContain('"counter-2"');
  });

  it('says no printer is set up when none is chosen and the system has no default', async () => {
    service.store.settings.patch({ receiptPrinter: '' });
    const r = await bench.history.print({ id: 'h1' });
    expect(!r.ok && r.error.code).toBe('PRINTER_NOT_SET');
  });

  it('says the printer refused the receipt when its queue does not accept jobs, and prints once it does again', async () => {
    service.store.settings.patch({ receiptPrinter: cups.queue });
    cups.run('cupsreject', [cups.queue]);
    try {
      const r = await bench.history.print({ id: 'h1' });
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.code).toBe('PRINT_REFUSED');
      expect(r.error.message).toMatch(/not accepting jobs/i);
    } finally {
      cups.run('cupsaccept', [cups.queue]);
    }
    const again = await bench.history.print({ id: 'h1' });
    expect(again.ok).toBe(true);
  });

  it('says the print system is not running when its scheduler does not answer', async () => {
    const data = path.join(dir, 'data-2');
    await seedKiosk(data, { language: 'de' });
    const stopped = await createKioskService({ dataDir: data, sources: [], dmListen: [], printer: new CupsPrinter({ env: { ...cups.env, CUPS_SERVER: path.join(dir, 'nobody.sock') } }) });
    try {
      await stopped.ensurePin('tom', 'technician', PIN);
      const screen = stopped.connect('bench');
      expect((await screen.auth.login({ pin: PIN })).ok).toBe(true);
      const r = await screen.history.print({ id: 'h1' });
      expect(!r.ok && r.error.code).toBe('PRINT_SYSTEM_DOWN');
      expect(!r.ok && r.error.message).toContain('nobody.sock');
      screen.close();
      // The settings screen's list of printers says the same.
      await stopped.ensurePin('anna', 'admin', ADMIN_PIN);
      const settings = stopped.connect('bench');
      expect((await settings.auth.login({ pin: ADMIN_PIN })).ok).toBe(true);
      const queues = await settings.settings.printers();
      expect(!queues.ok && queues.error.code).toBe('PRINT_SYSTEM_DOWN');
      settings.close();
    } finally {
      await stopped.close();
    }
  });

  it('refuses the customer display a receipt that is not of the update it showed', async () => {
    const customer = service.connect('customer');
    try {
      const print = await customer.history.print({ id: 'h1' });
      expect(!print.ok && print.error.code).toBe('NOT_ALLOWED');
      const code = await customer.history.receiptCode({ id: 'h1' });
      expect(!code.ok && code.error.code).toBe('NOT_ALLOWED');
    } finally {
      customer.close();
    }
  });

  it('lists the print queues for an administrator on the settings screen, the system default marked', async () => {
    expect((await bench.settings.printers()).ok).toBe(false);
    await service.ensurePin('anna', 'admin', ADMIN_PIN);
    const admin = service.connect('bench');
    expect((await admin.auth.login({ pin: ADMIN_PIN })).ok).toBe(true);
    const before = await admin.settings.printers();
    if (!before.ok) throw new Error(before.error.message);
    expect(before.value).toEqual([{ name: cups.queue, isDefault: false }]);
    cups.run('lpadmin', ['-d', cups.queue]);
    const after = await admin.settings.printers();
    expect(after.ok && after.value).toEqual([{ name: cups.queue, isDefault: true }]);
    admin.close();
  });

  it('answers RECORD_NOT_FOUND for an unknown record', async () => {
    const r = await bench.history.print({ id: 'nope' });
    expect(!r.ok && r.error.code).toBe('RECORD_NOT_FOUND');
  });
});
