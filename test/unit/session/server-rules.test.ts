/**
 * Server session rules from the DM 1.2 specification, each against a hand-played device:
 * authentication status handling (DM protocol 2.4, DM security 5.1), the package rules of
 * DM protocol 2.1 (Final, MaxMsgSize), and large objects both ways (DM protocol 2.2).
 */
import { describe, expect, it } from 'vitest';
import { MemoryAuthAccountStore, formatHmacHeader, fromBase64, hmacCredential } from '../../../src/core/dm/auth';
import { decodeMessage, encodeMessage } from '../../../src/core/dm/codec';
import type { Command, Encoding, Item, Status, SyncMLMessage } from '../../../src/core/dm/model';
import { contentTypeOf } from '../../../src/core/dm/model';
import type { Link } from '../../../src/core/link';
import { runClientSession } from '../../../src/core/session/client';
import { createMemoryLinkPair } from '../../../src/core/session/memory-link';
import { acceptSession, type ServerSessionOptions } from '../../../src/core/session/server';
import { DEV_INFO, TreeHandler, account, seededRandom } from './fixtures';

const DEV = DEV_INFO.DevId;
const SERVER = 'fumo-kiosk';

/** The device side played by hand: every message numbered, optionally signed with HMAC. */
function device(link: Link, encoding: Encoding = 'xml', meta?: { maxMsgSize?: number; maxObjSize?: number }) {
  let msgID = 0;
  return {
    last: undefined as SyncMLMessage | undefined,
    async send(body: Command[], final = true, hmac?: (b: Uint8Array) => string): Promise<void> {
      const msg: SyncMLMessage = {
        header: { verDTD: '1.2', verProto: 'DM/1.2', sessionID: '1', msgID: String(++msgID), target: { locURI: SERVER }, source: { locURI: DEV }, ...(meta ? { meta } : {}) },
        body: body.map((c, i) => ({ ...c, cmdID: String(i + 1) })),
        final,
      };
      const bytes = encodeMessage(msg, encoding);
      await link.send({ body: bytes, contentType: contentTypeOf(encoding), ...(hmac ? { headers: { 'x-syncml-hmac': hmac(bytes) } } : {}) });
    },
    async receive(): Promise<SyncMLMessage> {
      const p = await link.receive();
      this.last = decodeMessage(p.body, p.contentType).message;
      return this.last;
    },
  };
}

const pkg1: Command[] = [
  { kind: 'Alert', cmdID: '', data: '1201', items: [] },
  { kind: 'Replace', cmdID: '', items: [{ source: { locURI: './DevInfo/DevId' }, data: DEV }] },
];

/** The Status answering `m`'s command `cmdID` (or its SyncHdr for '0'). */
function statusTo(m: SyncMLMessage, cmdRef: string, code: string, cmd?: string): Status {
  const c = m.body.find((x) => x.cmdID === cmdRef);
  return { kind: 'Status', cmdID: '', msgRef: m.header.msgID, cmdRef, cmd: cmdRef === '0' ? 'SyncHdr' : (cmd ?? c?.kind ?? ''), targetRefs: [], sourceRefs: [], data: code, items: [] };
}
const commands = (m: SyncMLMessage) => m.body.filter((c) => c.kind !== 'Status' && c.kind !== 'Results');
const hdrStatusOf = (m: SyncMLMessage) => m.body.find((c): c is Status => c.kind === 'Status' && c.cmdRef === '0');

async function opened(options: Partial<ServerSessionOptions> = {}, encoding: Encoding = 'xml', meta?: { maxMsgSize?: number; maxObjSize?: number }) {
  const [srvLink, cliLink] = createMemoryLinkPair();
  srvLink.recordSent = true;
  const dev = device(cliLink, encoding, meta);
  await dev.send(pkg1);
  const s = await acceptSession(srvLink, { serverId: SERVER, ...options });
  return { s, dev, srvLink };
}

