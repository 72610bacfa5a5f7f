/**
 * Two ObexDmLinks over a real pty pair (socat), serialport on both ends: the kiosk side as
 * OBEX client, the device side as OBEX server, as with the reference-serial profile.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Link } from '../../../src/core/link';
import { createPtyPair, type PtyPair } from '../../../src/main/links/pty';
import { loadProfiles, type DeviceProfile } from '../../../src/main/links/profiles';
import { openSerialLink } from '../../../src/main/links/serial';

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
    const kiosk = await openSerialLink(pty.hostPath, profile);
    const device = await openSerialLink(pty.devicePath, profile, { role: 'server' });
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

  it('a pty closed mid-transfer surfaces as CABLE_UNPLUGGED on the kiosk side', async () => {
    pty = await createPtyPair();
    const kiosk = await openSerialLink(pty.hostPath, profile);
    const device = await openSerialLink(pty.devicePath, profile, { role: 'server' });
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
