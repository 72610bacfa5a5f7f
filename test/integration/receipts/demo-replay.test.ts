/**
 * The demo as a newcomer runs it twice on the same data folder: an update whose customer
 * display takes the receipt (its QR code, and paper from the kiosk's printer, here a recording
 * Printer) after the job has ended; the next start on that folder finds the phone updated; after
 * the --reset step (resetDemoData) the demo starts afresh with the phone ready to update again.
 * Every wait is on an event of the service.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoKiosk } from '../../../src/main/demo/demo-kiosk';
import { resetDemoData } from '../../../src/main/demo/demo-reset';
import type { Printer, PrintRequest } from '../../../src/main/receipts';
import type { KioskService } from '../../../src/main/services/kiosk-service';
import type { ConsentRequest, DeviceView, HistoryRecord } from '../../../src/shared/schemas';
import type { SimulatedDeviceHandle } from '../../../src/simulator/simulation';
import { privateSimRegistry } from '../fumo/helpers';
import { nextEvent } from '../services/events';

const DEMO_PIN = '1234';

class RecordingPrinter implements Printer {
  readonly jobs: { pdf: Uint8Array; request: PrintRequest }[] = [];
  async listQueues() {
    return [{ name: 'counter', isDefault: true }];
  }
  async print(pdf: Uint8Array, request: PrintRequest = {}) {
    this.jobs.push({ pdf, request });
    return { queue: 'counter', jobId: `counter-${this.jobs.length}` };
  }
}

function unwrap<T>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** The demo's phone that is ready to update, once identified. */
async function readyPhone(service: KioskService): Promise<{ handle: SimulatedDeviceHandle; view: DeviceView }> {
  const handles = (service.demoSimulation as { devices: SimulatedDeviceHandle[] } | undefined)?.devices ?? [];
  const handle = handles.find((h) => h.label === 'ready to update');
  if (!handle) throw new Error('the demo started no phone that is ready to update');
  const portId = `sim:${handle.devId}`;
  const done = (d: DeviceView | undefined): boolean => d !== undefined && d.state !== 'connecting' && d.fwVersion !== null;
  const waiting = nextEvent<DeviceView>(service, 'device:updated', (d) => d.portId === portId && done(d), 100_000);
  const now = service.listDevices().find((d) => d.portId === portId);
  if (done(now)) {
    waiting.catch(() => undefined);
    return { handle, view: now! };
  }
  return { handle, view: await waiting };
}

describe('the demo, replayed on the same data folder', () => {
  let root: string;
  let dataDir: string;
  const printer = new RecordingPrinter();
  let service: KioskService | undefined;
  let registry: string;

  beforeAll(() => {
    registry = privateSimRegistry();
    root = mkdtempSync(path.join(tmpdir(), 'fumo-demo-replay-'));
    dataDir = path.join(root, 'demo');
  });
  afterAll(async () => {
    await service?.close();
    if (root) rmSync(root, { recursive: true, force: true });
    if (registry) rmSync(registry, { recursive: true, force: true });
  });

  it('first run: the update ends and the customer display takes its receipt, on screen and on paper', async () => {
    service = await createDemoKiosk({ dataDir, printer });
    unwrap(await service.auth.login({ pin: DEMO_PIN }));
    const { view } = await readyPhone(service);
    expect(view).toMatchObject({ state: 'update-available', fwVersion: '1.1.0' });

    const customer = service.connect('customer');
    const asked = nextEvent<ConsentRequest>(service, 'consent:requested', (r) => r.portId === view.portId);
    const job = unwrap(await service.jobs.start({ portId: view.portId, schedule: 'now', consentMode: 'customer' }));
    const recorded = nextEvent<HistoryRecord>(service, 'history:added', (r) => r.jobId === job.jobId);
    const request = await asked;
    unwrap(await service.consent.handover({ requestId: request.requestId }));
    unwrap(await customer.consent.answer({ requestId: request.requestId, decision: 'approve', schedule: 'now', language: 'de', privacyVersion: request.privacy.version, warrantyVersion: request.warranty.version }));
    const record = await recorded;
    expect(record.result).toBe('success');

    // The job has ended; the display still reaches its own update's receipt.
    const code = unwrap(await customer.history.receiptCode({ id: record.id }));
    expect(code.payload).toContain(`"id":"${record.id}"`);
    expect(code.payload).toContain('"res":"success"');
    const printed = unwrap(await customer.history.print({ id: record.id, language: 'de' }));
    expect(printed).toEqual({ id: record.id, queue: 'counter', printJobId: 'counter-1' });
    expect(printer.jobs).toHaveLength(1);
    expect(Buffer.from(printer.jobs[0]!.pdf.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    // A display that was never given this update does not get its receipt.
    const stranger = service.connect('customer');
    const refused = await stranger.history.print({ id: record.id });
    expect(!refused.ok && refused.error.code).toBe('NOT_ALLOWED');
    expect(printer.jobs).toHaveLength(1);
    stranger.close();
    customer.close();
    await service.close();
    service = undefined;
  }, 300_000);

  it('second start on that folder: the phone is already updated, so nothing is left to show', async () => {
    service = await createDemoKiosk({ dataDir, printer });
    unwrap(await service.auth.login({ pin: DEMO_PIN }));
    const { view } = await readyPhone(service);
    expect(view.fwVersion).toBe('1.2.0');
    expect(view.state).not.toBe('update-available');
    expect(unwrap(await service.history.list({})).total).toBeGreaterThan(0);
    await service.close();
    service = undefined;
  }, 300_000);

  it('after --reset the demo starts afresh: the phone is ready to update and the history is empty', async () => {
    expect(resetDemoData(dataDir)).toEqual({ reset: true, removed: true });
    service = await createDemoKiosk({ dataDir, printer });
    unwrap(await service.auth.login({ pin: DEMO_PIN }));
    const { view } = await readyPhone(service);
    expect(view).toMatchObject({ state: 'update-available', fwVersion: '1.1.0' });
    expect(unwrap(await service.history.list({})).total).toBe(0);
  }, 300_000);
});
