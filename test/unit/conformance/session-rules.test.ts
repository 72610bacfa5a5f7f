/**
 * Session rules of DM protocol 2.1-2.4, checked on whole transcripts of the real engines
 * (server and client) and, rule by rule, against a hand-played peer.
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryAuthAccountStore } from '../../../src/core/dm/auth';
import type { Alert, Command, Item, ItemCommand, Results, SyncMLMessage } from '../../../src/core/dm/model';
import { runClientSession } from '../../../src/core/session/client';
import { createMemoryLinkPair } from '../../../src/core/session/memory-link';
import { acceptSession } from '../../../src/core/session/server';
import { DEV_INFO, TreeHandler, account, seededRandom } from '../session/fixtures';
import { RawPeer, commandsOf, decodeAll, flatten, hdr, hdrStatus, statuses } from './helpers';

const SERVER = 'fumo-kiosk';
const DEV = DEV_INFO.DevId;
const base = { devId: DEV, serverId: SERVER, initiator: 'client' as const, sessionId: '7', devInfo: DEV_INFO };

function bytesSource(n: number): { size: number; read(o: number, l: number): Promise<Uint8Array> } {
  return { size: n, read: (o, l) => Promise.resolve(Uint8Array.from({ length: l }, (_, i) => (o + i) % 251)) };
}

interface Transcript {
  client: SyncMLMessage[];
  server: SyncMLMessage[];
  clientSizes: number[];
  serverSizes: number[];
}

/** A busy session: a split Get package, writes, UI, an Exec whose result comes back, a large object. */
async function busySession(encoding: 'xml' | 'wbxml'): Promise<Transcript> {
  const [srvLink, cliLink] = createMemoryLinkPair();
  srvLink.recordSent = true;
  cliLink.recordSent = true;
  const handler = new TreeHandler();
  for (let i = 0; i < 40; i++) handler.nodes.set(`./Big/${i}`, `value-${i}-${'q'.repeat(50)}`);
  handler.alertAfterExec = (correlator) => ({ type: 'org.openmobilealliance.dm.firmwareupdate.update', format: 'int', sourceURI: './FUMO/x', data: '200', ...(correlator ? { correlator } : {}) });
  const client = runClientSession(cliLink, { ...base, encoding, maxMsgSize: 1800 }, handler);
  const s = await acceptSession(srvLink, { serverId: SERVER, maxMsgSize: 2400 });
  const uris = Array.from({ length: 40 }, (_, i) => `./Big/${i}`);
  const got = await s.get(uris);
  expect(got.map((g) => g.status)).toEqual(uris.map(() => 200));
  expect(await s.replace('./A', 'a')).toBe(200);
  expect(await s.display('hello', { minDisplaySeconds: 3 })).toBe(200);
  expect(await s.confirm('ok?')).toBe('yes');
  expect(await s.exec('./FUMO/x/Update', { correlator: 'c1' })).toBe(202);
  const ga = await s.waitForGenericAlert((g) => g.correlator === 'c1', 60_000);
  expect(ga.data).toBe('200');
  expect(await s.replaceLarge('./FUMO/x/Update/PkgData', bytesSource(6000), { type: 'application/octet-stream' })).toBe(200);
  await s.end();
  await client;
  return {
    client: decodeAll(cliLink.stats.sent),
    server: decodeAll(srvLink.stats.sent),
    clientSizes: cliLink.stats.sent.map((p) => p.body.length),
    serverSizes: srvLink.stats.sent.map((p) => p.body.length),
  };
}

const isChunk = (c: Command): boolean => (c.kind === 'Replace' || c.kind === 'Add') && c.items.some((i) => i.moreData);
const isNextMessage = (m: SyncMLMessage): boolean =>
  !m.final && commandsOf(m).length === 1 && commandsOf(m)[0]!.kind === 'Alert' && (commandsOf(m)[0] as Alert).data === '1222';

