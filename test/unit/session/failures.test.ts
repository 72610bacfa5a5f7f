import { describe, expect, it, vi } from 'vitest';
import { MemoryAuthAccountStore } from '../../../src/core/dm/auth';
import { decodeMessage, encodeMessage } from '../../../src/core/dm/codec';
import type { Command, Encoding, SyncMLMessage } from '../../../src/core/dm/model';
import { contentTypeOf } from '../../../src/core/dm/model';
import type { Link } from '../../../src/core/link';
import { runClientSession } from '../../../src/core/session/client';
import { createMemoryLinkPair } from '../../../src/core/session/memory-link';
import { acceptSession } from '../../../src/core/session/server';
import { DEV_INFO, FakeClock, TreeHandler, account, seededRandom } from './fixtures';

/** A hand-driven peer: sends messages we write and decodes what it receives. */
function rawPeer(link: Link, encoding: Encoding, role: 'client' | 'server') {
  let msgID = 0;
  const me = role === 'client' ? DEV_INFO.DevId : 'fumo-kiosk';
  const peer = role === 'client' ? 'fumo-kiosk' : DEV_INFO.DevId;
  return {
    send(body: Command[], final = true, extra: Partial<SyncMLMessage['header']> = {}): Promise<void> {
      const msg: SyncMLMessage = {
        header: { verDTD: '1.2', verProto: 'DM/1.2', sessionID: '1', msgID: String(++msgID), target: { locURI: peer }, source: { locURI: me }, ...extra },
        body: body.map((c, i) => ({ ...c, cmdID: String(i + 1) })),
        final,
      };
      return link.send({ body: encodeMessage(msg, encoding), contentType: contentTypeOf(encoding) });
    },
    async receive(): Promise<SyncMLMessage> {
      const p = await link.receive();
      return decodeMessage(p.body, p.contentType).message;
    },
  };
}

const pkg1: Command[] = [
  { kind: 'Alert', cmdID: '', data: '1201', items: [] },
  { kind: 'Replace', cmdID: '', items: [{ source: { locURI: './DevInfo/DevId' }, data: DEV_INFO.DevId }] },
];

describe('authentication failures', () => {
  it('wrong credentials: 401 with a fresh Chal once, then AUTH_FAILED on both sides', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    srvLink.recordSent = true;
    const client = runClientSession(
      cliLink,
      { devId: DEV_INFO.DevId, serverId: 'fumo-kiosk', initiator: 'client', sessionId: '1', devInfo: DEV_INFO, encoding: 'wbxml', clientAuth: 'md5' },
      new TreeHandler(),
      { accounts: new MemoryAuthAccountStore([account({ clientSecret: 'wrong' })]) },
    );
    const server = acceptSession(srvLink, { serverId: 'fumo-kiosk', clientAuth: 'md5', accounts: new MemoryAuthAccountStore([account()]), random: seededRandom(1) });
    await expect(server).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await expect(client).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    const sent = srvLink.stats.sent.map((p) => decodeMessage(p.body, p.contentType).message);
    expect(sent).toHaveLength(2);
    const hdrStatus = (m: SyncMLMessage) => m.body.find((c) => c.kind === 'Status' && c.cmdRef === '0');
    const first = hdrStatus(sent[0]!);
    expect(first).toMatchObject({ data: '401', chal: { meta: { type: 'syncml:auth-md5' } } });
    expect(first!.kind === 'Status' && first!.chal?.meta.nextNonce).toBeTruthy();
    expect(hdrStatus(sent[1]!)).toMatchObject({ data: '401' });
    // Only statuses in an authentication failure response.
    expect(sent.every((m) => m.body.every((c) => c.kind === 'Status'))).toBe(true);
  });

  it('missing credentials: 407 with Chal, the client resends package 1 with a digest and gets 212', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    srvLink.recordSent = true;
    const client = runClientSession(
      cliLink,
      { devId: DEV_INFO.DevId, serverId: 'fumo-kiosk', initiator: 'client', sessionId: '1', devInfo: DEV_INFO, encoding: 'xml' },
      new TreeHandler(),
      { accounts: new MemoryAuthAccountStore([account()]) },
    );
    const s = await acceptSession(srvLink, { serverId: 'fumo-kiosk', clientAuth: 'md5', accounts: new MemoryAuthAccountStore([account()]), random: seededRandom(2) });
    expect(s.hello.devInfo).toEqual(DEV_INFO);
    await s.end();
    await client;
    const sent = srvLink.stats.sent.map((p) => decodeMessage(p.body, p.contentType).message);
    expect(sent[0]!.body[0]).toMatchObject({ kind: 'Status', cmdRef: '0', data: '407' });
    expect(sent[1]!.body[0]).toMatchObject({ kind: 'Status', cmdRef: '0', data: '212' });
  });
});

