import { describe, expect, it, vi } from 'vitest';
import { MemoryAuthAccountStore } from '../../../src/core/dm/auth';
import { decodeMessage, encodeMessage } from '../../../src/core/dm/codec';
import type { Alert, Command, SyncMLMessage } from '../../../src/core/dm/model';
import { contentTypeOf } from '../../../src/core/dm/model';
import { runClientSession } from '../../../src/core/session/client';
import { createMemoryLinkPair } from '../../../src/core/session/memory-link';
import { acceptSession } from '../../../src/core/session/server';
import { parseGenericAlerts } from '../../../src/core/session/wire';
import { DEV_INFO, FakeClock, TreeHandler, account, seededRandom } from './fixtures';

const base = { devId: DEV_INFO.DevId, serverId: 'fumo-kiosk', initiator: 'client' as const, sessionId: '1', devInfo: DEV_INFO };
const decodeAll = (sent: Array<{ body: Uint8Array; contentType: string }>): SyncMLMessage[] => sent.map((p) => decodeMessage(p.body, p.contentType).message);

describe('generic alerts', () => {
  it('strips a Reversed-Domain-Name: prefix and reads the Correlator', () => {
    const a: Alert = {
      kind: 'Alert',
      cmdID: '3',
      data: '1226',
      correlator: ' abc ',
      items: [{ source: { locURI: './FUMO/x' }, meta: { type: 'Reversed-Domain-Name: org.openmobilealliance.dm.firmwareupdate.update', format: 'int', mark: 'critical' }, data: '410' }],
    };
    expect(parseGenericAlerts(a)).toEqual([
      { type: 'org.openmobilealliance.dm.firmwareupdate.update', format: 'int', mark: 'critical', sourceURI: './FUMO/x', data: '410', correlator: 'abc' },
    ]);
  });

  it('accepts Correlator after Data in XML, in package 1, and answers it 200', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    srvLink.recordSent = true;
    const xml = `<?xml version="1.0"?><SyncML xmlns="SYNCML:SYNCML1.2"><SyncHdr><VerDTD>1.2</VerDTD><VerProto>DM/1.2</VerProto><SessionID>5</SessionID><MsgID>1</MsgID><Target><LocURI>fumo-kiosk</LocURI></Target><Source><LocURI>IMEI:1</LocURI></Source></SyncHdr><SyncBody><Alert><CmdID>1</CmdID><Data>1201</Data></Alert><Alert><CmdID>2</CmdID><Data>1226</Data><Item><Source><LocURI>./FUMO/x/Update</LocURI></Source><Meta><Type xmlns="syncml:metinf">Reversed-Domain-Name: org.openmobilealliance.dm.firmwareupdate.update</Type><Format xmlns="syncml:metinf">int</Format></Meta><Data>200</Data></Item><Correlator>c-9</Correlator></Alert><Final/></SyncBody></SyncML>`;
    await cliLink.send({ body: new TextEncoder().encode(xml), contentType: 'application/vnd.syncml+xml' });
    const s = await acceptSession(srvLink, { serverId: 'fumo-kiosk' });
    expect(s.hello.genericAlerts).toEqual([{ type: 'org.openmobilealliance.dm.firmwareupdate.update', format: 'int', sourceURI: './FUMO/x/Update', data: '200', correlator: 'c-9' }]);
    await s.end();
    const [m] = decodeAll(srvLink.stats.sent);
    expect(m!.body.find((c) => c.kind === 'Status' && c.cmdRef === '2')).toMatchObject({ cmd: 'Alert', data: '200' });
    expect(m!.final).toBe(true);
    expect(m!.body.every((c) => c.kind === 'Status')).toBe(true);
  });

  it('waitForGenericAlert keeps the session alive with Get packages until the alert comes', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    const clock = new FakeClock();
    const handler = new TreeHandler();
    let polls = 0;
    const origGet = handler.get.bind(handler);
    handler.get = (uri) => {
      if (uri === './DevInfo/DevId' && ++polls === 2) {
        handler.pendingAlerts.push({ type: 'org.openmobilealliance.dm.firmwareupdate.update', data: '200', correlator: 'k' });
      }
      return origGet(uri);
    };
    const client = runClientSession(cliLink, { ...base, encoding: 'wbxml' }, handler);
    const s = await acceptSession(srvLink, { serverId: 'fumo-kiosk', clock, keepAliveIntervalMs: 1000, timeoutMs: 1e9 });
    const wait = s.waitForGenericAlert((g) => g.correlator === 'k', 60_000);
    for (let i = 0; i < 2; i++) {
      await vi.waitFor(() => expect(clock.dueWithin(1000)).toBe(true));
      clock.advance(1000);
      // Let the poll package complete before the next timer.
      await vi.waitFor(() => expect(polls).toBe(i + 1));
    }
    const g = await wait;
    expect(g.correlator).toBe('k');
    // The device put the alert in its answer to the second keep-alive Get.
    expect(polls).toBe(2);
    await s.end();
    expect((await client).deliveredAlerts.map((a) => a.correlator)).toEqual(['k']);
  });

  it('waitForGenericAlert times out through the clock', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    const clock = new FakeClock();
    const client = runClientSession(cliLink, { ...base, encoding: 'xml' }, new TreeHandler());
    const s = await acceptSession(srvLink, { serverId: 'fumo-kiosk', clock, keepAliveIntervalMs: 5000, timeoutMs: 1e9 });
    const wait = s.waitForGenericAlert(() => true, 4000);
    await vi.waitFor(() => expect(clock.pending).toBe(1));
    clock.advance(4000);
    await expect(wait).rejects.toMatchObject({ code: 'LINK_TIMEOUT' });
    await s.end();
    await client;
  });
});

