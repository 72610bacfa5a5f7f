import { describe, expect, it } from 'vitest';
import { encodedSize } from '../../../src/core/dm/codec';
import { LargeObjectReceiver, LargeObjectSender, dataGrowth, fitChunkLength, mbUint32Length } from '../../../src/core/dm/large-object';
import type { ItemCommand, SyncMLMessage } from '../../../src/core/dm/model';
import type { LargeObjectSource } from '../../../src/core/session/api';
import { HashingSink } from '../session/fixtures';

const header = { verDTD: '1.2' as const, verProto: 'DM/1.2', sessionID: '1', msgID: '12', target: { locURI: 'IMEI:1' }, source: { locURI: 'kiosk' } };

function source(size: number): LargeObjectSource {
  return { size, read: (o, n) => Promise.resolve(Uint8Array.from({ length: n }, (_, i) => (o + i) & 0xff)) };
}

describe('chunk planner', () => {
  it('growth matches base64 and mb_u_int32 arithmetic', () => {
    expect(dataGrowth(3, 'xml')).toBe(4);
    expect(dataGrowth(4, 'xml')).toBe(8);
    expect(mbUint32Length(127)).toBe(1);
    expect(mbUint32Length(128)).toBe(2);
    expect(mbUint32Length(16383)).toBe(2);
    expect(mbUint32Length(16384)).toBe(3);
    expect(dataGrowth(200, 'wbxml')).toBe(202);
  });
  for (const encoding of ['xml', 'wbxml'] as const) {
    it(`chunks fill messages exactly up to MaxMsgSize (${encoding})`, () => {
      for (const max of [600, 1000, 4096, 16384, 16500]) {
        const build = (n: number): SyncMLMessage => ({
          header,
          final: false,
          body: [{ kind: 'Replace', cmdID: '1', meta: { format: encoding === 'xml' ? 'b64' : 'bin' }, items: [{ target: { locURI: './a' }, data: new Uint8Array(n), moreData: true }] }],
        });
        const n = fitChunkLength(build, 10_000_000, max, encoding, encodedSize);
        expect(n).toBeGreaterThan(0);
        expect(encodedSize(build(n), encoding)).toBeLessThanOrEqual(max);
        // One more unit of data no longer fits (base64 grows in steps of 3 bytes).
        expect(encodedSize(build(n + (encoding === 'xml' ? 3 : 1)), encoding)).toBeGreaterThan(max);
      }
    });
  }
});

describe('LargeObjectSender', () => {
  it('a chunk cap below what the message holds: chunks of at most the cap, MoreData until the last, the object covered', async () => {
    const sender = new LargeObjectSender({ uri: './FUMO/Update/PkgData', source: source(10_000), encoding: 'wbxml', maxMsgSize: 16384, sizer: encodedSize });
    const caps = [4096, 3000, 3000, 3000];
    const got: Array<{ length: number; last: boolean; more: boolean }> = [];
    while (!sender.done) {
      const c = await sender.next((command, last) => ({ header, body: [{ ...command, cmdID: '1' }], final: last }), caps[got.length]);
      got.push({ length: c.length, last: c.last, more: c.command.items[0]!.moreData === true });
    }
    expect(got).toEqual([
      { length: 4096, last: false, more: true },
      { length: 3000, last: false, more: true },
      { length: 2904, last: true, more: false },
    ]);
  });

  it('MoreData on all but the last, Size only in the first, covers the object, resumes at an offset', async () => {
    for (const encoding of ['xml', 'wbxml'] as const) {
      for (const startOffset of [0, 5000]) {
        const src = source(20_000);
        const sender = new LargeObjectSender({ uri: './FUMO/Update/PkgData', source: src, encoding, maxMsgSize: 2048, startOffset, sizer: encodedSize });
        const chunks: Array<{ cmd: ItemCommand; last: boolean; msg: SyncMLMessage; offset: number; length: number }> = [];
        while (!sender.done) {
          const c = await sender.next((command, last) => ({ header, body: [{ ...command, cmdID: '1' }], final: last }));
          chunks.push({ cmd: c.command, last: c.last, msg: c.message, offset: c.offset, length: c.length });
        }
        expect(chunks[0]!.offset).toBe(startOffset);
        let expectedOffset = startOffset;
        chunks.forEach((c, i) => {
          const item = c.cmd.items[0]!;
          const last = i === chunks.length - 1;
          expect(c.last).toBe(last);
          expect(c.msg.final).toBe(last);
          expect(item.moreData === true).toBe(!last);
          expect(item.meta?.size).toBe(i === 0 ? 20_000 : undefined);
          expect(c.offset).toBe(expectedOffset);
          expectedOffset += c.length;
          expect(encodedSize(c.msg, encoding)).toBeLessThanOrEqual(2048);
          const data = item.data as Uint8Array;
          expect(data[0]).toBe(c.offset & 0xff);
        });
        expect(expectedOffset).toBe(20_000);
      }
    }
  });
  it('refuses with 413 before sending when the object exceeds MaxObjSize', () => {
    const sender = new LargeObjectSender({ uri: './x', source: source(1001), encoding: 'wbxml', maxMsgSize: 2048, maxObjSize: 1000, sizer: encodedSize });
    expect(sender.refusal()).toBe(413);
    expect(new LargeObjectSender({ uri: './x', source: source(1000), encoding: 'wbxml', maxMsgSize: 2048, maxObjSize: 1000, sizer: encodedSize }).refusal()).toBeUndefined();
  });
});

