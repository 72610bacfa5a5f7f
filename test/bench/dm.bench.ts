/**
 * DM codec benchmarks (one core, in memory):
 *  - dm.wbxml_large_object_MBps_per_core: a 64 MB object as the chunk stream of WBXML messages
 *    sized to a 64 KiB MaxMsgSize (Replace, Item Data as OPAQUE, MoreData), each message
 *    encoded and decoded; MB = 10^6 bytes of object data per second of encode + decode.
 *  - dm.package_roundtrips_per_s: encode + decode of a typical package 2 in WBXML.
 */
import { decodeMessage, encodeMessage, encodedSize } from '../../src/core/dm/codec';
import type { Command, ItemCommand, SyncMLMessage } from '../../src/core/dm/model';
import type { BenchResult, BenchSuite } from './types';

const OBJECT_BYTES = 64_000_000;
const MAX_MSG_SIZE = 64 * 1024;

function header(msgID: number): SyncMLMessage['header'] {
  return {
    verDTD: '1.2',
    verProto: 'DM/1.2',
    sessionID: '1A2B',
    msgID: String(msgID),
    target: { locURI: 'IMEI:493005100592800' },
    source: { locURI: 'https://kiosk.local/dm', locName: 'kiosk' },
  };
}

function chunkMessage(msgID: number, data: Uint8Array, first: boolean, last: boolean): SyncMLMessage {
  return {
    header: header(msgID),
    body: [
      { kind: 'Status', cmdID: '1', msgRef: String(msgID - 1), cmdRef: '0', cmd: 'SyncHdr', targetRefs: ['IMEI:493005100592800'], sourceRefs: ['https://kiosk.local/dm'], data: '200', items: [] },
      { kind: 'Status', cmdID: '2', msgRef: String(msgID - 1), cmdRef: '3', cmd: 'Alert', targetRefs: [], sourceRefs: [], data: '200', items: [] },
      {
        kind: 'Replace',
        cmdID: '3',
        items: [
          {
            target: { locURI: './FUMO/kiosk/Update/PkgData' },
            meta: first ? { format: 'bin', type: 'application/octet-stream', size: OBJECT_BYTES } : { format: 'bin' },
            data,
            ...(last ? {} : { moreData: true }),
          },
        ],
      },
    ],
    final: last,
  };
}

/** Largest chunk that keeps the message within MAX_MSG_SIZE (the OPAQUE length field grows with it). */
function chunkSize(msgID: number, first: boolean): number {
  const probe = new Uint8Array(MAX_MSG_SIZE);
  let n = MAX_MSG_SIZE - (encodedSize(chunkMessage(msgID, new Uint8Array(0), first, false), 'wbxml') + 4);
  while (encodedSize(chunkMessage(msgID, probe.subarray(0, n + 1), first, false), 'wbxml') <= MAX_MSG_SIZE) n++;
  while (encodedSize(chunkMessage(msgID, probe.subarray(0, n), first, false), 'wbxml') > MAX_MSG_SIZE) n--;
  return n;
}

function largeObjectPass(object: Uint8Array): { seconds: number; messages: number; check: number } {
  const t0 = process.hrtime.bigint();
  let offset = 0;
  let msgID = 2;
  let messages = 0;
  let check = 0;
  while (offset < object.length) {
    const first = offset === 0;
    const n = chunkSize(msgID, first);
    const end = Math.min(object.length, offset + n);
    const msg = chunkMessage(msgID, object.subarray(offset, end), first, end === object.length);
    const wire = encodeMessage(msg, 'wbxml');
    if (wire.length > MAX_MSG_SIZE) throw new Error(`message ${msgID} is ${wire.length} bytes`);
    const back = decodeMessage(wire, 'application/vnd.syncml.dm+wbxml').message;
    const cmd = back.body[2] as ItemCommand;
    const data = cmd.items[0]!.data as Uint8Array;
    check = (check + data.length + data[data.length - 1]!) >>> 0;
    offset = end;
    msgID++;
    messages++;
  }
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, messages, check };
}

function package2(): SyncMLMessage {
  const s = (cmdID: string, cmdRef: string, cmd: string, data: string, target?: string): Command => ({
    kind: 'Status', cmdID, msgRef: '1', cmdRef, cmd, targetRefs: target ? [target] : [], sourceRefs: [], data, items: [],
  });
  return {
    header: { ...header(1), cred: { meta: { type: 'syncml:auth-md5', format: 'b64' }, data: 'Zz6EivR3yeaaENcRN6lpAQ==' } },
    body: [
      { kind: 'Status', cmdID: '1', msgRef: '1', cmdRef: '0', cmd: 'SyncHdr', targetRefs: ['https://kiosk.local/dm'], sourceRefs: ['IMEI:493005100592800'], chal: { meta: { type: 'syncml:auth-md5', format: 'b64', nextNonce: 'bmV4dC1ub25jZS0wMDAy' } }, data: '212', items: [] },
      s('2', '1', 'Alert', '200'),
      s('3', '2', 'Replace', '200'),
      { kind: 'Get', cmdID: '4', items: ['FwV', 'SwV', 'HwV', 'LrgObj', 'Ext/Battery'].map((n) => ({ target: { locURI: `./DevDetail/${n}` } })) },
      { kind: 'Get', cmdID: '5', items: [{ target: { locURI: './FUMO/kiosk/State' } }] },
      { kind: 'Replace', cmdID: '6', meta: { format: 'chr', type: 'text/plain' }, items: [{ target: { locURI: './FUMO/kiosk/PkgName' }, data: 'AP500 1.1.0' }, { target: { locURI: './FUMO/kiosk/PkgVersion' }, data: '1.1.0' }] },
      { kind: 'Exec', cmdID: '7', correlator: 'job-42', items: [{ target: { locURI: './FUMO/kiosk/Update' } }] },
    ],
    final: true,
  };
}

const suite: BenchSuite = {
  name: 'dm',
  async run(): Promise<BenchResult[]> {
    const object = new Uint8Array(OBJECT_BYTES);
    let x = 0x12345678;
    const words = new Uint32Array(object.buffer);
    for (let i = 0; i < words.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      words[i] = x >>> 0;
    }
    largeObjectPass(object); // warm-up
    const passes = [largeObjectPass(object), largeObjectPass(object), largeObjectPass(object), largeObjectPass(object), largeObjectPass(object)];
    const median = [...passes].sort((a, b) => a.seconds - b.seconds)[2]!;
    const mbps = OBJECT_BYTES / 1e6 / median.seconds;

    const pkg = package2();
    for (let i = 0; i < 2000; i++) decodeMessage(encodeMessage(pkg, 'wbxml'));
    let n = 0;
    const t0 = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < 2) {
      for (let i = 0; i < 500; i++) decodeMessage(encodeMessage(pkg, 'wbxml'));
      n += 500;
      elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
    }
    const pkgBytes = encodeMessage(pkg, 'wbxml').length;

    return [
      {
        name: 'dm.wbxml_large_object_MBps_per_core',
        value: mbps,
        unit: 'MB/s',
        target: '>= 300',
        note: `64 MB in ${median.messages} messages of <= 64 KiB, encode+decode, median of 5 (${passes.map((p) => (OBJECT_BYTES / 1e6 / p.seconds).toFixed(0)).join('/')})`,
      },
      { name: 'dm.package_roundtrips_per_s', value: n / elapsed, unit: '1/s', note: `package 2 of ${pkg.body.length} commands, ${pkgBytes} bytes WBXML, encode+decode` },
    ];
  },
};

export default suite;
