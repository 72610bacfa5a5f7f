import { describe, expect, it } from 'vitest';
import { createObexDmLink } from '../../../src/core/obex/dm-channel';
import { loadProfiles } from '../../../src/transport/profiles';
import { openUsbByteStream, openUsbLink, packetMultiple } from '../../../src/main/links/usb';
import { createUsbStandIn } from '../../../src/simulator/links/usb-standin';

const profile = loadProfiles().find((p) => p.id === 'reference-usb')!;
const WB = 'application/vnd.syncml.dm+wbxml';

function bytes(n: number, k: number): Uint8Array {
  return new Uint8Array(n).map((_, i) => (i * k + (i >> 9)) & 0xff);
}

describe('USB link through the WebUSB-shaped stand-in', () => {
  it('claims the profile interface and moves messages both ways over the bulk endpoints', async () => {
    const standIn = createUsbStandIn({ packetSize: 512 });
    // reference-usb: the kiosk is the OBEX server, the phone the OBEX client.
    const phone = createObexDmLink(standIn.deviceStream, { role: 'client', kind: 'usb' });
    const kiosk = await openUsbLink(standIn.device, profile, { readSize: 1000 });
    expect(standIn.device.opened).toBe(true);
    expect(kiosk.kind).toBe('usb');

    const up = bytes(300_001, 7);
    const rx = kiosk.receive();
    await phone.send({ body: up, contentType: WB });
    expect(Buffer.from((await rx).body).equals(Buffer.from(up))).toBe(true);
    const down = bytes(200_003, 13);
    const reply = phone.receive();
    await kiosk.send({ body: down, contentType: WB });
    expect(Buffer.from((await reply).body).equals(Buffer.from(down))).toBe(true);

    // IN transfers are whole packets: 1000 rounds up to 1024.
    expect(standIn.inTransferLengths.length).toBeGreaterThan(0);
    expect(new Set(standIn.inTransferLengths)).toEqual(new Set([1024]));
    expect(packetMultiple(65536, 64)).toBe(65536);
    expect(packetMultiple(100, 64)).toBe(128);
    expect(packetMultiple(1, 512)).toBe(512);
  });

  it('unplugging mid-exchange is CABLE_UNPLUGGED', async () => {
    const standIn = createUsbStandIn();
    // No SRM: every PUT packet is answered, so the phone sees the exchange progress.
    const phone = createObexDmLink(standIn.deviceStream, { role: 'client', kind: 'usb', maxPacketLength: 1024, srm: false });
    const kiosk = await openUsbLink(standIn.device, profile);
    const rx = kiosk.receive();
    let answers = 0;
    standIn.deviceStream.onData(() => {
      if (++answers === 5) standIn.unplug();
    });
    const sending = phone.send({ body: bytes(100_000, 3), contentType: WB }).catch((e: unknown) => e);
    await expect(rx).rejects.toMatchObject({ code: 'CABLE_UNPLUGGED' });
    expect(await sending).toMatchObject({ code: 'CABLE_UNPLUGGED' });
    expect(answers).toBe(5);
  });

  it('bytes the phone sent before the link listens are not lost', async () => {
    const standIn = createUsbStandIn({ packetSize: 64 });
    // The phone speaks first: its bytes sit in the IN endpoint before the kiosk opens it.
    const early = bytes(1000, 5);
    await standIn.deviceStream.write(early);
    const stream = await openUsbByteStream(standIn.device, profile, { readSize: 256 });
    // Let the read loop take every early byte off the endpoint before anyone listens.
    while (standIn.inTransferLengths.length < 5) await new Promise<void>((r) => setImmediate(r));
    const got: number[] = [];
    const all = new Promise<void>((resolve) =>
      stream.onData((c) => {
        got.push(...c);
        if (got.length >= early.length) resolve();
      }),
    );
    await all;
    expect(Buffer.from(got).equals(Buffer.from(early))).toBe(true);
    await stream.close();
  });

  it('an OBEX CONNECT sent before the kiosk link exists is answered', async () => {
    const standIn = createUsbStandIn();
    const phone = createObexDmLink(standIn.deviceStream, { role: 'client', kind: 'usb', responseTimeoutMs: 10_000 });
    const connecting = phone.connect();
    const kiosk = await openUsbLink(standIn.device, profile);
    await connecting;
    const rx = kiosk.receive();
    const up = bytes(5000, 11);
    await phone.send({ body: up, contentType: WB });
    expect(Buffer.from((await rx).body).equals(Buffer.from(up))).toBe(true);
    await phone.close();
  });

  it('a profile whose interface is missing is refused', async () => {
    const standIn = createUsbStandIn({ interfaceNumber: 3 });
    await expect(openUsbLink(standIn.device, profile)).rejects.toMatchObject({ code: 'CABLE_UNPLUGGED' });
  });
});
