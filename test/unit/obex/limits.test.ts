/**
 * ObexDmLink bounds what a peer may make it hold, while the bytes arrive: a packet above the
 * announced maximum, an object above maxMessageBytes (announced by its Length or counted as it
 * streams), packets of an endless object that carry nothing, answers and messages nobody reads.
 * Each overflow is DEVICE_MESSAGE_TOO_LARGE, fails the link and closes the stream.
 */
import { describe, expect, it } from 'vitest';
import { isKioskError } from '../../../src/core/errors';
import { createMemoryByteStreamPair, type ByteStream } from '../../../src/core/obex/byte-stream';
import { createObexDmLink } from '../../../src/core/obex/dm-channel';
import { encodeObexPacket, ObexFramer, OBEX_HDR, OBEX_OP, OBEX_RSP, OBEX_SRM, OBEX_VERSION } from '../../../src/core/obex/packet';
import { formatFaults, HostileObexPeer, parseFaults } from '../../../src/simulator/faults';

const WB = 'application/vnd.syncml.dm+wbxml';
const MiB = 1024 * 1024;

/** Watches a stream end: resolves when it closes. */
function closedPromise(stream: ByteStream): Promise<void> {
  return new Promise<void>((resolve) => stream.onClose(() => resolve()));
}

async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isKioskError(e)) throw new Error(`expected a KioskError, got ${String(e)}`);
  return { code: e.code, message: e.message };
}

/** A scripted OBEX server: answers CONNECT and PUT, and answers the first GET with `reply()`'s packets. */
function scriptedServer(stream: ByteStream, reply: () => Uint8Array[]): { written: () => number } {
  const framer = new ObexFramer();
  let written = 0;
  let answered = false;
  const send = async (b: Uint8Array): Promise<void> => {
    await stream.write(b);
    written += b.length;
  };
  stream.onData((chunk) => {
    for (const p of framer.push(chunk)) {
      const op = p[0]! & 0x7f;
      if (op === OBEX_OP.CONNECT) {
        void send(encodeObexPacket({ type: 'response', code: OBEX_RSP.SUCCESS, final: true, connect: { version: OBEX_VERSION, flags: 0, maxPacketLength: 0xffff }, headers: [{ id: OBEX_HDR.CONNECTION_ID, value: 1 }] })).catch(() => undefined);
      } else if (op === OBEX_OP.GET && !answered) {
        answered = true;
        // Stops at the first write the closed stream refuses.
        void (async () => {
          for (const packet of reply()) await send(packet);
        })().catch(() => undefined);
      } else if (op !== OBEX_OP.GET) {
        void send(encodeObexPacket({ type: 'response', code: OBEX_RSP.SUCCESS, final: true, headers: [] })).catch(() => undefined);
      }
    }
  });
  return { written: () => written };
}

const rsp = (code: number, headers: Parameters<typeof encodeObexPacket>[0]['headers']) => encodeObexPacket({ type: 'response', code, final: true, headers });