describe('user interaction', () => {
  it('confirm maps 200/304/214/406; a declined confirmation in a Sequence skips the rest with 215', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    const handler = new TreeHandler();
    const client = runClientSession(cliLink, { ...base, encoding: 'xml' }, handler);
    const s = await acceptSession(srvLink, { serverId: 'fumo-kiosk' });
    handler.uiReply = { status: 200 };
    expect(await s.confirm('Install?', { maxDisplaySeconds: 30, defaultResponse: '0' })).toBe('yes');
    expect(handler.interactions[0]).toEqual({ code: 1101, options: { MAXDT: '30', DR: '0' }, text: 'Install?', choices: [] });
    handler.uiReply = { status: 304 };
    expect(await s.confirm('Install?')).toBe('no');
    handler.uiReply = { status: 214 };
    expect(await s.confirm('Install?')).toBe('cancelled');
    handler.uiReply = { status: 406 };
    expect(await s.display('Hello')).toBe(406);
    await s.end();
    await client;
  });

  it('Sequence with a declined 1101: later commands of the Sequence get 215; a cancel stops the message', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    const handler = new TreeHandler();
    const client = runClientSession(cliLink, { ...base, encoding: 'wbxml' }, handler);
    // Drive the client by hand as a server.
    const recv = async () => {
      const p = await srvLink.receive();
      return decodeMessage(p.body, p.contentType).message;
    };
    await recv();
    const ui = (code: string): Command => ({ kind: 'Alert', cmdID: '', data: code, items: [{}, { data: 'Go?' }] });
    const rep = (uri: string): Command => ({ kind: 'Replace', cmdID: '', items: [{ target: { locURI: uri }, data: 'v' }] });
    const number = (cmds: Command[], n = { v: 0 }): Command[] =>
      cmds.map((c) => (c.kind === 'Sequence' ? { ...c, cmdID: String(++n.v), commands: number(c.commands, n) } : { ...c, cmdID: String(++n.v) }));
    handler.uiReply = { status: 304 };
    const body = number([{ kind: 'Sequence', cmdID: '', commands: [rep('./a'), ui('1101'), rep('./b'), rep('./c')] }, rep('./d')]);
    const msg: SyncMLMessage = { header: { verDTD: '1.2', verProto: 'DM/1.2', sessionID: '1', msgID: '1', target: { locURI: DEV_INFO.DevId }, source: { locURI: 'fumo-kiosk' } }, body, final: true };
    await srvLink.send({ body: encodeMessage(msg, 'wbxml'), contentType: contentTypeOf('wbxml') });
    const r = await recv();
    const st = Object.fromEntries(r.body.flatMap((c) => (c.kind === 'Status' && c.cmdRef !== '0' ? [[c.cmdRef, c.data]] : [])));
    expect(st).toEqual({ '1': '200', '2': '200', '3': '304', '4': '215', '5': '215', '6': '200' });
    expect(handler.nodes.has('./a')).toBe(true);
    expect(handler.nodes.has('./b')).toBe(false);
    expect(handler.nodes.has('./d')).toBe(true);
    // Cancel (214) outside a Sequence: processing of the message stops.
    handler.uiReply = { status: 214 };
    const msg2: SyncMLMessage = { ...msg, header: { ...msg.header, msgID: '2' }, body: number([ui('1101'), rep('./e')]) };
    await srvLink.send({ body: encodeMessage(msg2, 'wbxml'), contentType: contentTypeOf('wbxml') });
    const r2 = await recv();
    expect(r2.body.filter((c) => c.kind === 'Status' && c.cmdRef !== '0').map((c) => (c.kind === 'Status' ? c.data : ''))).toEqual(['214', '215']);
    const end: SyncMLMessage = { ...msg, header: { ...msg.header, msgID: '3' }, body: [] };
    await srvLink.send({ body: encodeMessage(end, 'wbxml'), contentType: contentTypeOf('wbxml') });
    await client;
  });
});

