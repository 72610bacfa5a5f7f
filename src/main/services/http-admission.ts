/**
 * A phone opened a session on the DM endpoint. A job waiting for it takes it; otherwise the phone
 * is on the bench as `http:<DevId>` and its session is routed like a cable phone's. A phone that
 * only polls (already on the bench and identified, nothing waits for it, it asks for nothing) is
 * let go at once.
 */
import type { FumoSession } from '../../core/fumo/ports';
import type { SessionRouting } from '../../core/fumo/runner';
import { updateRequestOf } from '../../core/fumo/update-request';
import type { DmSession } from '../../core/session/api';
import type { DiscoveredDevice } from '../links/scanner';
import type { AccountOwnership } from './account-ownership';
import { leased, type DeviceEntry, type DeviceRegistry } from './device-registry';
import type { DeviceTrust } from './device-trust';
import type { HttpSessionWaiters } from './http-session-waiters';

/** The device profile of phones on the DM endpoint. */
export const HTTP_PROFILE_ID = 'reference-http';

export interface HttpAdmissionOptions {
  waiters: Pick<HttpSessionWaiters, 'offer'>;
  trust: Pick<DeviceTrust, 'admits'>;
  accounts: Pick<AccountOwnership, 'isSimulated'>;
  registry: Pick<DeviceRegistry, 'get' | 'attach' | 'profileFor'>;
  /** The DM endpoint's first URL (the bench shows it as the phone's path). */
  endpointUrl(): string | undefined;
  /** Whether a job waits for this phone to call in. */
  awaited(devId: string): boolean;
  offerToRunner(session: FumoSession): SessionRouting;
  route(entry: DeviceEntry, session: FumoSession): void;
  log(line: string): void;
}

export class HttpAdmission {
  constructor(private readonly o: HttpAdmissionOptions) {}

  async admit(dm: DmSession): Promise<void> {
    const devId = dm.hello.devId;
    const session = leased(dm, () => undefined);
    if (this.o.waiters.offer(devId, session)) return;
    const simulated = this.o.accounts.isSimulated(devId);
    const d: DiscoveredDevice = { portId: `http:${devId}`, linkKind: 'http', path: this.o.endpointUrl() ?? 'http', profileId: HTTP_PROFILE_ID, devIdHint: devId, ...(simulated ? { simulated } : {}) };
    if (!this.o.trust.admits(d)) {
      this.o.log(`${d.portId}: not let in (not trusted, or the DevId of one of this kiosk's own phones)`);
      await session.end().catch(() => undefined);
      return;
    }
    const known = this.o.registry.get(d.portId);
    if (known?.attached && known.view.fwVersion !== null && !this.o.awaited(devId) && updateRequestOf(session) === undefined) {
      if (this.o.offerToRunner(session) === 'unclaimed') await session.end().catch(() => undefined);
      return;
    }
    const entry = known?.attached ? known : await this.o.registry.attach(d, this.o.registry.profileFor(d));
    entry.identified = Promise.resolve();
    this.o.route(entry, session);
  }
}
