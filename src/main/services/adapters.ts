/**
 * Ports of the FUMO job that the store's own adapters (src/main/store/fumo-ports) do not cover:
 * the per-device DM accounts for bootstrap, and the session engine's account lookup.
 */
import { KioskError } from '../../core/errors';
import type { AuthAccount, AuthAccountStore } from '../../core/dm/auth';
import type { AccountsPort, DmAccount } from '../../core/fumo/ports';
import type { KioskStore } from '../store';
import type { RandomSource } from '../../core/clock';

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

/** The credentials the reference simulator's phones carry (simulate's default account). */
export const SIMULATED_ACCOUNT = { serverId: 'fumo-kiosk', clientSecret: 'sim-client-secret', serverSecret: 'sim-server-secret' } as const;

/**
 * The session engine's account store: the kiosk's accounts, plus the shared demo credentials
 * for simulated phones (known by their DevIds) so the demo needs no pairing step.
 */
export function sessionAccounts(store: KioskStore, isSimulated: (devId: string) => boolean): AuthAccountStore {
  return {
    async get(deviceId: string, serverId: string): Promise<AuthAccount | undefined> {
      const existing = store.accounts.getSync(deviceId, serverId);
      if (existing) return existing;
      if (serverId !== SIMULATED_ACCOUNT.serverId || !isSimulated(deviceId)) return undefined;
      return store.accounts.ensure({
        deviceId,
        serverId,
        clientName: deviceId,
        clientSecret: SIMULATED_ACCOUNT.clientSecret,
        serverName: SIMULATED_ACCOUNT.serverId,
        serverSecret: SIMULATED_ACCOUNT.serverSecret,
        authType: 'md5',
      });
    },
    async put(account: AuthAccount): Promise<void> {
      if (!account.deviceId) throw new KioskError('INVALID_REQUEST', { detail: 'account without device id' });
      store.accounts.putSync(account);
    },
  };
}