describe('multi-message packages', () => {
  it('splits a large server package and a large client reply across messages, correlating by MsgRef/CmdRef', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    srvLink.recordSent = true;
    cliLink.recordSent = true;
    const handler = new TreeHandler();
    for (let i = 0; i < 60; i++) handler.nodes.set(`./Big/${i}`, `value-${i}-${'z'.repeat(60)}`);
    const client = runClientSession(cliLink, { ...base, encoding: 'xml', maxMsgSize: 2000 }, handler);
    const s = await acceptSession(srvLink, { serverId: 'fumo-kiosk', maxMsgSize: 2500 });
    const uris = Array.from({ length: 60 }, (_, i) => `./Big/${i}`);
    const results = await s.get(uris);
    expect(results.map((r) => r.values[0]?.data)).toEqual(uris.map((_, i) => `value-${i}-${'z'.repeat(60)}`));
    await s.end();
    await client;
    const fromServer = decodeAll(srvLink.stats.sent);
    const fromClient = decodeAll(cliLink.stats.sent);
    expect(Math.max(...srvLink.stats.sent.map((p) => p.body.length))).toBeLessThanOrEqual(2000);
    expect(Math.max(...cliLink.stats.sent.map((p) => p.body.length))).toBeLessThanOrEqual(2500);
    // The Gets that do not fit one message go in later packages (DM protocol 2.1: no new commands
    // before the statuses of the previous ones; Final on every server message where possible).
    const getMsgs = fromServer.filter((m) => m.body.some((c) => c.kind === 'Get'));
    expect(getMsgs.length).toBeGreaterThan(1);
    expect(getMsgs.every((m) => m.final)).toBe(true);
    // The client's answer spans messages: some carry no Final (the client's 1222 is covered by the large-object tests).
    expect(fromClient.some((m) => !m.final)).toBe(true);
    // The server answered a non-final client message with the Next Message response.
    expect(fromServer.some((m) => !m.final && m.body.some((c) => c.kind === 'Alert' && c.data === '1222') && !m.body.some((c) => c.kind === 'Get'))).toBe(true);
    // MsgIDs count up by one.
    expect(fromServer.map((m) => Number(m.header.msgID))).toEqual(fromServer.map((_, i) => i + 1));
    expect(fromClient.map((m) => Number(m.header.msgID))).toEqual(fromClient.map((_, i) => i + 1));
  });
});

