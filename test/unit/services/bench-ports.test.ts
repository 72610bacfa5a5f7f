/**
 * The bench's ports as the registry and the scanner use them: an assigned port is opened with
 * its assigned profile (a --serial-port flag wins), every card carries its port's slot name and
 * is told at once when an administrator renames it, the serial scanner reports an unknown
 * adapter only once it is assigned, and the administrator's list shows attached, unassigned and
 * away ports.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/core/clock';
import { serialAdapter, type DiscoveredDevice, type ScannerSink, type SerialPortListing } from '../../../src/main/links/scanner';
import { BenchPorts, portNamesOf } from '../../../src/main/services/bench-ports';
import { DeviceRegistry } from '../../../src/main/services/device-registry';
import { openStore, type KioskStore } from '../../../src/main/store';
import type { DeviceView } from '../../../src/shared/schemas';
import { loadProfiles } from '../../../src/transport/profiles';

const ADMIN = { name: 'alex', role: 'admin' } as const;
const profiles = loadProfiles();

const clock: Clock = { now: () => 1_760_000_000_000, setTimeout: () => 0, clearTimeout: () => undefined };

/** An adapter no profile names (no VID:PID a profile lists), as the serial scanner reports an assigned one. */
function unknownAdapter(over: Partial<DiscoveredDevice> = {}): DiscoveredDevice {
  return { portId: 'serial:/dev/ttyUSB0', linkKind: 'serial', path: '/dev/ttyUSB0', profileId: 'generic-serial', vid: '067b', pid: '2303', ...over };
}

describe('bench ports in the registry', () => {
  let dir: string;
  let store: KioskStore;
  let events: Array<{ event: string; view: DeviceView }>;
  let registry: DeviceRegistry;
  let ports: BenchPorts;
  let flagged: string[];

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'fumo-bench-ports-'));
    store = openStore(dir);
    events = [];
    flagged = [];
    ports = new BenchPorts({ store, profiles, flaggedSerialPorts: flagged, entries: () => registry.all(), relabel: () => registry.relabel() });
    registry = new DeviceRegistry({
      clock,
      profiles,
      random: { bytes: (n) => new Uint8Array(n) },
      sessionOptions: () => {
        throw new Error('no session in this test');
      },
      firstMessageTimeoutMs: 1000,
      package0Password: async () => 'secret',
      onView: (event, view) => events.push({ event, view }),
      onGone: () => undefined,
      keepsEntry: () => false,
      portSetup: (d) => ports.setupFor(d),
    });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a port assigned to a profile is opened with that profile, not the one its scanner report names', () => {
    const d = unknownAdapter();
    expect(registry.profileFor(d).id).toBe('generic-serial');
    ports.assign({ port: '/dev/ttyUSB0', profileId: 'reference-ftdi' }, ADMIN);
    expect(registry.profileFor(d).id).toBe('reference-ftdi');
    // A profile of another link kind does not apply to a serial port.
    expect(ports.setupFor(unknownAdapter({ linkKind: 'usb', portId: 'usb:1-3', path: '1-3' })).profileId).toBeUndefined();
  });

  it('a --serial-port flag wins over an assignment; the slot name still shows', () => {
    ports.assign({ port: '/dev/ttyUSB0', profileId: 'reference-ftdi', slot: 'Slot 3' }, ADMIN);
    flagged.push('/dev/ttyUSB0');
    expect(ports.setupFor(unknownAdapter())).toEqual({ profileId: 'generic-serial', source: 'flag', slot: 'Slot 3' });
    expect(registry.profileFor(unknownAdapter()).id).toBe('generic-serial');
  });

  it('the most specific name wins: serial number, then by-id name, then port id, then path', () => {
    const d = unknownAdapter({ serialNumber: 'A10K5ZQ1', stablePath: '/dev/serial/by-id/usb-FTDI_A10K5ZQ1-if00-port0' });
    expect(portNamesOf(d)).toEqual(['sn:A10K5ZQ1', '/dev/serial/by-id/usb-FTDI_A10K5ZQ1-if00-port0', 'serial:/dev/ttyUSB0', '/dev/ttyUSB0']);
    ports.assign({ port: '/dev/ttyUSB0', slot: 'By path' }, ADMIN);
    expect(ports.setupFor(d).slot).toBe('By path');
    ports.assign({ port: '/dev/serial/by-id/usb-FTDI_A10K5ZQ1-if00-port0', slot: 'By id' }, ADMIN);
    expect(ports.setupFor(d).slot).toBe('By id');
    ports.assign({ port: 'sn:A10K5ZQ1', slot: 'By cable' }, ADMIN);
    expect(ports.setupFor(d).slot).toBe('By cable');
  });

  it('the card carries its slot name from the start; unnamed ports have none (the screens show the path)', async () => {
    ports.assign({ port: 'usb:1-3.4', slot: 'Slot 1' }, ADMIN);
    const named = await registry.attach({ portId: 'usb:1-3.4', linkKind: 'usb', path: '1-3.4', profileId: 'reference-usb' }, profiles.find((p) => p.id === 'reference-usb')!);
    const unnamed = await registry.attach(unknownAdapter({ portId: 'serial:/dev/ttyACM0', path: '/dev/ttyACM0' }), profiles.find((p) => p.id === 'generic-serial')!);
    expect(named.view).toMatchObject({ slot: 'Slot 1', portLabel: '1-3.4' });
    expect(unnamed.view).toMatchObject({ slot: null, portLabel: '/dev/ttyACM0' });
    expect(events.map((e) => [e.event, e.view.slot])).toEqual([
      ['device:attached', 'Slot 1'],
      ['device:attached', null],
    ]);
  });

  it('renaming a port tells the screens at once (device:updated) for the cards whose name changed only', async () => {
    await registry.attach(unknownAdapter(), profiles.find((p) => p.id === 'generic-serial')!);
    await registry.attach(unknownAdapter({ portId: 'serial:/dev/ttyACM0', path: '/dev/ttyACM0' }), profiles.find((p) => p.id === 'generic-serial')!);
    events.length = 0;
    ports.assign({ port: '/dev/ttyUSB0', slot: 'Slot 3' }, ADMIN);
    expect(events.map((e) => [e.event, e.view.portId, e.view.slot])).toEqual([['device:updated', 'serial:/dev/ttyUSB0', 'Slot 3']]);
    expect(registry.get('serial:/dev/ttyUSB0')!.view.slot).toBe('Slot 3');
    events.length = 0;
    ports.unassign('/dev/ttyUSB0', ADMIN);
    expect(events.map((e) => [e.event, e.view.portId, e.view.slot])).toEqual([['device:updated', 'serial:/dev/ttyUSB0', null]]);
  });

  it('refuses a profile that is not installed, and keeps what was there', () => {
    ports.assign({ port: '/dev/ttyUSB0', slot: 'Slot 3' }, ADMIN);
    expect(() => ports.assign({ port: '/dev/ttyUSB0', profileId: 'no-such-phone', slot: 'Slot 4' }, ADMIN)).toThrow(expect.objectContaining({ code: 'PROFILE_NOT_FOUND' }));
    expect(() => ports.assign({ port: '/dev/ttyUSB0', profileId: 'reference-http' }, ADMIN)).toThrow(expect.objectContaining({ code: 'PROFILE_NOT_FOUND' }));
    expect(store.ports.get('/dev/ttyUSB0')?.slot).toBe('Slot 3');
  });

  it('lists phones on the bench, adapters left alone and assigned ports that are away', async () => {
    ports.assign({ port: '/dev/ttyUSB0', profileId: 'generic-serial', slot: 'Slot 3' }, ADMIN);
    ports.assign({ port: '1-9', slot: 'Slot 9' }, ADMIN);
    await registry.attach(unknownAdapter(), registry.profileFor(unknownAdapter()));
    ports.sawSerialPorts([
      { path: '/dev/ttyUSB0', vendorId: '067B', productId: '2303' },
      { path: '/dev/ttyUSB1', vendorId: '0403', productId: '6015', serialNumber: 'PRN001', pnpId: 'usb-FTDI_Receipt_Printer_PRN001-if00-port0' },
    ]);
    const list = ports.list();
    expect(list.ports).toEqual([
      {
        port: '/dev/serial/by-id/usb-FTDI_Receipt_Printer_PRN001-if00-port0',
        portId: null,
        linkKind: 'serial',
        path: '/dev/ttyUSB1',
        vidPid: '0403:6015',
        serialNumber: 'PRN001',
        attached: true,
        onBench: false,
        profileId: null,
        profileSource: null,
        assignedProfileId: null,
        slot: null,
        model: null,
      },
      {
        port: '/dev/ttyUSB0',
        portId: 'serial:/dev/ttyUSB0',
        linkKind: 'serial',
        path: '/dev/ttyUSB0',
        vidPid: '067b:2303',
        serialNumber: null,
        attached: true,
        onBench: true,
        profileId: 'generic-serial',
        profileSource: 'assigned',
        assignedProfileId: 'generic-serial',
        slot: 'Slot 3',
        model: null,
      },
      { port: '1-9', portId: null, linkKind: null, path: null, vidPid: null, serialNumber: null, attached: false, onBench: false, profileId: null, profileSource: null, assignedProfileId: null, slot: 'Slot 9', model: null },
    ]);
    expect(list.profiles.map((p) => p.id)).toContain('reference-ftdi');
    expect(list.profiles.map((p) => p.linkKind)).not.toContain('http');
  });
});