describe('link failures', () => {
  it('times out through the injected clock while waiting for package 1', async () => {
    const [srvLink] = createMemoryLinkPair();
    const clock = new FakeClock();
    const server = acceptSession(srvLink, { serverId: 'fumo-kiosk', clock, timeoutMs: 30_000 });
    await vi.waitFor(() => expect(clock.pending).toBe(1));
    clock.advance(29_999);
    clock.advance(1);
    await expect(server).rejects.toMatchObject({ code: 'LINK_TIMEOUT' });
  });

  it('times out mid-session when the device stops answering', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    const clock = new FakeClock();
    const dev = rawPeer(cliLink, 'wbxml', 'client');
    await dev.send(pkg1);
    const s = await acceptSession(srvLink, { serverId: 'fumo-kiosk', clock, timeoutMs: 10_000 });
    const get = s.get(['./DevDetail/FwV']);
    await dev.receive();
    await vi.waitFor(() => expect(clock.pending).toBe(1));
    clock.advance(10_000);
    await expect(get).rejects.toMatchObject({ code: 'LINK_TIMEOUT' });
    expect(s.ended).toBe(true);
  });

  it('Alert 1223 from the device aborts the session', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    const dev = rawPeer(cliLink, 'xml', 'client');
    await dev.send(pkg1);
    const s = await acceptSession(srvLink, { serverId: 'fumo-kiosk' });
    const get = s.get(['./DevDetail/FwV']);
    await dev.receive();
    await dev.send([{ kind: 'Alert', cmdID: '', data: '1223', items: [] }]);
    await expect(get).rejects.toMatchObject({ code: 'SESSION_ABORTED' });
    expect(s.ended).toBe(true);
  });
});

describe('large object failures seen by the client engine', () => {
  const chunk = (data: number, moreData: boolean, size?: number): Command => ({
    kind: 'Replace',
    cmdID: '',
    meta: { format: 'bin' },
    items: [{ target: { locURI: './FUMO/Update/PkgData' }, ...(size !== undefined ? { meta: { size } } : {}), data: new Uint8Array(data), ...(moreData ? { moreData: true } : {}) }],
  });

  async function start(maxObjSize?: number) {
    const [srvLink, cliLink] = createMemoryLinkPair();
    const handler = new TreeHandler();
    const client = runClientSession(
      cliLink,
      { devId: DEV_INFO.DevId, serverId: 'fumo-kiosk', initiator: 'client', sessionId: '1', devInfo: DEV_INFO, encoding: 'wbxml', ...(maxObjSize ? { maxObjSize } : {}) },
      handler,
    );
    const srv = rawPeer(srvLink, 'wbxml', 'server');
    await srv.receive(); // package 1
    return { srv, handler, client };
  }
  const statuses = (m: SyncMLMessage) => m.body.filter((c) => c.kind === 'Status' && c.cmdRef !== '0').map((c) => (c.kind === 'Status' ? c.data : ''));

  it('a new command before the last chunk: Alert 1225 and 412, the object is not committed', async () => {
    const { srv, handler, client } = await start();
    await srv.send([chunk(100, true, 300)], false);
    const r1 = await srv.receive();
    expect(statuses(r1)).toEqual(['213']);
    expect(r1.body.some((c) => c.kind === 'Alert' && c.data === '1222')).toBe(true);
    expect(r1.final).toBe(false);
    await srv.send([{ kind: 'Get', cmdID: '', items: [{ target: { locURI: './DevDetail/FwV' } }] }], true);
    const r2 = await srv.receive();
    const a1225 = r2.body.find((c) => c.kind === 'Alert' && c.data === '1225');
    expect(a1225).toMatchObject({ items: [{ target: { locURI: './FUMO/Update/PkgData' } }] });
    expect(r2.body.find((c) => c.kind === 'Status' && c.data === '412')).toMatchObject({ msgRef: '1', cmdRef: '1', cmd: 'Replace' });
    expect(r2.body.find((c) => c.kind === 'Status' && c.cmd === 'Get')).toMatchObject({ data: '200' });
    expect(r2.body.find((c) => c.kind === 'Results')).toBeDefined();
    expect(handler.sinks[0]!.aborted).toBeDefined();
    expect(handler.sinks[0]!.finished).toBe(false);
    await srv.send([], true);
    await client;
  });

  it('size mismatch on the last chunk: 424, the object is not committed', async () => {
    const { srv, handler, client } = await start();
    await srv.send([chunk(100, true, 300)], false);
    expect(statuses(await srv.receive())).toEqual(['213']);
    await srv.send([chunk(100, false)], true);
    const r2 = await srv.receive();
    expect(statuses(r2)).toEqual(['424']);
    expect(r2.final).toBe(true);
    expect(handler.sinks[0]!.finished).toBe(false);
    expect(handler.sinks[0]!.aborted).toMatch(/size mismatch/);
    await srv.send([], true);
    await client;
  });

  it('an object larger than MaxObjSize: 413 and no sink opened', async () => {
    const { srv, handler, client } = await start(200);
    await srv.send([chunk(100, true, 300)], false);
    expect(statuses(await srv.receive())).toEqual(['413']);
    expect(handler.sinks).toHaveLength(0);
    await srv.send([], true);
    await client;
  });

  it('the server refuses to start an object over the device MaxObjSize: 413 without sending it', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    const dev = rawPeer(cliLink, 'wbxml', 'client');
    await dev.send(pkg1, true, { meta: { maxMsgSize: 4096, maxObjSize: 1000 } });
    const s = await acceptSession(srvLink, { serverId: 'fumo-kiosk' });
    expect(s.hello.maxObjSize).toBe(1000);
    srvLink.recordSent = true;
    const status = await s.replaceLarge('./FUMO/Update/PkgData', { size: 1001, read: () => Promise.reject(new Error('must not read')) });
    expect(status).toBe(413);
    expect(srvLink.stats.sent).toHaveLength(0);
  });
});

