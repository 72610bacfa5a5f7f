/**
 * Whose DM account a phone authenticates with: one the kiosk holds for this phone alone, or the
 * simulator's shared demo account (let in only by the demo's trust policy). Package 0 is signed
 * with the server secret of whichever account the phone has.
 */
import type { AuthAccountStore } from '../../core/dm/auth';
import type { DeviceTrust } from './device-trust';

export interface AccountOwnershipOptions {
  serverId: string;
  trust: DeviceTrust;
  /** The account stored for a phone and this server, read at once (the store's accounts). */
  stored(devId: string, serverId: string): { clientSecret: string } | undefined;
  /** The session engine's accounts (stored ones, plus the demo's shared ones). */
  sessionAccounts: AuthAccountStore;
}

export class AccountOwnership {
  constructor(private readonly o: AccountOwnershipOptions) {}

  /** The kiosk keeps per-device credentials for this phone (not only the simulator's shared demo account). */
  holdsOwn(devId: string): boolean {
    const a = this.o.stored(devId, this.o.serverId);
    if (!a) return false;
    return a.clientSecret !== this.o.trust.sharedAccount(devId)?.clientSecret;
  }

  /** A phone that authenticated with the simulator's published account (demo mode only) is a simulated phone. */
  isSimulated(devId: string): boolean {
    return this.o.trust.sharedAccount(devId) !== undefined && !this.holdsOwn(devId);
  }

  /** The phone needs a bootstrap: the kiosk holds no account of its own for it. */
  wantsBootstrap(devId: string): boolean {
    return !this.holdsOwn(devId);
  }

  /** The server secret package 0 is signed with ('' when the phone's DevId or account is not known yet). */
  async package0Secret(devId: string | undefined): Promise<string> {
    if (!devId) return '';
    const account = await this.o.sessionAccounts.get(devId, this.o.serverId);
    return account?.serverSecret ?? this.o.trust.sharedAccount(devId)?.serverSecret ?? '';
  }
}