describe('the serial scanner and assignments', () => {
  function scan(listing: SerialPortListing[], options: Parameters<typeof serialAdapter>[0]): Promise<{ attached: DiscoveredDevice[]; seen: readonly SerialPortListing[] }> {
    const attached: DiscoveredDevice[] = [];
    let seen: readonly SerialPortListing[] = [];
    const sink: ScannerSink = { attach: (d) => attached.push(d), detach: () => undefined };
    const adapter = serialAdapter({ ...options, list: async () => listing, profiles, clock, onListing: (p) => (seen = p) });
    return adapter.start(sink).then(async () => {
      await adapter.stop();
      return { attached, seen };
    });
  }
  const printer: SerialPortListing = { path: '/dev/ttyUSB1', vendorId: '067b', productId: '2303', pnpId: 'usb-Prolific_Printer-if00-port0' };
  const phone: SerialPortListing = { path: '/dev/ttyUSB0', vendorId: '0403', productId: '6001', serialNumber: 'A10K5ZQ1' };

  it('leaves an unknown adapter alone until it is assigned, and lists every port either way', async () => {
    const before = await scan([printer, phone], { isAssigned: () => false });
    expect(before.attached.map((d) => d.path)).toEqual(['/dev/ttyUSB0']);
    expect(before.seen.map((p) => p.path)).toEqual(['/dev/ttyUSB1', '/dev/ttyUSB0']);
    const after = await scan([printer, phone], { isAssigned: (p) => p.path === '/dev/ttyUSB1' });
    expect(after.attached.map((d) => [d.path, d.profileId, d.stablePath])).toEqual([
      ['/dev/ttyUSB1', 'generic-serial', '/dev/serial/by-id/usb-Prolific_Printer-if00-port0'],
      ['/dev/ttyUSB0', 'reference-ftdi', undefined],
    ]);
  });
});
