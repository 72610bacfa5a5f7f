import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CredentialPresenter,
  CredentialVerifier,
  MemoryAuthAccountStore,
  basicCredential,
  checkCredentials,
  formatHmacHeader,
  hmacCredential,
  md5Credential,
  parseBasicCredential,
  parseHmacHeader,
  type AuthAccount,
} from '../../../src/core/dm/auth';
import type { RandomSource } from '../../../src/core/clock';
import { KioskError } from '../../../src/core/errors';

const h = (b: Buffer | string): Buffer => createHash('md5').update(b).digest();
const b64 = (b: Buffer): string => b.toString('base64');

function expectedMd5(user: string, pass: string, nonce: Buffer): string {
  return b64(h(Buffer.concat([Buffer.from(b64(h(`${user}:${pass}`))), Buffer.from(':'), nonce])));
}
function expectedHmac(user: string, pass: string, nonce: Buffer, body: Buffer): string {
  return b64(h(Buffer.concat([Buffer.from(b64(h(`${user}:${pass}`))), Buffer.from(':'), nonce, Buffer.from(':'), Buffer.from(b64(h(body)))])));
}

function counterRandom(): RandomSource {
  let n = 0;
  return { bytes: (len) => Uint8Array.from({ length: len }, () => (n++ * 37 + 11) & 0xff) };
}

function account(): AuthAccount {
  return {
    deviceId: 'IMEI:493005100592800',
    serverId: 'kiosk',
    clientName: 'Bruce1',
    clientSecret: 'OhBehave',
    serverName: 'kiosk',
    serverSecret: 'Secret!',
    clientNonce: Buffer.from('client-nonce').toString('base64'),
    serverNonce: Buffer.from('server-nonce').toString('base64'),
  };
}

describe('credential formulas', () => {
  it('basic is B64(user:pass) and parses back', () => {
    expect(basicCredential('Bruce2', 'OhBehave')).toBe(Buffer.from('Bruce2:OhBehave').toString('base64'));
    expect(parseBasicCredential(Buffer.from('a:b:c').toString('base64'))).toEqual({ user: 'a', password: 'b:c' });
    expect(parseBasicCredential('!!!')).toBeUndefined();
  });
  it('md5 digest matches the spec formula over raw nonce bytes', () => {
    const nonce = Buffer.from([0, 1, 2, 250, 255, 58]);
    expect(md5Credential('Bruce1', 'OhBehave', nonce)).toBe(expectedMd5('Bruce1', 'OhBehave', nonce));
  });
  it('hmac mac matches the spec formula over the body bytes', () => {
    const nonce = Buffer.from('nonce-bytes');
    const body = Buffer.from([0x02, 0xa4, 0x01, 0x6a, 0x00, 0x6d]);
    expect(hmacCredential('dev', 'pw', nonce, body)).toBe(expectedHmac('dev', 'pw', nonce, body));
  });
  it('hmac header formats and parses in any parameter order', () => {
    const v = formatHmacHeader({ username: 'dev one', mac: 'abc+/==' });
    expect(v).toBe('algorithm=MD5, username="dev one", mac=abc+/==');
    expect(parseHmacHeader(v)).toEqual({ algorithm: 'MD5', username: 'dev one', mac: 'abc+/==' });
    expect(parseHmacHeader('mac=xyz=, username="u"')).toEqual({ algorithm: 'MD5', username: 'u', mac: 'xyz=' });
    expect(parseHmacHeader('garbage')).toBeUndefined();
  });
  it('checkCredentials accepts the right digest and refuses a wrong one', () => {
    const nonce = Buffer.from('n1');
    const cred = { meta: { type: 'syncml:auth-md5', format: 'b64' }, data: expectedMd5('u', 'p', nonce) };
    const body = new Uint8Array(0);
    expect(checkCredentials('md5', { cred, locName: 'u', body }, { name: 'u', secret: 'p' }, [nonce])).toBe(true);
    expect(checkCredentials('md5', { cred, locName: 'u', body }, { name: 'u', secret: 'q' }, [nonce])).toBe(false);
    expect(checkCredentials('md5', { cred, locName: 'u', body }, { name: 'u', secret: 'p' }, [Buffer.from('n2')])).toBe(false);
    const hbody = Buffer.from('<SyncML/>');
    const hdr = `algorithm=MD5, username="u", mac=${expectedHmac('u', 'p', nonce, hbody)}`;
    expect(checkCredentials('hmac', { hmacHeader: hdr, body: hbody }, { name: 'u', secret: 'p' }, [nonce])).toBe(true);
    expect(checkCredentials('hmac', { hmacHeader: hdr, body: Buffer.from('<SyncML />') }, { name: 'u', secret: 'p' }, [nonce])).toBe(false);
  });
});

