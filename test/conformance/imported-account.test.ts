/**
 * An operator's DM account imported with `fumo-kiosk accounts import`: a phone that holds it
 * calls the kiosk under that operator's ServerID and authenticates on its first package (DM
 * security 5.1: basic from the client, MD5 digest from the server on the nonce the phone
 * issued), and the kiosk's first reply carries its own Cred and answers as that ServerID.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../support/cli';
import { sessionAccounts } from '../../src/main/services/adapters';
import { noSimulatedPhones } from '../../src/main/services/device-trust';
import { openStore, type KioskStore } from '../../src/main/store';
import { DmClient, alert, basicCred, devInfo, headerStatus, isFinal, md5Cred, textOf } from './dm-client';
import { startKiosk, type Kiosk } from './harness';

const DEV = 'IMEI:356938035643809';
const OPERATOR = 'operator-dm.example';
let dir: string;
let store: KioskStore | undefined;
let kiosk: Kiosk | undefined;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fumo-imported-account-'));
});
afterEach(async () => {
  await kiosk?.close();
  kiosk = undefined;
  store?.close();
  store = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function cli(...args: string[]): Promise<CliRun> {
  return runCli(args);
}

describe('an imported operator account over HTTP', () => {
  it('the phone authenticates on its first package; the kiosk answers as its ServerID with its own MD5 Cred', async () => {
    const data = path.join(dir, 'data');
    const file = path.join(dir, 'accounts.csv');
    writeFileSync(
      file,
      [
        'devId,serverId,clientAuthType,serverAuthType,clientName,clientSecret,serverName,serverSecret,serverNonce',
        `${DEV},${OPERATOR},basic,md5,phone-3809,client-pass-3809,operator-dm,server-pass-3809,${Buffer.from('server-nonce').toString('base64')}`,
      ].join('\n') + '\n',
    );
    const imported = await cli('accounts', 'import', file, '--data', data);
    expect(imported.err).toBe('');
    expect(imported.code).toBe(0);

    store = openStore(data);
    kiosk = await startKiosk([], { accountStore: sessionAccounts(store, noSimulatedPhones()) });
    const phone = new DmClient({
      url: kiosk.url,
      devId: DEV,
      serverId: OPERATOR,
      account: {
        user: 'phone-3809',
        secret: 'client-pass-3809',
        type: 'basic',
        nonce: new Uint8Array(0),
        serverUser: 'operator-dm',
        serverSecret: 'server-pass-3809',
        serverNonce: new Uint8Array(Buffer.from('server-nonce')),
      },
    });
    const r1 = await phone.send([alert('1201'), devInfo(DEV)]);
    expect(r1.status).toBe(200);
    // Accepted on the first package, without a challenge round.
    expect(headerStatus(r1.msg!)?.data).toBe('212');
    // The kiosk speaks as the operator's server and proves it with the secret the phone holds.
    expect(textOf(r1.msg!, 'SyncHdr/Source/LocURI')).toBe(OPERATOR);
    expect(textOf(r1.msg!, 'SyncHdr/Cred/Meta/Type')).toBe('syncml:auth-md5');
    expect(textOf(r1.msg!, 'SyncHdr/Cred/Data')).toBe(md5Cred('operator-dm', 'server-pass-3809', new Uint8Array(Buffer.from('server-nonce'))));
    expect(textOf(r1.msg!, 'SyncHdr/Cred/Data')).not.toBe(basicCred('operator-dm', 'server-pass-3809'));
    expect(isFinal(r1.msg!)).toBe(true);
    const o = await kiosk.outcome(0);
    expect(o.error).toBeUndefined();
    expect(o.session!.hello.authenticatedAs).toBe('phone-3809');
  });

  it('a phone with no imported account and no kiosk account is refused', async () => {
    store = openStore(path.join(dir, 'empty'));
    kiosk = await startKiosk([], { accountStore: sessionAccounts(store, noSimulatedPhones()) });
    const phone = new DmClient({
      url: kiosk.url,
      devId: DEV,
      serverId: OPERATOR,
      account: { user: 'phone-3809', secret: 'client-pass-3809', type: 'basic', nonce: new Uint8Array(0), serverUser: 'operator-dm', serverSecret: 'x', serverNonce: new Uint8Array(0) },
    });
    const r1 = await phone.send([alert('1201'), devInfo(DEV)]);
    expect(headerStatus(r1.msg!)?.data).toBe('401');
    expect(textOf(r1.msg!, 'SyncHdr/Cred/Data')).toBeUndefined();
  });
});