describe('authentication: a header status that is not success is never success', () => {
  it('status 0 for the kiosk\'s SyncHdr is "not authenticated": AUTH_FAILED, not a Get answered 0', async () => {
    const { s, dev } = await opened();
    const get = s.get(['./DevDetail/FwV']);
    const m = await dev.receive();
    await dev.send([statusTo(m, '0', '0'), statusTo(m, commands(m)[0]!.cmdID, '0')]);
    await expect(get).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    expect(s.ended).toBe(true);
  });

  it('a reply without any Status for the kiosk\'s SyncHdr is not an acceptance either', async () => {
    const { s, dev } = await opened();
    const get = s.get(['./DevDetail/FwV']);
    const m = await dev.receive();
    await dev.send([statusTo(m, commands(m)[0]!.cmdID, '200')]);
    await expect(get).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });

  it('with an account for the phone, status 0 makes the kiosk send its Cred and repeat the commands', async () => {
    const accounts = new MemoryAuthAccountStore([account()]);
    const { s, dev } = await opened({ accounts, serverCredentials: 'when-challenged' });
    const get = s.get(['./DevDetail/FwV']);
    const m1 = await dev.receive();
    expect(m1.header.cred).toBeUndefined();
    await dev.send([statusTo(m1, '0', '0'), statusTo(m1, commands(m1)[0]!.cmdID, '0')]);
    const m2 = await dev.receive();
    expect(m2.header.cred?.meta.type).toBe('syncml:auth-md5');
    const again = commands(m2)[0]!;
    expect(again.kind).toBe('Get');
    await dev.send([
      statusTo(m2, '0', '212'),
      statusTo(m2, again.cmdID, '200'),
      { kind: 'Results', cmdID: '', msgRef: m2.header.msgID, cmdRef: again.cmdID, targetRefs: [], sourceRefs: [], items: [{ source: { locURI: './DevDetail/FwV' }, data: '1.0' }] },
    ]);
    expect(await get).toEqual([{ status: 200, values: [{ uri: './DevDetail/FwV', data: '1.0' }] }]);
  });

  it('HMAC refused in mid-session: the 401 with a fresh Chal is sent, and the resent message is taken', async () => {
    const acct = account({ authType: 'hmac' });
    const accounts = new MemoryAuthAccountStore([acct]);
    const [srvLink, cliLink] = createMemoryLinkPair();
    const dev = device(cliLink);
    let nonce = fromBase64(acct.clientNonce)!;
    const mac = (secret: string) => (b: Uint8Array) => formatHmacHeader({ username: acct.clientName, mac: hmacCredential(acct.clientName, secret, nonce, b) });
    await dev.send(pkg1, true, mac(acct.clientSecret));
    const s = await acceptSession(srvLink, { serverId: SERVER, clientAuth: 'hmac', accounts, random: seededRandom(4) });
    const get = s.get(['./DevDetail/FwV']);
    const m1 = await dev.receive();
    nonce = fromBase64(hdrStatusOf(m1)!.chal!.meta.nextNonce!)!;
    const answer = (m: SyncMLMessage): Command[] => {
      const g = commands(m).find((c) => c.kind === 'Get')!;
      return [
        statusTo(m, '0', '200'),
        statusTo(m, g.cmdID, '200'),
        { kind: 'Results', cmdID: '', msgRef: m.header.msgID, cmdRef: g.cmdID, targetRefs: [], sourceRefs: [], items: [{ source: { locURI: './DevDetail/FwV' }, data: '2.0' }] },
      ];
    };
    await dev.send(answer(m1), true, mac('not the secret'));
    const refusal = await dev.receive();
    expect(hdrStatusOf(refusal)).toMatchObject({ data: '401', chal: { meta: { type: 'syncml:auth-MAC' } } });
    nonce = fromBase64(hdrStatusOf(refusal)!.chal!.meta.nextNonce!)!;
    // The device sends its answer again, signed with the fresh nonce.
    await dev.send(answer(m1), true, mac(acct.clientSecret));
    expect((await get)[0]).toMatchObject({ status: 200, values: [{ data: '2.0' }] });
  });
});

