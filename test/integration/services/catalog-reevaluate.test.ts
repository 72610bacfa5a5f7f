/**
 * A bundle imported (or removed) while phones are attached changes their cards at once, from the
 * facts already read: no replug and no new session. Every wait is on an event of the service.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoCatalogDir } from '../../../src/main/demo/demo-catalog';
import { SimulationDeviceSource } from '../../../src/main/demo/demo-phones';
import { demoTrust } from '../../../src/main/demo/demo-trust';
import { openSerialLink } from '../../../src/main/links/serial';
import { KioskService } from '../../../src/main/services/kiosk-service';
import type { DeviceView } from '../../../src/shared/schemas';
import { startSimulation, type SimulationHandle } from '../../../src/simulator/simulation';
import { privateSimRegistry } from '../fumo/helpers';
import { nextEvent, unwrap } from './events';

const ADMIN_PIN = '24681357';

describe('the catalogue changes while a phone is attached', () => {
  let root: string;
  let sim: SimulationHandle;
  let service: KioskService;
  let opens = 0;
  const bundle = path.join(demoCatalogDir() ?? 'resources/catalog', 'fk-demo-phone-1.1.0-to-1.2.0.fumo');

  beforeAll(async () => {
    privateSimRegistry();
    root = mkdtempSync(path.join(tmpdir(), 'fumo-reevaluate-'));
    sim = await startSimulation({ devices: [{ model: 'FK-Demo Phone', fwVersion: '1.1.0' }], link: 'serial', stateDir: path.join(root, 'phones') });
    service = new KioskService({
      trust: demoTrust(),
      dataDir: path.join(root, 'kiosk'),
      sources: [],
      openLink: (d, profile) => {
        opens++;
        return openSerialLink(d.path, profile);
      },
    });
    // The key is trusted, the catalogue is empty.
    const trust = JSON.parse(readFileSync(path.join(path.dirname(bundle), 'trust.json'), 'utf8')) as { keys: { name: string; publicKey: string }[] };
    for (const k of trust.keys) service.store.trust.add(k.name, k.publicKey, { name: 'test', role: 'admin' });
    for (const h of sim.devices) service.trustSimulatedDevice(h.devId, true);
    await service.ensurePin('ada', 'admin', ADMIN_PIN);
    service.addDeviceSource(new SimulationDeviceSource(sim.devices));
    await service.start();
    await service.settled();
  }, 120_000);

  afterAll(async () => {
    await service?.close();
    await sim?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('empty catalogue: the card says so; import: the update is offered; remove: it is not', async () => {
    const [before] = service.listDevices();
    expect(before).toMatchObject({ fwVersion: '1.1.0', state: 'no-update' });
    expect(before?.problems.map((p) => p.code)).toEqual(['CATALOG_EMPTY']);
    const opensAfterIdentify = opens;
    const portId = before?.portId ?? '';

    unwrap(await service.auth.login({ pin: ADMIN_PIN }));
    const offered = nextEvent<DeviceView>(service, 'device:updated', (d) => d.portId === portId && d.state === 'update-available');
    const imported = unwrap(await service.catalog.import({ path: bundle }));
    expect(await offered).toMatchObject({ targetVersion: '1.2.0', bundleId: imported.bundle.bundleId, problems: [] });
    expect(service.listDevices()[0]).toMatchObject({ state: 'update-available', targetVersion: '1.2.0' });

    const withdrawn = nextEvent<DeviceView>(service, 'device:updated', (d) => d.portId === portId && d.state === 'no-update');
    unwrap(await service.catalog.remove({ bundleId: imported.bundle.bundleId }));
    const after = await withdrawn;
    expect(after).toMatchObject({ targetVersion: null, bundleId: null });
    expect(after.problems.map((p) => p.code)).toEqual(['CATALOG_EMPTY']);

    // Worked out from the facts already read: the phone's port was not opened again.
    expect(opens).toBe(opensAfterIdentify);
  });
});
