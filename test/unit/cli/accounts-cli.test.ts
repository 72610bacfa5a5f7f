import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../../support/cli';
import { openStore } from '../../../src/main/store';

let dir: string;
let data: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fumo-accounts-cli-'));
  data = path.join(dir, 'data');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]): Promise<CliRun> {
  return runCli([...args, '--data', data]);
}

function file(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

const CSV = [
  'devId,imeiFrom,imeiTo,serverId,clientAuthType,serverAuthType,clientName,clientSecret,serverName,serverSecret,serverNonce,deriveSecret',
  'IMEI:356938035643809,,,operator-dm.example,basic,md5,phone-3809,"pa,ss-3809",operator-dm,srv-secret-3809,c2VydmVyLW5vbmNl,',
  '# a fleet: every phone in this IMEI block derives its secrets',
  ',490154203237500,490154203237599,fleet-dm.example,md5,md5,,,,,,fleet-derivation-secret-0001',
].join('\n');

describe('fumo-kiosk accounts import / list', () => {
  it('imports a CSV account and an IMEI-range rule; list shows them without any secret', async () => {
    const r = await run('accounts', 'import', file('accounts.csv', CSV + '\n'));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Imported 1 DM account and 1 rule');

    const list = await run('accounts', 'list');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/IMEI:356938035643809\s+operator-dm\.example\s+basic\s+md5\s+phone-3809/);
    expect(list.out).toMatch(/IMEI 490154203237500-490154203237599\s+fleet-dm\.example\s+md5\s+md5/);
    for (const secret of ['pa,ss-3809', 'srv-secret-3809', 'fleet-derivation-secret-0001', 'c2VydmVyLW5vbmNl']) expect(list.out).not.toContain(secret);
    const json = await run('accounts', 'list', '--json');
    expect(JSON.parse(json.out)).toHaveLength(2);
    for (const secret of ['pa,ss-3809', 'srv-secret-3809', 'fleet-derivation-secret-0001']) expect(json.out).not.toContain(secret);

    const store = openStore(data);
    try {
      // The kiosk answers as the phone's ServerID, with both directions' schemes and the given nonce.
      const a = store.accounts.findForDeviceSync('IMEI:356938035643809')!;
      expect(a).toMatchObject({ serverId: 'operator-dm.example', clientName: 'phone-3809', clientSecret: 'pa,ss-3809', serverName: 'operator-dm', serverSecret: 'srv-secret-3809', serverNonce: 'c2VydmVyLW5vbmNl', authType: 'basic', serverAuthType: 'md5' });
      // A phone in the range gets secrets derived from its DevId; one outside it gets nothing.
      const dev = 'IMEI:490154203237518';
      const f = store.accounts.findForDeviceSync(dev)!;
      expect(f.serverId).toBe('fleet-dm.example');
      expect(f.clientName).toBe(dev);
      expect(f.clientSecret).toBe(createHmac('sha256', 'fleet-derivation-secret-0001').update(`CLCRED:${dev}`).digest('hex'));
      expect(f.serverSecret).toBe(createHmac('sha256', 'fleet-derivation-secret-0001').update(`SRVCRED:${dev}`).digest('hex'));
      expect(store.accounts.findForDeviceSync('IMEI:490154203237600')).toBeUndefined();
      const events = store.audit.events({ type: 'accounts-imported' });
      expect(events).toHaveLength(1);
      expect(events[0]!.data).toMatchObject({ accounts: 1, rules: 1 });
    } finally {
      store.close();
    }
    // The secrets are sealed at rest: not readable in the database's rows.
    const db = new Database(path.join(data, 'kiosk.db'), { readonly: true });
    const raw = JSON.stringify([db.prepare('SELECT data FROM accounts').all(), db.prepare('SELECT data FROM account_rules').all()]);
    db.close();
    expect(raw).toContain('enc1:');
    for (const secret of ['srv-secret-3809', 'pa,ss-3809', 'fleet-derivation-secret-0001']) expect(raw).not.toContain(secret);
  });

  it('imports JSON with a per-ServerID derivation rule for every phone', async () => {
    const json = JSON.stringify({ accounts: [{ serverId: 'op.example', clientAuthType: 'hmac', deriveSecret: 'operator-wide-secret-42' }] });
    const r = await run('accounts', 'import', file('accounts.json', json));
    expect(r.code).toBe(0);
    const store = openStore(data);
    try {
      expect(store.accounts.findForDeviceSync('IMEI:111111111111111')).toMatchObject({ serverId: 'op.example', authType: 'hmac', serverAuthType: 'hmac', serverName: 'op.example' });
    } finally {
      store.close();
    }
  });

  it.each([
    ['bad.csv', 'devId,serverId,clientAuthType,clientName,clientSecret,serverName,serverSecret\nIMEI:1,s,basic,u,p,sn,sp\nIMEI:2,s,kerberos,u,p,sn,sp\n', 'line 3: clientAuthType is not basic, md5 or hmac'],
    ['short.csv', 'devId,serverId,clientAuthType,clientName,clientSecret,serverName,serverSecret\nIMEI:1,s,basic,u,p,sn,sp\n\nIMEI:2,s,basic,u,p\n', 'line 4: 5 values where the header names 7 columns'],
    ['column.csv', 'devId,serverId,colour\n', 'line 1: column 3 of the header is not one of'],
    ['quote.csv', 'devId,serverId,clientAuthType,clientName,clientSecret,serverName,serverSecret\nIMEI:1,s,basic,u,"p,sn,sp\n', 'line 2: a quoted value is not closed'],
    ['range.csv', 'imeiFrom,imeiTo,serverId,clientAuthType,deriveSecret\n490154203237599,490154203237500,s,md5,0123456789abcdef\n', 'line 2: the IMEI range ends'],
    ['dup.csv', 'devId,serverId,clientAuthType,clientName,clientSecret,serverName,serverSecret\nIMEI:1,s,basic,u,p,sn,sp\nIMEI:1,s,md5,u,p,sn,sp\n', 'line 3: the same devId and serverId are already given in line 2'],
    ['any.csv', 'serverId,clientAuthType,clientName,clientSecret,serverName,serverSecret\ns,basic,u,p,sn,sp\n', 'line 2: an account for every phone needs a deriveSecret'],
    ['missing.json', '[{"devId":"IMEI:1","serverId":"s","clientAuthType":"md5","clientName":"u","clientSecret":"p","serverName":"n"}]', 'entry 1: serverSecret is missing'],
    ['broken.json', '[\n{"devId": "IMEI:1",\n "serverId": }\n]', 'not valid JSON'],
    ['empty.csv', '', 'line 1: the file has no header line'],
  ])('%s is refused whole, naming the line, and nothing is imported', async (name, text, message) => {
    const r = await run('accounts', 'import', file(name, text));
    expect(r.code).toBe(2);
    expect(r.err).toContain('[ACCOUNTS_INVALID]');
    expect(r.err).toContain(message);
    expect(r.err).toContain('Nothing was imported');
    const list = await run('accounts', 'list');
    expect(list.out).toBe('No DM accounts.\n');
  });

  it('a missing path and a folder get the same answer (exit 2)', async () => {
    const missing = await run('accounts', 'import', path.join(dir, 'nothing-here'));
    const folder = await run('accounts', 'import', dir);
    expect(missing.code).toBe(2);
    expect(folder.code).toBe(2);
    expect(missing.err.replace(path.join(dir, 'nothing-here'), 'P')).toBe(folder.err.replace(dir, 'P'));
  });
});