describe('packages and Final (DM protocol 2.1)', () => {
  it('a command larger than MaxMsgSize fails typed; no Final message with only the header Status goes out', async () => {
    const { s, dev, srvLink } = await opened({}, 'xml', { maxMsgSize: 2048 });
    const before = srvLink.stats.sent.length;
    await expect(s.exec('./FUMO/x/Update', { data: 'x'.repeat(5000) })).rejects.toMatchObject({ code: 'PROTOCOL_ERROR', message: expect.stringContaining('does not fit') });
    expect(srvLink.stats.sent.length).toBe(before);
    expect(s.ended).toBe(false);
    // The session goes on: the owed statuses ride with the next command.
    const get = s.get(['./DevDetail/FwV']);
    const m = await dev.receive();
    expect(m.final).toBe(true);
    expect(commands(m).map((c) => c.kind)).toEqual(['Get']);
    await dev.send([statusTo(m, '0', '200'), statusTo(m, commands(m)[0]!.cmdID, '404')]);
    expect((await get)[0]!.status).toBe(404);
  });

  it('an empty package is never sent by accident: get([]) sends nothing and the session stays open', async () => {
    const { s, srvLink } = await opened();
    const before = srvLink.stats.sent.length;
    expect(await s.get([])).toEqual([]);
    expect(srvLink.stats.sent.length).toBe(before);
    expect(s.ended).toBe(false);
  });
});

