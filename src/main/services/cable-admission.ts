/**
 * A device a source reports attached (a cable, a USB port, a simulated phone's pty): let in only
 * if the trust policy admits it, opened with its device profile, then identified.
 */
import type { DiscoveredDevice } from '../links/scanner';
import type { DeviceProfile } from '../../transport/profiles';
import { SIMULATED_SERIAL_PROFILE } from '../demo/sim-profile';
import type { DeviceEntry, DeviceRegistry } from './device-registry';
import type { DeviceTrust } from './device-trust';

export interface CableAdmissionOptions {
  trust: Pick<DeviceTrust, 'admits'>;
  registry: Pick<DeviceRegistry, 'attach' | 'profileFor'>;
  /** The kiosk's device profiles (shared with the registry; addProfile changes it). */
  profiles: DeviceProfile[];
  /** Identify the phone on a new entry (PhoneSessions.afterAttach). */
  afterAttach(entry: DeviceEntry): Promise<void>;
  closed(): boolean;
  log(line: string): void;
}

export class CableAdmission {
  constructor(private readonly o: CableAdmissionOptions) {}

  async onAttach(d: DiscoveredDevice): Promise<void> {
    if (this.o.closed()) return;
    this.o.log(`attach ${d.portId} ${d.path}${d.devIdHint ? ` ${d.devIdHint}` : ''}`);
    if (!this.o.trust.admits(d)) {
      this.o.log(`${d.portId}: not let in (${d.simulated ? 'a simulated phone, and this kiosk is not in demo mode' : 'not trusted'})`);
      return;
    }
    const entry = await this.o.registry.attach(d, this.profileFor(d));
    entry.identified = this.o.afterAttach(entry);
    await entry.identified;
  }

  profileFor(d: DiscoveredDevice): DeviceProfile {
    // A simulated phone's pty has no line rate or flow control to set.
    if (d.simulated && d.linkKind === 'serial') return this.o.profiles.find((p) => p.id === SIMULATED_SERIAL_PROFILE.id) ?? SIMULATED_SERIAL_PROFILE;
    return this.o.registry.profileFor(d);
  }

  /** Add a device profile, replacing one of the same id. */
  addProfile(profile: DeviceProfile): void {
    const i = this.o.profiles.findIndex((p) => p.id === profile.id);
    if (i >= 0) this.o.profiles.splice(i, 1);
    this.o.profiles.push(profile);
  }
}
