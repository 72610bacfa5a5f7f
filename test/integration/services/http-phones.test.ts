/**
 * Phones that speak DM over HTTP reach the kiosk's DM endpoint (started with the service, on
 * loopback): two reference phones call in, appear on the bench as http:<DevId>, are identified,
 * and update to completion (the job takes the next session each phone opens; the 1226 arrives
 * in the session after its reboot; FwV verified; one history record each).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KioskService } from '../../../src/main/services/kiosk-service';
import { demoTrust } from '../../../src/main/demo/demo-trust';
import { importDemoCatalog } from '../../../src/main/demo/demo-catalog';
import { startSimulation, type SimulationHandle } from '../../../src/simulator/simulation';
import type { DeviceView } from '../../../src/shared/schemas';
import { nextEvent } from './events';

describe('phones on the DM endpoint (HTTP)', () => {
  let root: string;
  let service: KioskService;
  let sim: SimulationHandle;

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'fumo-http-it-'));
    service = new KioskService({ ...(process.env['FUMO_IT_LOG'] ? { log: (l: string) => console.error(`[kiosk] ${l}`) } : {}), dataDir: path.join(root, 'kiosk'), sources: [], trust: demoTrust(), fumo: { installTimeoutMs: 120_000, reconnectTimeoutMs: 60_000 } });
    await importDemoCatalog(service.store);
    await service.ensurePin('tom', 'technician', '4711');
    await service.start();
  }, 60_000);

  afterAll(async () => {
    await sim?.stop();
    await service?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('the endpoint listens on loopback and two phones update to completion through it', async () => {
    const url = service.dmEndpointUrls[0];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dm$/);
    const ready = (devId: string) => nextEvent<DeviceView>(service, 'device:updated', (d) => d.portId === `http:${devId}` && d.state === 'update-available', 120_000);
    const devIds = ['IMEI:356938035643809', 'IMEI:356938035643817'];
    const seen = devIds.map(ready);
    sim = await startSimulation({
      devices: devIds.map((devId) => ({ devId, model: 'FK-Demo Phone', fwVersion: '1.1.0' })),
      link: 'http',
      serverUrl: url!,
      stateDir: path.join(root, 'phones'),
      profile: { rebootDelayMs: 100, pollIntervalMs: 500 },
      ...(process.env['FUMO_IT_LOG'] ? { log: (l: string) => console.error(`[sim] ${l}`) } : {}),
    });
    if (process.env['FUMO_IT_LOG'])
      for (const h of sim.devices)
        for (const ev of ['session-start', 'session-end', 'disconnected', 'connected']) h.device.on(ev, (x: unknown) => console.error(`[sim] ${h.devId} ${ev} ${JSON.stringify(x)?.slice(0, 200)}`));
    const cards = await Promise.all(seen);
    expect(cards.map((c) => c.linkKind)).toEqual(['http', 'http']);
    expect(cards.map((c) => c.targetVersion)).toEqual(['1.2.0', '1.2.0']);

    service.setConsentResponder(async () => ({ accepted: true, by: 'operator', schedule: 'now' }));
    const jobs = await Promise.all(devIds.map((devId) => service.startUpdate({ portId: `http:${devId}`, consentMode: 'operator' })));
    const ends = await Promise.all(jobs.map((j) => service.waitForJob(j)));
    if (ends.some((s) => s.state !== 'done')) console.error(JSON.stringify(ends.map((s) => [s.state, s.error, s.history.map((h) => h[0])])));
    expect(ends.map((s) => [s.state, s.finalVersion])).toEqual([
      ['done', '1.2.0'],
      ['done', '1.2.0'],
    ]);
    for (const h of sim.devices) expect(h.device.fwVersion).toBe('1.2.0');
    const records = service.store.audit.list();
    expect(records.filter((r) => r.result === 'success')).toHaveLength(2);
  }, 300_000);
});
