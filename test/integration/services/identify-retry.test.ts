/**
 * A phone whose port is still busy when it is attached (another program probing the new port, a
 * slow machine releasing the previous link) is identified once the port is free; a port that stays
 * busy is reported as a cable problem after a few attempts, not left "connecting".
 */
import { demoTrust } from '../../../src/main/demo/demo-trust';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KioskError } from '../../../src/core/errors';
import { openSerialLink } from '../../../src/main/links/serial';
import { SimulationDeviceSource } from '../../../src/main/demo/demo-phones';
import { KioskService } from '../../../src/main/services/kiosk-service';
import { importDemoCatalog } from '../../../src/main/demo/demo-catalog';
import { startSimulation, type SimulationHandle } from '../../../src/simulator/simulation';
import { privateSimRegistry } from '../fumo/helpers';

describe('identification of a phone whose port is busy at first', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function counter(busyOpens: number): Promise<{ service: KioskService; sim: SimulationHandle; opens: () => number }> {
    privateSimRegistry();
    const root = mkdtempSync(path.join(tmpdir(), 'fumo-busy-'));
    cleanups.push(async () => rmSync(root, { recursive: true, force: true }));
    const sim = await startSimulation({ devices: [{ model: 'FK-Demo Phone', fwVersion: '1.1.0' }], link: 'serial', stateDir: path.join(root, 'phones') });
    cleanups.push(() => sim.stop());
    let opens = 0;
    const service = new KioskService({
      trust: demoTrust(),
      dataDir: path.join(root, 'kiosk'),
      sources: [],
      openLink: async (d, profile) => {
        opens++;
        if (opens <= busyOpens) throw new KioskError('CABLE_UNPLUGGED', { port: d.path });
        return openSerialLink(d.path, profile);
      },
    });
    cleanups.push(() => service.close());
    await importDemoCatalog(service.store);
    for (const h of sim.devices) service.trustSimulatedDevice(h.devId, true);
    service.addDeviceSource(new SimulationDeviceSource(sim.devices));
    await service.start();
    await service.settled();
    return { service, sim, opens: () => opens };
  }

  it('busy for two opens: identified on the third, no problem shown', async () => {
    const { service, opens } = await counter(2);
    const [view] = service.listDevices();
    expect(view).toMatchObject({ fwVersion: '1.1.0', state: 'update-available', targetVersion: '1.2.0', problems: [] });
    expect(opens()).toBe(3);
  });

  it('busy for good: reported as a cable problem after the retries', async () => {
    const { service, opens } = await counter(Number.POSITIVE_INFINITY);
    const [view] = service.listDevices();
    expect(view?.fwVersion).toBeNull();
    expect(view?.problems.map((p) => p.code)).toEqual(['CABLE_UNPLUGGED']);
    expect(opens()).toBe(4);
  });
});