describe('LargeObjectReceiver', () => {
  const ref = { msgRef: '3', cmdRef: '2', cmd: 'Replace' };
  const open = (sinks: HashingSink[]) => () => {
    const s = new HashingSink();
    sinks.push(s);
    return Promise.resolve(s);
  };
  it('213 per chunk, the sink status at the end', async () => {
    const r = new LargeObjectReceiver({ encoding: 'wbxml' });
    const sinks: HashingSink[] = [];
    expect(await r.accept({ target: { locURI: './a' }, meta: { size: 6 }, data: new Uint8Array(4), moreData: true }, undefined, ref, open(sinks))).toEqual({ status: 213, finished: false });
    expect(r.continues('Replace', { target: { locURI: './a' } })).toBe(true);
    expect(await r.accept({ target: { locURI: './a' }, data: new Uint8Array(2) }, undefined, ref, open(sinks))).toEqual({ status: 200, finished: true });
    expect(sinks[0]!.bytes).toBe(6);
    expect(r.active).toBe(false);
  });
  it('424 on size mismatch, sink aborted, nothing committed', async () => {
    const r = new LargeObjectReceiver({ encoding: 'wbxml' });
    const sinks: HashingSink[] = [];
    await r.accept({ target: { locURI: './a' }, meta: { size: 10 }, data: new Uint8Array(4), moreData: true }, undefined, ref, open(sinks));
    expect(await r.accept({ target: { locURI: './a' }, data: new Uint8Array(4) }, undefined, ref, open(sinks))).toEqual({ status: 424, finished: true });
    expect(sinks[0]!.finished).toBe(false);
    expect(sinks[0]!.aborted).toMatch(/size mismatch/);
  });
  it('XML: accepts a Size that counts base64 text', async () => {
    const r = new LargeObjectReceiver({ encoding: 'xml' });
    const sinks: HashingSink[] = [];
    await r.accept({ target: { locURI: './a' }, meta: { size: 8 }, data: new Uint8Array(3), moreData: true }, undefined, ref, open(sinks));
    expect((await r.accept({ target: { locURI: './a' }, data: new Uint8Array(3) }, undefined, ref, open(sinks))).status).toBe(200);
  });
  it('413 when Size exceeds MaxObjSize, no sink opened', async () => {
    const r = new LargeObjectReceiver({ encoding: 'wbxml', maxObjSize: 100 });
    const sinks: HashingSink[] = [];
    expect(await r.accept({ target: { locURI: './a' }, meta: { size: 101 }, data: new Uint8Array(4), moreData: true }, undefined, ref, open(sinks))).toEqual({ status: 413, finished: true });
    expect(sinks).toHaveLength(0);
  });
  it('interrupt abandons the object and reports what 1225/412 need', async () => {
    const r = new LargeObjectReceiver({ encoding: 'wbxml' });
    const sinks: HashingSink[] = [];
    await r.accept({ target: { locURI: './a' }, meta: { size: 10 }, data: new Uint8Array(4), moreData: true }, undefined, ref, open(sinks));
    expect(await r.interrupt()).toEqual({ uri: './a', ref });
    expect(sinks[0]!.aborted).toBeDefined();
    expect(r.active).toBe(false);
  });
});