for (const encoding of ['xml', 'wbxml'] as const) {
  describe(`session transcript rules (${encoding})`, () => {
    let t: Transcript;
    it('runs a busy session', async () => {
      t = await busySession(encoding);
      expect(t.server.length).toBeGreaterThan(8);
      // Strict alternation over a request/response link: client k, server k, client k+1 ...
      expect(t.client.length).toBe(t.server.length);
    });

    it('MsgID counts 1, 2, 3 ... on each side; VerDTD 1.2, VerProto DM/1.2, one SessionID', () => {
      for (const side of [t.client, t.server]) {
        expect(side.map((m) => m.header.msgID)).toEqual(side.map((_, i) => String(i + 1)));
        expect(new Set(side.map((m) => `${m.header.verDTD} ${m.header.verProto} ${m.header.sessionID}`))).toEqual(new Set(['1.2 DM/1.2 7']));
      }
    });

    it('MaxMsgSize from the peer SyncHdr Meta caps every message (client 1800, kiosk 2400)', () => {
      expect(t.client[0]!.header.meta?.maxMsgSize).toBe(1800);
      expect(t.server[0]!.header.meta?.maxMsgSize).toBe(2400);
      expect(Math.max(...t.serverSizes)).toBeLessThanOrEqual(1800);
      expect(Math.max(...t.clientSizes)).toBeLessThanOrEqual(2400);
    });

    it('CmdIDs are unique within a message and count from 1 (nested commands included)', () => {
      for (const m of [...t.client, ...t.server]) {
        const ids = flatten(m.body).map((c) => c.cmdID);
        expect(ids).toEqual(ids.map((_, i) => String(i + 1)));
      }
    });

    it('the Status for the SyncHdr comes first in every response, with CmdRef 0, TargetRef and SourceRef', () => {
      const check = (m: SyncMLMessage, peer: SyncMLMessage): void => {
        expect(m.body[0]).toMatchObject({ kind: 'Status', cmdRef: '0', cmd: 'SyncHdr', msgRef: peer.header.msgID, targetRefs: [peer.header.target.locURI], sourceRefs: [peer.header.source.locURI] });
      };
      t.server.forEach((m, k) => check(m, t.client[k]!));
      t.client.slice(1).forEach((m, k) => check(m, t.server[k]!));
    });

    it('every command gets exactly one Status (none for Results), pointing by MsgRef/CmdRef to the right command', () => {
      const audit = (senders: SyncMLMessage[], answers: SyncMLMessage[]): void => {
        const expected = new Map<string, string>();
        for (const m of senders) for (const c of flatten(m.body)) if (c.kind !== 'Status' && c.kind !== 'Results' && !c.noResp) expected.set(`${m.header.msgID}:${c.cmdID}`, c.kind);
        const results = new Set<string>();
        for (const m of senders) for (const c of m.body) if (c.kind === 'Results') results.add(`${m.header.msgID}:${c.cmdID}`);
        const seen = new Map<string, number>();
        for (const m of answers) {
          for (const s of statuses(m)) {
            if (s.cmdRef === '0') continue;
            const key = `${s.msgRef}:${s.cmdRef}`;
            expect(results.has(key), `Status for Results ${key}`).toBe(false);
            expect(expected.get(key), `Status ${key} ${s.cmd} points at a command`).toBe(s.cmd);
            seen.set(key, (seen.get(key) ?? 0) + 1);
          }
        }
        for (const key of expected.keys()) expect(seen.get(key), `Status count for ${key}`).toBe(1);
      };
      audit(t.server, t.client);
      audit(t.client, t.server);
    });

    it('Results point to a Get of the peer and never carry NoResp', () => {
      for (const m of t.client) {
        for (const r of m.body.filter((c): c is Results => c.kind === 'Results')) {
          expect(r.noResp).toBeUndefined();
          const src = t.server.find((x) => x.header.msgID === r.msgRef)!;
          expect(src.body.find((c) => c.cmdID === r.cmdRef)?.kind).toBe('Get');
        }
      }
    });

    it('the server sends no new command before it holds the Status of every earlier one', () => {
      const answered = new Set<string>();
      const sent: string[] = [];
      t.server.forEach((m, k) => {
        // What the client had sent before this server message.
        for (const s of statuses(t.client[k]!)) answered.add(`${s.msgRef}:${s.cmdRef}`);
        const fresh = commandsOf(m).filter((c) => !(c.kind === 'Alert' && (c.data === '1222' || c.data === '1223')));
        const continuesObject = fresh.length === 1 && (fresh[0]!.kind === 'Replace' || fresh[0]!.kind === 'Add') && k > 0 && t.server[k - 1]!.body.some(isChunk);
        if (fresh.length > 0 && !continuesObject) {
          const missing = sent.filter((key) => !answered.has(key));
          expect(missing, `server message ${m.header.msgID} sends new commands before statuses of ${missing.join(', ')}`).toEqual([]);
        }
        for (const c of fresh) sent.push(`${m.header.msgID}:${c.cmdID}`);
      });
    });

    it('Final: on every server message except the Next Message response and the chunks of a large object', () => {
      for (const m of t.server) {
        if (m.final) continue;
        expect(isNextMessage(m) || m.body.some(isChunk), `server message ${m.header.msgID} lacks Final`).toBe(true);
      }
    });

    it('the Next Message response: SyncHdr status, Alert 1222, no other command, no Final', () => {
      const nm = t.server.filter(isNextMessage);
      expect(nm.length).toBeGreaterThan(0);
      for (const m of nm) expect(m.body.filter((c) => c.kind !== 'Status').map((c) => c.kind)).toEqual(['Alert']);
    });

    it('the client closes no package before the server closed its own, and asks for more with 1222', () => {
      t.client.slice(1).forEach((m, k) => {
        // A Next Message response answers the client's open package; the server's own package was closed before.
        if (!t.server[k]!.final && !isNextMessage(t.server[k]!)) {
          expect(m.final, `client message ${m.header.msgID}`).toBe(false);
          expect(m.body.some((c) => c.kind === 'Alert' && c.data === '1222'), `client message ${m.header.msgID} asks for more: ${m.body.map((c) => c.kind).join(' ')}`).toBe(true);
        }
      });
    });

    it('a large object: MoreData on every chunk but the last, Size only in the first, each chunk answered 213', () => {
      const chunks = t.server.flatMap((m) => m.body.filter((c): c is ItemCommand => c.kind === 'Replace' && c.items[0]?.target?.locURI === './FUMO/x/Update/PkgData').map((c) => ({ m, c })));
      expect(chunks.length).toBeGreaterThan(2);
      const items: Item[] = chunks.map((x) => x.c.items[0]!);
      expect(items.map((i) => i.moreData === true)).toEqual(items.map((_, i) => i < items.length - 1));
      expect(items.map((i) => i.meta?.size)).toEqual(items.map((_, i) => (i === 0 ? 6000 : undefined)));
      expect(items.reduce((n, i) => n + (i.data as Uint8Array).length, 0)).toBe(6000);
      expect(chunks.map((x) => x.m.final)).toEqual(chunks.map((_, i) => i === chunks.length - 1));
      for (const { m, c } of chunks.slice(0, -1)) {
        const s = t.client.flatMap(statuses).find((x) => x.msgRef === m.header.msgID && x.cmdRef === c.cmdID);
        expect(s?.data).toBe('213');
      }
    });

    it('MetInf: XML meta children carry the syncml:metinf name space', () => {
      if (encoding !== 'xml') return;
      // Checked on bytes elsewhere (encoder-strictness); here every decoded Meta survived.
      expect(t.server.some((m) => m.body.some((c) => c.kind === 'Replace' && c.meta?.format === 'bin'))).toBe(true);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Rule by rule, against a hand-played peer.

const CLIENT_OPTS = { ...base, encoding: 'xml' as const };

/** Start the client engine; the test plays the server. Returns the peer with package 1 read. */
async function playServer(handler = new TreeHandler(), opts: Partial<typeof CLIENT_OPTS> & { maxObjSize?: number } = {}) {
  const [srv, cli] = createMemoryLinkPair();
  const peer = new RawPeer(srv);
  const run = runClientSession(cli, { ...CLIENT_OPTS, ...opts }, handler);
  run.catch(() => undefined);
  const pkg1 = await peer.receive();
  let msgID = 0;
  let last = pkg1;
  const send = async (body: Command[], final = true): Promise<SyncMLMessage> => {
    const numbered = [hdrStatus('1', last, '200'), ...body].map((c, i) => ({ ...c, cmdID: String(i + 1) }));
    await peer.send({ header: hdr(String(++msgID), SERVER, DEV, '7'), body: numbered, final });
    last = await peer.receive();
    return last;
  };
  const close = async (): Promise<void> => {
    await peer.send({ header: hdr(String(++msgID), SERVER, DEV, '7'), body: [hdrStatus('1', last, '200')], final: true });
    await run;
  };
  return { peer, pkg1, send, close, run, handler };
}

const target = (locURI: string): Item => ({ target: { locURI } });

describe('Status rules', () => {
  it('client: no Status for a command with NoResp (Results still sent), a Status for the rest', async () => {
    const p = await playServer();
    const r = await p.send([
      { kind: 'Get', cmdID: '', noResp: true, items: [target('./DevInfo/DevId')] },
      { kind: 'Replace', cmdID: '', noResp: true, items: [{ ...target('./A'), data: 'a' }] },
      { kind: 'Replace', cmdID: '', items: [{ ...target('./B'), data: 'b' }] },
    ]);
    expect(statuses(r).map((s) => [s.cmdRef, s.cmd])).toEqual([
      ['0', 'SyncHdr'],
      ['4', 'Replace'],
    ]);
    expect(r.body.filter((c) => c.kind === 'Results').map((c) => (c as Results).cmdRef)).toEqual(['2']);
    expect(p.handler.nodes.get('./A')).toBe('a');
    await p.close();
  });

  it('server: no Status for an Alert with NoResp, for Results or for Status; a Status for the other Alert', async () => {
    const [srv, cli] = createMemoryLinkPair();
    const dev = new RawPeer(cli);
    const ga = { kind: 'Alert' as const, data: '1226', items: [{ source: { locURI: './FUMO/x' }, meta: { type: 'org.openmobilealliance.dm.firmwareupdate.update', format: 'int' }, data: '200' }] };
    await dev.send({
      header: hdr('1', DEV, SERVER, '7'),
      body: [
        { kind: 'Alert', cmdID: '1', data: '1201', items: [] },
        { ...ga, cmdID: '2', noResp: true },
        { ...ga, cmdID: '3' },
      ],
      final: true,
    });
    const s = await acceptSession(srv, { serverId: SERVER });
    expect(s.hello.genericAlerts).toHaveLength(2);
    const ending = s.end();
    const m = await dev.receive();
    await ending;
    expect(statuses(m).map((x) => [x.cmdRef, x.cmd])).toEqual([
      ['0', 'SyncHdr'],
      ['1', 'Alert'],
      ['3', 'Alert'],
    ]);
  });
});

describe('ending the session', () => {
  it('the client ends on a final package with no commands and no challenge, and sends nothing more', async () => {
    const p = await playServer();
    await p.close();
    const outcome = await p.run;
    expect(outcome.messagesSent).toBe(1);
  });

  it('a final package whose only content is a 401 challenge does not end it: package 1 is sent again with Cred', async () => {
    const accounts = new MemoryAuthAccountStore([account()]);
    const [srv, cli] = createMemoryLinkPair();
    const peer = new RawPeer(srv);
    const run = runClientSession(cli, CLIENT_OPTS, new TreeHandler(), { accounts });
    const pkg1 = await peer.receive();
    expect(pkg1.header.cred).toBeUndefined();
    const chal = { meta: { type: 'syncml:auth-md5', format: 'b64', nextNonce: Buffer.from('nonce-1').toString('base64') } };
    await peer.send({ header: hdr('1', SERVER, DEV, '7'), body: [{ ...hdrStatus('1', pkg1, '401'), chal }, { ...statusFor(pkg1, 1, '401') }], final: true });
    const again = await peer.receive();
    const expected = b64(md5(`${b64(md5('device-user:device-secret'))}:nonce-1`));
    expect(again.header.cred).toEqual({ meta: { type: 'syncml:auth-md5', format: 'b64' }, data: expected });
    expect(again.body.filter((c) => c.kind === 'Alert').map((c) => (c as Alert).data)).toEqual(['1201']);
    expect(again.body.some((c) => c.kind === 'Replace')).toBe(true);
    await peer.send({ header: hdr('2', SERVER, DEV, '7'), body: [hdrStatus('1', again, '212')], final: true });
    const outcome = await run;
    expect(outcome.messagesSent).toBe(2);
  });
});

function statusFor(peer: SyncMLMessage, index: number, code: string): Command {
  const c = peer.body[index]!;
  return { kind: 'Status', cmdID: '', msgRef: peer.header.msgID, cmdRef: c.cmdID, cmd: c.kind, targetRefs: [], sourceRefs: [], data: code, items: [] };
}

const md5 = (s: string | Uint8Array): Buffer => createHash('md5').update(s).digest();
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');

describe('large objects (client as the receiver)', () => {
  const chunk = (uri: string, data: Uint8Array, more: boolean, size?: number): ItemCommand => ({
    kind: 'Replace',
    cmdID: '',
    meta: { format: 'bin', type: 'application/octet-stream' },
    items: [{ target: { locURI: uri }, ...(size !== undefined ? { meta: { size } } : {}), data, ...(more ? { moreData: true } : {}) }],
  });

  it('213 for each chunk with 1222 while the server package is open; 424 when the sizes differ', async () => {
    const p = await playServer();
    const r1 = await p.send([chunk('./O', new Uint8Array(4), true, 10)], false);
    expect(statuses(r1)[1]).toMatchObject({ cmd: 'Replace', data: '213' });
    expect(r1.final).toBe(false);
    expect(r1.body.some((c) => c.kind === 'Alert' && c.data === '1222')).toBe(true);
    const r2 = await p.send([chunk('./O', new Uint8Array(4), false)]);
    expect(statuses(r2)[1]).toMatchObject({ cmd: 'Replace', data: '424' });
    expect(p.handler.sinks[0]!.aborted).toBeDefined();
    await p.close();
  });

  it('a new command before the last chunk: Alert 1225 naming the object, 412 for the unfinished command', async () => {
    const p = await playServer();
    const r1 = await p.send([chunk('./O', new Uint8Array(4), true, 10)], false);
    expect(statuses(r1)[1]!.data).toBe('213');
    const r2 = await p.send([{ kind: 'Get', cmdID: '', items: [target('./DevInfo/DevId')] }]);
    const a = r2.body.find((c): c is Alert => c.kind === 'Alert' && c.data === '1225');
    expect(a?.items.map((i) => i.target?.locURI ?? i.source?.locURI)).toEqual(['./O']);
    expect(statuses(r2).find((s) => s.data === '412')).toMatchObject({ msgRef: '1', cmdRef: '2', cmd: 'Replace' });
    expect(statuses(r2).find((s) => s.cmd === 'Get')?.data).toBe('200');
    await p.close();
  });

  it('413 when Size exceeds the MaxObjSize the client announced in its SyncHdr Meta', async () => {
    const p = await playServer(new TreeHandler(), { maxObjSize: 100 });
    expect(p.pkg1.header.meta?.maxObjSize).toBe(100);
    const r = await p.send([chunk('./O', new Uint8Array(4), true, 1000)], false);
    expect(statuses(r)[1]!.data).toBe('413');
    expect(p.handler.sinks).toHaveLength(0);
    await p.send([chunk('./O', new Uint8Array(4), false)]);
    await p.close();
  });

  it('the server respects the device MaxObjSize: 413 at once, no chunk sent', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    srvLink.recordSent = true;
    const client = runClientSession(cliLink, { ...CLIENT_OPTS, maxObjSize: 1000 }, new TreeHandler());
    const s = await acceptSession(srvLink, { serverId: SERVER });
    expect(s.hello.maxObjSize).toBe(1000);
    expect(await s.replaceLarge('./FUMO/x/Update/PkgData', bytesSource(5000))).toBe(413);
    await s.end();
    await client;
    expect(decodeAll(srvLink.stats.sent).some((m) => m.body.some((c) => c.kind === 'Replace'))).toBe(false);
  });
});

describe('authentication', () => {
  it('MD5: Cred until 212, none after; the NextNonce of the 212 Chal is kept by both sides and opens the next session', async () => {
    const serverAccounts = new MemoryAuthAccountStore([account()]);
    const clientAccounts = new MemoryAuthAccountStore([account()]);
    const once = async () => {
      const [srvLink, cliLink] = createMemoryLinkPair();
      srvLink.recordSent = true;
      cliLink.recordSent = true;
      const client = runClientSession(cliLink, { ...CLIENT_OPTS, clientAuth: 'md5' }, new TreeHandler(), { accounts: clientAccounts });
      const s = await acceptSession(srvLink, { serverId: SERVER, clientAuth: 'md5', accounts: serverAccounts, random: seededRandom(9) });
      await s.get(['./DevInfo/DevId']);
      await s.replace('./A', 'x');
      await s.end();
      await client;
      return { c: decodeAll(cliLink.stats.sent), s: decodeAll(srvLink.stats.sent) };
    };
    const nonceBefore = (await clientAccounts.get(DEV, SERVER))!.clientNonce;
    const first = await once();
    const expected = (nonce: Uint8Array): string => b64(md5(Buffer.concat([Buffer.from(b64(md5('device-user:device-secret'))), Buffer.from(':'), nonce])));
    expect(first.c[0]!.header.cred?.data).toBe(expected(Buffer.from(nonceBefore, 'base64')));
    expect(statuses(first.s[0]!)[0]!.data).toBe('212');
    expect(first.c.slice(1).every((m) => m.header.cred === undefined)).toBe(true);
    const next = statuses(first.s[0]!)[0]!.chal?.meta.nextNonce;
    expect(next).toBeDefined();
    expect((await clientAccounts.get(DEV, SERVER))!.clientNonce).toBe(next);
    expect((await serverAccounts.get(DEV, SERVER))!.clientNonce).toBe(next);
    const second = await once();
    expect(second.c[0]!.header.cred?.data).toBe(expected(Buffer.from(next!, 'base64')));
    expect(statuses(second.s[0]!)[0]!.data).toBe('212');
  });

  it('HMAC: x-syncml-hmac over the raw bytes of every message, each with the nonce of the last Chal', async () => {
    for (const encoding of ['xml', 'wbxml'] as const) {
      const serverAccounts = new MemoryAuthAccountStore([account()]);
      const clientAccounts = new MemoryAuthAccountStore([account()]);
      const [srvLink, cliLink] = createMemoryLinkPair();
      srvLink.recordSent = true;
      cliLink.recordSent = true;
      const client = runClientSession(cliLink, { ...CLIENT_OPTS, encoding, clientAuth: 'hmac' }, new TreeHandler(), { accounts: clientAccounts });
      const s = await acceptSession(srvLink, { serverId: SERVER, clientAuth: 'hmac', accounts: serverAccounts, random: seededRandom(4) });
      await s.get(['./DevInfo/DevId']);
      await s.end();
      await client;
      const server = decodeAll(srvLink.stats.sent);
      let nonce = Buffer.from(account().clientNonce, 'base64');
      cliLink.stats.sent.forEach((p, k) => {
        const mac = b64(md5(Buffer.concat([Buffer.from(b64(md5('device-user:device-secret'))), Buffer.from(':'), nonce, Buffer.from(':'), Buffer.from(b64(md5(p.body)))])));
        expect(p.headers?.['x-syncml-hmac']).toBe(`algorithm=MD5, username="device-user", mac=${mac}`);
        // The server's answer carries the nonce for the next message.
        const chal = statuses(server[k]!)[0]!.chal;
        if (k < server.length - 1) expect(chal?.meta.nextNonce).toBeDefined();
        if (chal?.meta.nextNonce) nonce = Buffer.from(chal.meta.nextNonce, 'base64');
      });
      expect(statuses(server[0]!)[0]!.data).toBe('212');
      expect(server.slice(1).map((m) => statuses(m)[0]!.data).every((d) => d === '200')).toBe(true);
    }
  });
});

describe('Generic Alert answers (2.3.7)', () => {
  it('200 for each Generic Alert with Items (several Items in one Alert give several alerts); 412 for one without any Item', async () => {
    const [srv, cli] = createMemoryLinkPair();
    const dev = new RawPeer(cli);
    const item = (data: string): Item => ({ source: { locURI: './FUMO/x' }, meta: { type: 'org.openmobilealliance.dm.firmwareupdate.download', format: 'int' }, data });
    await dev.send({
      header: hdr('1', DEV, SERVER, '7'),
      body: [
        { kind: 'Alert', cmdID: '1', data: '1201', items: [] },
        { kind: 'Alert', cmdID: '2', data: '1226', items: [item('200'), item('503')] },
        { kind: 'Alert', cmdID: '3', data: '1226', items: [] },
      ],
      final: true,
    });
    const s = await acceptSession(srv, { serverId: SERVER });
    expect(s.hello.genericAlerts.map((g) => g.data)).toEqual(['200', '503']);
    const ending = s.end();
    const m = await dev.receive();
    await ending;
    expect(statuses(m).map((x) => [x.cmdRef, x.data])).toEqual([
      ['0', '200'],
      ['1', '200'],
      ['2', '200'],
      ['3', '412'],
    ]);
  });
});

describe('large objects from the device (2.2: a server must support them)', () => {
  it('a Results item chunked over two messages is reassembled into one value; the server asks for the rest with 1222', async () => {
    const [srv, cli] = createMemoryLinkPair();
    const dev = new RawPeer(cli);
    await dev.send({ header: hdr('1', DEV, SERVER, '7'), body: [{ kind: 'Alert', cmdID: '1', data: '1201', items: [] }], final: true });
    const s = await acceptSession(srv, { serverId: SERVER });
    const getting = s.get(['./Vendor/Log', './DevInfo/Mod']);
    const pkg2 = await dev.receive();
    const [g1, g2] = pkg2.body.filter((c) => c.kind === 'Get');
    const part1 = Uint8Array.from({ length: 700 }, (_, i) => i % 256);
    const part2 = Uint8Array.from({ length: 300 }, (_, i) => (i * 3) % 256);
    await dev.send({
      header: hdr('2', DEV, SERVER, '7'),
      body: [
        hdrStatus('1', pkg2, '200'),
        { kind: 'Status', cmdID: '2', msgRef: '1', cmdRef: g1!.cmdID, cmd: 'Get', targetRefs: [], sourceRefs: [], data: '200', items: [] },
        { kind: 'Results', cmdID: '3', msgRef: '1', cmdRef: g1!.cmdID, meta: { format: 'bin', type: 'application/octet-stream' }, targetRefs: [], sourceRefs: [], items: [{ source: { locURI: './Vendor/Log' }, meta: { size: 1000 }, data: part1, moreData: true }] },
      ],
      final: false,
    });
    const nm = await dev.receive();
    expect(nm.final).toBe(false);
    expect(commandsOf(nm).map((c) => [c.kind, (c as Alert).data])).toEqual([['Alert', '1222']]);
    await dev.send({
      header: hdr('3', DEV, SERVER, '7'),
      body: [
        hdrStatus('1', nm, '200'),
        { kind: 'Status', cmdID: '2', msgRef: '2', cmdRef: commandsOf(nm)[0]!.cmdID, cmd: 'Alert', targetRefs: [], sourceRefs: [], data: '200', items: [] },
        { kind: 'Results', cmdID: '3', msgRef: '1', cmdRef: g1!.cmdID, meta: { format: 'bin' }, targetRefs: [], sourceRefs: [], items: [{ source: { locURI: './Vendor/Log' }, data: part2 }] },
        { kind: 'Status', cmdID: '4', msgRef: '1', cmdRef: g2!.cmdID, cmd: 'Get', targetRefs: [], sourceRefs: [], data: '200', items: [] },
        { kind: 'Results', cmdID: '5', msgRef: '1', cmdRef: g2!.cmdID, targetRefs: [], sourceRefs: [], items: [{ source: { locURI: './DevInfo/Mod' }, data: 'P1' }] },
      ],
      final: true,
    });
    const [log, mod] = await getting;
    expect(log!.status).toBe(200);
    expect(log!.values).toHaveLength(1);
    expect(log!.values[0]).toMatchObject({ uri: './Vendor/Log', format: 'bin', type: 'application/octet-stream' });
    expect([...(log!.values[0]!.data as Uint8Array)]).toEqual([...part1, ...part2]);
    expect(mod).toEqual({ status: 200, values: [{ uri: './DevInfo/Mod', data: 'P1' }] });
    const ending = s.end();
    await dev.receive();
    await ending;
  });
});

describe('session abort (2.3.1.2)', () => {
  it('Alert 1223 from the device: the server answers with Status for the SyncHdr and the Alert, Final, no new command, and ends', async () => {
    const [srv, cli] = createMemoryLinkPair();
    const dev = new RawPeer(cli);
    await dev.send({ header: hdr('1', DEV, SERVER, '7'), body: [{ kind: 'Alert', cmdID: '1', data: '1201', items: [] }], final: true });
    const s = await acceptSession(srv, { serverId: SERVER });
    const getting = s.get(['./DevInfo/DevId']);
    getting.catch(() => undefined);
    const pkg2 = await dev.receive();
    const g = pkg2.body.find((c) => c.kind === 'Get')!;
    await dev.send({
      header: hdr('2', DEV, SERVER, '7'),
      body: [
        hdrStatus('1', pkg2, '200'),
        { kind: 'Status', cmdID: '2', msgRef: '1', cmdRef: g.cmdID, cmd: 'Get', targetRefs: [], sourceRefs: [], data: '200', items: [] },
        { kind: 'Alert', cmdID: '3', data: '1223', items: [] },
      ],
      final: true,
    });
    await expect(getting).rejects.toMatchObject({ code: 'SESSION_ABORTED' });
    const answer = await dev.receive();
    expect(answer.final).toBe(true);
    expect(answer.body.map((c) => c.kind === 'Status' && [c.msgRef, c.cmdRef, c.cmd, c.data])).toEqual([
      ['2', '0', 'SyncHdr', '200'],
      ['2', '3', 'Alert', '200'],
    ]);
    expect(s.ended).toBe(true);
  });
});
