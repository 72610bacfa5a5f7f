/**
 * User interaction alerts (DM protocol 2.5), package 0 (DM notification 6.2), RespURI and
 * the content types a DM message may come with.
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../../../src/core/dm/codec';
import type { Alert, Command, Sequence, SyncMLMessage } from '../../../src/core/dm/model';
import { PACKAGE0_CONTENT_TYPE, decodePackage0, encodePackage0, sessionIdText, verifyPackage0Digest } from '../../../src/core/dm/pkg0';
import { parseUiOptions, runClientSession } from '../../../src/core/session/client';
import { createMemoryLinkPair } from '../../../src/core/session/memory-link';
import { acceptSession } from '../../../src/core/session/server';
import { DEV_INFO, TreeHandler } from '../session/fixtures';
import { RawPeer, decodeAll, hdr, hdrStatus, specBytes, statuses } from './helpers';

const SERVER = 'fumo-kiosk';
const DEV = DEV_INFO.DevId;
const opts = { devId: DEV, serverId: SERVER, initiator: 'client' as const, sessionId: '3', devInfo: DEV_INFO, encoding: 'xml' as const };

describe('user interaction options (2.5.3)', () => {
  it('the server writes MINDT, MAXDT and DR URL-encoded in Item 1, the text in Item 2; no options = an empty Item 1', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    srvLink.recordSent = true;
    const handler = new TreeHandler();
    const client = runClientSession(cliLink, opts, handler);
    const s = await acceptSession(srvLink, { serverId: SERVER });
    await s.display('Update in progress', { minDisplaySeconds: 10, maxDisplaySeconds: 20, defaultResponse: 'a b&c=d' });
    await s.confirm('Install now?');
    await s.end();
    await client;
    const alerts = decodeAll(srvLink.stats.sent).flatMap((m) => m.body.filter((c): c is Alert => c.kind === 'Alert'));
    expect(alerts.map((a) => [a.data, a.items.map((i) => i.data ?? null)])).toEqual([
      ['1100', ['MINDT=10&MAXDT=20&DR=a%20b%26c%3Dd', 'Update in progress']],
      ['1101', [null, 'Install now?']],
    ]);
    expect(alerts[1]!.items[0]).toEqual({});
    // The client reads them back decoded.
    expect(handler.interactions.map((i) => i.options)).toEqual([{ MINDT: '10', MAXDT: '20', DR: 'a b&c=d' }, {}]);
  });

  it('MINDT and MAXDT are positive integers: a 0 (or less) leaves the option out of Item 1', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    srvLink.recordSent = true;
    const handler = new TreeHandler();
    const client = runClientSession(cliLink, opts, handler);
    const s = await acceptSession(srvLink, { serverId: SERVER });
    await s.confirm('Install now?', { minDisplaySeconds: 0, maxDisplaySeconds: 30 });
    await s.display('Done', { minDisplaySeconds: 0.2, maxDisplaySeconds: -5 });
    await s.end();
    await client;
    const alerts = decodeAll(srvLink.stats.sent).flatMap((m) => m.body.filter((c): c is Alert => c.kind === 'Alert'));
    expect(alerts.map((a) => [a.data, a.items[0]?.data ?? null])).toEqual([
      ['1101', 'MAXDT=30'],
      ['1100', null],
    ]);
  });

  it('the client keeps the six defined options, URL-decoded, and skips unknown or malformed ones', () => {
    expect(parseUiOptions('MINDT=10&FOO=bar&MAXDT=20&DR=1&MAXLEN=5&IT=A&ET=P&junk&=x&MAXLEN%3D=9')).toEqual({ MINDT: '10', MAXDT: '20', DR: '1', MAXLEN: '5', IT: 'A', ET: 'P' });
    expect(parseUiOptions('DR=%E2%82%AC%20ok&IT=%')).toEqual({ DR: '€ ok' });
    expect(parseUiOptions(undefined)).toEqual({});
  });

  for (const [status, answer] of [
    [200, 'yes'],
    [304, 'no'],
    [214, 'cancelled'],
    [408, 'timeout'],
    [406, 'unsupported'],
  ] as const) {
    it(`confirm: the device answers ${status}, the kiosk reads "${answer}"`, async () => {
      const [srvLink, cliLink] = createMemoryLinkPair();
      const handler = new TreeHandler();
      handler.uiReply = { status };
      const client = runClientSession(cliLink, opts, handler);
      const s = await acceptSession(srvLink, { serverId: SERVER });
      expect(await s.confirm('?')).toBe(answer);
      await s.end();
      await client;
    });
  }
});

describe('commands skipped because of the user get 215 (2.5.2.2)', () => {
  async function run(reply: number, body: Command[]): Promise<SyncMLMessage> {
    const [srv, cli] = createMemoryLinkPair();
    const peer = new RawPeer(srv);
    const handler = new TreeHandler();
    handler.uiReply = { status: reply };
    const done = runClientSession(cli, opts, handler);
    const pkg1 = await peer.receive();
    await peer.send({ header: hdr('1', SERVER, DEV, '3'), body: [hdrStatus('1', pkg1, '200'), ...body], final: true });
    const r = await peer.receive();
    await peer.send({ header: hdr('2', SERVER, DEV, '3'), body: [hdrStatus('1', r, '200')], final: true });
    await done;
    return r;
  }
  const confirm: Alert = { kind: 'Alert', cmdID: '3', data: '1101', items: [{}, { data: 'Go?' }] };
  const rep = (id: string, uri: string): Command => ({ kind: 'Replace', cmdID: id, items: [{ target: { locURI: uri }, data: 'v' }] });

  it('304 inside a Sequence: the rest of the Sequence 215, commands outside it run', async () => {
    const seq: Sequence = { kind: 'Sequence', cmdID: '2', commands: [confirm, rep('4', './In')] };
    const r = await run(304, [seq, rep('5', './Out')]);
    expect(statuses(r).slice(1).map((s) => [s.cmdRef, s.cmd, s.data])).toEqual([
      ['2', 'Sequence', '200'],
      ['3', 'Alert', '304'],
      ['4', 'Replace', '215'],
      ['5', 'Replace', '200'],
    ]);
  });

  it('304 directly in SyncBody changes nothing', async () => {
    const r = await run(304, [{ ...confirm, cmdID: '2' }, rep('3', './Out')]);
    expect(statuses(r).slice(1).map((s) => [s.cmdRef, s.data])).toEqual([
      ['2', '304'],
      ['3', '200'],
    ]);
  });

  it('214 (cancelled) stops the message: every later command 215', async () => {
    const r = await run(214, [{ ...confirm, cmdID: '2' }, rep('3', './A'), { kind: 'Get', cmdID: '4', items: [{ target: { locURI: './DevInfo/DevId' } }] }]);
    expect(statuses(r).slice(1).map((s) => [s.cmdRef, s.data])).toEqual([
      ['2', '214'],
      ['3', '215'],
      ['4', '215'],
    ]);
    expect(r.body.some((c) => c.kind === 'Results')).toBe(false);
  });
});

describe('package 0 (6.2)', () => {
  const md5 = (b: Uint8Array | string): Buffer => createHash('md5').update(b).digest();
  const nonce = Buffer.from('server-nonce');

  it('field layout: version 11 (10 bits), ui-mode (2), initiator (1), 27 zero bits, session id (16), id length (8), id, vendor', () => {
    const bytes = encodePackage0({ uiMode: 'informative', initiator: 'server', sessionId: 0x1a2b, serverId: 'kiosk', vendor: new Uint8Array([0xee]) }, { password: 'pw', nonce });
    // 0000001011 10 1 000000000000000000000000000 = 00000010 11101000 00000000 00000000 00000000
    expect([...bytes.subarray(16)]).toEqual([0x02, 0xe8, 0x00, 0x00, 0x00, 0x1a, 0x2b, 5, ...Buffer.from('kiosk'), 0xee]);
    const trigger = bytes.subarray(16);
    const digest = md5(Buffer.concat([Buffer.from(md5('kiosk:pw').toString('base64')), Buffer.from(':'), nonce, Buffer.from(':'), Buffer.from(md5(trigger).toString('base64'))]));
    expect(Buffer.from(bytes.subarray(0, 16)).equals(digest)).toBe(true);
    expect(verifyPackage0Digest(bytes, 'pw', nonce)).toBe(true);
    expect(verifyPackage0Digest(bytes, 'pw', Buffer.from('other'))).toBe(false);
    expect(decodePackage0(bytes)).toMatchObject({ version: 11, uiMode: 'informative', initiator: 'server', future: 0, sessionId: 0x1a2b, serverId: 'kiosk' });
    expect(PACKAGE0_CONTENT_TYPE).toBe('application/vnd.syncml.notification');
  });

  it('ui-mode and initiator bits: background/client = 01 0, user-interaction/server = 11 1', () => {
    const b = (uiMode: 'background' | 'user-interaction', initiator: 'client' | 'server') =>
      encodePackage0({ uiMode, initiator, sessionId: 1, serverId: 's' }, { password: 'p', nonce })[17];
    expect(b('background', 'client')).toBe(0b11_01_0_000);
    expect(b('user-interaction', 'server')).toBe(0b11_11_1_000);
  });

  it('session id: 1..FFFF, sent as upper-case hex without leading zeros; 0 is refused', () => {
    expect(sessionIdText(0x0a2b)).toBe('A2B');
    expect(sessionIdText(0xffff)).toBe('FFFF');
    expect(() => encodePackage0({ uiMode: 'background', initiator: 'server', sessionId: 0, serverId: 's' }, { password: 'p', nonce })).toThrow(RangeError);
  });
});

describe('RespURI and content types', () => {
  it('the server records the RespURI the device sends; the client records the server\'s', async () => {
    const [srv, cli] = createMemoryLinkPair();
    const dev = new RawPeer(cli);
    const m = decodeMessage(specBytes('2.4.4-pkg1-no-credentials.xml')).message;
    m.header.respURI = 'http://device.example/dm?s=1';
    await dev.send(m);
    const s = await acceptSession(srv, { serverId: SERVER });
    expect(s.respURI).toBe('http://device.example/dm?s=1');
    const ending = s.end();
    await dev.receive();
    await ending;

    const [srv2, cli2] = createMemoryLinkPair();
    const peer = new RawPeer(srv2);
    const run = runClientSession(cli2, opts, new TreeHandler());
    const pkg1 = await peer.receive();
    await peer.send({ header: { ...hdr('1', SERVER, DEV, '3'), respURI: 'https://kiosk.example/dm/next' }, body: [hdrStatus('1', pkg1, '200')], final: true });
    expect((await run).respURI).toBe('https://kiosk.example/dm/next');
  });

  it('the server writes its configured RespURI in every SyncHdr it sends; none when not configured', async () => {
    for (const respURI of ['http://127.0.0.1:8080/dm/s/abc123', undefined]) {
      const [srvLink, cliLink] = createMemoryLinkPair();
      srvLink.recordSent = true;
      const client = runClientSession(cliLink, opts, new TreeHandler());
      const s = await acceptSession(srvLink, { serverId: SERVER, ...(respURI ? { respURI } : {}) });
      await s.get(['./DevInfo/Man']);
      await s.end();
      const outcome = await client;
      const sent = decodeAll(srvLink.stats.sent);
      expect(sent.length).toBeGreaterThanOrEqual(2);
      expect(sent.map((m) => m.header.respURI)).toEqual(sent.map(() => respURI));
      expect(outcome.respURI).toBe(respURI);
    }
  });

  it('accepts application/vnd.syncml.dm+xml|+wbxml and the older application/vnd.syncml+xml|+wbxml, with parameters, any case', () => {
    const m = decodeMessage(specBytes('2.6.1.1-pkg1-initialization.xml')).message;
    const xml = encodeMessage(m, 'xml');
    const wbxml = encodeMessage(m, 'wbxml');
    for (const [ct, body, enc] of [
      ['application/vnd.syncml.dm+xml', xml, 'xml'],
      ['application/vnd.syncml+xml', xml, 'xml'],
      ['Application/VND.SyncML.DM+XML; charset=UTF-8', xml, 'xml'],
      ['application/vnd.syncml.dm+wbxml', wbxml, 'wbxml'],
      ['application/vnd.syncml+wbxml', wbxml, 'wbxml'],
    ] as const) {
      const d = decodeMessage(body, ct);
      expect(d.encoding).toBe(enc);
      expect(d.message).toEqual(m);
    }
    expect(() => decodeMessage(xml, 'text/plain')).toThrow();
  });

  it('the server answers in the encoding of package 1 with the DM content type, whatever form the device used', async () => {
    const [srv, cli] = createMemoryLinkPair();
    const m = decodeMessage(specBytes('2.4.4-pkg1-no-credentials.xml')).message;
    await cli.send({ body: encodeMessage(m, 'wbxml'), contentType: 'application/vnd.syncml+wbxml' });
    const s = await acceptSession(srv, { serverId: SERVER });
    const ending = s.end();
    const reply = await cli.receive();
    await ending;
    expect(reply.contentType).toBe('application/vnd.syncml.dm+wbxml');
    expect(decodeMessage(reply.body).encoding).toBe('wbxml');
  });
});
