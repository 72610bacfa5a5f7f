/** AccountOwnership: which phones hold an account of their own, and what package 0 is signed with. */
import { describe, expect, it } from 'vitest';
import type { AuthAccount, AuthAccountStore } from '../../../src/core/dm/auth';
import { AccountOwnership } from '../../../src/main/services/account-ownership';
import type { DeviceTrust, SharedAccount } from '../../../src/main/services/device-trust';

const SERVER = 'fumo-kiosk';
const SHARED: SharedAccount = { serverId: SERVER, clientSecret: 'shared-client', serverSecret: 'shared-server' };

function setup(stored: Record<string, { clientSecret: string; serverSecret: string }>, sharedFor: string[]) {
  const trust: DeviceTrust = {
    name: 'demo',
    admits: () => true,
    trust: () => undefined,
    sharedAccount: (devId) => (sharedFor.includes(devId) ? SHARED : undefined),
  };
  const sessionAccounts = {
    get: async (devId: string) => {
      const a = stored[devId];
      return a ? ({ deviceId: devId, serverId: SERVER, ...a } as unknown as AuthAccount) : undefined;
    },
  } as unknown as AuthAccountStore;
  return new AccountOwnership({ serverId: SERVER, trust, stored: (devId, serverId) => (serverId === SERVER ? stored[devId] : undefined), sessionAccounts });
}

describe('AccountOwnership', () => {
  it('a phone with its own credentials holds its own account and needs no bootstrap', () => {
    const o = setup({ A: { clientSecret: 'own', serverSecret: 's' } }, ['A']);
    expect(o.holdsOwn('A')).toBe(true);
    expect(o.wantsBootstrap('A')).toBe(false);
    expect(o.isSimulated('A')).toBe(false);
  });

  it('a phone whose stored account is the shared demo one does not hold its own, and is a simulated phone', () => {
    const o = setup({ B: { clientSecret: SHARED.clientSecret, serverSecret: SHARED.serverSecret } }, ['B']);
    expect(o.holdsOwn('B')).toBe(false);
    expect(o.wantsBootstrap('B')).toBe(true);
    expect(o.isSimulated('B')).toBe(true);
  });

  it('an unknown phone holds nothing and is not simulated outside the trust policy', () => {
    const o = setup({}, []);
    expect(o.holdsOwn('C')).toBe(false);
    expect(o.isSimulated('C')).toBe(false);
  });

  it('package 0 is signed with the stored server secret, else the shared one, else empty', async () => {
    const o = setup({ A: { clientSecret: 'own', serverSecret: 'own-server' } }, ['B']);
    expect(await o.package0Secret('A')).toBe('own-server');
    expect(await o.package0Secret('B')).toBe(SHARED.serverSecret);
    expect(await o.package0Secret('C')).toBe('');
    expect(await o.package0Secret(undefined)).toBe('');
  });
});
