import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/core/clock';
import { findProfile, loadProfiles, profileById } from '../../../src/transport/profiles';
import {
  DeviceIdentityMap,
  DeviceScanner,
  serialAdapter,
  simulatedAdapter,
  usbAdapter,
  type DiscoveredDevice,
  type SerialPortListing,
  type UsbHotplugDevice,
} from '../../../src/main/links/scanner';
import { announceSimulatedDevice, listSimulatedDevices, withdrawSimulatedDevice } from '../../../src/transport/sim-registry';
import { classifyOpenError } from '../../../src/main/links/serial';

class ManualClock implements Clock {
  timers: Array<{ fn: () => void; at: number }> = [];
  t = 0;
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const h = { fn, at: this.t + ms };
    this.timers.push(h);
    return h;
  };
  clearTimeout = (h: unknown) => {
    this.timers = this.timers.filter((x) => x !== h);
  };
  advance(ms: number) {
    this.t += ms;
    const due = this.timers.filter((x) => x.at <= this.t);
    this.timers = this.timers.filter((x) => x.at > this.t);
    for (const d of due) d.fn();
  }
}

const profiles = loadProfiles();

describe('device profiles', () => {
  it('loads the shipped profiles and finds them by VID/PID in any spelling', () => {
    expect(profiles.map((p) => p.id)).toEqual(expect.arrayContaining(['generic-serial', 'reference-serial', 'reference-usb', 'reference-http']));
    expect(findProfile('1209', '0001', profiles)?.id).toBe('reference-serial');
    expect(findProfile(0x1209, 0x0002, profiles)?.id).toBe('reference-usb');
    expect(findProfile('0x1209', '0X0002', profiles)?.id).toBe('reference-usb');
    expect(findProfile('dead', 'beef', profiles)).toBeUndefined();
    const generic = profileById('generic-serial', profiles)!;
    expect(generic.serial).toEqual({ baudRate: 115200, flowControl: 'none' });
    expect(profileById('reference-serial', profiles)!.serial).toEqual({ baudRate: 921600, flowControl: 'rtscts' });
  });

  it('the udev rule grants uaccess for every profile VID/PID and never a world-writable mode', async () => {
    const { readFileSync } = await import('node:fs');
    const rules = readFileSync(join(__dirname, '../../../resources/udev/70-fumo-kiosk.rules'), 'utf8');
    expect(rules).not.toMatch(/MODE\s*=\s*"?0?666/);
    for (const p of profiles) {
      for (const m of p.match) {
        const line = rules.split('\n').find((l) => l.includes(`"${m.vid}"`) && l.includes(`"${m.pid}"`));
        expect(line, `${p.id} ${m.vid}:${m.pid}`).toBeDefined();
        expect(line).toContain('TAG+="uaccess"');
      }
    }
  });
});

describe('serial adapter', () => {
  it('polls at the injected interval, matches profiles, leaves ports no profile names alone, reports detach', async () => {
    const clock = new ManualClock();
    let ports: SerialPortListing[] = [
      { path: '/dev/ttyACM0', vendorId: '1209', productId: '0001', serialNumber: 'A1' },
      // A CP210x adapter no profile names.
      { path: '/dev/ttyUSB0', vendorId: '10c4', productId: 'ea60' },
      { path: '/dev/ttyS0' },
    ];
    const scanner = new DeviceScanner([serialAdapter({ list: async () => ports, intervalMs: 500, clock, profiles })]);
    const events: string[] = [];
    scanner.on('attach', (d) => events.push(`+${d.portId}:${d.profileId}`));
    scanner.on('detach', (d) => events.push(`-${d.portId}`));
    await scanner.start();
    // The CP210x and the on-board UART were not assigned to a phone: never reported, never opened.
    expect(events).toEqual(['+serial:/dev/ttyACM0:reference-serial']);
    expect(scanner.devices().find((d) => d.path === '/dev/ttyACM0')).toMatchObject({ vid: '1209', pid: '0001', serialNumber: 'A1', linkKind: 'serial' });
    ports = [{ path: '/dev/ttyACM1', vendorId: '1209', productId: '0001', serialNumber: 'A1' }];
    clock.advance(499);
    await Promise.resolve();
    expect(events).toHaveLength(1);
    clock.advance(1);
    await expect.poll(() => events.length).toBe(3);
    expect(events.slice(1)).toEqual(['+serial:/dev/ttyACM1:reference-serial', '-serial:/dev/ttyACM0']);
    await scanner.stop();
    expect(clock.timers).toHaveLength(0);
  });

  it('serves the ports an administrator assigned with generic-serial, USB adapter or on-board UART', async () => {
    const ports: SerialPortListing[] = [
      { path: '/dev/ttyUSB0', vendorId: '10c4', productId: 'ea60' },
      { path: '/dev/ttyUSB1', vendorId: '067b', productId: '2303' },
      { path: '/dev/ttyS0' },
      { path: '/dev/ttyS1' },
    ];
    const clock = new ManualClock();
    const scanner = new DeviceScanner([serialAdapter({ list: async () => ports, clock, profiles, assignedPorts: ['/dev/ttyUSB1', '/dev/ttyS0'] })]);
    const events: string[] = [];
    scanner.on('attach', (d) => events.push(`+${d.portId}:${d.profileId}`));
    await scanner.start();
    expect(events).toEqual(['+serial:/dev/ttyUSB1:generic-serial', '+serial:/dev/ttyS0:generic-serial']);
    await scanner.stop();
  });
});

describe('usb adapter', () => {
  it('reports only usb-profile devices and follows attach/detach events', async () => {
    const handlers: Record<string, (d: UsbHotplugDevice) => void> = {};
    const dev = (vid: number, pid: number, ports: number[]): UsbHotplugDevice => ({ busNumber: 1, deviceAddress: 9, portNumbers: ports, deviceDescriptor: { idVendor: vid, idProduct: pid } });
    const source = {
      getDeviceList: () => [dev(0x1209, 0x0002, [1, 4]), dev(0x1d6b, 0x0002, [])],
      on: (ev: 'attach' | 'detach', cb: (d: UsbHotplugDevice) => void) => (handlers[ev] = cb),
    };
    const scanner = new DeviceScanner([usbAdapter({ source, profiles })]);
    const seen: DiscoveredDevice[] = [];
    const gone: string[] = [];
    scanner.on('attach', (d) => seen.push(d));
    scanner.on('detach', (d) => gone.push(d.portId));
    await scanner.start();
    expect(seen).toEqual([{ portId: 'usb:1-1.4', linkKind: 'usb', path: '1-1.4', profileId: 'reference-usb', vid: '1209', pid: '0002' }]);
    handlers['attach']!(dev(0x1209, 0x0002, [2]));
    handlers['detach']!(dev(0x1209, 0x0002, [1, 4]));
    expect(seen.map((d) => d.portId)).toEqual(['usb:1-1.4', 'usb:1-2']);
    expect(gone).toEqual(['usb:1-1.4']);
  });

  it('stays quiet without a USB bus (the real usb package on this machine)', async () => {
    const scanner = new DeviceScanner([usbAdapter({ profiles })]);
    const warnings: string[] = [];
    scanner.on('warning', (w) => warnings.push(w));
    await scanner.start();
    await scanner.stop();
    expect(warnings).toEqual([]);
  });
});

describe('simulated devices', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('announce, list, ignore stale entries, withdraw; the adapter follows the folder', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sim-reg-'));
    announceSimulatedDevice({ id: 'sim-a', linkKind: 'serial', path: '/dev/pts/77', profileId: 'reference-serial', devIdHint: 'IMEI:1' }, dir);
    // A simulator that died without withdrawing: its pid is no longer alive.
    const dead = spawnSync('true').pid!;
    writeFileSync(join(dir, 'sim-dead.json'), JSON.stringify({ id: 'sim-dead', linkKind: 'serial', path: '/dev/pts/78', profileId: 'reference-serial', pid: dead, announcedAt: '' }));
    writeFileSync(join(dir, 'junk.json'), '{not json');
    expect(listSimulatedDevices(dir).map((e) => e.id)).toEqual(['sim-a']);

    const clock = new ManualClock();
    const scanner = new DeviceScanner([simulatedAdapter({ dir, clock, intervalMs: 1000 })]);
    const events: string[] = [];
    scanner.on('attach', (d) => events.push(`+${d.portId}:${d.path}:${d.devIdHint}:${d.simulated}`));
    scanner.on('detach', (d) => events.push(`-${d.portId}`));
    await scanner.start();
    expect(events).toEqual(['+sim:sim-a:/dev/pts/77:IMEI:1:true']);
    announceSimulatedDevice({ id: 'sim-b', linkKind: 'http', url: 'http://127.0.0.1:1/dm', profileId: 'reference-http' }, dir);
    withdrawSimulatedDevice('sim-a', dir);
    clock.advance(1000);
    await expect.poll(() => events.length).toBeGreaterThanOrEqual(3);
    expect(events).toContain('-sim:sim-a');
    expect(events).toContain('+sim:sim-b:http://127.0.0.1:1/dm:undefined:true');
    await scanner.stop();
    expect(() => announceSimulatedDevice({ id: '../x', linkKind: 'serial', profileId: 'p' }, dir)).toThrow();
  });
});