describe('ObexDmLink input bounds (kiosk as OBEX client)', () => {
  it('refuses an object whose Length is above the limit at its first packet, and closes the stream', async () => {
    const [kioskEnd, phoneEnd] = createMemoryByteStreamPair();
    const phone = new HostileObexPeer(phoneEnd, { mode: 'huge-object', role: 'server' });
    const kiosk = createObexDmLink(kioskEnd, { role: 'client', maxMessageBytes: MiB });
    const closed = closedPromise(kioskEnd);
    const err = await rejection(kiosk.receive());
    expect(err.code).toBe('DEVICE_MESSAGE_TOO_LARGE');
    expect(err.message).toContain('an object of 1000000000 bytes was offered, the limit is 1048576 bytes');
    expect(err.message).toContain('Disconnect and reconnect it');
    await closed;
    await phone.stoppedPromise;
    // Refused on the announcement: the phone got no further than a few packets.
    expect(phone.sentBytes).toBeLessThan(4 * 65536);
    // The link stays failed with the same error.
    expect((await rejection(kiosk.receive())).code).toBe('DEVICE_MESSAGE_TOO_LARGE');
  });

  for (const srm of [true, false]) {
    it(`a reply that keeps streaming without a Length fails once its bytes pass the limit (srm ${srm})`, async () => {
      const [kioskEnd, phoneEnd] = createMemoryByteStreamPair();
      const phone = new HostileObexPeer(phoneEnd, { mode: 'endless-reply', role: 'server' });
      const kiosk = createObexDmLink(kioskEnd, { role: 'client', maxMessageBytes: MiB, srm });
      const err = await rejection(kiosk.receive());
      expect(err.code).toBe('DEVICE_MESSAGE_TOO_LARGE');
      // In one object, or (without SRM, while the kiosk writes its next GET) in answers queued for it.
      expect(err.message).toMatch(/more than 1048576 bytes (arrived in one object|of answers arrived unread)/);
      await phone.stoppedPromise;
      // Stopped while receiving: about the limit went over the wire, not the endless rest.
      expect(phone.sentBytes).toBeGreaterThan(MiB);
      expect(phone.sentBytes).toBeLessThan(2 * MiB + 8 * 65536);
    });
  }

  it('a Length below the limit does not let more than the limit through', async () => {
    const [kioskEnd, phoneEnd] = createMemoryByteStreamPair();
    const body = new Uint8Array(60_000);
    const server = scriptedServer(phoneEnd, () => [
      rsp(OBEX_RSP.CONTINUE, [{ id: OBEX_HDR.LENGTH, value: 1000 }, { id: OBEX_HDR.BODY, value: body }]),
      ...Array.from({ length: 40 }, () => rsp(OBEX_RSP.CONTINUE, [{ id: OBEX_HDR.BODY, value: body }])),
      rsp(OBEX_RSP.SUCCESS, [{ id: OBEX_HDR.END_OF_BODY, value: new Uint8Array(0) }]),
    ]);
    const kiosk = createObexDmLink(kioskEnd, { role: 'client', maxMessageBytes: 500_000, srm: false });
    const err = await rejection(kiosk.receive());
    expect(err.code).toBe('DEVICE_MESSAGE_TOO_LARGE');
    expect(server.written()).toBeLessThan(2_000_000);
  });

  it('an object of exactly the limit arrives whole; one byte more is refused', async () => {
    const limit = 300_000;
    for (const extra of [0, 1]) {
      const [a, b] = createMemoryByteStreamPair();
      const kiosk = createObexDmLink(a, { role: 'client', maxMessageBytes: limit });
      const phone = createObexDmLink(b, { role: 'server' });
      const body = new Uint8Array(limit + extra).map((_, i) => i & 0xff);
      void phone.send({ body, contentType: WB }).catch(() => undefined);
      if (extra === 0) expect((await kiosk.receive()).body).toEqual(body);
      else expect((await rejection(kiosk.receive())).code).toBe('DEVICE_MESSAGE_TOO_LARGE');
    }
  });

  it('an endless run of continue packets that carry no body is bounded too', async () => {
    const [kioskEnd, phoneEnd] = createMemoryByteStreamPair();
    const empty = rsp(OBEX_RSP.CONTINUE, [{ id: OBEX_HDR.SRM, value: OBEX_SRM.ENABLE }]);
    // 65536-byte limit: the wire budget is 2 x 65536 + 65535; send about twice that, then stop.
    scriptedServer(phoneEnd, () => Array.from({ length: 150_000 }, () => empty));
    const kiosk = createObexDmLink(kioskEnd, { role: 'client', maxMessageBytes: 65536 });
    const err = await rejection(kiosk.receive());
    expect(err.code).toBe('DEVICE_MESSAGE_TOO_LARGE');
    expect(err.message).toContain('bytes of packets');
  });

  it('a packet announced above the maximum this side negotiated is refused when its length field arrives', async () => {
    const [kioskEnd, phoneEnd] = createMemoryByteStreamPair();
    const phone = new HostileObexPeer(phoneEnd, { mode: 'endless-packet', role: 'server' });
    const kiosk = createObexDmLink(kioskEnd, { role: 'client', maxPacketLength: 4096 });
    const err = await rejection(kiosk.receive());
    expect(err.code).toBe('DEVICE_MESSAGE_TOO_LARGE');
    expect(err.message).toContain('a packet of 65535 bytes was announced, the limit is 4096 bytes');
    await phone.stoppedPromise;
  });

  it('answers nobody asked for are bounded like a message', async () => {
    const [kioskEnd, phoneEnd] = createMemoryByteStreamPair();
    const kiosk = createObexDmLink(kioskEnd, { role: 'client', maxMessageBytes: 100_000, maxPacketLength: 0xffff });
    const junk = rsp(OBEX_RSP.SUCCESS, [{ id: OBEX_HDR.BODY, value: new Uint8Array(50_000) }]);
    const closed = closedPromise(kioskEnd);
    // Unsolicited: the kiosk has sent nothing yet.
    for (let i = 0; i < 6; i++) await phoneEnd.write(junk).catch(() => undefined);
    await closed;
    expect((await rejection(kiosk.connect())).code).toBe('DEVICE_MESSAGE_TOO_LARGE');
  });
});

