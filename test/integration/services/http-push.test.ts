/**
 * Server-initiated on an HTTP link: the phone's device profile names OMA push over UDP as its
 * notification channel. A job for a phone on the DM endpoint that is between two of its calls
 * (it would not call again for ten minutes) pushes package 0 in a WSP Push PDU to the address
 * the phone called from; the reference phone, listening for push, checks the digest and opens
 * the server-initiated session it asks for; the update completes. The bench never shows the
 * wait for the phone to connect.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KioskService } from '../../../src/main/services/kiosk-service';
import { demoTrust } from '../../../src/main/demo/demo-trust';
import { importDemoCatalog } from '../../../src/main/demo/demo-catalog';
import { loadProfiles } from '../../../src/transport/profiles';
import { startSimulation, type SimulationHandle } from '../../../src/simulator/simulation';
import type { DeviceView } from '../../../src/shared/schemas';
import { nextEvent } from './events';

/** A UDP port on loopback nothing is bound to right now. */
function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

describe('OMA push over UDP to a phone on the DM endpoint', () => {
  let root: string;
  let service: KioskService;
  let sim: SimulationHandle;
  let pushPort: number;
  const log: string[] = [];

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'fumo-http-push-'));
    pushPort = await freeUdpPort();
    const profiles = loadProfiles().map((p) => (p.id === 'reference-http' ? { ...p, notification: { channel: 'udp-push' as const, port: pushPort } } : p));
    service = new KioskService({ dataDir: path.join(root, 'kiosk'), sources: [], trust: demoTrust(), profiles, log: (l) => log.push(l), fumo: { installTimeoutMs: 120_000, reconnectTimeoutMs: 60_000 } });
    await importDemoCatalog(service.store);
    await service.start();
  }, 60_000);

  afterAll(async () => {
    await sim?.stop();
    await service?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('the kiosk pushes package 0, the phone opens the server-initiated session, the update completes; no waiting card', async () => {
    const devId = 'IMEI:356938035643833';
    const portId = `http:${devId}`;
    const identified = nextEvent<DeviceView>(service, 'device:updated', (d) => d.portId === portId && d.state === 'update-available', 120_000);
    sim = await startSimulation({
      devices: [{ devId, model: 'FK-Demo Phone', fwVersion: '1.1.0' }],
      link: 'http',
      serverUrl: service.dmEndpointUrls[0]!,
      stateDir: path.join(root, 'phones'),
      pushPort,
      profile: { rebootDelayMs: 100, pollIntervalMs: 600_000 },
    });
    await identified;
    const phone = sim.devices[0]!.device;
    const notifications: Array<{ accepted: boolean; sessionId?: number }> = [];
    phone.on('notification', (n: { accepted: boolean; sessionId?: number }) => notifications.push(n));
    const waitingCards: DeviceView[] = [];
    service.on('device:updated', (d: DeviceView) => {
      if (d.portId === portId && d.waitingForConnect) waitingCards.push(d);
    });

    service.setConsentResponder(async () => ({ accepted: true, by: 'operator', schedule: 'now' }));
    const jobId = await service.startUpdate({ portId, consentMode: 'operator' });
    const end = await service.waitForJob(jobId);
    expect([end.state, end.finalVersion]).toEqual(['done', '1.2.0']);
    expect(phone.fwVersion).toBe('1.2.0');
    expect(notifications.filter((n) => n.accepted)).toHaveLength(1);
    expect(log).toContain(`${portId}: package 0 pushed to 127.0.0.1:${pushPort}`);
    expect(waitingCards).toEqual([]);
  }, 300_000);
});
