/**
 * Ports of the FUMO job that the store's own adapters (src/main/store/fumo-ports) do not cover:
 * the per-device DM accounts for bootstrap, and the session engine's account lookup.
 */
import { KioskError } from '../../core/errors';
import type { AuthAccount, AuthAccountStore } from '../../core/dm/auth';
import type { AccountsPort, DmAccount } from '../../core/fumo/ports';
import type { KioskStore } from '../store';
import type { RandomSource } from '../../core/clock';
import type { DeviceTrust } from './device-trust';

/** DM accounts for the job's bootstrap step. */
export function accountsPort(store: KioskStore, serverId: string, serverAddress: string, random: RandomSource): AccountsPort {
  return {
    serverId,
    serverAddress,
    has: async (devId: string) => store.accounts.getSync(devId, serverId) !== undefined,
    save: async (a: DmAccount) => {
      const nonce = () => Buffer.from(random.bytes(16)).toString('base64');
      store.accounts.putSync({
        deviceId: a.devId,
        serverId: a.serverId,
        clientName: a.clientName,
        clientSecret: a.clientSecret,
        serverName: a.serverName,
        serverSecret: a.serverSecret,
        clientNonce: nonce(),
        serverNonce: nonce(),
        authType: 'md5',
      });
    },
  };
}

/**
 * The session engine's account store: the kiosk's accounts, plus the shared account of a
 * simulated phone where the trust policy lets one in (the demo), so the demo needs no pairing.
 */
export function sessionAccounts(store: KioskStore, trust: DeviceTrust): AuthAccountStore {
  return {
    async get(deviceId: string, serverId: string): Promise<AuthAccount | undefined> {
      const existing = store.accounts.getSync(deviceId, serverId);
      if (existing) return existing;
      const shared = trust.sharedAccount(deviceId);
      if (!shared || serverId !== shared.serverId) return undefined;
      return store.accounts.ensure({
        deviceId,
        serverId,
        clientName: deviceId,
        clientSecret: shared.clientSecret,
        serverName: shared.serverId,
        serverSecret: shared.serverSecret,
        authType: 'md5',
      });
    },
    async put(account: AuthAccount): Promise<void> {
      if (!account.deviceId) throw new KioskError('INVALID_REQUEST', { detail: 'account without device id' });
      store.accounts.putSync(account);
    },
    async findForDevice(deviceId: string): Promise<AuthAccount | undefined> {
      return store.accounts.findForDeviceSync(deviceId);
    },
  };
}
