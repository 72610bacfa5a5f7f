/**
 * A kiosk killed in the middle of writing an OBEX packet leaves the phone holding the start of
 * a packet whose rest never comes. With a partial-packet timeout the phone's link drops those
 * bytes once nothing has come for that long, and the next kiosk's CONNECT is read as a CONNECT.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryByteStreamPair } from '../../../src/core/obex/byte-stream';
import { createObexDmLink } from '../../../src/core/obex/dm-channel';
import { encodeObexPacket, OBEX_HDR, OBEX_OP } from '../../../src/core/obex/packet';
import { FakeClock } from '../../support/clock';

const WB = 'application/vnd.syncml.dm+wbxml';

/** The first `n` bytes of a large PUT, as a kiosk killed mid-write leaves them. */
function truncatedWrite(n: number): Uint8Array {
  const put = encodeObexPacket({ type: 'request', opcode: OBEX_OP.PUT, final: false, headers: [{ id: OBEX_HDR.CONNECTION_ID, value: 1 }, { id: OBEX_HDR.BODY, value: new Uint8Array(4000).fill(7) }] });
  return put.subarray(0, n);
}

describe('a partial packet from a peer that died mid-write', () => {
  it('is dropped after the timeout, and the next CONNECT and message go through', async () => {
    const clock = new FakeClock();
    const [kiosk, phoneEnd] = createMemoryByteStreamPair();
    const dropped: number[] = [];
    const phone = createObexDmLink(phoneEnd, { role: 'server', clock, partialPacketTimeoutMs: 2000, onPartialPacketDropped: (n) => dropped.push(n) });
    await kiosk.write(truncatedWrite(1500));
    await expect.poll(() => clock.pending).toBeGreaterThan(0);
    clock.advance(2000);
    expect(dropped).toEqual([1500]);

    // The restarted kiosk: a new OBEX client on the same line.
    const next = createObexDmLink(kiosk, { role: 'client' });
    const got = phone.receive();
    await next.send({ body: new Uint8Array([1, 2, 3]), contentType: WB });
    expect((await got).body).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('without a timeout the held bytes swallow the next CONNECT (why the phone needs it)', async () => {
    const clock = new FakeClock();
    const [kiosk, phoneEnd] = createMemoryByteStreamPair();
    const phone = createObexDmLink(phoneEnd, { role: 'server', clock });
    await kiosk.write(truncatedWrite(1500));
    const next = createObexDmLink(kiosk, { role: 'client', clock, responseTimeoutMs: 5000 });
    void phone.receive().catch(() => undefined);
    const sent = next.send({ body: new Uint8Array([1, 2, 3]), contentType: WB });
    // The CONNECT went into the held packet: no answer comes, and the kiosk gives up.
    await expect.poll(() => clock.dueWithin(5000)).toBe(true);
    clock.advance(5000);
    await expect(sent).rejects.toMatchObject({ code: 'LINK_TIMEOUT' });
  });
});
