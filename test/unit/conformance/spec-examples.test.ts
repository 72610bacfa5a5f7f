/**
 * The example messages of the OMA DM 1.2 specification (test/fixtures/spec): the XML decoder
 * reads each as the text says, the WBXML and XML round trips keep every field, and the session
 * engines react to them as the specification describes.
 */
import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { MemoryAuthAccountStore } from '../../../src/core/dm/auth';
import { decodeMessage } from '../../../src/core/dm/codec';
import type { Alert, ItemCommand, Status, SyncMLMessage } from '../../../src/core/dm/model';
import { decodeWbxml, encodeWbxml } from '../../../src/core/dm/wbxml';
import { decodeXml, encodeXml } from '../../../src/core/dm/xml';
import { runClientSession } from '../../../src/core/session/client';
import type { UserInteraction } from '../../../src/core/session/client-api';
import { createMemoryLinkPair } from '../../../src/core/session/memory-link';
import { acceptSession } from '../../../src/core/session/server';
import { TreeHandler, seededRandom } from '../session/fixtures';
import { RawPeer, SPEC_DEVICE, SPEC_SERVER, hdr, hdrStatus, specBytes, specFiles, statuses } from './helpers';

const decode = (name: string): SyncMLMessage => decodeXml(specBytes(name));

describe('spec examples: decoding and lossless round trips', () => {
  it('has the fixtures', () => {
    expect(specFiles().length).toBeGreaterThanOrEqual(19);
  });
  for (const name of specFiles()) {
    it(`${name}: decodes; XML -> WBXML -> model and XML -> XML -> model keep every field`, () => {
      const m = decode(name);
      expect(m.header.verDTD).toBe('1.2');
      expect(m.header.verProto).toBe('DM/1.2');
      expect(m.final).toBe(true);
      expect(decodeWbxml(encodeWbxml(m))).toEqual(m);
      expect(decodeXml(encodeXml(m))).toEqual(m);
      // The codec entry point sniffs both encodings.
      expect(decodeMessage(encodeWbxml(m)).message).toEqual(m);
      expect(decodeMessage(specBytes(name), 'application/vnd.syncml.dm+xml').encoding).toBe('xml');
    });
  }

  it('2.6.1.1 package 1: header Cred and MaxMsgSize, Alert 1200, the five DevInfo leaves', () => {
    const m = decode('2.6.1.1-pkg1-initialization.xml');
    expect(m.header).toMatchObject({ sessionID: '1', msgID: '1', target: { locURI: SPEC_SERVER }, source: { locURI: SPEC_DEVICE }, meta: { maxMsgSize: 5000 } });
    expect(m.header.cred).toEqual({ meta: { type: 'syncml:auth-basic', format: 'b64' }, data: '' });
    expect(m.body.map((c) => [c.kind, c.cmdID])).toEqual([
      ['Alert', '1'],
      ['Replace', '3'],
    ]);
    expect((m.body[0] as Alert).data).toBe('1200');
    const r = m.body[1] as ItemCommand;
    expect(r.items.map((i) => [i.source?.locURI, i.meta?.format, i.meta?.type, i.data])).toEqual([
      ['./DevInfo/DevId', 'chr', 'text/plain', 'IMEI:493005100592800'],
      ['./DevInfo/Man', 'chr', 'text/plain', 'Device Factory, Inc.'],
      ['./DevInfo/Mod', 'chr', 'text/plain', 'SmartPhone2000'],
      ['./DevInfo/DmV', 'chr', 'text/plain', '1.0.0.1'],
      ['./DevInfo/Lang', 'chr', 'text/plain', 'en-US'],
    ]);
  });

  it('2.4.4 package 2: Status 407 for the SyncHdr with a basic Chal', () => {
    const [s] = statuses(decode('2.4.4-pkg2-status-407-chal-basic.xml'));
    expect(s).toEqual({
      kind: 'Status',
      cmdID: '1',
      msgRef: '1',
      cmdRef: '0',
      cmd: 'SyncHdr',
      targetRefs: [SPEC_SERVER],
      sourceRefs: [SPEC_DEVICE],
      chal: { meta: { type: 'syncml:auth-basic', format: 'b64' } },
      data: '407',
      items: [],
    });
  });

  it('2.5.2.5 Add with Size: Meta before Target is read, the Type is trimmed, the empty b64 Data is zero bytes', () => {
    const add = decode('2.5.2.5-add-size-progress.xml').body[1] as ItemCommand;
    expect(add.kind).toBe('Add');
    expect(add.meta?.type).toBe('application/antivirus-inc.virusdef');
    expect(add.items).toHaveLength(1);
    expect(add.items[0]!.target?.locURI).toBe('./antivirus_data');
    expect(add.items[0]!.meta?.size).toBe(37214);
    expect(add.items[0]!.data).toBeInstanceOf(Uint8Array);
    expect((add.items[0]!.data as Uint8Array).length).toBe(0);
  });

  it('2.5.2 user interaction statuses: 304, a typed text, one choice, two choices', () => {
    const one = (n: string): Status => statuses(decode(n))[1]!;
    expect(one('2.5.2.2-status-1101-no.xml')).toMatchObject({ msgRef: '1', cmdRef: '2', cmd: 'Alert', data: '304', items: [] });
    expect(one('2.5.2.3-status-1102-input.xml').items.map((i) => i.data)).toEqual(['CNN']);
    expect(one('2.5.2.4-status-1103-choice.xml').items.map((i) => i.data)).toEqual(['2']);
    expect(one('2.5.2.4-status-1104-choices.xml').items.map((i) => i.data)).toEqual(['3', '2']);
  });
});