describe('DeviceIdentityMap', () => {
  it('recognises a re-enumerated device by DevId', () => {
    const ids = new DeviceIdentityMap();
    expect(ids.bind('serial:/dev/ttyACM0', 'IMEI:1')).toEqual({});
    expect(ids.devIdOf('serial:/dev/ttyACM0')).toBe('IMEI:1');
    // The phone reboots into its updater and comes back as ttyACM1.
    expect(ids.bind('serial:/dev/ttyACM1', 'IMEI:1')).toEqual({ previousPortId: 'serial:/dev/ttyACM0' });
    expect(ids.portOf('IMEI:1')).toBe('serial:/dev/ttyACM1');
    expect(ids.devIdOf('serial:/dev/ttyACM0')).toBeUndefined();
    // Another phone now on the old port.
    expect(ids.bind('serial:/dev/ttyACM0', 'IMEI:2')).toEqual({});
    expect(ids.recognise({ portId: 'serial:/dev/ttyACM0', linkKind: 'serial', path: '/dev/ttyACM0', profileId: 'x' })).toBe('IMEI:2');
    expect(ids.recognise({ portId: 'sim:s', linkKind: 'serial', path: '/dev/pts/1', profileId: 'x', devIdHint: 'IMEI:9' })).toBe('IMEI:9');
  });
});

describe('serial open errors', () => {
  it('EACCES names the udev rule and the fumo-kiosk group, not dialout; EBUSY/EIO are transient', () => {
    const denied = classifyOpenError('/dev/ttyACM0', Object.assign(new Error('Error: Permission denied, cannot open /dev/ttyACM0'), { code: 'EACCES' }));
    expect(denied.transient).toBe(false);
    expect(denied.error.code).toBe('PERMISSION_DENIED');
    expect(denied.error.message).toContain('70-fumo-kiosk.rules');
    expect(denied.error.message).toContain('usermod -aG fumo-kiosk');
    expect(denied.error.message).not.toContain('usermod -aG dialout');
    expect(denied.error.message).toContain('/dev/ttyACM0');
    expect(classifyOpenError('/x', new Error('Error: Resource busy, cannot open /x'))).toMatchObject({ transient: true, error: { code: 'CABLE_UNPLUGGED' } });
    expect(classifyOpenError('/x', new Error('Error: Input/output error, cannot open /x'))).toMatchObject({ transient: true });
    expect(classifyOpenError('/x', new Error('Error: No such file or directory, cannot open /x'))).toMatchObject({ transient: false, error: { code: 'CABLE_UNPLUGGED' } });
  });
});
