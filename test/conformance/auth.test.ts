/**
 * Authentication (DM protocol 2.4 "Authentication", DM security 5.1 "Authentication": basic,
 * MD5 digest, HMAC-MD5 in the transport header, both directions, nonces) against the product's
 * HTTP endpoint, with the client's own MD5/HMAC arithmetic.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DmClient, alert, basicCred, child, commandsOf, devInfo, headerStatus, hmacMac, isFinal, md5Cred, resultsFor, statusFor, textOf, item } from './dm-client';
import { SERVER_ID, account, phoneAccount, startKiosk, type Kiosk } from './harness';

const DEV = 'IMEI:356938035643809';
let kiosk: Kiosk | undefined;
afterEach(async () => {
  await kiosk?.close();
  kiosk = undefined;
});

const pkg1 = (dmv?: string) => [alert('1201'), devInfo(DEV, dmv)];

describe('authentication over HTTP (DM security 5.1)', () => {
  it('basic: no Cred gets 407 with a basic Chal; B64(user:pass) gets 212; the kiosk sends its own Cred unasked', async () => {
    const a = account(DEV, 'basic');
    kiosk = await startKiosk([a]);
    const phone = phoneAccount(a);
    const c = new DmClient({ url: kiosk.url, devId: DEV, serverId: SERVER_ID, account: phone });
    c.credNeeded = false;
    const r1 = await c.send(pkg1());
    expect(r1.status).toBe(200);
    expect(headerStatus(r1.msg!)).toMatchObject({ data: '407', chalType: 'syncml:auth-basic' });
    // Only statuses in an authentication refusal (2.4): nothing is executed.
    expect(commandsOf(r1.msg!)).toEqual([]);
    // The kiosk's Cred in its first message, checked with the phone's copy of the server secret.
    expect(textOf(r1.msg!, 'SyncHdr/Cred/Meta/Type')).toBe('syncml:auth-basic');
    expect(textOf(r1.msg!, 'SyncHdr/Cred/Data')).toBe(basicCred(phone.serverUser, phone.serverSecret));
    c.credNeeded = true;
    const r2 = await c.send([statusFor(r1.msg!, 'SyncHdr', '212'), ...pkg1()]);
    expect(headerStatus(r2.msg!)?.data).toBe('212');
    expect(isFinal(r2.msg!)).toBe(true);
    const o = await kiosk.outcome(0);
    expect(o.error).toBeUndefined();
    expect(o.session!.hello.authenticatedAs).toBe(a.clientName);
  });

  it('md5: a digest on the stored nonce gets 212 with a NextNonce; the next session must use that nonce; a replay is refused', async () => {
    const a = account(DEV, 'md5');
    kiosk = await startKiosk([a]);
    const phone = phoneAccount(a);
    const c1 = new DmClient({ url: kiosk.url, devId: DEV, serverId: SERVER_ID, account: phone });
    const oldNonce = phone.nonce;
    const r1 = await c1.send(pkg1());
    const hs = headerStatus(r1.msg!)!;
    expect(hs.data).toBe('212');
    expect(hs.chalType).toBe('syncml:auth-md5');
    expect(hs.nextNonce).toBeDefined();
    expect(Buffer.from(hs.nextNonce!).equals(Buffer.from(oldNonce))).toBe(false);
    // The kiosk's own digest, on the nonce the phone gave it: B64(MD5(B64(MD5(name:secret)):nonce)).
    expect(textOf(r1.msg!, 'SyncHdr/Cred/Meta/Type')).toBe('syncml:auth-md5');
    expect(textOf(r1.msg!, 'SyncHdr/Cred/Data')).toBe(md5Cred(phone.serverUser, phone.serverSecret, phone.serverNonce));
    expect((await kiosk.outcome(0)).error).toBeUndefined();

    const c2 = new DmClient({ url: kiosk.url, devId: DEV, serverId: SERVER_ID, sessionId: '2', account: phone });
    const r2 = await c2.send(pkg1());
    expect(headerStatus(r2.msg!)?.data).toBe('212');
    expect((await kiosk.outcome(1)).error).toBeUndefined();

    // The nonce of session 1 again: a replayed digest is refused with a fresh challenge.
    const replay = new DmClient({ url: kiosk.url, devId: DEV, serverId: SERVER_ID, sessionId: '3', account: { ...phone, nonce: oldNonce } });
    const r3 = await replay.send(pkg1());
    const refused = headerStatus(r3.msg!)!;
    expect(refused.data).toBe('401');
    expect(refused.nextNonce).toBeDefined();
    // Answering the challenge with its nonce is accepted (re-challenge after a failure).
    const r4 = await replay.send([statusFor(r3.msg!, 'SyncHdr', '212'), ...pkg1()]);
    expect(headerStatus(r4.msg!)?.data).toBe('212');
  });

  it('wrong credentials: 401 with a fresh Chal, then 401 again and the session is over (its RespURI gone)', async () => {
    const a = account(DEV, 'md5');
    kiosk = await startKiosk([a]);
    const c = new DmClient({ url: kiosk.url, devId: DEV, serverId: SERVER_ID, account: { ...phoneAccount(a), secret: 'wrong' } });
    const r1 = await c.send(pkg1());
    const first = headerStatus(r1.msg!)!;
    expect(first.data).toBe('401');
    expect(first.chalType).toBe('syncml:auth-md5');
    const r2 = await c.send([statusFor(r1.msg!, 'SyncHdr', '212'), ...pkg1()]);
    expect(headerStatus(r2.msg!)?.data).toBe('401');
    expect(commandsOf(r2.msg!)).toEqual([]);
    expect((await kiosk.outcome(0)).error).toMatchObject({ code: 'AUTH_FAILED' });
    const r3 = await c.send([statusFor(r2.msg!, 'SyncHdr', '200'), ...pkg1()]);
    expect(r3.status).toBe(404);
    expect(kiosk.server.sessionCount).toBe(0);
  });

  it('a device with no account on this kiosk is refused 401 and nothing is executed', async () => {
    kiosk = await startKiosk([]);
    const c = new DmClient({ url: kiosk.url, devId: 'IMEI:000000000000001', serverId: SERVER_ID });
    const r = await c.send(pkg1());
    expect(headerStatus(r.msg!)?.data).toBe('401');
    expect(commandsOf(r.msg!)).toEqual([]);
    expect((await kiosk.outcome(0)).error).toMatchObject({ code: 'AUTH_FAILED' });
  });

  it('hmac: every message signed over its bytes with a fresh nonce each time; the kiosk signs its own; a bad MAC in mid-session gets 401 with Chal', async () => {
    const a = account(DEV, 'hmac');
    kiosk = await startKiosk([a]);
    const phone = phoneAccount(a);
    kiosk.script(async (s) => {
      const got = await s.get(['./DevDetail/FwV']);
      expect(got[0]).toMatchObject({ status: 200, values: [{ data: '4.2' }] });
      await s.end();
    });
    const c = new DmClient({ url: kiosk.url, devId: DEV, serverId: SERVER_ID, account: phone, encoding: 'wbxml' });
    const r1 = await c.send(pkg1());
    const hs = headerStatus(r1.msg!)!;
    expect(hs.data).toBe('212');
    expect(hs.chalType?.toLowerCase()).toBe('syncml:auth-mac');
    // The kiosk's x-syncml-hmac over the reply bytes, on the nonce the phone holds for it.
    const header = r1.headers.get('x-syncml-hmac') ?? '';
    expect(header).toContain(`username="${phone.serverUser}"`);
    expect(/mac=([^,\s]+)/.exec(header)?.[1]).toBe(hmacMac(phone.serverUser, phone.serverSecret, phone.serverNonce, r1.bytes));
    const get = commandsOf(r1.msg!).find((x) => x.name === 'Get')!;
    const answer = [statusFor(r1.msg!, 'SyncHdr', '200'), statusFor(r1.msg!, get, '200'), resultsFor(r1.msg!, get, [item({ source: './DevDetail/FwV', data: '4.2' })])];
    // A MAC made with a wrong secret: refused at once, with a new nonce.
    const goodSecret = phone.secret;
    phone.secret = 'not-the-secret';
    const bad = await c.send(answer);
    phone.secret = goodSecret;
    const refusal = headerStatus(bad.msg!)!;
    expect(refusal.data).toBe('401');
    expect(refusal.nextNonce).toBeDefined();
    // The same answer again, signed properly on the new nonce.
    const ok = await c.send(answer);
    expect(headerStatus(ok.msg!)?.data).toBe('200');
    expect(isFinal(ok.msg!)).toBe(true);
    expect((await kiosk.outcome(0)).error).toBeUndefined();
  });

  it('a phone that answers the kiosk\'s header with status 0 has not authenticated it: never success', async () => {
    const a = account(DEV, 'md5');
    kiosk = await startKiosk([a]);
    kiosk.script(async (s) => {
      await s.get(['./DevDetail/FwV']);
    });
    const c = new DmClient({ url: kiosk.url, devId: DEV, serverId: SERVER_ID, account: phoneAccount(a) });
    const r1 = await c.send(pkg1());
    const get = commandsOf(r1.msg!)[0]!;
    const r2 = await c.send([statusFor(r1.msg!, 'SyncHdr', '0'), statusFor(r1.msg!, get, '0')]);
    // The kiosk repeats the command with its credentials; a second 0 ends the session at once.
    expect(r2.status).toBe(200);
    expect(child(r2.msg!, 'SyncHdr/Cred')).toBeDefined();
    const again = commandsOf(r2.msg!)[0]!;
    expect(again.name).toBe('Get');
    const r3 = await c.send([statusFor(r2.msg!, 'SyncHdr', '0'), statusFor(r2.msg!, again, '0')]);
    expect(r3.status).toBeGreaterThanOrEqual(400);
    expect((await kiosk.outcome(0)).error).toMatchObject({ code: 'AUTH_FAILED' });
  });
});
