/**
 * Start several simulated phones at once: the `fumo-kiosk simulate` command, the kiosk's demo
 * mode and the integration tests all come through here.
 */
import { listenForPush, type PushListener } from './links/push-listener';
import { openNotificationCable } from './links/notification-cable';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { PublicKeyLike } from '../core/catalog/bundle';
import { SimulatedDevice, type LinkFactory, type ServerAccount, type SessionRunner, type SimulatorProfile } from './device';
import type { Fault } from './faults';
import { simulatedDevId } from './identity';
import type { SimulatedUser } from './user';
import { makeLinkFactory, type SimulatedLinkKind } from './transports';
import { profileById, type DeviceProfile } from '../transport/profiles';

/** The kiosk's reference profile for each way of connecting (resources/devices). */
export const REFERENCE_PROFILE_IDS: Record<SimulatedLinkKind, string> = {
  serial: 'reference-serial',
  http: 'reference-http',
  'usb-standin': 'reference-usb',
};

/**
 * What the phone takes from the kiosk's device profile: FUMO path, message size, encoding and the
 * opposite OBEX role. Not MaxObjSize: the phone streams packages to a file, so it states its own.
 */
export function simulatorProfileFrom(p: DeviceProfile): Partial<SimulatorProfile> {
  const out: Partial<SimulatorProfile> = {
    id: p.id,
    fumoPath: p.fumoPath,
    maxMsgSize: p.maxMsgSize,
    encoding: p.encoding,
  };
  if (p.obex) out.obexRole = p.obex.kioskRole === 'client' ? 'server' : 'client';
  if (p.serial) out.baud = p.serial.baudRate;
  const m = p.match[0];
  if (m) {
    out.vid = m.vid;
    out.pid = m.pid;
  }
  return out;
}

/** The reference profile for a link kind, when the profiles folder has it. */
export function referenceProfile(link: SimulatedLinkKind): Partial<SimulatorProfile> {
  try {
    const p = profileById(REFERENCE_PROFILE_IDS[link]);
    return p ? simulatorProfileFrom(p) : {};
  } catch {
    return {};
  }
}

export interface DeviceSpec {
  devId?: string;
  model?: string;
  fwVersion?: string;
  faults?: Fault[];
  profile?: Partial<SimulatorProfile>;
  user?: SimulatedUser;
  /** A short label for people (demo: "up to date", "ready to update", "low battery"). */
  label?: string;
  /** This phone's DM account; null: it holds none (a kiosk must bootstrap it first). Default: the simulation's. */
  serverAccount?: ServerAccount | null;
}

export interface SimulationOptions {
  /** How many identical phones, or one spec per phone. */
  devices: number | DeviceSpec[];
  link: SimulatedLinkKind;
  model?: string;
  fwVersion?: string;
  faults?: Fault[];
  /** Parent folder of the per-device state folders (default: a folder under the OS temp dir). */
  stateDir?: string;
  /** The kiosk's DM URL for --link http. */
  serverUrl?: string;
  /**
   * --link http: each phone listens for OMA push (package 0 in a WSP Push PDU) on UDP at
   * 127.0.0.1, the first phone on this port, the next one up, and so on (a real phone: 2948).
   */
  pushPort?: number;
  /**
   * --link http: each phone also has a cable (a pty pair) on which it hears package 0 and then
   * calls over HTTP; the handle's `notificationCable` is the path the kiosk opens.
   */
  notificationCable?: boolean;
  profile?: Partial<SimulatorProfile>;
  manufacturerPublicKey?: PublicKeyLike;
  /** The DM account every phone carries; default {@link defaultServerAccount}. */
  serverAccount?: (devId: string) => ServerAccount;
  user?: (index: number) => SimulatedUser | undefined;
  sessionRunner?: SessionRunner;
  /** Replace the transport entirely (tests). */
  linkFactory?: (index: number, device: SimulatedDevice) => LinkFactory;
  log?: (line: string) => void;
}

export interface SimulatedDeviceHandle {
  index: number;
  devId: string;
  label?: string;
  device: SimulatedDevice;
  /** The pty path of its notification cable (see SimulationOptions.notificationCable). */
  notificationCable?: string;
  /** Where the kiosk finds it now (pty path, URL, stand-in id); undefined while rebooting. */
  readonly address: string | undefined;
}

export interface SimulationHandle {
  devices: SimulatedDeviceHandle[];
  /** Unplug every phone: registry entries withdrawn, ptys closed. */
  stop(): Promise<void>;
}