describe('large objects (DM protocol 2.2)', () => {
  it('replace() honours the device MaxObjSize: 413 and nothing sent', async () => {
    const { s, srvLink } = await opened({}, 'xml', { maxObjSize: 1000 });
    const before = srvLink.stats.sent.length;
    expect(await s.replace('./Vendor/Blob', new Uint8Array(2000))).toBe(413);
    expect(await s.add('./Vendor/Blob', 'y'.repeat(1001))).toBe(413);
    expect(srvLink.stats.sent.length).toBe(before);
  });

  it('replace() of a value larger than MaxMsgSize goes as a large object within MaxMsgSize', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    srvLink.recordSent = true;
    const handler = new TreeHandler();
    const client = runClientSession(cliLink, { devId: DEV, serverId: SERVER, initiator: 'client', sessionId: '1', devInfo: DEV_INFO, encoding: 'wbxml', maxMsgSize: 2048 }, handler);
    const s = await acceptSession(srvLink, { serverId: SERVER });
    const value = Uint8Array.from({ length: 7000 }, (_, i) => i & 0xff);
    expect(await s.replace('./Vendor/Blob', value)).toBe(200);
    expect(handler.sinks).toHaveLength(1);
    expect(handler.sinks[0]!.bytes).toBe(7000);
    expect(Math.max(...srvLink.stats.sent.map((p) => p.body.length))).toBeLessThanOrEqual(2048);
    await s.end();
    await client;
  });

  it('a non-last chunk answered 200 instead of 213 is a failure, never "done"', async () => {
    const { s, dev } = await opened({}, 'wbxml', { maxMsgSize: 2048 });
    const source = { size: 10_000, read: (o: number, n: number) => Promise.resolve(new Uint8Array(n).fill(o & 0xff)) };
    const put = s.replaceLarge('./FUMO/x/Update/PkgData', source);
    const m = await dev.receive();
    expect(m.final).toBe(false);
    const chunk = commands(m)[0]!;
    await dev.send([statusTo(m, '0', '200'), statusTo(m, chunk.cmdID, '200')]);
    await expect(put).rejects.toMatchObject({ code: 'PROTOCOL_ERROR', message: expect.stringContaining('213') });
  });

  const chunk = (kind: 'Replace' | 'Add', uri: string, data: string, more: boolean, size?: number): Command => ({
    kind,
    cmdID: '',
    items: [{ source: { locURI: uri }, target: { locURI: uri }, ...(size !== undefined ? { meta: { size } } : {}), data, ...(more ? { moreData: true } : {}) }],
  });

  it('a chunked Replace from the device is answered 213 per non-last chunk and reassembled', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    const dev = device(cliLink);
    const mod = 'Model-' + 'z'.repeat(300);
    await dev.send([...pkg1, chunk('Replace', './DevInfo/Mod', mod.slice(0, 100), true, mod.length)], false);
    const hello = acceptSession(srvLink, { serverId: SERVER });
    const r1 = await dev.receive();
    const st = (m: SyncMLMessage, cmdRef: string) => m.body.find((c): c is Status => c.kind === 'Status' && c.cmdRef === cmdRef)?.data;
    expect(st(r1, '3')).toBe('213');
    expect(r1.body.some((c) => c.kind === 'Alert' && c.data === '1222')).toBe(true);
    await dev.send([statusTo(r1, '0', '200'), chunk('Replace', './DevInfo/Mod', mod.slice(100, 200), true)], false);
    const r2 = await dev.receive();
    expect(st(r2, '2')).toBe('213');
    await dev.send([statusTo(r2, '0', '200'), chunk('Replace', './DevInfo/Mod', mod.slice(200), false)], true);
    const s = await hello;
    expect(s.hello.devInfo.Mod).toBe(mod);
    const end = s.end();
    const r3 = await dev.receive();
    expect(st(r3, '2')).toBe('200');
    await end;
  });

  it('a chunked Replace whose size differs from Meta Size gets 424 and is not taken', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    const dev = device(cliLink);
    await dev.send([...pkg1, chunk('Replace', './DevInfo/Mod', 'a'.repeat(100), true, 500)], false);
    const hello = acceptSession(srvLink, { serverId: SERVER });
    const r1 = await dev.receive();
    await dev.send([statusTo(r1, '0', '200'), chunk('Replace', './DevInfo/Mod', 'b'.repeat(50), false)], true);
    const s = await hello;
    expect(s.hello.devInfo.Mod).toBeUndefined();
    const end = s.end();
    const r2 = await dev.receive();
    expect(r2.body.find((c): c is Status => c.kind === 'Status' && c.cmdRef === '2')?.data).toBe('424');
    await end;
  });

  const results = (m: SyncMLMessage, get: Command, item: Item): Command => ({ kind: 'Results', cmdID: '', msgRef: m.header.msgID, cmdRef: get.cmdID, targetRefs: [], sourceRefs: [], items: [item] });

  it('chunked Results are checked against Meta Size: a mismatch is 424 and no value is reported', async () => {
    const { s, dev } = await opened();
    const get = s.get(['./Vendor/Log']);
    const m = await dev.receive();
    const g = commands(m)[0]!;
    await dev.send([statusTo(m, '0', '200'), statusTo(m, g.cmdID, '200'), results(m, g, { source: { locURI: './Vendor/Log' }, meta: { size: 400 }, data: 'x'.repeat(100), moreData: true })], false);
    const m2 = await dev.receive();
    await dev.send([statusTo(m2, '0', '200'), results(m, g, { source: { locURI: './Vendor/Log' }, data: 'y'.repeat(100) })], true);
    expect(await get).toEqual([{ status: 424, values: [] }]);
  });

  it('a new command before the last chunk of Results gets Alert 1225 naming the object', async () => {
    const { s, dev } = await opened();
    const get = s.get(['./Vendor/Log']);
    const m = await dev.receive();
    const g = commands(m)[0]!;
    await dev.send([statusTo(m, '0', '200'), statusTo(m, g.cmdID, '200'), results(m, g, { source: { locURI: './Vendor/Log' }, meta: { size: 400 }, data: 'x'.repeat(100), moreData: true })], false);
    const m2 = await dev.receive();
    const alert1226: Command = { kind: 'Alert', cmdID: '', data: '1226', items: [{ source: { locURI: './FUMO/x' }, meta: { type: 'org.openmobilealliance.dm.firmwareupdate.update', format: 'int' }, data: '200' }] };
    await dev.send([statusTo(m2, '0', '200'), alert1226], true);
    expect(await get).toEqual([{ status: 412, values: [] }]);
    const end = s.end();
    const m3 = await dev.receive();
    expect(m3.body.find((c) => c.kind === 'Alert' && c.data === '1225')).toMatchObject({ items: [{ source: { locURI: './Vendor/Log' } }] });
    await dev.send([statusTo(m3, '0', '200'), ...commands(m3).map((c) => statusTo(m3, c.cmdID, '200'))], true);
    await end;
  });
});
