/**
 * Server-initiated on an HTTP link through the phone's cable: a phone that speaks DM over HTTP
 * and is also on an OBEX cable, whose device profile names the cable as its notification
 * channel. A job for it while it is between two of its calls sends package 0 on that cable (the
 * entry found by the phone's DevId); the reference phone checks the digest and calls the DM
 * endpoint; the update completes over HTTP and the bench never shows the wait for the phone to
 * connect. With the cable unplugged, the card shows that wait with the profile's instruction.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KioskService } from '../../../src/main/services/kiosk-service';
import { demoTrust } from '../../../src/main/demo/demo-trust';
import { importDemoCatalog } from '../../../src/main/demo/demo-catalog';
import { SIMULATED_SERIAL_PROFILE_ID } from '../../../src/main/demo/sim-profile';
import { loadProfiles } from '../../../src/transport/profiles';
import { startSimulation, type SimulationHandle } from '../../../src/simulator/simulation';
import type { DeviceView } from '../../../src/shared/schemas';
import { nextEvent } from './events';

describe('package 0 over the cable of a phone on the DM endpoint', () => {
  let root: string;
  let service: KioskService;
  let sim: SimulationHandle;
  const log: string[] = [];
  const cables = new EventEmitter();

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'fumo-http-cable-'));
    const profiles = loadProfiles().map((p) => (p.id === 'reference-http' ? { ...p, notification: { channel: 'cable' as const } } : p));
    service = new KioskService({
      dataDir: path.join(root, 'kiosk'),
      sources: [],
      trust: demoTrust(),
      profiles,
      // The cable only carries package 0 for this phone: nothing is identified over it.
      identifyOnAttach: false,
      log: (l) => {
        log.push(l);
        if (process.env['FUMO_IT_LOG']) console.error(`[kiosk] ${l}`);
      },
      fumo: { installTimeoutMs: 120_000, reconnectTimeoutMs: 60_000 },
    });
    service.addDeviceSource(cables);
    await importDemoCatalog(service.store);
    await service.start();
  }, 60_000);

  afterAll(async () => {
    await sim?.stop();
    await service?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('the job sends package 0 on the cable, the phone calls over HTTP, the update completes; no waiting card', async () => {
    const devId = 'IMEI:356938035643841';
    const portId = `http:${devId}`;
    const cablePort = `sim-cable:${devId}`;
    const identified = nextEvent<DeviceView>(service, 'device:updated', (d) => d.portId === portId && d.state === 'update-available', 120_000);
    sim = await startSimulation({
      devices: [{ devId, model: 'FK-Demo Phone', fwVersion: '1.1.0' }],
      link: 'http',
      serverUrl: service.dmEndpointUrls[0]!,
      stateDir: path.join(root, 'phones'),
      notificationCable: true,
      // It calls once, then not again for ten minutes unless something makes it.
      profile: { rebootDelayMs: 100, pollIntervalMs: 600_000 },
    });
    await identified;
    const phone = sim.devices[0]!;
    expect(phone.notificationCable).toBeDefined();
    const plugged = nextEvent<DeviceView>(service, 'device:attached', (d) => d.portId === cablePort, 60_000);
    cables.emit('attach', { portId: cablePort, linkKind: 'serial', path: phone.notificationCable!, profileId: SIMULATED_SERIAL_PROFILE_ID, simulated: true, devIdHint: devId });
    await plugged;

    const notifications: Array<{ accepted: boolean }> = [];
    phone.device.on('notification', (n: { accepted: boolean }) => notifications.push(n));
    const waitingCards: DeviceView[] = [];
    service.on('device:updated', (d: DeviceView) => {
      if (d.portId === portId && d.waitingForConnect) waitingCards.push(d);
    });

    service.setConsentResponder(async () => ({ accepted: true, by: 'operator', schedule: 'now' }));
    const jobId = await service.startUpdate({ portId, consentMode: 'operator' });
    const end = await service.waitForJob(jobId);
    expect([end.state, end.finalVersion]).toEqual(['done', '1.2.0']);
    expect(phone.device.fwVersion).toBe('1.2.0');
    expect(notifications.filter((n) => n.accepted).length).toBeGreaterThanOrEqual(1);
    expect(log).toContain(`${portId}: package 0 sent over ${cablePort}`);
    expect(waitingCards).toEqual([]);
  }, 300_000);
});
