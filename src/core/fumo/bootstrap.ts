/**
 * Bootstrap: give a phone that holds no DM account for this kiosk one, by DMAcc Adds in a DM
 * session (OMA DM 1.2 DMAcc, ./DMAcc/<x>). The kiosk generates per-device credentials and keeps
 * them (AccountsPort.save) only once the phone has accepted every node; the first status
 * outside 2xx stops the bootstrap and is reported as BOOTSTRAP_REFUSED, never worked around.
 */
import { KioskError } from '../errors';
import type { RandomSource } from '../clock';
import type { AccountsPort, DmAccount, FumoSession } from './ports';

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The ./DMAcc node the kiosk's account lives under on the phone. */
export function dmAccUri(serverId: string): string {
  return `./DMAcc/${serverId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/** Add the kiosk's account to the phone over `session`; resolves with the saved account. */
export async function provisionDmAccount(session: Pick<FumoSession, 'add'>, devId: string, accounts: AccountsPort, random: RandomSource): Promise<DmAccount> {
  const secret = (n: number): string => hex(random.bytes(n));
  const account: DmAccount = {
    devId,
    serverId: accounts.serverId,
    serverAddress: accounts.serverAddress,
    clientName: devId,
    clientSecret: secret(16),
    serverName: accounts.serverId,
    serverSecret: secret(16),
    authType: 'DIGEST',
  };
  const base = dmAccUri(accounts.serverId);
  const node = { format: 'node' };
  const chr = { format: 'chr' };
  const steps: Array<[string, string | undefined, { format: string }]> = [
    [base, undefined, node],
    [`${base}/AppID`, 'w7', chr],
    [`${base}/ServerID`, account.serverId, chr],
    [`${base}/Name`, 'fumo-kiosk', chr],
    [`${base}/AppAddr`, undefined, node],
    [`${base}/AppAddr/1`, undefined, node],
    [`${base}/AppAddr/1/Addr`, account.serverAddress, chr],
    [`${base}/AppAddr/1/AddrType`, 'URI', chr],
    [`${base}/AAuthPref`, 'DIGEST', chr],
    [`${base}/AppAuth`, undefined, node],
    [`${base}/AppAuth/Server`, undefined, node],
    [`${base}/AppAuth/Server/AAuthLevel`, 'SRVCRED', chr],
    [`${base}/AppAuth/Server/AAuthType`, 'DIGEST', chr],
    [`${base}/AppAuth/Server/AAuthName`, account.serverName, chr],
    [`${base}/AppAuth/Server/AAuthSecret`, account.serverSecret, chr],
    [`${base}/AppAuth/Client`, undefined, node],
    [`${base}/AppAuth/Client/AAuthLevel`, 'CLCRED', chr],
    [`${base}/AppAuth/Client/AAuthType`, 'DIGEST', chr],
    [`${base}/AppAuth/Client/AAuthName`, account.clientName, chr],
    [`${base}/AppAuth/Client/AAuthSecret`, account.clientSecret, chr],
  ];
  for (const [uri, data, meta] of steps) {
    const status = await session.add(uri, data, meta);
    if (status < 200 || status >= 300) {
      throw new KioskError('BOOTSTRAP_REFUSED', { detail: String(status), uri });
    }
  }
  await accounts.save(account);
  return account;
}
