import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryAuthAccountStore } from '../../../src/core/dm/auth';
import { decodeMessage } from '../../../src/core/dm/codec';
import type { LargeObjectSource } from '../../../src/core/session/api';
import { runClientSession } from '../../../src/core/session/client';
import { createMemoryLinkPair } from '../../../src/core/session/memory-link';
import { acceptSession } from '../../../src/core/session/server';
import { DEV_INFO, TreeHandler, account, seededRandom } from '../../unit/session/fixtures';

const MB = 1_000_000;
const byteAt = (i: number): number => (i * 31 + (i >>> 9) + (i >>> 17)) & 0xff;

/** A 10 MB object generated on demand: never held whole. */
function generatedSource(size: number): LargeObjectSource & { reads: number } {
  return {
    size,
    reads: 0,
    read(offset: number, length: number): Promise<Uint8Array> {
      this.reads++;
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i++) out[i] = byteAt(offset + i);
      return Promise.resolve(out);
    },
  };
}

function expectedSha256(size: number): string {
  const h = createHash('sha256');
  const block = new Uint8Array(65536);
  for (let off = 0; off < size; off += block.length) {
    const n = Math.min(block.length, size - off);
    for (let i = 0; i < n; i++) block[i] = byteAt(off + i);
    h.update(block.subarray(0, n));
  }
  return h.digest('hex');
}

describe.each(['xml', 'wbxml'] as const)('full DM session over a memory link (%s)', (encoding) => {
  it('authenticates both ways, reads DevDetail, downloads 10 MB in chunks, execs and gets the result alert', async () => {
    const MAX = 16384;
    const serverStore = new MemoryAuthAccountStore([account()]);
    const clientStore = new MemoryAuthAccountStore([account()]);
    const [srvLink, cliLink] = createMemoryLinkPair();
    const sizes: number[] = [];
    let client213 = 0;
    let client1222 = 0;
    let clientMessages = 0;
    const alertRefs = new Set<string>();
    const alertAnswers: string[] = [];
    srvLink.onSend = (p) => {
      sizes.push(p.body.length);
      // Small server messages carry no chunk: look for the answer to the Generic Alert.
      if (p.body.length < 4096) {
        for (const c of decodeMessage(p.body, p.contentType).message.body) {
          if (c.kind === 'Status' && alertRefs.has(`${c.msgRef}:${c.cmdRef}`)) alertAnswers.push(c.data);
        }
      }
    };
    cliLink.onSend = (p) => {
      sizes.push(p.body.length);
      clientMessages++;
      const m = decodeMessage(p.body, p.contentType).message;
      for (const c of m.body) {
        if (c.kind === 'Alert' && c.data === '1226') alertRefs.add(`${m.header.msgID}:${c.cmdID}`);
        if (c.kind === 'Status' && c.data === '213') client213++;
        if (c.kind === 'Alert' && c.data === '1222') client1222++;
      }
    };
    const handler = new TreeHandler();
    handler.alertAfterExec = (correlator) => ({
      type: 'org.openmobilealliance.dm.firmwareupdate.update',
      format: 'int',
      sourceURI: './FUMO/Update',
      data: '200',
      ...(correlator ? { correlator } : {}),
    });
    const client = runClientSession(
      cliLink,
      {
        devId: DEV_INFO.DevId,
        serverId: 'fumo-kiosk',
        initiator: 'server',
        sessionId: '1A2B',
        devInfo: DEV_INFO,
        encoding,
        maxMsgSize: MAX,
        maxObjSize: 20 * MB,
        clientAuth: 'md5',
        serverAuth: 'md5',
      },
      handler,
      { accounts: clientStore, random: seededRandom(7) },
    );
    const session = await acceptSession(srvLink, {
      serverId: 'fumo-kiosk',
      clientAuth: 'md5',
      serverAuth: 'md5',
      serverCredentials: 'always',
      accounts: serverStore,
      random: seededRandom(3),
    });
    expect(session.hello).toMatchObject({ devId: DEV_INFO.DevId, initiator: 'server', devInfo: DEV_INFO, encoding, maxMsgSize: MAX, authenticatedAs: 'device-user' });

    const [detail] = await session.get(['./DevDetail']);
    expect(detail!.status).toBe(200);
    expect(detail!.values.find((v) => v.uri === './DevDetail/FwV')?.data).toBe('1.0.0');

    const size = 10 * MB;
    const source = generatedSource(size);
    const progress: number[] = [];
    const status = await session.replaceLarge('./FUMO/Update/PkgData', source, {
      type: 'application/octet-stream',
      onProgress: (p) => progress.push(p.acknowledgedBytes),
    });
    expect(status).toBe(200);
    expect(progress.at(-1)).toBe(size);
    const sink = handler.sinks[0]!;
    expect(sink.finished).toBe(true);
    expect(sink.bytes).toBe(size);
    expect(sink.hash.digest('hex')).toBe(expectedSha256(size));
    // One 213 and one 1222 per chunk but the last.
    expect(client213).toBe(sink.writes - 1);
    expect(client1222).toBe(sink.writes - 1);
    expect(sink.writes).toBeGreaterThan(size / MAX);
    // Chunks fill the messages: at most 1000 bytes of each message are not object data.
    const perMessage = encoding === 'xml' ? Math.floor(((MAX - 1000) / 4) * 3) : MAX - 1000;
    expect(sink.writes).toBeLessThanOrEqual(Math.ceil(size / perMessage));
    expect(source.reads).toBe(sink.writes);

    expect(await session.exec('./FUMO/Update', { correlator: 'job-42' })).toBe(202);
    const result = await session.waitForGenericAlert((g) => g.correlator === 'job-42', 60_000);
    expect(result).toMatchObject({ type: 'org.openmobilealliance.dm.firmwareupdate.update', data: '200', sourceURI: './FUMO/Update' });
    await session.end();
    const outcome = await client;
    expect(outcome.serverAuthenticated).toBe(true);
    expect(outcome.deliveredAlerts.map((g) => g.correlator)).toEqual(['job-42']);
    expect(alertAnswers).toEqual(['200']);
    expect(outcome.undeliveredAlerts).toEqual([]);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX);
    expect(clientMessages).toBe(outcome.messagesSent);
    // Nonces rotated and persisted on both sides.
    const s = await serverStore.get(DEV_INFO.DevId, 'fumo-kiosk');
    const c = await clientStore.get(DEV_INFO.DevId, 'fumo-kiosk');
    expect(s!.clientNonce).toBe(c!.clientNonce);
    expect(s!.serverNonce).toBe(c!.serverNonce);
    expect(s!.clientNonce).not.toBe(account().clientNonce);
    expect(s!.serverNonce).not.toBe(account().serverNonce);
  });
});