describe('authentication variants', () => {
  for (const encoding of ['xml', 'wbxml'] as const) {
    it(`HMAC both ways, a fresh nonce every message (${encoding})`, async () => {
      const [srvLink, cliLink] = createMemoryLinkPair();
      srvLink.recordSent = true;
      cliLink.recordSent = true;
      const client = runClientSession(cliLink, { ...base, encoding, clientAuth: 'hmac', serverAuth: 'hmac' }, new TreeHandler(), {
        accounts: new MemoryAuthAccountStore([account()]),
        random: seededRandom(11),
      });
      const s = await acceptSession(srvLink, {
        serverId: 'fumo-kiosk',
        clientAuth: 'hmac',
        serverAuth: 'hmac',
        serverCredentials: 'always',
        accounts: new MemoryAuthAccountStore([account()]),
        random: seededRandom(12),
      });
      expect((await s.get(['./DevDetail/FwV']))[0]!.status).toBe(200);
      expect(await s.replace('./Z', 'z')).toBe(200);
      await s.end();
      expect((await client).serverAuthenticated).toBe(true);
      expect(cliLink.stats.sent.every((p) => /^algorithm=MD5, username="device-user", mac=/.test(p.headers?.['x-syncml-hmac'] ?? ''))).toBe(true);
      expect(srvLink.stats.sent.every((p) => /username="fumo-kiosk"/.test(p.headers?.['x-syncml-hmac'] ?? ''))).toBe(true);
      const nonces = decodeAll(srvLink.stats.sent).map((m) => m.body.find((c) => c.kind === 'Status' && c.cmdRef === '0'));
      const nn = nonces.map((st) => (st?.kind === 'Status' ? st.chal?.meta.nextNonce : undefined));
      expect(new Set(nn).size).toBe(nn.length);
    });
  }

  it('server credentials only when the device challenges: 407 then the package is resent with Cred', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    srvLink.recordSent = true;
    const handler = new TreeHandler();
    const client = runClientSession(cliLink, { ...base, encoding: 'wbxml', serverAuth: 'md5' }, handler, {
      accounts: new MemoryAuthAccountStore([account()]),
      random: seededRandom(5),
    });
    const s = await acceptSession(srvLink, { serverId: 'fumo-kiosk', accounts: new MemoryAuthAccountStore([account()]), random: seededRandom(6) });
    expect(await s.replace('./Q', 'q')).toBe(200);
    expect(handler.nodes.get('./Q')).toBe('q');
    await s.end();
    expect((await client).serverAuthenticated).toBe(true);
    const sent = decodeAll(srvLink.stats.sent);
    expect(sent[0]!.header.cred).toBeUndefined();
    expect(sent[1]!.header.cred?.meta.type).toBe('syncml:auth-md5');
    expect(sent[1]!.body.some((c) => c.kind === 'Replace')).toBe(true);
  });

  it('package 0 nonce resynchronisation: client and server use 0x00000000, then fresh nonces', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    const serverStore = new MemoryAuthAccountStore([account({ clientNonce: Buffer.from('server-side-view').toString('base64') })]);
    const client = runClientSession(cliLink, { ...base, encoding: 'wbxml', clientAuth: 'md5', resyncNonce: true }, new TreeHandler(), {
      accounts: new MemoryAuthAccountStore([account()]),
    });
    const s = await acceptSession(srvLink, { serverId: 'fumo-kiosk', clientAuth: 'md5', acceptResyncNonce: true, accounts: serverStore, random: seededRandom(9) });
    expect(s.hello.authenticatedAs).toBe('device-user');
    await s.end();
    await client;
  });

  it('records the device RespURI', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    const msg: SyncMLMessage = {
      header: { verDTD: '1.2', verProto: 'DM/1.2', sessionID: '1', msgID: '1', target: { locURI: 'fumo-kiosk' }, source: { locURI: 'IMEI:1' }, respURI: 'obex://reply' },
      body: [{ kind: 'Alert', cmdID: '1', data: '1201', items: [] }],
      final: true,
    };
    await cliLink.send({ body: encodeMessage(msg, 'xml'), contentType: contentTypeOf('xml') });
    const s = await acceptSession(srvLink, { serverId: 'fumo-kiosk' });
    expect(s.respURI).toBe('obex://reply');
  });
});