describe('CredentialVerifier (server checking the client)', () => {
  it('407 without credentials, then 212 with the challenged nonce, fresh nonce stored', async () => {
    const store = new MemoryAuthAccountStore();
    const acc = account();
    const v = new CredentialVerifier({ requirement: 'md5', store, account: acc, random: counterRandom(), role: 'client-credentials' });
    const body = new Uint8Array(0);
    const first = await v.verify({ body });
    expect(first.status).toBe(407);
    const nonce1 = Buffer.from(first.chal!.meta.nextNonce!, 'base64');
    expect(nonce1.length).toBe(16);
    const cred = { meta: { type: 'syncml:auth-md5', format: 'b64' }, data: expectedMd5('Bruce1', 'OhBehave', nonce1) };
    const second = await v.verify({ cred, locName: 'Bruce1', body });
    expect(second.status).toBe(212);
    const nonce2 = second.chal!.meta.nextNonce!;
    expect(nonce2).not.toBe(first.chal!.meta.nextNonce);
    expect((await store.get(acc.deviceId, acc.serverId))!.clientNonce).toBe(nonce2);
    expect((await v.verify({ body })).status).toBe(200);
  });
  it('stored nonce works without a challenge', async () => {
    const acc = account();
    const v = new CredentialVerifier({ requirement: 'md5', store: new MemoryAuthAccountStore(), account: acc, random: counterRandom(), role: 'client-credentials' });
    const cred = { meta: { type: 'syncml:auth-md5', format: 'b64' }, data: expectedMd5('Bruce1', 'OhBehave', Buffer.from('client-nonce')) };
    expect((await v.verify({ cred, body: new Uint8Array(0) })).status).toBe(212);
  });
  it('wrong credentials: 401 with a fresh nonce once, then AUTH_FAILED', async () => {
    const v = new CredentialVerifier({ requirement: 'md5', store: new MemoryAuthAccountStore(), account: account(), random: counterRandom(), role: 'client-credentials' });
    const bad = { meta: { type: 'syncml:auth-md5', format: 'b64' }, data: expectedMd5('Bruce1', 'wrong', Buffer.from('client-nonce')) };
    const r = await v.verify({ cred: bad, body: new Uint8Array(0) });
    expect(r.status).toBe(401);
    expect(r.chal?.meta.nextNonce).toBeDefined();
    const err = await v.verify({ cred: bad, body: new Uint8Array(0) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KioskError);
    expect((err as KioskError).code).toBe('AUTH_FAILED');
  });
  it('basic is verified once per session; hmac every message with a fresh nonce', async () => {
    const acc = account();
    const basic = new CredentialVerifier({ requirement: 'basic', store: new MemoryAuthAccountStore(), account: acc, random: counterRandom(), role: 'server-credentials' });
    const cred = { meta: { type: 'syncml:auth-basic', format: 'b64' }, data: Buffer.from('kiosk:Secret!').toString('base64') };
    expect((await basic.verify({ cred, body: new Uint8Array(0) })).status).toBe(212);
    const hm = new CredentialVerifier({ requirement: 'hmac', store: new MemoryAuthAccountStore(), account: account(), random: counterRandom(), role: 'client-credentials' });
    const body = Buffer.from('message one');
    const r1 = await hm.verify({ hmacHeader: `algorithm=MD5, username="Bruce1", mac=${expectedHmac('Bruce1', 'OhBehave', Buffer.from('client-nonce'), body)}`, body });
    expect(r1.status).toBe(212);
    const n2 = Buffer.from(r1.chal!.meta.nextNonce!, 'base64');
    const body2 = Buffer.from('message two');
    const r2 = await hm.verify({ hmacHeader: `algorithm=MD5, username="Bruce1", mac=${expectedHmac('Bruce1', 'OhBehave', n2, body2)}`, body: body2 });
    expect(r2.status).toBe(200);
    expect(r2.chal!.meta.nextNonce).not.toBe(r1.chal!.meta.nextNonce);
  });
});

describe('CredentialPresenter', () => {
  it('uses the stored nonce, then the challenged one, and persists it once accepted', async () => {
    const store = new MemoryAuthAccountStore();
    const acc = account();
    const p = new CredentialPresenter({ type: 'md5', store, account: acc, role: 'client-credentials' });
    expect(p.cred()!.data).toBe(expectedMd5('Bruce1', 'OhBehave', Buffer.from('client-nonce')));
    const chalNonce = Buffer.from('fresh').toString('base64');
    expect(await p.onHeaderStatus(401, { meta: { type: 'syncml:auth-md5', nextNonce: chalNonce } })).toBe('resend');
    expect(p.cred()!.data).toBe(expectedMd5('Bruce1', 'OhBehave', Buffer.from('fresh')));
    expect(await store.get(acc.deviceId, acc.serverId)).toBeUndefined();
    expect(await p.onHeaderStatus(212, undefined)).toBe('ok');
    expect((await store.get(acc.deviceId, acc.serverId))!.clientNonce).toBe(chalNonce);
    expect(p.mustSend).toBe(false);
  });
  it('second refusal throws AUTH_FAILED', async () => {
    const p = new CredentialPresenter({ type: 'md5', store: new MemoryAuthAccountStore(), account: account(), role: 'server-credentials' });
    await p.onHeaderStatus(401, undefined);
    await expect(p.onHeaderStatus(401, undefined)).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });
});
