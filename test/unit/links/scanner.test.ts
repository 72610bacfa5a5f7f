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
  type UsbConnectionEventLike,
  type UsbDeviceLike,
  type UsbDeviceSource,
  UsbDeviceDirectory,
  usbPortPath,
} from '../../../src/main/links/scanner';
import { announceSimulatedDevice, listSimulatedDevices, withdrawSimulatedDevice } from '../../../src/transport/sim-registry';
import { classifyOpenError } from '../../../src/main/links/serial';
import { openUsbLinkAt } from '../../../src/main/links/usb';

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
  /** Shaped like the `usb` package's WebUSB object (usb 3.x): getDevices() and connect/disconnect events. */
  class FakeWebUsb implements UsbDeviceSource {
    devices: UsbDeviceLike[] = [];
    private listeners: Record<string, Array<(ev: UsbConnectionEventLike) => void>> = {};
    async getDevices(): Promise<UsbDeviceLike[]> {
      return this.devices;
    }
    addEventListener(type: 'connect' | 'disconnect', l: (ev: UsbConnectionEventLike) => void): void {
      (this.listeners[type] ??= []).push(l);
    }
    removeEventListener(type: 'connect' | 'disconnect', l: (ev: UsbConnectionEventLike) => void): void {
      this.listeners[type] = (this.listeners[type] ?? []).filter((x) => x !== l);
    }
    fire(type: 'connect' | 'disconnect', device: UsbDeviceLike): void {
      for (const l of this.listeners[type] ?? []) l({ device });
    }
    count(type: string): number {
      return (this.listeners[type] ?? []).length;
    }
  }
  const dev = (vid: number, pid: number, path: string, serialNumber?: string): UsbDeviceLike => {
    // "1-1.4": bus 001, ports [1, 4], as the usb package lists it.
    const [bus, ports] = path.split('-');
    return { vendorId: vid, productId: pid, bus: bus!.padStart(3, '0'), address: 7, ports: ports ? ports.split('.').map(Number) : [], serialNumber } as unknown as UsbDeviceLike;
  };

  it('reports only usb-profile devices, follows connect/disconnect and leaves the device for the link to open', async () => {
    const source = new FakeWebUsb();
    const phone = dev(0x1209, 0x0002, '1-1.4', 'FUMOUSB0001');
    source.devices = [phone, dev(0x1d6b, 0x0002, '1')];
    expect(usbPortPath(dev(0x1d6b, 0x0002, '1'))).toBe('1@7');
    const directory = new UsbDeviceDirectory();
    const scanner = new DeviceScanner([usbAdapter({ source, profiles, directory })]);
    const seen: DiscoveredDevice[] = [];
    const gone: string[] = [];
    scanner.on('attach', (d) => seen.push(d));
    scanner.on('detach', (d) => gone.push(d.portId));
    await scanner.start();
    expect(seen).toEqual([{ portId: 'usb:1-1.4', linkKind: 'usb', path: '1-1.4', profileId: 'reference-usb', vid: '1209', pid: '0002', serialNumber: 'FUMOUSB0001' }]);
    expect(directory.get('1-1.4')).toBe(phone);
    const second = dev(0x1209, 0x0002, '1-2');
    source.fire('connect', second);
    source.fire('connect', dev(0x046d, 0xc077, '1-3'));
    source.fire('disconnect', phone);
    expect(seen.map((d) => d.portId)).toEqual(['usb:1-1.4', 'usb:1-2']);
    expect(gone).toEqual(['usb:1-1.4']);
    expect(directory.get('1-1.4')).toBeUndefined();
    expect(directory.get('1-2')).toBe(second);
    await scanner.stop();
    expect(source.count('connect') + source.count('disconnect')).toBe(0);
  });

  it('opens the device the scanner reported, and says the cable is out when it is gone', async () => {
    const directory = new UsbDeviceDirectory();
    const profile = profiles.find((p) => p.id === 'reference-usb')!;
    await expect(openUsbLinkAt('1-9', profile, { directory })).rejects.toMatchObject({ code: 'CABLE_UNPLUGGED' });
    const opened: string[] = [];
    const device = {
      ...dev(0x1209, 0x0002, '1-9'),
      opened: false,
      configuration: null,
      open: async () => void opened.push('open'),
      selectConfiguration: async () => void opened.push('config'),
      claimInterface: async (n: number) => void opened.push(`claim ${n}`),
      releaseInterface: async () => undefined,
    } as unknown as UsbDeviceLike;
    directory.put('1-9', device);
    // The fake has no endpoints: opening reaches the device and stops at its missing bulk pipes.
    await expect(openUsbLinkAt('1-9', profile, { directory })).rejects.toMatchObject({ code: 'PROTOCOL_ERROR' });
    expect(opened).toEqual(['open', 'config', 'claim 1']);
  });

  it('lists devices with the real usb package: none on a machine without a USB bus, without an error', async () => {
    const { usb } = await import('usb');
    // The adapter's own source is this object: it must have the calls the adapter makes.
    expect(typeof usb.getDevices).toBe('function');
    expect(typeof usb.addEventListener).toBe('function');
    const devices = await usb.getDevices().catch(() => []);
    const scanner = new DeviceScanner([usbAdapter({ profiles, directory: new UsbDeviceDirectory() })]);
    const seen: DiscoveredDevice[] = [];
    scanner.on('attach', (d) => seen.push(d));
    await scanner.start();
    await scanner.stop();
    expect(seen.length).toBeLessThanOrEqual(devices.length);
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
