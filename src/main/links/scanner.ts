/**
 * Finds phones: adapters for serial ports (polled), USB (hotplug events) and simulated devices
 * (the sim registry folder) emit attach/detach; the scanner merges them and names each device's
 * profile by VID/PID. A device that re-enumerates under a new port is matched again by DevId
 * through `DeviceIdentityMap`.
 */
import { EventEmitter } from 'node:events';
import { watch, type FSWatcher } from 'node:fs';
import { systemClock, type Clock } from '../../core/clock';
import { findProfile, GENERIC_SERIAL_PROFILE_ID, normaliseId, type DeviceProfile } from '../../transport/profiles';
import { listSimulatedDevices, simRegistryDir } from '../../transport/sim-registry';
import type { WebUsbDeviceLike } from '../../transport/webusb';

export type DiscoveredLinkKind = 'serial' | 'usb' | 'http';

export interface DiscoveredDevice {
  /** Stable for as long as the device stays on this port, e.g. "serial:/dev/ttyACM0", "sim:sim-123-1". */
  portId: string;
  linkKind: DiscoveredLinkKind;
  /** Serial: the port path; usb: "bus-port.port"; http: the DM URL. */
  path: string;
  profileId: string;
  vid?: string;
  pid?: string;
  simulated?: boolean;
  serialNumber?: string;
  /** A name of the port that stays when the adapter moves to another socket: /dev/serial/by-id/... */
  stablePath?: string;
  /** A DevId known before any session (simulators announce theirs). */
  devIdHint?: string;
}

export interface ScannerSink {
  attach(device: DiscoveredDevice): void;
  detach(portId: string): void;
}

export interface ScannerAdapter {
  readonly name: string;
  start(sink: ScannerSink): Promise<void>;
  stop(): Promise<void>;
}

export interface DeviceScannerEvents {
  attach: [device: DiscoveredDevice];
  detach: [device: DiscoveredDevice];
  /** An adapter failed; scanning goes on with the others. */
  warning: [message: string];
}

export class DeviceScanner extends EventEmitter<DeviceScannerEvents> {
  private readonly present = new Map<string, DiscoveredDevice>();
  private started = false;

  constructor(private readonly adapters: ScannerAdapter[]) {
    super();
  }

