/**
 * The protocol stack alone, in memory, one process, no I/O (MB = 10^6 bytes of object data):
 *
 *  stack.inmemory_MBps_per_core  the kiosk's half of a download: a 256 MB object cut by the real
 *      LargeObjectSender (chunks sized with the codec's encodedSize to a 64 KiB MaxMsgSize), each
 *      message encoded as WBXML (encodeMessage), PUT through a real OBEX client link (ObexDmLink,
 *      64 KiB packets, single response mode) to an OBEX server link over an in-memory byte stream
 *      pair, and SHA-256 over the object's bytes. Figure = MB / process CPU seconds (so it is per
 *      core whatever the scheduler did); median of 5 passes after two discarded.
 *  stack.roundtrip_MBps_per_core  both ends: the kiosk's server session (replaceLarge) and the
 *      phone's client session (runClientSession with a SHA-256 sink) talking over two ObexDmLinks
 *      on a memory byte stream pair: every byte is encoded and decoded, framed and unframed, and
 *      the 213 status round trips run. Both ends share the process, so each byte's work counts twice.
 *
 * Run: npx tsx test/bench/run.ts --only stack
 */
import { createHash } from 'node:crypto';
import { encodeMessage, encodedSize } from '../../src/core/dm/codec';
import { LargeObjectSender } from '../../src/core/dm/large-object';
import type { SyncMLMessage } from '../../src/core/dm/model';
import { createMemoryByteStreamPair } from '../../src/core/obex/byte-stream';
import { createObexDmLink, OBEX_DM_WBXML } from '../../src/core/obex/dm-channel';
import type { CommandReply, LargeObjectSink } from '../../src/core/session/client-api';
import { runClientSession } from '../../src/core/session/client';
import { acceptSession } from '../../src/core/session/server';
import { DEV_INFO, TreeHandler } from '../unit/session/fixtures';
import type { BenchResult, BenchSuite } from './types';

const OBJECT_BYTES = 256_000_000;
const MAX_MSG_SIZE = 65536;
const URI = './FUMO/FwUpdate/Update/PkgData';

function object(size: number): Uint8Array {
  const out = new Uint8Array(size);
  const words = new Uint32Array(out.buffer, 0, size >>> 2);
  let x = 0x2545f491;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return out;
}

function header(msgID: number): SyncMLMessage['header'] {
  return {
    verDTD: '1.2',
    verProto: 'DM/1.2',
    sessionID: '1A2B',
    msgID: String(msgID),
    target: { locURI: DEV_INFO.DevId },
    source: { locURI: 'obex://fumo-kiosk', locName: 'fumo-kiosk' },
  };
}

interface Pass {
  wall: number;
  cpu: number;
  messages: number;
}

function cpuSeconds(u: NodeJS.CpuUsage): number {
  return (u.user + u.system) / 1e6;
}

/** The kiosk's half: chunking, WBXML encode, OBEX PUT framing, SHA-256. */
async function sendPath(data: Uint8Array, expectedSha: string): Promise<Pass> {
  const [a, b] = createMemoryByteStreamPair();
  const kiosk = createObexDmLink(a, { role: 'client', kind: 'memory' });
  const device = createObexDmLink(b, { role: 'server', kind: 'memory' });
  await kiosk.connect();
  const source = { size: data.length, read: (o: number, n: number) => Promise.resolve(data.subarray(o, o + n)) };
  const sender = new LargeObjectSender({ uri: URI, source, encoding: 'wbxml', maxMsgSize: MAX_MSG_SIZE, type: 'application/octet-stream', sizer: encodedSize });
  const hash = createHash('sha256');
  let msgID = 2;
  let messages = 0;
  let received = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  while (!sender.done) {
    const id = msgID++;
    const planned = await sender.next((command, last) => ({
      header: header(id),
      body: [
        { kind: 'Status', cmdID: '1', msgRef: String(id - 1), cmdRef: '0', cmd: 'SyncHdr', targetRefs: ['obex://fumo-kiosk'], sourceRefs: [DEV_INFO.DevId], data: '200', items: [] },
        { ...command, cmdID: '2' },
      ],
      final: last,
    }));
    hash.update(planned.command.items[0]!.data as Uint8Array);
    const body = encodeMessage(planned.message, 'wbxml');
    if (body.length > MAX_MSG_SIZE) throw new Error(`message ${id} is ${body.length} bytes, over MaxMsgSize ${MAX_MSG_SIZE}`);
    const rx = device.receive();
    rx.catch(() => undefined);
    await kiosk.send({ body, contentType: OBEX_DM_WBXML });
    const got = await rx;
    if (got.body.length !== body.length) throw new Error(`OBEX delivered ${got.body.length} of ${body.length} bytes`);
    received += planned.length;
    messages++;
  }
  const cpu = cpuSeconds(process.cpuUsage(c0));
  const wall = (performance.now() - t0) / 1000;
  await kiosk.close();
  await device.close();
  if (received !== data.length) throw new Error(`sent ${received} of ${data.length} bytes`);
  const sha = hash.digest('hex');
  if (sha !== expectedSha) throw new Error(`SHA-256 over the chunks ${sha} differs from the object's ${expectedSha}`);
  return { wall, cpu, messages };
}