export const DEFAULT_MODEL = 'FK-Demo Phone';
export const DEFAULT_FW_VERSION = '1.0.0';

/** The account a simulated phone shares with the kiosk unless told otherwise. */
export function defaultServerAccount(devId: string): ServerAccount {
  return {
    serverId: 'fumo-kiosk',
    name: 'FUMO kiosk',
    authType: 'syncml:auth-md5',
    clientName: devId,
    clientSecret: 'sim-client-secret',
    serverName: 'fumo-kiosk',
    serverSecret: 'sim-server-secret',
  };
}

export function defaultStateRoot(): string {
  return join(tmpdir(), 'fumo-kiosk-sim');
}

/** Defaults match the demo catalogue (resources/catalog): a new phone runs 1.0.0, which it can update to 1.1.0. */
/** The three phones of the demo: one up to date, one ready to update, one with a low battery. */
export function demoDeviceSpecs(options: { model?: string; currentVersion?: string; latestVersion?: string } = {}): DeviceSpec[] {
  const model = options.model ?? DEFAULT_MODEL;
  const current = options.currentVersion ?? DEFAULT_FW_VERSION;
  const latest = options.latestVersion ?? '1.1.0';
  return [
    { model, fwVersion: latest, label: 'up to date' },
    { model, fwVersion: current, label: 'ready to update' },
    { model, fwVersion: current, label: 'low battery', faults: [{ kind: 'battery-low', percent: 12 }] },
  ];
}

export async function startSimulation(options: SimulationOptions): Promise<SimulationHandle> {
  const specs: DeviceSpec[] = typeof options.devices === 'number' ? Array.from({ length: options.devices }, () => ({})) : options.devices;
  const root = options.stateDir ?? defaultStateRoot();
  const handles: SimulatedDeviceHandle[] = [];
  const listeners: PushListener[] = [];
  try {
    for (const [index, spec] of specs.entries()) {
      const devId = spec.devId ?? simulatedDevId(index);
      const user = spec.user ?? options.user?.(index);
      const device = new SimulatedDevice({
        devId,
        model: spec.model ?? options.model ?? DEFAULT_MODEL,
        fwVersion: spec.fwVersion ?? options.fwVersion ?? DEFAULT_FW_VERSION,
        profile: { ...referenceProfile(options.link), ...(options.profile ?? {}), ...(spec.profile ?? {}) },
        stateDir: join(root, devId.replace(/[^A-Za-z0-9._-]/g, '_')),
        faults: [...(options.faults ?? []), ...(spec.faults ?? [])],
        ...(user ? { user } : {}),
        ...(options.manufacturerPublicKey !== undefined ? { manufacturerPublicKey: options.manufacturerPublicKey } : {}),
        ...(spec.serverAccount === null ? {} : { serverAccount: spec.serverAccount ?? (options.serverAccount ?? defaultServerAccount)(devId) }),
        ...(options.sessionRunner ? { sessionRunner: options.sessionRunner } : {}),
        ...(options.log ? { log: options.log } : {}),
      });
      const factory = options.linkFactory
        ? options.linkFactory(index, device)
        : makeLinkFactory(options.link, { serverUrl: options.serverUrl, ...(options.log ? { log: options.log } : {}) });
      if (options.link === 'http' && options.pushPort !== undefined) {
        const listener = await listenForPush({ host: '127.0.0.1', port: options.pushPort + index, onPackage0: (body) => void device.pushNotification(body), ...(options.log ? { log: options.log } : {}) });
        listeners.push(listener);
      }
      let cablePath: string | undefined;
      if (options.link === 'http' && options.notificationCable) {
        const cable = await openNotificationCable({ devId, onPackage0: (body) => void device.pushNotification(body), ...(options.log ? { log: options.log } : {}) });
        listeners.push({ port: 0, close: () => cable.close() });
        cablePath = cable.path;
      }
      await device.attach(factory);
      handles.push({
        index,
        devId,
        ...(spec.label !== undefined ? { label: spec.label } : {}),
        device,
        ...(cablePath !== undefined ? { notificationCable: cablePath } : {}),
        get address() {
          return device.address;
        },
      });
    }
  } catch (e) {
    await Promise.all(handles.map((h) => h.device.stop()));
    await Promise.all(listeners.map((l) => l.close()));
    throw e;
  }
  return {
    devices: handles,
    stop: async () => {
      await Promise.all(handles.map((h) => h.device.stop()));
      await Promise.all(listeners.map((l) => l.close()));
    },
  };
}