describe('ObexDmLink input bounds (kiosk as OBEX server)', () => {
  it('a phone PUTting an object announced as 1 GB is refused at once with 0xCD and the stream closed', async () => {
    const [kioskEnd, phoneEnd] = createMemoryByteStreamPair();
    const answers: number[] = [];
    const framer = new ObexFramer();
    phoneEnd.onData((d) => answers.push(...framer.push(d).map((p) => p[0]!)));
    const phone = new HostileObexPeer(phoneEnd, { mode: 'huge-object', role: 'client' });
    const kiosk = createObexDmLink(kioskEnd, { role: 'server', maxMessageBytes: MiB });
    const err = await rejection(kiosk.receive());
    expect(err.code).toBe('DEVICE_MESSAGE_TOO_LARGE');
    expect(err.message).toContain('an object of 1000000000 bytes was offered');
    await phone.stoppedPromise;
    // Refused on the announcement, long before the limit's worth of bytes.
    expect(phone.sentBytes).toBeLessThan(MiB);
    await expect.poll(() => answers.includes(OBEX_RSP.ENTITY_TOO_LARGE | 0x80)).toBe(true);
  });

  it('an endless PUT without a Length fails once its bytes pass the limit', async () => {
    const [kioskEnd, phoneEnd] = createMemoryByteStreamPair();
    const phone = new HostileObexPeer(phoneEnd, { mode: 'endless-reply', role: 'client' });
    const kiosk = createObexDmLink(kioskEnd, { role: 'server', maxMessageBytes: MiB });
    const err = await rejection(kiosk.receive());
    expect(err.code).toBe('DEVICE_MESSAGE_TOO_LARGE');
    await phone.stoppedPromise;
    // The object and the requests queued behind it are each bounded by the limit.
    expect(phone.sentBytes).toBeLessThan(2 * MiB + 8 * 65536);
  });

  it('requests queued behind an answer the phone never reads are bounded', async () => {
    const [kioskEnd, phoneEnd] = createMemoryByteStreamPair();
    let closed = false;
    // The kiosk's writes are never taken (the phone does not read): its first answer never completes.
    const stalled: ByteStream = {
      write: () => new Promise<void>(() => undefined),
      onData: (cb) => kioskEnd.onData(cb),
      onClose: (cb) => kioskEnd.onClose(cb),
      close: async () => {
        closed = true;
        await kioskEnd.close();
      },
    };
    const phone = new HostileObexPeer(phoneEnd, { mode: 'huge-object', role: 'client', objectBytes: 8 * MiB });
    const kiosk = createObexDmLink(stalled, { role: 'server', maxMessageBytes: MiB });
    const err = await rejection(kiosk.receive());
    expect(err.code).toBe('DEVICE_MESSAGE_TOO_LARGE');
    expect(err.message).toContain('while an answer was still being sent');
    expect(closed).toBe(true);
    await phone.stoppedPromise;
    expect(phone.sentBytes).toBeLessThan(MiB + 4 * 65536);
  });

  it('whole messages nobody reads count against the limit', async () => {
    const [a, b] = createMemoryByteStreamPair();
    const phone = createObexDmLink(a, { role: 'client' });
    const kiosk = createObexDmLink(b, { role: 'server', maxMessageBytes: MiB });
    const message = { body: new Uint8Array(300_000), contentType: WB };
    // The kiosk never calls receive(): three fit, the fourth is more than it may hold.
    for (let i = 0; i < 3; i++) await phone.send(message);
    await expect(phone.send(message)).rejects.toBeDefined();
    expect((await rejection(kiosk.receive())).code).toBe('DEVICE_MESSAGE_TOO_LARGE');
  });
});

describe('hostile-obex fault spelling', () => {
  it('parses and formats each mode, and names them when the mode is wrong', () => {
    const f = parseFaults('hostile-obex:huge-object,hostile-obex:endless-reply');
    expect(f).toEqual([
      { kind: 'hostile-obex', mode: 'huge-object' },
      { kind: 'hostile-obex', mode: 'endless-reply' },
    ]);
    expect(parseFaults(formatFaults(f))).toEqual(f);
    expect(parseFaults('hostile-obex:endless-packet')).toEqual([{ kind: 'hostile-obex', mode: 'endless-packet' }]);
    expect(() => parseFaults('hostile-obex:lots')).toThrow(/huge-object, endless-reply, endless-packet/);
  });
});
