/**
 * A phone on the DM endpoint that the kiosk cannot call (DM over HTTP, no notification channel):
 * when a job starts while the phone is between two of its calls, the bench card says the kiosk
 * is waiting for the phone to connect, with the device profile's instruction for the technician
 * in each language; the phone's next call (here its user asks for the update) clears it and the
 * job goes on to completion.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KioskService } from '../../../src/main/services/kiosk-service';
import { demoTrust } from '../../../src/main/demo/demo-trust';
import { importDemoCatalog } from '../../../src/main/demo/demo-catalog';
import { profileById } from '../../../src/transport/profiles';
import { startSimulation, type SimulationHandle } from '../../../src/simulator/simulation';
import type { DeviceView } from '../../../src/shared/schemas';
import { nextEvent } from './events';

describe('waiting for a phone on the DM endpoint to connect', () => {
  let root: string;
  let service: KioskService;
  let sim: SimulationHandle;

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'fumo-http-wait-'));
    service = new KioskService({ dataDir: path.join(root, 'kiosk'), sources: [], trust: demoTrust(), fumo: { installTimeoutMs: 120_000, reconnectTimeoutMs: 60_000 } });
    await importDemoCatalog(service.store);
    await service.start();
  }, 60_000);

  afterAll(async () => {
    await sim?.stop();
    await service?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('the card shows the wait and the profile instruction until the phone calls; then the update completes', async () => {
    const instruction = profileById('reference-http')?.connectInstruction;
    expect(instruction?.en).toContain('Check for update');
    expect(instruction?.de).toContain('Nach Updates suchen');
    expect(instruction?.es).toContain('Buscar actualizaciones');

    const devId = 'IMEI:356938035643825';
    const portId = `http:${devId}`;
    const url = service.dmEndpointUrls[0]!;
    const identified = nextEvent<DeviceView>(service, 'device:updated', (d) => d.portId === portId && d.state === 'update-available', 120_000);
    sim = await startSimulation({
      devices: [{ devId, model: 'FK-Demo Phone', fwVersion: '1.1.0' }],
      link: 'http',
      serverUrl: url,
      stateDir: path.join(root, 'phones'),
      // It calls once, then not again for ten minutes unless something makes it.
      profile: { rebootDelayMs: 100, pollIntervalMs: 600_000 },
    });
    // Identified, with no job: nothing is waited for.
    expect((await identified).waitingForConnect ?? null).toBeNull();

    service.setConsentResponder(async () => ({ accepted: true, by: 'operator', schedule: 'now' }));
    const waiting = nextEvent<DeviceView>(service, 'device:updated', (d) => d.portId === portId && !!d.waitingForConnect, 60_000);
    const jobId = await service.startUpdate({ portId, consentMode: 'operator' });
    const card = await waiting;
    expect(card.waitingForConnect).toEqual({ instruction });

    const cleared = nextEvent<DeviceView>(service, 'device:updated', (d) => d.portId === portId && d.waitingForConnect === null, 60_000);
    sim.devices[0]!.device.requestUpdate('user');
    await cleared;
    const end = await service.waitForJob(jobId);
    expect([end.state, end.finalVersion]).toEqual(['done', '1.2.0']);
    expect(sim.devices[0]!.device.fwVersion).toBe('1.2.0');
  }, 300_000);
});