describe('more failures', () => {
  it('a device without an account is refused with 401 and AUTH_FAILED', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    const client = runClientSession(cliLink, { devId: 'IMEI:000', serverId: 'fumo-kiosk', initiator: 'client', sessionId: '1', devInfo: {}, encoding: 'xml', clientAuth: 'md5' }, new TreeHandler(), {
      accounts: new MemoryAuthAccountStore([account({ deviceId: 'IMEI:000' })]),
    });
    await expect(acceptSession(srvLink, { serverId: 'fumo-kiosk', clientAuth: 'md5', accounts: new MemoryAuthAccountStore(), random: seededRandom(1) })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    // The device's first refusal is answered by repeating package 1; nobody answers it any more.
    await cliLink.close();
    await expect(client).rejects.toMatchObject({ code: expect.stringMatching(/AUTH_FAILED|CABLE_UNPLUGGED/) });
  });

  it('the client times out through its clock when the server goes silent', async () => {
    const [, cliLink] = createMemoryLinkPair();
    const clock = new FakeClock();
    const client = runClientSession(cliLink, { devId: DEV_INFO.DevId, serverId: 'fumo-kiosk', initiator: 'client', sessionId: '1', devInfo: DEV_INFO, encoding: 'wbxml' }, new TreeHandler(), { clock, timeoutMs: 5000 });
    await vi.waitFor(() => expect(clock.pending).toBe(1));
    clock.advance(5000);
    await expect(client).rejects.toMatchObject({ code: 'LINK_TIMEOUT' });
  });

  it('a pulled cable rejects with CABLE_UNPLUGGED', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    const dev = rawPeer(cliLink, 'wbxml', 'client');
    await dev.send(pkg1);
    const s = await acceptSession(srvLink, { serverId: 'fumo-kiosk' });
    const get = s.get(['./DevDetail/FwV']);
    await dev.receive();
    await cliLink.close();
    await expect(get).rejects.toMatchObject({ code: 'CABLE_UNPLUGGED' });
  });
});

describe('the device refuses the kiosk', () => {
  it('wrong server credentials: the device challenges once, then both sides fail with AUTH_FAILED', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    cliLink.recordSent = true;
    const handler = new TreeHandler();
    const client = runClientSession(cliLink, { devId: DEV_INFO.DevId, serverId: 'fumo-kiosk', initiator: 'client', sessionId: '1', devInfo: DEV_INFO, encoding: 'xml', serverAuth: 'md5' }, handler, {
      accounts: new MemoryAuthAccountStore([account()]),
      random: seededRandom(4),
    });
    const s = await acceptSession(srvLink, { serverId: 'fumo-kiosk', serverCredentials: 'always', accounts: new MemoryAuthAccountStore([account({ serverSecret: 'not-it' })]), random: seededRandom(8) });
    await expect(s.replace('./R', 'r')).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await expect(client).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    expect(handler.nodes.has('./R')).toBe(false);
    const codes = cliLink.stats.sent
      .map((p) => decodeMessage(p.body, p.contentType).message)
      .slice(1)
      .map((m) => m.body.find((c) => c.kind === 'Status' && c.cmdRef === '0'))
      .map((c) => (c?.kind === 'Status' ? [c.data, c.chal !== undefined] : undefined));
    expect(codes).toEqual([
      ['401', true],
      ['401', false],
    ]);
  });
});

describe('malformed input', () => {
  it('a package 1 that is not a DM message rejects with DECODE_ERROR', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    await cliLink.send({ body: new Uint8Array([0x03, 0x01, 0x6a, 0x00, 0xff, 0xff]), contentType: 'application/vnd.syncml.dm+wbxml' });
    await expect(acceptSession(srvLink, { serverId: 'fumo-kiosk' })).rejects.toMatchObject({ code: 'DECODE_ERROR' });
  });
});
