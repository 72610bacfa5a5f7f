/**
 * Links benchmark.
 *  serial.<baud>.efficiency  A real DM large-object download (the kiosk's server session sends
 *                            Replace PkgData in chunks sized to the device's MaxMsgSize, the
 *                            device's client session answers each message) over OBEX through a pty
 *                            pair, the kiosk end opened with openSerialByteStream. ptys have no baud
 *                            rate, so BOTH ends read through a model of a full-duplex 8N1 line: a
 *                            byte reaches the reader 10/baud seconds after the previous one left the
 *                            line, and an idle line saves no credit. The device's replies travel on
 *                            the same modelled line. Efficiency = firmware bytes per second of the
 *                            download phase / (baud/10).
 *  pty.ratio_to_raw          unthrottled: OBEX payload rate / a raw byte copy of the same byte count
 *                            through the same pty, alternating, best of several rounds each.
 *  obex.inmemory_MBps        two ObexDmLinks over an in-memory byte stream pair (MB = 10^6 bytes).
 * Run: npx tsx test/bench/run.ts --only links
 */
import { ByteStreamEvents, createMemoryByteStreamPair, type ByteStream } from '../../src/core/obex/byte-stream';
import { createObexDmLink } from '../../src/core/obex/dm-channel';
import type { LargeObjectSink, CommandReply } from '../../src/core/session/client-api';
import { runClientSession } from '../../src/core/session/client';
import { acceptSession } from '../../src/core/session/server';
import { systemClock } from '../../src/core/clock';
import { ProgressMeter, chunkBytesForSpeed } from '../../src/core/fumo/progress';
import { createPtyPair } from '../../src/simulator/links/pty';
import { loadProfiles } from '../../src/transport/profiles';
import { openSerialByteStream } from '../../src/main/links/serial';
import { DEV_INFO, TreeHandler } from '../unit/session/fixtures';
import type { BenchResult, BenchSuite } from './types';

const WBXML = 'application/vnd.syncml.dm+wbxml';
const profile = loadProfiles().find((p) => p.id === 'reference-serial')!;

function payload(n: number): Uint8Array {
  return new Uint8Array(n).map((_, i) => (i * 131 + (i >> 8)) & 0xff);
}

/**
 * The reading end of one direction of a UART line at `baud` (8N1: 10 bits a byte). Each byte
 * leaves the line 10/baud s after the one before it, or after it arrived if the line was idle;
 * bytes are handed on in pieces of at most 256 as their last byte leaves the line. Writes pass
 * straight through (the other direction has its own model at the peer's reading end).
 */
class LineRateReader extends ByteStreamEvents implements ByteStream {
  private readonly due: Array<{ at: number; bytes: Uint8Array }> = [];
  private lineFreeAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly msPerByte: number;
  /** Bytes that crossed this direction of the line. */
  lineBytes = 0;

  constructor(
    private readonly inner: ByteStream,
    baud: number,
  ) {
    super();
    this.msPerByte = 10_000 / baud;
    inner.onData((chunk) => this.arrive(chunk));
    inner.onClose((e) => this.emitClose(e));
  }

  private arrive(chunk: Uint8Array): void {
    this.lineBytes += chunk.length;
    let t = Math.max(performance.now(), this.lineFreeAt);
    for (let at = 0; at < chunk.length; at += 256) {
      const piece = chunk.subarray(at, Math.min(chunk.length, at + 256));
      t += piece.length * this.msPerByte;
      this.due.push({ at: t, bytes: piece });
    }
    this.lineFreeAt = t;
    this.arm();
  }

  private arm(): void {
    if (this.timer !== undefined || this.due.length === 0) return;
    const wait = Math.max(0, this.due[0]!.at - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = performance.now();
      while (this.due.length > 0 && this.due[0]!.at <= now) this.emitData(this.due.shift()!.bytes);
      this.arm();
    }, wait);
  }

  write(bytes: Uint8Array): Promise<void> {
    return this.inner.write(bytes);
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.inner.close();
  }
}

/** A device-side sink that only counts (the device's own work is not what is measured). */
function countingHandler(): { handler: TreeHandler; received: () => number } {
  const handler = new TreeHandler();
  let received = 0;
  handler.beginLargeObject = (): Promise<LargeObjectSink | CommandReply> =>
    Promise.resolve({
      write: (c: Uint8Array) => {
        received += c.length;
        return Promise.resolve();
      },
      finish: () => Promise.resolve({ status: 200 }),
      abort: () => Promise.resolve(),
    });
  return { handler, received: () => received };
}

