/**
 * The kiosk keeps a read open on an identified cable phone's idle link (an OBEX GET here, the
 * kiosk being the OBEX client). A job's lease withdraws it at once and gets a clean link: every
 * byte the phone sends after the lease reaches the job, and only the job. Garbage on the idle
 * link is dropped with a log line, bounded by the link's receive limit.
 */
import { describe, expect, it } from 'vitest';
import { MemoryAuthAccountStore } from '../../../src/core/dm/auth';
import { createMemoryByteStreamPair, type ByteStream } from '../../../src/core/obex/byte-stream';
import { createObexDmLink, type ObexDmServer } from '../../../src/core/obex/dm-channel';
import { decodeObexPacket, ObexFramer, OBEX_OP } from '../../../src/core/obex/packet';
import type { Link } from '../../../src/core/link';
import { DeviceRegistry, type DeviceEntry } from '../../../src/main/services/device-registry';
import type { DiscoveredDevice } from '../../../src/main/links/scanner';
import { loadProfiles, profileById } from '../../../src/transport/profiles';
import { FakeClock, counterRandom } from '../../support/clock';

const WB = 'application/vnd.syncml.dm+wbxml';

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 17 + seed) & 0xff;
  return out;
}

/** Counts the GET and ABORT requests the kiosk writes. */
function counting(stream: ByteStream, seen: { gets: number; aborts: number }): ByteStream {
  const framer = new ObexFramer();
  return {
    async write(b) {
      for (const p of framer.push(b)) {
        const req = decodeObexPacket(p, 'request');
        if (req.type === 'request' && (req.opcode & 0x7f) === OBEX_OP.GET) seen.gets++;
        if (req.type === 'request' && (req.opcode & 0x7f) === (OBEX_OP.ABORT & 0x7f)) seen.aborts++;
      }
      return stream.write(b);
    },
    onData: (cb) => stream.onData(cb),
    onClose: (cb) => stream.onClose(cb),
    close: () => stream.close(),
  };
}

interface Bench {
  registry: DeviceRegistry;
  entry: DeviceEntry;
  phone: () => ObexDmServer;
  seen: { gets: number; aborts: number };
  opens: () => number;
  log: string[];
  calls: number;
  clock: FakeClock;
}

async function bench(maxMessageBytes = 1_000_000): Promise<Bench> {
  const clock = new FakeClock();
  const profile = profileById('reference-serial', loadProfiles())!;
  const seen = { gets: 0, aborts: 0 };
  const log: string[] = [];
  const phones: ObexDmServer[] = [];
  let opens = 0;
  const state = { calls: 0 };
  const registry = new DeviceRegistry({
    clock,
    profiles: [profile],
    random: counterRandom(),
    openLink: (): Promise<Link> => {
      opens++;
      const [kiosk, phone] = createMemoryByteStreamPair();
      phones.push(createObexDmLink(phone, { role: 'server' }));
      // The real clock for the link's own answer timeouts: the idle read itself sets none.
      return Promise.resolve(createObexDmLink(counting(kiosk, seen), { role: 'client', maxMessageBytes }));
    },
    sessionOptions: () => ({ serverId: 'fumo-kiosk', clientAuth: 'md5', accounts: new MemoryAuthAccountStore([]), clock, random: counterRandom(), timeoutMs: 60_000 }),
    firstMessageTimeoutMs: 60_000,
    package0Password: () => Promise.resolve('secret'),
    onView: () => undefined,
    onGone: () => undefined,
    keepsEntry: () => false,
    onPhoneCall: () => void state.calls++,
    log: (l) => log.push(l),
  });
  const d: DiscoveredDevice = { portId: 'serial:/dev/ttyFAKE0', linkKind: 'serial', path: '/dev/ttyFAKE0', profileId: profile.id };
  const entry = await registry.attach(d, profile);
  return {
    registry,
    entry,
    phone: () => phones[phones.length - 1]!,
    seen,
    opens: () => opens,
    log,
    get calls() {
      return state.calls;
    },
    clock,
  };
}

describe('listening on an idle cable', () => {
  it('a lease taken while the idle read is open gets a clean link: every byte after it, and only it', async () => {
    const b = await bench();
    b.registry.listenWhenIdle(b.entry);
    await expect.poll(() => b.seen.gets).toBe(1);

    const release = await b.registry.lease(b.entry);
    expect(b.seen.aborts).toBe(1);
    const link = b.entry.link!;
    // The job's own exchange: its message reaches the phone whole, the phone's reply reaches the job whole.
    const up = bytes(40_000, 1);
    const atPhone = b.phone().receive();
    await link.send({ body: up, contentType: WB });
    expect((await atPhone).body).toEqual(up);
    const down = bytes(50_000, 2);
    const answered = b.phone().send({ body: down, contentType: WB });
    expect((await link.receive()).body).toEqual(down);
    await answered;
    // Nobody else read meanwhile: no idle GET while the lease holds the link.
    expect(b.seen.gets).toBe(2);
    expect(b.calls).toBe(0);

    release();
    // Given back: the idle read opens again on the same link (no second port open).
    await expect.poll(() => b.seen.gets).toBe(3);
    expect(b.opens()).toBe(1);
  });

  it('no idle read before the phone has been identified, and none while a lease holds the link', async () => {
    const b = await bench();
    const release = await b.registry.lease(b.entry);
    b.registry.listenWhenIdle(b.entry);
    await new Promise<void>((r) => setImmediate(r));
    expect(b.seen.gets).toBe(0);
    release();
    await expect.poll(() => b.seen.gets).toBe(1);
  });

  it('garbage on the idle link is dropped with a log line, the port is opened again later, and listening goes on', async () => {
    const b = await bench();
    b.registry.listenWhenIdle(b.entry);
    await expect.poll(() => b.seen.gets).toBe(1);
    const first = b.phone();
    // Not a DM message: bytes no SyncML decoder reads.
    await first.send({ body: bytes(300, 9), contentType: WB });
    await expect.poll(() => b.log.some((l) => l.includes('dropped what came on the idle link'))).toBe(true);
    expect(b.calls).toBe(0);
    expect(b.entry.link).toBeUndefined();
    // The next read waits a little (on the injected clock), then opens the port again.
    await expect.poll(() => b.clock.pending).toBeGreaterThan(0);
    b.clock.advance(500);
    await expect.poll(() => b.opens()).toBe(2);
    await expect.poll(() => b.seen.gets).toBe(2);
  });

  it('a phone sending more than the receive limit on the idle link is cut off, not held in memory', async () => {
    const b = await bench(10_000);
    b.registry.listenWhenIdle(b.entry);
    await expect.poll(() => b.seen.gets).toBe(1);
    void b.phone().send({ body: bytes(200_000, 3), contentType: WB }).catch(() => undefined);
    await expect.poll(() => b.log.some((l) => /dropped what came on the idle link.*bytes/.test(l))).toBe(true);
    expect(b.calls).toBe(0);
    expect(b.entry.link).toBeUndefined();
  });

  it('a pulled cable ends listening on that attach; the link is not opened again', async () => {
    const b = await bench();
    b.registry.listenWhenIdle(b.entry);
    await expect.poll(() => b.seen.gets).toBe(1);
    await b.phone().close();
    await expect.poll(() => b.log.some((l) => l.includes('the idle link ended'))).toBe(true);
    b.clock.advance(60_000);
    await new Promise<void>((r) => setImmediate(r));
    expect(b.opens()).toBe(1);
  });
});
