/**
 * A connection for backends that keep one login for every screen (the demo shell's sample
 * data, the screens' scripted test backend): the access check still runs per call against the
 * contract's table, with the backend's one login as the role.
 */
import type { Capability, KioskApi, KioskConnection, Role } from '../../shared/api';

export function sharedLoginConnection(api: KioskApi, capability: Capability, role: () => Role | null): KioskConnection {
  return {
    getSnapshot: api.getSnapshot,
    devices: api.devices,
    jobs: api.jobs,
    consent: api.consent,
    auth: api.auth,
    catalog: api.catalog,
    trust: api.trust,
    people: api.people,
    settings: api.settings,
    ports: api.ports,
    history: api.history,
    access: () => ({ capability, role: capability === 'bench' ? role() : null }),
    sees: () => true,
    close: () => undefined,
  };
}
