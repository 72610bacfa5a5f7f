/** CableAdmission: a discovered device is opened only when the trust policy admits it, with its profile, then identified. */
import { describe, expect, it } from 'vitest';
import type { DiscoveredDevice } from '../../../src/main/links/scanner';
import { SIMULATED_SERIAL_PROFILE } from '../../../src/main/demo/sim-profile';
import { CableAdmission } from '../../../src/main/services/cable-admission';
import type { DeviceEntry } from '../../../src/main/services/device-registry';
import type { DeviceProfile } from '../../../src/transport/profiles';

const GENERIC = { id: 'generic-serial' } as DeviceProfile;

function setup(o: { admits?: boolean; closed?: boolean } = {}) {
  const attached: Array<{ d: DiscoveredDevice; profile: DeviceProfile }> = [];
  const identified: DeviceEntry[] = [];
  const profiles: DeviceProfile[] = [GENERIC];
  const cables = new CableAdmission({
    trust: { admits: () => o.admits !== false },
    registry: {
      attach: async (d, profile) => {
        attached.push({ d, profile });
        return { d } as unknown as DeviceEntry;
      },
      profileFor: () => GENERIC,
    },
    profiles,
    afterAttach: async (entry) => void identified.push(entry),
    closed: () => o.closed === true,
    log: () => undefined,
  });
  return { cables, attached, identified, profiles };
}

const serial = (simulated?: boolean): DiscoveredDevice => ({ portId: 'serial:/dev/ttyUSB0', linkKind: 'serial', path: '/dev/ttyUSB0', ...(simulated ? { simulated } : {}) }) as DiscoveredDevice;

describe('CableAdmission', () => {
  it('attaches an admitted device with the registry profile and waits for its identification', async () => {
    const t = setup();
    await t.cables.onAttach(serial());
    expect(t.attached.map((a) => a.profile.id)).toEqual(['generic-serial']);
    expect(t.identified).toHaveLength(1);
  });

  it('a simulated phone on a pty gets the simulated serial profile', async () => {
    const t = setup();
    await t.cables.onAttach(serial(true));
    expect(t.attached[0]?.profile.id).toBe(SIMULATED_SERIAL_PROFILE.id);
  });

  it('a refused device, or any device after close, is never opened', async () => {
    const refused = setup({ admits: false });
    await refused.cables.onAttach(serial(true));
    const closed = setup({ closed: true });
    await closed.cables.onAttach(serial());
    expect([...refused.attached, ...closed.attached]).toEqual([]);
  });

  it('addProfile replaces a profile of the same id and is used from then on', async () => {
    const t = setup();
    const mine: DeviceProfile = { ...SIMULATED_SERIAL_PROFILE, name: 'Simulated phone, slow pty' };
    t.cables.addProfile(mine);
    t.cables.addProfile({ ...mine });
    expect(t.profiles.filter((p) => p.id === SIMULATED_SERIAL_PROFILE.id)).toHaveLength(1);
    await t.cables.onAttach(serial(true));
    expect(t.attached[0]?.profile).toEqual(mine);
  });
});