  /** Devices attached now. */
  devices(): DiscoveredDevice[] {
    return [...this.present.values()];
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const sink: ScannerSink = {
      attach: (d) => {
        const before = this.present.get(d.portId);
        if (before && sameDevice(before, d)) return;
        if (before) this.emit('detach', before);
        this.present.set(d.portId, d);
        this.emit('attach', d);
      },
      detach: (portId) => {
        const d = this.present.get(portId);
        if (!d) return;
        this.present.delete(portId);
        this.emit('detach', d);
      },
    };
    for (const a of this.adapters) {
      try {
        await a.start(sink);
      } catch (e) {
        this.emit('warning', `${a.name} scanning is off: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    for (const a of this.adapters) await a.stop().catch(() => undefined);
  }
}

function sameDevice(a: DiscoveredDevice, b: DiscoveredDevice): boolean {
  return a.path === b.path && a.profileId === b.profileId && a.vid === b.vid && a.pid === b.pid && a.serialNumber === b.serialNumber && a.stablePath === b.stablePath;
}

/** What SerialPort.list() returns, in the parts used here. */
export interface SerialPortListing {
  path: string;
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
  /** On Linux the name of the port's /dev/serial/by-id link. */
  pnpId?: string;
}

/** The /dev/serial/by-id name of a Linux serial port, when it has one. */
export function serialStablePath(p: Pick<SerialPortListing, 'path' | 'pnpId'>): string | undefined {
  if (!p.pnpId || !p.path.startsWith('/dev/') || !/^[\w.:+@-]+$/.test(p.pnpId)) return undefined;
  return `/dev/serial/by-id/${p.pnpId}`;
}

export interface SerialAdapterOptions {
  /** Default: SerialPort.list from the serialport package. */
  list?: () => Promise<SerialPortListing[]>;
  /** Poll interval; default 1000 ms. */
  intervalMs?: number;
  clock?: Clock;
  profiles?: readonly DeviceProfile[];
  /**
   * Serial ports (device paths) an administrator assigned to a phone with the generic profile.
   * A port whose VID/PID no profile names is reported only when it is assigned: the kiosk never
   * opens, and so never writes OBEX or DM bytes to, an adapter it was not told is a phone's
   * (a receipt printer, a payment terminal, a modem). An assigned port may be an on-board UART.
   */
  assignedPorts?: readonly string[];
  /** Whether an administrator assigned this port to a device profile (asked at every scan, so a change needs no restart). */
  isAssigned?: (port: SerialPortListing) => boolean;
  /** Every serial port of each scan, reported or not (the administrator's list of ports). */
  onListing?: (ports: readonly SerialPortListing[]) => void;
}

/**
 * Serial ports, polled: VID/PID picks the profile; a port no profile names is reported with
 * generic-serial only when an administrator assigned it (a flag, or an assignment the kiosk's
 * registry turns into the assigned profile); every other port is left alone.
 */
export function serialAdapter(options: SerialAdapterOptions = {}): ScannerAdapter {
  const clock = options.clock ?? systemClock;
  const interval = options.intervalMs ?? 1000;
  let timer: unknown;
  let running = false;
  let known = new Set<string>();
  const assigned = new Set(options.assignedPorts ?? []);
  const list =
    options.list ??
    (async () => {
      const { SerialPort } = await import('serialport');
      return SerialPort.list();
    });
  const scan = async (sink: ScannerSink) => {
    const ports = await list();
    options.onListing?.(ports);
    const seen = new Set<string>();
    for (const p of ports) {
      const vid = p.vendorId ? normaliseId(p.vendorId) : undefined;
      const pid = p.productId ? normaliseId(p.productId) : undefined;
      const profile = findProfile(vid, pid, options.profiles);
      if (profile && profile.linkKind !== 'serial') continue;
      if (!profile && !assigned.has(p.path) && options.isAssigned?.(p) !== true) continue;
      const portId = `serial:${p.path}`;
      seen.add(portId);
      const d: DiscoveredDevice = { portId, linkKind: 'serial', path: p.path, profileId: profile?.id ?? GENERIC_SERIAL_PROFILE_ID };
      if (vid) d.vid = vid;
      if (pid) d.pid = pid;
      if (p.serialNumber) d.serialNumber = p.serialNumber;
      const stable = serialStablePath(p);
      if (stable) d.stablePath = stable;
      sink.attach(d);
    }
    for (const id of known) if (!seen.has(id)) sink.detach(id);
    known = seen;
  };
  return {
    name: 'serial',
    async start(sink) {
      running = true;
      await scan(sink);
      const loop = () => {
        timer = clock.setTimeout(() => {
          if (!running) return;
          scan(sink)
            .catch(() => undefined)
            .finally(() => running && loop());
        }, interval);
      };
      loop();
    },
    async stop() {
      running = false;
      if (timer !== undefined) clock.clearTimeout(timer);
    },
  };
}

export interface SimulatedAdapterOptions {
  dir?: string;
  /** Rescan interval (also catches simulators that died without withdrawing); default 1000 ms. */
  intervalMs?: number;
  clock?: Clock;
}

/** Simulated phones from the sim registry folder (watched, and rescanned at an interval). */
export function simulatedAdapter(options: SimulatedAdapterOptions = {}): ScannerAdapter {
  const clock = options.clock ?? systemClock;
  const dir = options.dir ?? simRegistryDir();
  let timer: unknown;
  let watcher: FSWatcher | undefined;
  let running = false;
  let known = new Set<string>();
  const scan = (sink: ScannerSink) => {
    const seen = new Set<string>();
    for (const e of listSimulatedDevices(dir)) {
      const portId = `sim:${e.id}`;
      seen.add(portId);
      const d: DiscoveredDevice = { portId, linkKind: e.linkKind, path: e.path ?? e.url ?? '', profileId: e.profileId, simulated: true };
      if (e.devIdHint) d.devIdHint = e.devIdHint;
      sink.attach(d);
    }
    for (const id of known) if (!seen.has(id)) sink.detach(id);
    known = seen;
  };
  return {
    name: 'simulated',
    async start(sink) {
      running = true;
      scan(sink);
      try {
        watcher = watch(dir, () => running && scan(sink));
        watcher.on('error', () => undefined);
      } catch {
        // The folder appears with the first simulator: the interval scan covers it.
      }
      const loop = () => {
        timer = clock.setTimeout(() => {
          if (!running) return;
          scan(sink);
          loop();
        }, options.intervalMs ?? 1000);
      };
      loop();
    },
    async stop() {
      running = false;
      watcher?.close();
      if (timer !== undefined) clock.clearTimeout(timer);
    },
  };
}

/** A USB device as the `usb` package's WebUSB object (usb 3.x) lists it. */
export interface UsbDeviceLike extends WebUsbDeviceLike {
  /** The bus it is on, e.g. "001". */
  readonly bus: string;
  /** Its bus address (new at each enumeration). */
  readonly address?: number;
  /** The hub ports it hangs from, root first, e.g. [3, 4]: stable while it stays on that port. */
  readonly ports?: readonly number[];
}

/** Where a USB device is plugged in, e.g. "1-3.4" (bus, then the hub ports), or "1@7" without ports. */
export function usbPortPath(d: Pick<UsbDeviceLike, 'bus' | 'address' | 'ports'>): string {
  const bus = /^\d+$/.test(d.bus) ? String(Number(d.bus)) : d.bus;
  return d.ports && d.ports.length > 0 ? `${bus}-${d.ports.join('.')}` : `${bus}@${d.address ?? 0}`;
}

export interface UsbConnectionEventLike {
  device: UsbDeviceLike;
}

/** The parts of the `usb` package's WebUSB object used here: the devices, and hotplug events. */
export interface UsbDeviceSource {
  getDevices(): Promise<UsbDeviceLike[]>;
  addEventListener(type: 'connect' | 'disconnect', listener: (ev: UsbConnectionEventLike) => void): void;
  removeEventListener(type: 'connect' | 'disconnect', listener: (ev: UsbConnectionEventLike) => void): void;
}

export interface UsbAdapterOptions {
  /** Default: the `usb` package's WebUSB object (loaded lazily; a machine without a USB bus is handled quietly). */
  source?: UsbDeviceSource;
  profiles?: readonly DeviceProfile[];
  /** Where the adapter leaves the devices it reports, for the link to open; default the process's one. */
  directory?: UsbDeviceDirectory;
}

/** The USB devices the scanner reported, by path, so a link can open the very device object. */
export class UsbDeviceDirectory {
  private readonly devices = new Map<string, UsbDeviceLike>();
  put(path: string, device: UsbDeviceLike): void {
    this.devices.set(path, device);
  }
  remove(path: string): void {
    this.devices.delete(path);
  }
  get(path: string): UsbDeviceLike | undefined {
    return this.devices.get(path);
  }
}

/** The directory the default adapter fills and the default USB link opener reads. */
export const usbDevices = new UsbDeviceDirectory();

/**
 * USB devices whose VID/PID match a usb-kind profile: the ones present at start, then WebUSB's
 * connect and disconnect events (which need udev's event feed on Linux: systemd-udevd running).
 */
export function usbAdapter(options: UsbAdapterOptions = {}): ScannerAdapter {
  const directory = options.directory ?? usbDevices;
  let source: UsbDeviceSource | undefined;
  let onConnect: ((ev: UsbConnectionEventLike) => void) | undefined;
  let onDisconnect: ((ev: UsbConnectionEventLike) => void) | undefined;
  const describe = (d: UsbDeviceLike): DiscoveredDevice | undefined => {
    const vid = normaliseId(d.vendorId);
    const pid = normaliseId(d.productId);
    const profile = findProfile(vid, pid, options.profiles);
    if (!profile || profile.linkKind !== 'usb') return undefined;
    const path = usbPortPath(d);
    const found: DiscoveredDevice = { portId: `usb:${path}`, linkKind: 'usb', path, profileId: profile.id, vid, pid };
    if (d.serialNumber) found.serialNumber = d.serialNumber;
    return found;
  };
  const report = (sink: ScannerSink, d: UsbDeviceLike): void => {
    const found = describe(d);
    if (!found) return;
    directory.put(found.path, d);
    sink.attach(found);
  };
  return {
    name: 'usb',
    async start(sink) {
      let devices: UsbDeviceLike[];
      try {
        source = options.source ?? ((await import('usb')).usb as unknown as UsbDeviceSource);
        devices = await source.getDevices();
      } catch {
        // No USB bus or no access to it here: USB scanning stays quiet.
        source = undefined;
        return;
      }
      for (const d of devices) report(sink, d);
      onConnect = (ev) => report(sink, ev.device);
      onDisconnect = (ev) => {
        const gone = describe(ev.device);
        if (!gone) return;
        directory.remove(gone.path);
        sink.detach(gone.portId);
      };
      source.addEventListener('connect', onConnect);
      source.addEventListener('disconnect', onDisconnect);
    },
    async stop() {
      if (source && onConnect && onDisconnect) {
        source.removeEventListener('connect', onConnect);
        source.removeEventListener('disconnect', onDisconnect);
      }
      source = undefined;
    },
  };
}

/** The usual set: serial, usb and simulated adapters. */
export function createDeviceScanner(options: { serial?: SerialAdapterOptions; usb?: UsbAdapterOptions; simulated?: SimulatedAdapterOptions } = {}): DeviceScanner {
  return new DeviceScanner([serialAdapter(options.serial), usbAdapter(options.usb), simulatedAdapter(options.simulated)]);
}

/**
 * Which DevId is on which port. The session tells it the DevId once known (`bind`); when the
 * same DevId later shows up on another port (the phone rebooted and re-enumerated), `bind`
 * returns the port it was on before, so the job there carries on.
 */
export class DeviceIdentityMap {
  private readonly byPort = new Map<string, string>();
  private readonly byDevId = new Map<string, string>();

  /** Record that `portId` carries `devId`; returns the previous port of that DevId, if different. */
  bind(portId: string, devId: string): { previousPortId?: string } {
    const previous = this.byDevId.get(devId);
    const oldDev = this.byPort.get(portId);
    if (oldDev !== undefined && oldDev !== devId && this.byDevId.get(oldDev) === portId) this.byDevId.delete(oldDev);
    this.byPort.set(portId, devId);
    this.byDevId.set(devId, portId);
    if (previous !== undefined && previous !== portId) {
      this.byPort.delete(previous);
      return { previousPortId: previous };
    }
    return {};
  }

  devIdOf(portId: string): string | undefined {
    return this.byPort.get(portId);
  }

  portOf(devId: string): string | undefined {
    return this.byDevId.get(devId);
  }

  /** The DevId of a device as it attaches: bound before on this port, or announced as a hint. */
  recognise(device: DiscoveredDevice): string | undefined {
    return this.byPort.get(device.portId) ?? device.devIdHint;
  }
}
