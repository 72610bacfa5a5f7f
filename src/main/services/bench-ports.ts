/**
 * The bench's ports: which device profile a phone on each port is opened with and which slot
 * name its card shows, from the administrator's assignments (store.ports) and the kiosk's
 * --serial-port flags (which win). It also lists the ports for the administrator's screen: those
 * attached now, with what the scanner sees, and those assigned but not attached.
 */
import { KioskError } from '../../core/errors';
import type { PortList, PortView, ProfileSource } from '../../shared/schemas';
import { findProfile, GENERIC_SERIAL_PROFILE_ID, normaliseId, profileById, type DeviceProfile } from '../../transport/profiles';
import type { DiscoveredDevice, SerialPortListing } from '../links/scanner';
import { serialStablePath } from '../links/scanner';
import type { Actor, KioskStore, PortAssignment } from '../store';
import type { DeviceEntry } from './device-registry';

/** What the registry needs to know of a port: the profile an administrator or a flag chose, and the slot name. */
export interface PortSetup {
  profileId: string | undefined;
  source: ProfileSource | undefined;
  slot: string | null;
}

export interface BenchPortsOptions {
  store: Pick<KioskStore, 'ports'>;
  /** The kiosk's device profiles (the same array the registry reads). */
  profiles: readonly DeviceProfile[];
  /** Serial device paths given with --serial-port: opened with the generic profile, whatever is assigned. */
  flaggedSerialPorts: readonly string[];
  /** The bench's entries now. */
  entries(): DeviceEntry[];
  /** An assignment changed: the cards show the new slot names. */
  relabel(): void;
}

/** The names a discovered device's port may be assigned by, most specific first. */
export function portNamesOf(d: Pick<DiscoveredDevice, 'portId' | 'path' | 'serialNumber' | 'stablePath' | 'linkKind'>): string[] {
  const names: string[] = [];
  if (d.serialNumber && d.linkKind === 'serial') names.push(`sn:${d.serialNumber}`);
  if (d.stablePath) names.push(d.stablePath);
  names.push(d.portId);
  if (d.path) names.push(d.path);
  return names;
}

/** The assignment that applies to a device: the one under its most specific name. */
export function assignmentOf(d: Parameters<typeof portNamesOf>[0], assignments: readonly PortAssignment[]): PortAssignment | undefined {
  for (const name of portNamesOf(d)) {
    const a = assignments.find((x) => x.port === name);
    if (a) return a;
  }
  return undefined;
}

/** The name the screen offers to assign a port by: its stable name where it has one. */
function preferredName(d: Parameters<typeof portNamesOf>[0]): string {
  return d.stablePath ?? (d.linkKind === 'serial' || d.linkKind === 'usb' ? d.path || d.portId : d.portId);
}

function vidPid(vid: string | undefined, pid: string | undefined): string | null {
  return vid && pid ? `${vid}:${pid}` : null;
}

export class BenchPorts {
  /** The serial ports of the last scan, every one, assigned or not (the scanner reports only the ones it may open). */
  private serialListing: SerialPortListing[] = [];

  constructor(private readonly o: BenchPortsOptions) {}

  /** The serial adapter's last listing of the machine's serial ports. */
  sawSerialPorts(ports: readonly SerialPortListing[]): void {
    this.serialListing = [...ports];
  }

  /** Whether an administrator gave this serial port a profile (so the scanner reports it although no VID:PID names it). */
  assignsSerialPort(p: SerialPortListing): boolean {
    const a = assignmentOf(this.asDiscovered(p), this.o.store.ports.list());
    return a?.profileId !== null && a?.profileId !== undefined;
  }

  /** The profile and slot of a device's port. A --serial-port flag wins over an assignment. */
  setupFor(d: DiscoveredDevice): PortSetup {
    const a = assignmentOf(d, this.o.store.ports.list());
    const slot = a?.slot ?? null;
    if (d.linkKind === 'serial' && !d.simulated && this.o.flaggedSerialPorts.includes(d.path)) return { profileId: GENERIC_SERIAL_PROFILE_ID, source: 'flag', slot };
    const assigned = a?.profileId ? profileById(a.profileId, this.o.profiles) : undefined;
    if (assigned && assigned.linkKind === d.linkKind) return { profileId: assigned.id, source: 'assigned', slot };
    return { profileId: undefined, source: undefined, slot };
  }