/** Run the client engine against one server message from the fixtures, then close the session. */
async function clientAgainst(name: string, handler: TreeHandler): Promise<{ pkg1: SyncMLMessage; reply: SyncMLMessage }> {
  const [srv, cli] = createMemoryLinkPair();
  const peer = new RawPeer(srv);
  const run = runClientSession(cli, { devId: SPEC_DEVICE, serverId: SPEC_SERVER, initiator: 'server', sessionId: '1', devInfo: { DevId: SPEC_DEVICE }, encoding: 'xml' }, handler);
  const pkg1 = await peer.receive();
  await peer.sendBytes(specBytes(name));
  const reply = await peer.receive();
  // A final package with only the SyncHdr status: the session ends (DM protocol 2.4, 2.1).
  await peer.send({ header: hdr('2', SPEC_SERVER, SPEC_DEVICE), body: [hdrStatus('1', reply, '200')], final: true });
  const outcome = await run;
  expect(outcome.messagesSent).toBe(2);
  return { pkg1, reply };
}

describe('spec examples: the client engine reacts as the specification says', () => {
  const cases: Array<{ file: string; code: UserInteraction['code']; options: Record<string, string>; text: string; choices: string[]; answer: { status: number; data?: string[] } }> = [
    { file: '2.5.2.1-alert-1100-display.xml', code: 1100, options: { MINDT: '10' }, text: 'Management in progress', choices: [], answer: { status: 200 } },
    { file: '2.5.2.2-alert-1101-confirm.xml', code: 1101, options: {}, text: 'Do you want to add the CNN access point?', choices: [], answer: { status: 304 } },
    { file: '2.5.2.3-alert-1102-text-input.xml', code: 1102, options: {}, text: 'Type in the name of the service you would like to configure', choices: [], answer: { status: 200, data: ['CNN'] } },
    { file: '2.5.2.4-alert-1103-single-choice.xml', code: 1103, options: { MINDT: '10' }, text: 'Select service to configure', choices: ['CNN', 'Mobilbank', 'Game Channel'], answer: { status: 200, data: ['2'] } },
    { file: '2.5.2.4-alert-1104-multiple-choice.xml', code: 1104, options: {}, text: 'Select service to configure', choices: ['CNN', 'Mobilbank', 'Game Channel'], answer: { status: 200, data: ['3', '2'] } },
  ];
  for (const c of cases) {
    it(`${c.file}: the handler sees code, options, text and choices; the Status carries the answer`, async () => {
      const handler = new TreeHandler();
      handler.uiReply = c.answer;
      const { pkg1, reply } = await clientAgainst(c.file, handler);
      expect(pkg1.body.find((x): x is Alert => x.kind === 'Alert')?.data).toBe('1200');
      expect(handler.interactions).toEqual([{ code: c.code, options: c.options, text: c.text, choices: c.choices }]);
      const s = statuses(reply);
      expect(s[0]).toMatchObject({ cmdRef: '0', cmd: 'SyncHdr', msgRef: '1', targetRefs: [SPEC_DEVICE], sourceRefs: [SPEC_SERVER] });
      // The server's own Status (CmdID 1 of its message) gets no Status back.
      expect(s.filter((x) => x.cmdRef === '1')).toEqual([]);
      const ui = s.find((x) => x.cmdRef === '2')!;
      expect(ui).toMatchObject({ msgRef: '1', cmd: 'Alert', data: String(c.answer.status) });
      expect(ui.items.map((i) => i.data)).toEqual(c.answer.data ?? []);
    });
  }

  for (const node of ['Download', 'Update', 'DownloadAndUpdate']) {
    it(`10.2.1 Exec on x/${node}: the handler runs it and the Status is 202`, async () => {
      const handler = new TreeHandler();
      const { reply } = await clientAgainst(`10.2.1-exec-${node.toLowerCase()}.xml`, handler);
      expect(handler.execs).toEqual([{ uri: `x/${node}` }]);
      expect(statuses(reply).find((x) => x.cmdRef === '3')).toMatchObject({ cmd: 'Exec', msgRef: '1', targetRefs: [`x/${node}`], data: '202' });
    });
  }

  it('2.5.2.5 Add with Size and no MoreData is a whole object: written at once, answered 200', async () => {
    const handler = new TreeHandler();
    const { reply } = await clientAgainst('2.5.2.5-add-size-progress.xml', handler);
    expect(handler.nodes.get('./antivirus_data')).toBe('');
    expect(statuses(reply).find((x) => x.cmdRef === '2')).toMatchObject({ cmd: 'Add', data: '200', targetRefs: ['./antivirus_data'] });
  });
});