/** Both ends: server session -> OBEX client ~ memory ~ OBEX server -> client session -> SHA-256 sink. */
async function roundTrip(data: Uint8Array, expectedSha: string): Promise<Pass> {
  const [a, b] = createMemoryByteStreamPair();
  const kioskLink = createObexDmLink(a, { role: 'client', kind: 'memory' });
  const phoneLink = createObexDmLink(b, { role: 'server', kind: 'memory' });
  await kioskLink.connect();
  const handler = new TreeHandler();
  let sha = '';
  let sunk = 0;
  let messages = 0;
  handler.beginLargeObject = (): Promise<LargeObjectSink | CommandReply> => {
    const h = createHash('sha256');
    return Promise.resolve({
      write: (c: Uint8Array) => {
        h.update(c);
        sunk += c.length;
        messages++;
        return Promise.resolve();
      },
      finish: () => {
        sha = h.digest('hex');
        return Promise.resolve({ status: 200 });
      },
      abort: () => Promise.resolve(),
    });
  };
  const client = runClientSession(
    phoneLink,
    { devId: DEV_INFO.DevId, serverId: 'bench', initiator: 'client', sessionId: '1', devInfo: DEV_INFO, encoding: 'wbxml', maxMsgSize: MAX_MSG_SIZE },
    handler,
  );
  const session = await acceptSession(kioskLink, { serverId: 'bench' });
  const source = { size: data.length, read: (o: number, n: number) => Promise.resolve(data.subarray(o, o + n)) };
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const status = await session.replaceLarge(URI, source);
  const cpu = cpuSeconds(process.cpuUsage(c0));
  const wall = (performance.now() - t0) / 1000;
  await session.end();
  await client;
  await kioskLink.close();
  await phoneLink.close();
  if (status !== 200) throw new Error(`the object ended with status ${status}`);
  if (sunk !== data.length || sha !== expectedSha) throw new Error(`the phone received ${sunk} bytes with SHA-256 ${sha}, expected ${data.length} with ${expectedSha}`);
  return { wall, cpu, messages };
}

function median(passes: Pass[]): Pass {
  return [...passes].sort((x, y) => x.cpu - y.cpu)[Math.floor(passes.length / 2)]!;
}

const suite: BenchSuite = {
  name: 'stack',
  async run(): Promise<BenchResult[]> {
    const data = object(OBJECT_BYTES);
    const sha = createHash('sha256').update(data).digest('hex');
    const mb = OBJECT_BYTES / 1e6;

    // Warm-up: the first passes run while the JIT is still compiling; two whole ones are discarded.
    for (let i = 0; i < 2; i++) await sendPath(data, sha);
    const sends: Pass[] = [];
    for (let i = 0; i < 5; i++) sends.push(await sendPath(data, sha));
    const s = median(sends);

    for (let i = 0; i < 2; i++) await roundTrip(data, sha);
    const trips: Pass[] = [];
    for (let i = 0; i < 5; i++) trips.push(await roundTrip(data, sha));
    const r = median(trips);

    const list = (ps: Pass[]): string => ps.map((p) => (mb / p.cpu).toFixed(0)).join('/');
    return [
      {
        name: 'stack.inmemory_MBps_per_core',
        value: Math.round((mb / s.cpu) * 10) / 10,
        unit: 'MB/s/core',
        target: '>= 300',
        note: `256 MB, ${s.messages} WBXML messages <= 64 KiB, OBEX SRM, SHA-256; median of 5 (${list(sends)}); wall ${(mb / s.wall).toFixed(0)} MB/s, ${(s.cpu / s.wall).toFixed(2)} cores busy`,
      },
      {
        name: 'stack.roundtrip_MBps_per_core',
        value: Math.round((mb / r.cpu) * 10) / 10,
        unit: 'MB/s/core',
        note: `kiosk + phone sessions over OBEX in one process (each byte's work counted twice); median of 5 (${list(trips)}); wall ${(mb / r.wall).toFixed(0)} MB/s`,
      },
    ];
  },
};

export default suite;