  list(): PortList {
    const assignments = this.o.store.ports.list();
    const rows: PortView[] = [];
    const covered = new Set<string>();
    const cover = (names: string[]): void => names.forEach((n) => covered.add(n));
    for (const e of this.o.entries()) {
      if (!e.attached || e.d.linkKind === 'http') continue;
      const a = assignmentOf(e.d, assignments);
      const setup = this.setupFor(e.d);
      cover(portNamesOf(e.d));
      if (a) covered.add(a.port);
      rows.push({
        port: a?.port ?? preferredName(e.d),
        portId: e.d.portId,
        linkKind: e.d.linkKind,
        path: e.d.path || null,
        vidPid: vidPid(e.d.vid, e.d.pid),
        serialNumber: e.d.serialNumber ?? null,
        attached: true,
        onBench: true,
        profileId: e.profile.id,
        profileSource: setup.source ?? (e.d.simulated ? 'simulated' : 'vid-pid'),
        assignedProfileId: a?.profileId ?? null,
        slot: a?.slot ?? null,
        model: e.view.model,
      });
    }
    for (const p of this.serialListing) {
      const d = this.asDiscovered(p);
      if (portNamesOf(d).some((n) => covered.has(n))) continue;
      const a = assignmentOf(d, assignments);
      cover(portNamesOf(d));
      if (a) covered.add(a.port);
      const setup = this.setupFor(d);
      const byIds = findProfile(d.vid, d.pid, this.o.profiles);
      const profileId = setup.profileId ?? (byIds?.linkKind === 'serial' ? byIds.id : null);
      rows.push({
        port: a?.port ?? preferredName(d),
        portId: null,
        linkKind: 'serial',
        path: p.path,
        vidPid: vidPid(d.vid, d.pid),
        serialNumber: p.serialNumber ?? null,
        attached: true,
        onBench: false,
        // Null: no profile names this adapter, so the kiosk leaves it alone.
        profileId,
        profileSource: setup.source ?? (profileId ? 'vid-pid' : null),
        assignedProfileId: a?.profileId ?? null,
        slot: a?.slot ?? null,
        model: null,
      });
    }
    for (const a of assignments) {
      if (covered.has(a.port)) continue;
      rows.push({
        port: a.port,
        portId: null,
        linkKind: null,
        path: null,
        vidPid: null,
        serialNumber: null,
        attached: false,
        onBench: false,
        profileId: a.profileId,
        profileSource: a.profileId ? 'assigned' : null,
        assignedProfileId: a.profileId,
        slot: a.slot,
        model: null,
      });
    }
    rows.sort((x, y) => Number(y.attached) - Number(x.attached) || x.port.localeCompare(y.port, 'en', { numeric: true }));
    const profiles = this.o.profiles.filter((p) => p.linkKind !== 'http').map((p) => ({ id: p.id, name: p.name, linkKind: p.linkKind }));
    return { ports: rows, profiles };
  }

  /** Assign a port (administrator): the cards of phones on it show the new slot name at once. */
  assign(params: { port: string; profileId?: string | null | undefined; slot?: string | null | undefined }, actor: Actor): PortList {
    const profileId = params.profileId ?? null;
    if (profileId !== null) {
      const profile = profileById(profileId, this.o.profiles);
      if (!profile || profile.linkKind === 'http') throw new KioskError('PROFILE_NOT_FOUND', { detail: profileId });
    }
    this.o.store.ports.assign(params.port, { profileId, slot: params.slot ?? null }, actor);
    this.o.relabel();
    return this.list();
  }

  unassign(port: string, actor: Actor): PortList {
    this.o.store.ports.unassign(port, actor);
    this.o.relabel();
    return this.list();
  }

  private asDiscovered(p: SerialPortListing): DiscoveredDevice {
    const d: DiscoveredDevice = { portId: `serial:${p.path}`, linkKind: 'serial', path: p.path, profileId: GENERIC_SERIAL_PROFILE_ID };
    const stable = serialStablePath(p);
    if (stable) d.stablePath = stable;
    if (p.serialNumber) d.serialNumber = p.serialNumber;
    if (p.vendorId) d.vid = normaliseId(p.vendorId);
    if (p.productId) d.pid = normaliseId(p.productId);
    return d;
  }
}
