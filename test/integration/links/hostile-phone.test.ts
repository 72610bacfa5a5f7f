/**
 * A hostile phone on a real pty pair (socat) against the kiosk's own serial link opener: one
 * that offers 1 GB in one OBEX object, one that streams one reply without end, and (kiosk as OBEX
 * server, as on USB) one that streams one PUT without end. The kiosk side fails with
 * DEVICE_MESSAGE_TOO_LARGE, its process memory grows by less than 64 MiB, and a well-behaved
 * phone on a second pty pair in the same process keeps exchanging messages meanwhile and after.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { isKioskError } from '../../../src/core/errors';
import type { Link } from '../../../src/core/link';
import { createObexDmLink } from '../../../src/core/obex/dm-channel';
import { openSerialLink } from '../../../src/main/links/serial';
import { HostileObexPeer, type HostileObexMode } from '../../../src/simulator/faults';
import { createPtyPair, type PtyPair } from '../../../src/simulator/links/pty';
import { openPtyByteStream } from '../../../src/simulator/transports';
import { loadProfiles, type DeviceProfile } from '../../../src/transport/profiles';

const WBXML = 'application/vnd.syncml.dm+wbxml';
const MiB = 1024 * 1024;
const profile: DeviceProfile = loadProfiles().find((p) => p.id === 'reference-serial')!;
// A stall shows up as LINK_TIMEOUT well inside the test's timeout.
const responseTimeoutMs = 20_000;

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Peak RSS seen from start() until stop(): sampled often, and once more at the end. */
function rssSampler(): { stop: () => number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

describe('a hostile phone on a pty', () => {
  const ptys: PtyPair[] = [];
  const links: Link[] = [];
  const peers: HostileObexPeer[] = [];
  afterEach(async () => {
    for (const p of peers.splice(0)) p.stop();
    for (const l of links.splice(0)) await l.close().catch(() => undefined);
    for (const p of ptys.splice(0)) await p.close();
  });

  /** A well-behaved phone (OBEX server) and the kiosk's link to it, on a pty pair of their own. */
  async function goodPhone(): Promise<{ kiosk: Link; phone: Link }> {
    const pty = await createPtyPair();
    ptys.push(pty);
    const phone = createObexDmLink(openPtyByteStream(pty.devicePath), { role: 'server', kind: 'serial', responseTimeoutMs });
    const kiosk = await openSerialLink(pty.hostPath, profile, { responseTimeoutMs });
    links.push(phone, kiosk);
    return { kiosk, phone };
  }

  /** One message each way on the good pair, bodies checked. */
  async function exchange(good: { kiosk: Link; phone: Link }, seed: number): Promise<void> {
    const up = pattern(200_000, seed);
    const got = good.phone.receive({ timeoutMs: responseTimeoutMs });
    await good.kiosk.send({ body: up, contentType: WBXML });
    expect(sha((await got).body)).toBe(sha(up));
    const down = pattern(150_000, seed + 1);
    const reply = good.kiosk.receive({ timeoutMs: responseTimeoutMs });
    await good.phone.send({ body: down, contentType: WBXML });
    expect(sha((await reply).body)).toBe(sha(down));
  }

  async function hostilePair(mode: HostileObexMode, kioskRole: 'client' | 'server', maxMessageBytes?: number) {
    const pty = await createPtyPair();
    ptys.push(pty);
    const kiosk = await openSerialLink(pty.hostPath, profile, {
      responseTimeoutMs,
      role: kioskRole,
      ...(maxMessageBytes !== undefined ? { maxMessageBytes } : {}),
    });
    links.push(kiosk);
    const peer = new HostileObexPeer(openPtyByteStream(pty.devicePath), { mode, role: kioskRole === 'client' ? 'server' : 'client' });
    peers.push(peer);
    return { kiosk, peer };
  }

  const cases: Array<{ title: string; mode: HostileObexMode; kioskRole: 'client' | 'server'; maxMessageBytes?: number; detail: RegExp }> = [
    // The kiosk's default ceiling (64 MiB): the 1 GB announcement alone is enough to refuse.
    { title: 'offers 1 GB in one OBEX object', mode: 'huge-object', kioskRole: 'client', detail: /an object of 1000000000 bytes was offered/ },
    // A kiosk that takes messages of up to 16 MiB from phones (its MaxMsgSize).
    { title: 'streams one reply without end', mode: 'endless-reply', kioskRole: 'client', maxMessageBytes: 16 * MiB, detail: /more than 16777216 bytes/ },
    { title: 'streams one PUT without end to a kiosk that is the OBEX server', mode: 'endless-reply', kioskRole: 'server', maxMessageBytes: 16 * MiB, detail: /more than 16777216 bytes/ },
  ];

  for (const c of cases) {
    it(`a phone that ${c.title} fails that link alone with DEVICE_MESSAGE_TOO_LARGE; memory grows < 64 MiB`, async () => {
      const good = await goodPhone();
      // Warm up the good pair (code loaded, buffers made) before the baseline is taken.
      await exchange(good, 1);
      const baseline = process.memoryUsage.rss();
      const sampler = rssSampler();

      const { kiosk, peer } = await hostilePair(c.mode, c.kioskRole, c.maxMessageBytes);
      const hostileDone = kiosk.receive({ timeoutMs: responseTimeoutMs }).then(
        () => {
          throw new Error('the hostile phone got a message through');
        },
        (e: unknown) => e,
      );
      // The other phone is served while the hostile one floods.
      await exchange(good, 10);
      const err = await hostileDone;
      const peak = sampler.stop();

      expect(isKioskError(err) && err.code).toBe('DEVICE_MESSAGE_TOO_LARGE');
      expect(isKioskError(err) && err.message).toMatch(c.detail);
      expect(isKioskError(err) && err.message).toContain('Disconnect and reconnect it, then try again.');
      // The link stays failed (the phone's own writes may sit in the pty's buffer until the pair closes).
      await expect(kiosk.receive({ timeoutMs: 1000 })).rejects.toMatchObject({ code: 'DEVICE_MESSAGE_TOO_LARGE' });
      expect(peak - baseline).toBeLessThan(64 * MiB);
      // Bounded by the ceiling, not by what the phone would send: it stopped well short of 1 GB.
      expect(peer.sentBytes).toBeLessThan(4 * (c.maxMessageBytes ?? MiB) + 16 * 65536);

      // And the bench goes on.
      await exchange(good, 20);
    });
  }
});