export async function serialEfficiency(
  baud: number,
  firmwareBytes: number,
  maxMsgSize: number,
  name = `serial.${baud}.efficiency`,
  target = '>= 97',
  /** Chunks sized to the measured speed, as a FUMO job sends them (progress about once a second). */
  paced = false,
): Promise<BenchResult> {
  const pty = await createPtyPair();
  try {
    const kioskStream = new LineRateReader(await openSerialByteStream(pty.hostPath, profile, { baudRate: baud }), baud);
    const deviceStream = new LineRateReader(await openSerialByteStream(pty.devicePath, profile, { baudRate: baud }), baud);
    const kiosk = createObexDmLink(kioskStream, { role: 'client', srm: profile.obex?.srm });
    const device = createObexDmLink(deviceStream, { role: 'server', srm: profile.obex?.srm });
    const { handler, received } = countingHandler();
    const client = runClientSession(
      device,
      { devId: DEV_INFO.DevId, serverId: 'bench', initiator: 'client', sessionId: '1', devInfo: DEV_INFO, encoding: 'wbxml', maxMsgSize, maxObjSize: firmwareBytes * 2 },
      handler,
    );
    // A failed client session shows as the download's error below; keep it from going unhandled meanwhile.
    client.catch(() => undefined);
    const session = await acceptSession(kiosk, { serverId: 'bench' });
    // Firmware bytes from a repeating block: any chunk the sender asks for is one subarray.
    const block = payload((1 << 20) + maxMsgSize);
    const source = { size: firmwareBytes, read: (o: number, n: number) => Promise.resolve(block.subarray(o % (1 << 20), (o % (1 << 20)) + n)) };
    const meter = new ProgressMeter(systemClock, firmwareBytes);
    meter.restartAt(0);
    let steps = 0;
    let widest = 0;
    let last = 0;
    const pacing = paced
      ? {
          chunkBytes: () => chunkBytesForSpeed(meter.reading().speedBps),
          onProgress: (p: { acknowledgedBytes: number }) => {
            meter.update(p.acknowledgedBytes);
            steps++;
            widest = Math.max(widest, p.acknowledgedBytes - last);
            last = p.acknowledgedBytes;
          },
        }
      : {};
    const start = performance.now();
    const status = await session.replaceLarge('./FwUpdate/Update/PkgData', source, pacing);
    const seconds = (performance.now() - start) / 1000;
    await session.end();
    await client;
    if (status !== 200 || received() !== firmwareBytes) throw new Error(`download failed: status ${status}, ${received()} of ${firmwareBytes} bytes`);
    const { srmOperations, multiPacketOperations } = kiosk.info;
    await kiosk.close();
    await device.close();
    const rate = firmwareBytes / seconds;
    return {
      name,
      value: Math.round((rate / (baud / 10)) * 10000) / 100,
      unit: '%',
      ...(target ? { target } : {}),
      note:
        `${(firmwareBytes / 1e6).toFixed(2)} MB firmware, MaxMsgSize ${maxMsgSize}, SRM in ${srmOperations} of ${multiPacketOperations} multi-packet exchanges, ${seconds.toFixed(1)} s, ` +
        `${(rate / 1000).toFixed(2)} of ${(baud / 10000).toFixed(2)} kB/s; line bytes per firmware byte: ` +
        `to device ${(deviceStream.lineBytes / firmwareBytes).toFixed(4)}, to kiosk ${(kioskStream.lineBytes / firmwareBytes).toFixed(4)}` +
        (paced ? `; paced: ${steps} progress steps, the widest ${widest} bytes (${(widest / (baud / 10)).toFixed(2)} s of line)` : ''),
    };
  } finally {
    await pty.close();
  }
}

/** The same bytes through the same pty and the same port plumbing, without OBEX. */
async function rawCopy(hostPath: string, devicePath: string, data: Uint8Array): Promise<number> {
  const a = await openSerialByteStream(hostPath, profile);
  const b = await openSerialByteStream(devicePath, profile);
  let got = 0;
  const done = new Promise<void>((resolve) =>
    b.onData((c) => {
      got += c.length;
      if (got >= data.length) resolve();
    }),
  );
  const t0 = performance.now();
  for (let at = 0; at < data.length; at += 65535) await a.write(data.subarray(at, at + 65535));
  await done;
  const seconds = (performance.now() - t0) / 1000;
  await a.close();
  await b.close();
  return data.length / seconds / 1e6;
}

