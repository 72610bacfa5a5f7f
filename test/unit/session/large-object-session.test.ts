import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../../../src/core/dm/codec';
import type { MetInf } from '../../../src/core/dm/model';
import type { LargeObjectSource } from '../../../src/core/session/api';
import type { CommandReply, LargeObjectSink } from '../../../src/core/session/client-api';
import { runClientSession } from '../../../src/core/session/client';
import { createMemoryLinkPair } from '../../../src/core/session/memory-link';
import { acceptSession } from '../../../src/core/session/server';
import { DEV_INFO, HashingSink, TreeHandler } from './fixtures';

const byteAt = (i: number): number => (i * 13 + 7) & 0xff;
const source = (size: number): LargeObjectSource => ({
  size,
  read: (o, n) => Promise.resolve(Uint8Array.from({ length: n }, (_, i) => byteAt(o + i))),
});
const base = { devId: DEV_INFO.DevId, serverId: 'fumo-kiosk', initiator: 'client' as const, sessionId: '1', devInfo: DEV_INFO };

describe('large objects through the session engines', () => {
  it('resumes at the offset the device already holds', async () => {
    const size = 50_000;
    const already = 12_345;
    const [srvLink, cliLink] = createMemoryLinkPair();
    const handler = new TreeHandler();
    const sink = new (class extends HashingSink implements LargeObjectSink {
      readonly resumeOffset = already;
    })();
    // The device holds the first bytes from an earlier session.
    sink.hash.update(Uint8Array.from({ length: already }, (_, i) => byteAt(i)));
    handler.beginLargeObject = (_uri: string, _size: number, _meta: MetInf | undefined): Promise<LargeObjectSink | CommandReply> => Promise.resolve(sink);
    const client = runClientSession(cliLink, { ...base, encoding: 'wbxml', maxMsgSize: 4096 }, handler);
    const s = await acceptSession(srvLink, { serverId: 'fumo-kiosk' });
    const progress: number[] = [];
    expect(await s.replaceLarge('./FUMO/Update/PkgData', source(size), { startOffset: already, onProgress: (p) => progress.push(p.acknowledgedBytes) })).toBe(200);
    expect(progress[0]).toBeGreaterThan(already);
    expect(progress.at(-1)).toBe(size);
    expect(sink.bytes).toBe(size - already);
    const whole = createHash('sha256').update(Uint8Array.from({ length: size }, (_, i) => byteAt(i))).digest('hex');
    expect(sink.hash.digest('hex')).toBe(whole);
    await s.end();
    await client;
  });

  it('cancelling a download sends Alert 1223 and ends the session', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    srvLink.recordSent = true;
    const handler = new TreeHandler();
    const client = runClientSession(cliLink, { ...base, encoding: 'xml', maxMsgSize: 2048 }, handler);
    const s = await acceptSession(srvLink, { serverId: 'fumo-kiosk' });
    const abort = new AbortController();
    const result = s.replaceLarge('./FUMO/Update/PkgData', source(100_000), {
      signal: abort.signal,
      onProgress: (p) => {
        if (p.acknowledgedBytes > 5000) abort.abort();
      },
    });
    await expect(result).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(client).rejects.toMatchObject({ code: 'SESSION_ABORTED' });
    expect(s.ended).toBe(true);
    const last = decodeMessage(srvLink.stats.sent.at(-1)!.body).message;
    expect(last.body.some((c) => c.kind === 'Alert' && c.data === '1223')).toBe(true);
    expect(handler.sinks[0]!.aborted).toBeDefined();
    expect(handler.sinks[0]!.finished).toBe(false);
  });

  it('a download abandoned by the kiosk (its source fails mid-way) still ends the session cleanly', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    const handler = new TreeHandler();
    const client = runClientSession(cliLink, { ...base, encoding: 'wbxml', maxMsgSize: 4096 }, handler);
    const s = await acceptSession(srvLink, { serverId: 'fumo-kiosk' });
    const failing: LargeObjectSource = {
      size: 100_000,
      read: (o, n) => (o >= 20_000 ? Promise.reject(new Error('stored payload failed its hash')) : source(100_000).read(o, n)),
    };
    await expect(s.replaceLarge('./FUMO/Update/PkgData', failing)).rejects.toThrow();
    // Before the fix, end() asked the device for "the rest" of a package that was open only
    // because the kiosk's was, and the two went round for ever.
    await s.end();
    expect(s.ended).toBe(true);
    await client.catch(() => undefined);
    expect(handler.sinks[0]!.finished).toBe(false);
  });

  it('a device that refuses a chunk stops the download with its status', async () => {
    const [srvLink, cliLink] = createMemoryLinkPair();
    const handler = new TreeHandler();
    let writes = 0;
    handler.beginLargeObject = () =>
      Promise.resolve({
        write: () => (++writes === 3 ? Promise.reject(Object.assign(new Error('flash full'), { status: 420 })) : Promise.resolve()),
        finish: () => Promise.resolve({ status: 200 }),
        abort: () => Promise.resolve(),
      });
    const client = runClientSession(cliLink, { ...base, encoding: 'wbxml', maxMsgSize: 2048 }, handler);
    const s = await acceptSession(srvLink, { serverId: 'fumo-kiosk' });
    expect(await s.replaceLarge('./FUMO/Update/PkgData', source(20_000))).toBe(420);
    expect(writes).toBe(3);
    // The session goes on.
    expect((await s.get(['./DevDetail/FwV']))[0]!.status).toBe(200);
    await s.end();
    await client;
  });
});
