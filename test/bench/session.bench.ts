/**
 * DM session engines, kiosk and device in one process over a memory link: a large object
 * (Replace in chunks sized to MaxMsgSize) through chunk planning, the codec on both sides,
 * status/1222 round trips and SHA-256 on the device's sink. MB = 10^6 bytes.
 * Both ends run on this one core, so the per-core figure counts each byte's work twice.
 */
import { createHash } from 'node:crypto';
import type { BenchResult, BenchSuite } from './types';
import { runClientSession } from '../../src/core/session/client';
import { createMemoryLinkPair } from '../../src/core/session/memory-link';
import { acceptSession } from '../../src/core/session/server';
import type { CommandReply, LargeObjectSink } from '../../src/core/session/client-api';
import { TreeHandler, DEV_INFO } from '../unit/session/fixtures';

async function transfer(encoding: 'xml' | 'wbxml', maxMsgSize: number, size: number): Promise<{ wall: number; cpu: number }> {
  const [a, b] = createMemoryLinkPair();
  const handler = new TreeHandler();
  handler.beginLargeObject = (): Promise<LargeObjectSink | CommandReply> => {
    const h = createHash('sha256');
    return Promise.resolve({
      write: (c: Uint8Array) => {
        h.update(c);
        return Promise.resolve();
      },
      finish: () => {
        h.digest();
        return Promise.resolve({ status: 200 });
      },
      abort: () => Promise.resolve(),
    });
  };
  const client = runClientSession(b, { devId: DEV_INFO.DevId, serverId: 'bench', initiator: 'client', sessionId: '1', devInfo: DEV_INFO, encoding, maxMsgSize }, handler);
  const s = await acceptSession(a, { serverId: 'bench' });
  const block = new Uint8Array(1 << 20).map((_, i) => (i * 7) & 0xff);
  const source = { size, read: (o: number, n: number) => Promise.resolve(block.subarray(o % (1 << 19), (o % (1 << 19)) + n)) };
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const status = await s.replaceLarge('./FUMO/Update/PkgData', source);
  const wall = (performance.now() - t0) / 1000;
  const cu = process.cpuUsage(c0);
  await s.end();
  await client;
  if (status !== 200) throw new Error(`transfer failed with ${status}`);
  return { wall, cpu: (cu.user + cu.system) / 1e6 };
}

const suite: BenchSuite = {
  name: 'session',
  async run(): Promise<BenchResult[]> {
    const out: BenchResult[] = [];
    for (const [encoding, max, size] of [
      ['wbxml', 65536, 200e6],
      ['wbxml', 16384, 100e6],
      ['xml', 16384, 50e6],
    ] as const) {
      await transfer(encoding, max, 10e6); // warm up
      const r = await transfer(encoding, max, size);
      out.push({ name: `session.largeobject.${encoding}.${max}.wall`, value: size / 1e6 / r.wall, unit: 'MB/s', note: 'kiosk + device in one process' });
      out.push({ name: `session.largeobject.${encoding}.${max}.cpu`, value: size / 1e6 / r.cpu, unit: 'MB/CPU-s', note: 'process CPU time incl. GC threads' });
    }
    return out;
  },
};

export default suite;
