/**
 * Outside demo mode no simulated phone gets in: not one that a device source reports, not one
 * announced by a file planted in the machine's simulated-phone registry.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KioskService, type DeviceSource, type DiscoveredDevice } from '../../../src/main/services/kiosk-service';
import { demoTrust } from '../../../src/main/demo/demo-trust';

class FakeSource extends EventEmitter implements DeviceSource {
  attach(d: DiscoveredDevice): void {
    this.emit('attach', d);
  }
}

const simulated: DiscoveredDevice = { portId: 'sim:sim-1', linkKind: 'serial', path: '/dev/pts/99', profileId: 'simulated-serial', simulated: true, devIdHint: 'IMEI:490154203237518' };

function waitFor<T>(emitter: EventEmitter, event: string): Promise<T> {
  return new Promise((resolve) => emitter.once(event, resolve));
}

describe('device trust', () => {
  let root: string;
  let saved: string | undefined;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'fumo-trust-'));
    saved = process.env['FUMO_SIM_REGISTRY'];
  });
  afterEach(() => {
    if (saved === undefined) delete process.env['FUMO_SIM_REGISTRY'];
    else process.env['FUMO_SIM_REGISTRY'] = saved;
    rmSync(root, { recursive: true, force: true });
  });

  it('a kiosk outside demo mode lets no simulated phone in, and refuses to trust one by name', async () => {
    const source = new FakeSource();
    let refused!: () => void;
    const refusal = new Promise<void>((r) => (refused = r));
    const lines: string[] = [];
    const service = new KioskService({
      dataDir: path.join(root, 'k'),
      sources: [source],
      identifyOnAttach: false,
      log: (l) => {
        lines.push(l);
        if (l.includes('not let in')) refused();
      },
    });
    try {
      await service.start();
      source.attach(simulated);
      await refusal;
      expect(lines.some((l) => l.includes('sim:sim-1: not let in (a simulated phone'))).toBe(true);
      expect(service.listDevices()).toEqual([]);
      expect(() => service.trustSimulatedDevice('IMEI:490154203237518')).toThrow(/demo mode only/);
    } finally {
      await service.close();
    }
  });

  it('under the demo policy the same phone is let in', async () => {
    const source = new FakeSource();
    const service = new KioskService({ dataDir: path.join(root, 'k'), sources: [source], identifyOnAttach: false, trust: demoTrust() });
    try {
      await service.start();
      const attached = waitFor<{ portId: string }>(service, 'device:attached');
      source.attach(simulated);
      expect((await attached).portId).toBe('sim:sim-1');
    } finally {
      await service.close();
    }
  });

  it('a file planted in the simulated-phone registry is never read outside demo mode: no device, no demo catalogue, no demo key', async () => {
    const registry = path.join(root, 'registry');
    mkdirSync(registry, { recursive: true });
    process.env['FUMO_SIM_REGISTRY'] = registry;
    writeFileSync(path.join(registry, 'evil.json'), JSON.stringify({ id: 'evil', linkKind: 'serial', path: '/dev/pts/98', profileId: 'simulated-serial', devIdHint: 'IMEI:001', pid: process.pid, announcedAt: new Date().toISOString() }));
    const lines: string[] = [];
    const service = new KioskService({ dataDir: path.join(root, 'k'), identifyOnAttach: false, log: (l) => lines.push(l) });
    try {
      await service.start();
      expect(service.listDevices()).toEqual([]);
      expect(service.store.catalog.list()).toEqual([]);
      expect(service.store.trust.list()).toEqual([]);
      expect(lines.filter((l) => l.includes('evil'))).toEqual([]);
    } finally {
      await service.close();
    }
  });
});
