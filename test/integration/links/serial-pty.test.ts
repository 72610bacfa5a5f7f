/**
 * Two ObexDmLinks over a real pty pair (socat), opened with openSerialLink on both ends: the
 * kiosk side as OBEX client, the device side as OBEX server, as with the reference-serial
 * profile. Every exchange has a response timeout, so a stall fails as LINK_TIMEOUT within
 * seconds instead of running into the test's own timeout.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Link } from '../../../src/core/link';
import { createPtyPair, type PtyPair } from '../../../src/simulator/links/pty';
import { loadProfiles, type DeviceProfile } from '../../../src/transport/profiles';
import { isPseudoTerminal, openSerialLink, type SerialLinkOptions } from '../../../src/main/links/serial';

const WBXML = 'application/vnd.syncml.dm+wbxml';
const profile: DeviceProfile = loadProfiles().find((p) => p.id === 'reference-serial')!;

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i += 4) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x;
    out[i + 1] = x >>> 8;
    out[i + 2] = x >>> 16;
    out[i + 3] = x >>> 24;
  }
  return out;
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

// A stall shows up as LINK_TIMEOUT after this long, far inside the test's timeout.
const responseTimeoutMs = 20_000;
const withoutSrm: DeviceProfile = { ...profile, obex: { ...profile.obex!, srm: false } };

/** `rounds` messages of `size` bytes each way over one pair of links; every body checked by hash. */
async function roundTrips(kiosk: Link, device: Link, rounds: number, size: number): Promise<number> {
  let checked = 0;
  for (let i = 0; i < rounds; i++) {
    const up = pattern(size, 100 + i);
    const got = device.receive({ timeoutMs: responseTimeoutMs });
    await kiosk.send({ body: up, contentType: WBXML });
    const m1 = await got;
    expect(sha(m1.body)).toBe(sha(up));
    const down = pattern(size, 200 + i);
    const reply = kiosk.receive({ timeoutMs: responseTimeoutMs });
    await device.send({ body: down, contentType: WBXML });
    const m2 = await reply;
    expect(sha(m2.body)).toBe(sha(down));
    checked += 2;
  }
  return checked;
}

describe('OBEX over a pty pair', () => {
  let pty: PtyPair | undefined;
  const links: Link[] = [];
  afterEach(async () => {
    for (const l of links.splice(0)) await l.close().catch(() => undefined);
    await pty?.close();
    pty = undefined;
  });

  it('moves a 32 MB message each way', async () => {
    pty = await createPtyPair();
    const kiosk = await openSerialLink(pty.hostPath, profile, { responseTimeoutMs });
    const device = await openSerialLink(pty.devicePath, profile, { role: 'server', responseTimeoutMs });
    links.push(kiosk, device);
    const size = 32 * 1024 * 1024;
    const up = pattern(size, 1);
    const upHash = sha(up);
    const got = device.receive();
    await kiosk.send({ body: up, contentType: WBXML });
    const m1 = await got;
    expect(m1.body.length).toBe(size);
    expect(sha(m1.body)).toBe(upHash);
    expect(m1.contentType).toBe(WBXML);

    const down = pattern(size, 2);
    const downHash = sha(down);
    const reply = kiosk.receive();
    await device.send({ body: down, contentType: WBXML });
    const m2 = await reply;
    expect(m2.body.length).toBe(size);
    expect(sha(m2.body)).toBe(downHash);
  });

  it('ptys are recognised as pseudo-terminals, other files are not', async () => {
    pty = await createPtyPair();
    expect(isPseudoTerminal(pty.hostPath)).toBe(true);
    expect(isPseudoTerminal(pty.devicePath)).toBe(true);
    expect(isPseudoTerminal('/dev/null')).toBe(false);
    expect(isPseudoTerminal('/no/such/port')).toBe(false);
  });

  // Without single response mode every packet is answered: thousands of read/write turnarounds
  // per transfer, each one a chance for a lost "writable" wait to stall the writer for good.
  const ways: Array<[string, SerialLinkOptions['io'], DeviceProfile]> = [
    ['tty stream (how ptys are opened), SRM on', 'auto', profile],
    ['tty stream (how ptys are opened), SRM off', 'auto', withoutSrm],
    ['serialport with the poller correction (how real ports are opened), SRM off', 'serialport', withoutSrm],
  ];
  for (const [name, io, p] of ways) {
    it(`repeated 4 MB round trips never stall: ${name}`, async () => {
      pty = await createPtyPair();
      const kiosk = await openSerialLink(pty.hostPath, p, { responseTimeoutMs, io });
      const device = await openSerialLink(pty.devicePath, p, { role: 'server', responseTimeoutMs, io });
      links.push(kiosk, device);
      expect(await roundTrips(kiosk, device, 5, 4 * 1024 * 1024)).toBe(10);
    });
  }

  it('a pty closed mid-transfer surfaces as CABLE_UNPLUGGED on the kiosk side', async () => {
    pty = await createPtyPair();
    const kiosk = await openSerialLink(pty.hostPath, profile, { responseTimeoutMs });
    const device = await openSerialLink(pty.devicePath, profile, { role: 'server', responseTimeoutMs });
    links.push(kiosk, device);
    const deviceRx = device.receive().catch((e: unknown) => e);
    const sending = kiosk.send({ body: pattern(64 * 1024 * 1024, 3), contentType: WBXML }).then(
      () => 'completed',
      (e: unknown) => e,
    );
    // Pull the cable once the OBEX connection is up and the message is on its way.
    const info = () => (kiosk as unknown as { info: { connected: boolean } }).info;
    while (!info().connected) await new Promise((r) => setTimeout(r, 10));
    await pty.close();
    const result = await sending;
    expect(result).toMatchObject({ code: 'CABLE_UNPLUGGED' });
    expect(await deviceRx).toMatchObject({ code: 'CABLE_UNPLUGGED' });
    await expect(kiosk.receive()).rejects.toMatchObject({ code: 'CABLE_UNPLUGGED' });
  });
});
