/**
 * The customer's consent, followed from the request to the exported history: the versions of the
 * privacy and warranty texts the request carried and the language the customer read them in are
 * echoed in the answer and stand in the exported record, for each language the kiosk speaks.
 * Every wait is on an event of the service.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoKiosk, DEMO_ADMIN_PIN } from '../../../src/main/demo/demo-kiosk';
import type { KioskService } from '../../../src/main/services/kiosk-service';
import type { ConsentRequest, DeviceView, HistoryRecord } from '../../../src/shared/schemas';
import type { SimulatedDeviceHandle } from '../../../src/simulator/simulation';
import { privateSimRegistry } from '../fumo/helpers';
import { nextEvent, unwrap } from './events';

const DEMO_PIN = '1234';
const LANGUAGES = ['en', 'de', 'es'] as const;

describe('consent versions and language reach the exported record', () => {
  let root: string;
  let service: KioskService;
  let portId: string;

  beforeAll(async () => {
    privateSimRegistry();
    root = mkdtempSync(path.join(tmpdir(), 'fumo-consent-it-'));
    service = await createDemoKiosk({ dataDir: path.join(root, 'kiosk') });
    const phones = (service.demoSimulation as { devices: SimulatedDeviceHandle[] } | undefined)?.devices ?? [];
    const phone = phones.find((p) => p.label === 'ready to update');
    if (!phone) throw new Error('demo mode started no phone that is ready to update');
    portId = `sim:${phone.devId}`;
    const ready = (d: DeviceView | undefined): boolean => d !== undefined && d.state === 'update-available';
    const seen = nextEvent<DeviceView>(service, 'device:updated', (d) => d.portId === portId && ready(d), 100_000);
    if (ready(service.listDevices().find((d) => d.portId === portId))) seen.catch(() => undefined);
    else await seen;
  }, 200_000);

  afterAll(async () => {
    await service?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('in each language, the answer carries what the request showed, and the export records it', async () => {
    unwrap(await service.auth.login({ pin: DEMO_PIN }));
    const asked: Array<{ language: string; request: ConsentRequest; record: HistoryRecord }> = [];
    for (const language of LANGUAGES) {
      const raised = nextEvent<ConsentRequest>(service, 'consent:requested', (r) => r.portId === portId);
      const job = unwrap(await service.jobs.start({ portId, schedule: 'now', consentMode: 'customer' }));
      const recorded = nextEvent<HistoryRecord>(service, 'history:added', (r) => r.jobId === job.jobId);
      const request = await raised;
      expect(request.privacy.version).not.toBe('');
      expect(request.warranty.version).not.toBe('');
      unwrap(await service.consent.answer({ requestId: request.requestId, decision: 'decline', schedule: 'now', language, privacyVersion: request.privacy.version, warrantyVersion: request.warranty.version }));
      asked.push({ language, request, record: await recorded });
    }
    unwrap(await service.auth.logout());
    unwrap(await service.auth.login({ pin: DEMO_ADMIN_PIN }));
    const file = unwrap(await service.history.export({ format: 'json' }));
    const exported = JSON.parse(file.content) as { records: Array<{ id: string; consent: { customer: string; language: string | null; privacyVersion: string | null; warrantyVersion: string | null } }> };
    for (const { language, request, record } of asked) {
      const row = exported.records.find((r) => r.id === record.id);
      expect(row?.consent).toMatchObject({ customer: 'declined', language, privacyVersion: request.privacy.version, warrantyVersion: request.warranty.version });
    }
    expect(new Set(exported.records.filter((r) => asked.some((a) => a.record.id === r.id)).map((r) => r.consent.language))).toEqual(new Set(LANGUAGES));
  }, 300_000);
});