async function obexCopy(hostPath: string, devicePath: string, data: Uint8Array): Promise<number> {
  const kiosk = createObexDmLink(await openSerialByteStream(hostPath, profile), { role: 'client' });
  const device = createObexDmLink(await openSerialByteStream(devicePath, profile), { role: 'server' });
  await kiosk.connect();
  const t0 = performance.now();
  const rx = device.receive();
  rx.catch(() => undefined);
  await kiosk.send({ body: data, contentType: WBXML });
  const m = await rx;
  if (m.body.length !== data.length) throw new Error('short message');
  const seconds = (performance.now() - t0) / 1000;
  await kiosk.close();
  await device.close();
  return data.length / seconds / 1e6;
}

/** Raw and OBEX copies alternate through the same pty; the best of each counts (the machine is shared). */
async function ptyRatioToRaw(totalBytes: number, rounds: number): Promise<BenchResult[]> {
  const pty = await createPtyPair();
  try {
    const data = payload(totalBytes);
    let raw = 0;
    let obex = 0;
    for (let i = 0; i < rounds; i++) {
      raw = Math.max(raw, await rawCopy(pty.hostPath, pty.devicePath, data));
      obex = Math.max(obex, await obexCopy(pty.hostPath, pty.devicePath, data));
    }
    return [
      {
        name: 'pty.ratio_to_raw',
        value: Math.round((obex / raw) * 1000) / 1000,
        unit: 'ratio',
        note: `best of ${rounds}: OBEX ${obex.toFixed(1)} MB/s vs raw ${raw.toFixed(1)} MB/s, ${totalBytes / 1e6} MB`,
      },
    ];
  } finally {
    await pty.close();
  }
}

async function inMemory(totalBytes: number): Promise<BenchResult> {
  const [a, b] = createMemoryByteStreamPair();
  const kiosk = createObexDmLink(a, { role: 'client', kind: 'memory' });
  const device = createObexDmLink(b, { role: 'server', kind: 'memory' });
  await kiosk.connect();
  const msg = payload(4 * 1024 * 1024);
  // Warm-up, then measure.
  for (let i = 0; i < 2; i++) {
    const rx = device.receive();
    rx.catch(() => undefined);
    await kiosk.send({ body: msg, contentType: WBXML });
    await rx;
  }
  const count = Math.ceil(totalBytes / msg.length);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const rx = device.receive();
    rx.catch(() => undefined);
    await kiosk.send({ body: msg, contentType: WBXML });
    await rx;
  }
  const seconds = (performance.now() - t0) / 1000;
  await kiosk.close();
  return { name: 'obex.inmemory_MBps', value: Math.round((count * msg.length) / seconds / 1e4) / 100, unit: 'MB/s', note: `${count} x 4 MiB, 64 KiB packets, SRM` };
}

const suite: BenchSuite = {
  name: 'links',
  async run() {
    const results: BenchResult[] = [];
    results.push(await inMemory(256 * 1024 * 1024));
    results.push(...(await ptyRatioToRaw(8 * 1024 * 1024, 5)));
    // The reference-serial profile's own MaxMsgSize decides the chunk message size, as in a real download.
    results.push(await serialEfficiency(115200, 256 * 1024, profile.maxMsgSize));
    // As a FUMO job sends it: chunks sized to the measured speed so progress moves about once a second.
    results.push(await serialEfficiency(115200, 256 * 1024, profile.maxMsgSize, 'serial.115200.paced.efficiency', '>= 97', true));
    results.push(await serialEfficiency(921600, 2 * 1024 * 1024, profile.maxMsgSize));
    // For comparison: the same line with 256 KiB DM messages (as the USB and HTTP reference
    // profiles): the three OBEX turnarounds and the DM envelopes per message count a quarter as often.
    results.push(await serialEfficiency(921600, 2 * 1024 * 1024, 262144, 'serial.921600.msg256KiB.efficiency', ''));
    return results;
  },
};

export default suite;
