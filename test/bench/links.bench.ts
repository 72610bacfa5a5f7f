/**
 * Links benchmark.
 *  serial.<baud>.efficiency  DM large-object-sized messages (64 KiB) sent by the kiosk (OBEX client)
 *                            through a pty whose reading end is throttled to the line rate of 8N1
 *                            (10 bits a byte: a token bucket at baud/10 bytes per second; ptys have no
 *                            baud of their own). Efficiency = payload bytes per second / (baud/10).
 *  pty.ratio_to_raw          unthrottled: OBEX payload rate / a raw byte copy through the same pty.
 *  obex.inmemory_MBps        two ObexDmLinks over an in-memory byte stream pair (MB = 10^6 bytes).
 * Run: npx tsx test/bench/run.ts --only links
 */
import { SerialPort } from 'serialport';
import { ByteStreamEvents, createMemoryByteStreamPair, type ByteStream } from '../../src/core/obex/byte-stream';
import { ObexDmLink } from '../../src/core/obex/dm-channel';
import { createPtyPair } from '../../src/main/links/pty';
import { loadProfiles } from '../../src/main/links/profiles';
import { openSerialByteStream } from '../../src/main/links/serial';
import type { BenchResult, BenchSuite } from './types';

const WBXML = 'application/vnd.syncml.dm+wbxml';
const profile = loadProfiles().find((p) => p.id === 'reference-serial')!;

function payload(n: number): Uint8Array {
  return new Uint8Array(n).map((_, i) => (i * 131 + (i >> 8)) & 0xff);
}

function openPort(path: string, baudRate: number): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  return new Promise((resolve, reject) => port.open((e) => (e ? reject(e) : resolve(port))));
}

/**
 * The device's end of the cable, read at a UART's line rate: a token bucket passes baud/10
 * bytes per second while data is waiting (the line is busy); the port is paused while the
 * bucket's queue is full, so the kernel buffer and then the writer are held back as a real
 * line would hold them. The queue is the data "on the wire".
 */
class ThrottledPortStream extends ByteStreamEvents implements ByteStream {
  private queue: Uint8Array[] = [];
  private queued = 0;
  private last = performance.now();
  private credit = 0;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly port: SerialPort,
    private readonly bytesPerSecond: number,
  ) {
    super();
    port.on('data', (chunk: Buffer) => {
      if (this.queued === 0) this.last = performance.now();
      this.queue.push(chunk);
      this.queued += chunk.length;
      if (this.queued > 65536) port.pause();
    });
    port.on('close', () => this.emitClose());
    this.timer = setInterval(() => this.tick(), 2);
  }

  private tick(): void {
    const now = performance.now();
    if (this.queued === 0) {
      this.last = now;
      this.credit = 0;
      return;
    }
    this.credit += ((now - this.last) / 1000) * this.bytesPerSecond;
    this.last = now;
    let n = Math.floor(this.credit);
    if (n <= 0) return;
    this.credit -= n;
    while (n > 0 && this.queue.length > 0) {
      const c = this.queue[0]!;
      const take = Math.min(n, c.length);
      this.emitData(c.subarray(0, take));
      if (take === c.length) this.queue.shift();
      else this.queue[0] = c.subarray(take);
      this.queued -= take;
      n -= take;
    }
    if (this.queued === 0) this.credit = 0;
    // Resume well before the queue runs dry, so the modelled line never idles while data waits in the kernel.
    if (this.queued < 32768 && this.port.isPaused()) this.port.resume();
  }

  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => this.port.write(bytes, (e) => (e ? reject(e) : resolve())));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.emitClose();
    await new Promise<void>((r) => (this.port.isOpen ? this.port.close(() => r()) : r()));
  }
}

async function serialEfficiency(baud: number, totalBytes: number): Promise<BenchResult> {
  const pty = await createPtyPair();
  try {
    const kiosk = new ObexDmLink(await openSerialByteStream(pty.hostPath, profile, { baudRate: baud }), { role: 'client' });
    const devicePort = await openPort(pty.devicePath, baud);
    const device = new ObexDmLink(new ThrottledPortStream(devicePort, baud / 10), { role: 'server' });
    await kiosk.connect();
    const msg = payload(64 * 1024);
    const count = Math.ceil(totalBytes / msg.length);
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      const rx = device.receive();
      rx.catch(() => undefined);
      await kiosk.send({ body: msg, contentType: WBXML });
      const got = await rx;
      if (got.body.length !== msg.length) throw new Error('short message');
    }
    const seconds = (performance.now() - start) / 1000;
    const rate = (count * msg.length) / seconds;
    await kiosk.close();
    await device.close();
    return {
      name: `serial.${baud}.efficiency`,
      value: Math.round((rate / (baud / 10)) * 10000) / 100,
      unit: '%',
      target: '>= 97',
      note: `${count} x 64 KiB in ${seconds.toFixed(1)} s, ${(rate / 1000).toFixed(2)} kB/s of ${(baud / 10000).toFixed(2)} kB/s line rate`,
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
  const kiosk = new ObexDmLink(await openSerialByteStream(hostPath, profile), { role: 'client' });
  const device = new ObexDmLink(await openSerialByteStream(devicePath, profile), { role: 'server' });
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
  const kiosk = new ObexDmLink(a, { role: 'client', kind: 'memory' });
  const device = new ObexDmLink(b, { role: 'server', kind: 'memory' });
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
    results.push(...(await ptyRatioToRaw(8 * 1024 * 1024, 3)));
    results.push(await serialEfficiency(115200, 4 * 64 * 1024));
    results.push(await serialEfficiency(921600, 32 * 64 * 1024));
    return results;
  },
};

export default suite;