describe('spec examples: the server engine reacts as the specification says', () => {
  it('2.6.1.1 package 1 without required authentication: DevInfo, initiator, MaxMsgSize; Alert and Replace answered 200', async () => {
    const [srv, cli] = createMemoryLinkPair();
    const dev = new RawPeer(cli);
    await dev.sendBytes(specBytes('2.6.1.1-pkg1-initialization.xml'));
    const s = await acceptSession(srv, { serverId: SPEC_SERVER });
    expect(s.hello).toMatchObject({
      devId: SPEC_DEVICE,
      sessionId: '1',
      initiator: 'server',
      encoding: 'xml',
      maxMsgSize: 5000,
      devInfo: { DevId: SPEC_DEVICE, Man: 'Device Factory, Inc.', Mod: 'SmartPhone2000', DmV: '1.0.0.1', Lang: 'en-US' },
    });
    const ending = s.end();
    const m = await dev.receive();
    await ending;
    expect(m.header).toMatchObject({ verDTD: '1.2', verProto: 'DM/1.2', sessionID: '1', msgID: '1', target: { locURI: SPEC_DEVICE } });
    expect(m.body.map((c) => c.kind === 'Status' && [c.cmdID, c.msgRef, c.cmdRef, c.cmd, c.data])).toEqual([
      ['1', '1', '0', 'SyncHdr', '200'],
      ['2', '1', '1', 'Alert', '200'],
      ['3', '1', '3', 'Replace', '200'],
    ]);
    expect(m.final).toBe(true);
  });

  it('2.4.4 basic authentication with a challenge: 407 + Chal (statuses only), the resent package 1 gets 212', async () => {
    const accounts = new MemoryAuthAccountStore([
      { deviceId: SPEC_DEVICE, serverId: 'srv', clientName: 'user', clientSecret: 'pass', serverName: '', serverSecret: '', clientNonce: '', serverNonce: '' },
    ]);
    const [srv, cli] = createMemoryLinkPair();
    const dev = new RawPeer(cli);
    await dev.sendBytes(specBytes('2.4.4-pkg1-no-credentials.xml'));
    const accepting = acceptSession(srv, { serverId: 'srv', serverUri: SPEC_SERVER, clientAuth: 'basic', accounts, random: seededRandom(3) });
    const challenge = await dev.receive();
    expect(challenge.body.every((c) => c.kind === 'Status')).toBe(true);
    expect(statuses(challenge).map((c) => [c.cmdRef, c.cmd, c.data])).toEqual([
      ['0', 'SyncHdr', '407'],
      ['1', 'Alert', '407'],
    ]);
    expect(statuses(challenge)[0]!.chal).toEqual({ meta: { type: 'syncml:auth-basic', format: 'b64' } });
    // Package 1 again, now with credentials: B64("user:pass") computed here, not by the code under test.
    const again = decodeXml(specBytes('2.4.4-pkg1-no-credentials.xml'));
    again.header.msgID = '2';
    again.header.cred = { meta: { type: 'syncml:auth-basic', format: 'b64' }, data: Buffer.from('user:pass').toString('base64') };
    again.body.unshift(hdrStatus('1', challenge, '200'));
    again.body = again.body.map((c, i) => ({ ...c, cmdID: String(i + 1) }));
    await dev.send(again);
    const s = await accepting;
    expect(s.hello.authenticatedAs).toBe('user');
    const ending = s.end();
    const m = await dev.receive();
    await ending;
    expect(statuses(m)[0]).toMatchObject({ msgRef: '2', cmdRef: '0', cmd: 'SyncHdr', data: '212' });
    expect(statuses(m)[0]!.chal).toBeUndefined();
  });

  it('2.6.1.1 package 1 with an empty basic Cred where basic is required: 401 with a Chal', async () => {
    const accounts = new MemoryAuthAccountStore([
      { deviceId: SPEC_DEVICE, serverId: 'srv', clientName: 'user', clientSecret: 'pass', serverName: '', serverSecret: '', clientNonce: '', serverNonce: '' },
    ]);
    const [srv, cli] = createMemoryLinkPair();
    const dev = new RawPeer(cli);
    await dev.sendBytes(specBytes('2.6.1.1-pkg1-initialization.xml'));
    const accepting = acceptSession(srv, { serverId: 'srv', clientAuth: 'basic', accounts, random: seededRandom(3), timeoutMs: 10_000 });
    accepting.catch(() => undefined);
    const m = await dev.receive();
    expect(statuses(m).map((c) => [c.cmdRef, c.data])).toEqual([
      ['0', '401'],
      ['1', '401'],
      ['3', '401'],
    ]);
    expect(statuses(m)[0]!.chal?.meta.type).toBe('syncml:auth-basic');
    await cli.close();
    await expect(accepting).rejects.toBeDefined();
  });

  const alerts: Array<{ file: string; expected: object }> = [
    {
      file: 'generic-alert-1226-reppro-example.xml',
      expected: { type: 'org.domain.samplealert', format: 'xml', mark: 'critical', sourceURI: './SyncML/Sample', data: '', correlator: 'abc123' },
    },
    {
      file: 'generic-alert-1226-fumo-update-correlator-first.xml',
      expected: { type: 'org.openmobilealliance.dm.firmwareupdate.update', format: 'int', mark: 'critical', sourceURI: './FUMO/x', data: '200', correlator: 'job-42' },
    },
    {
      file: 'generic-alert-1226-fumo-download-exec-node.xml',
      expected: { type: 'org.openmobilealliance.dm.firmwareupdate.download', format: 'int', sourceURI: './FUMO/x/Download', data: '503' },
    },
  ];
  for (const a of alerts) {
    it(`${a.file}: read into hello.genericAlerts and answered 200`, async () => {
      const [srv, cli] = createMemoryLinkPair();
      const dev = new RawPeer(cli);
      await dev.sendBytes(specBytes(a.file));
      const s = await acceptSession(srv, { serverId: SPEC_SERVER });
      expect(s.hello.genericAlerts).toEqual([a.expected]);
      const ending = s.end();
      const m = await dev.receive();
      await ending;
      expect(statuses(m).find((c) => c.cmdRef === '2')).toMatchObject({ cmd: 'Alert', msgRef: '1', data: '200' });
    });
  }

  it('a Generic Alert sent after package 1 lands in session.genericAlerts', async () => {
    const [srv, cli] = createMemoryLinkPair();
    const dev = new RawPeer(cli);
    await dev.sendBytes(specBytes('2.4.4-pkg1-no-credentials.xml'));
    const s = await acceptSession(srv, { serverId: SPEC_SERVER });
    const getting = s.get(['./DevInfo/DevId']);
    const pkg2 = await dev.receive();
    const get = pkg2.body.find((c): c is ItemCommand => c.kind === 'Get')!;
    const ga = decodeXml(specBytes('generic-alert-1226-fumo-update-correlator-first.xml')).body[1] as Alert;
    await dev.send({
      header: hdr('2', SPEC_DEVICE, SPEC_SERVER),
      body: [
        hdrStatus('1', pkg2, '200'),
        { kind: 'Status', cmdID: '2', msgRef: pkg2.header.msgID, cmdRef: get.cmdID, cmd: 'Get', targetRefs: ['./DevInfo/DevId'], sourceRefs: [], data: '200', items: [] },
        { kind: 'Results', cmdID: '3', msgRef: pkg2.header.msgID, cmdRef: get.cmdID, targetRefs: [], sourceRefs: [], items: [{ source: { locURI: './DevInfo/DevId' }, data: SPEC_DEVICE }] },
        { ...ga, cmdID: '4' },
      ],
      final: true,
    });
    const [r] = await getting;
    expect(r).toEqual({ status: 200, values: [{ uri: './DevInfo/DevId', data: SPEC_DEVICE }] });
    expect(s.genericAlerts).toEqual([{ type: 'org.openmobilealliance.dm.firmwareupdate.update', format: 'int', mark: 'critical', sourceURI: './FUMO/x', data: '200', correlator: 'job-42' }]);
    const ending = s.end();
    const m = await dev.receive();
    await ending;
    // Statuses for the SyncHdr and the Alert; none for Status or Results.
    expect(statuses(m).map((c) => [c.msgRef, c.cmdRef, c.cmd])).toEqual([
      ['2', '0', 'SyncHdr'],
      ['2', '4', 'Alert'],
    ]);
  });
});
