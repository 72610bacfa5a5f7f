/**
 * A GET the kiosk keeps open on an idle cable is taken back (OBEX ABORT) when a job needs the
 * link: the next operation starts clean, and a reply the phone had already begun is never lost.
 */
import { describe, expect, it } from 'vitest';
import { isKioskError } from '../../../src/core/errors';
import { createMemoryByteStreamPair, type ByteStream } from '../../../src/core/obex/byte-stream';
import { createObexDmLink } from '../../../src/core/obex/dm-channel';
import { decodeObexPacket, ObexFramer, OBEX_OP, type ObexPacket } from '../../../src/core/obex/packet';

const WB = 'application/vnd.syncml.dm+wbxml';

/** Records the requests the client writes. */
function tapRequests(stream: ByteStream, log: ObexPacket[]): ByteStream {
  const framer = new ObexFramer();
  return {
    async write(bytes) {
      for (const p of framer.push(bytes)) log.push(decodeObexPacket(p, 'request'));
      return stream.write(bytes);
    },
    onData: (cb) => stream.onData(cb),
    onClose: (cb) => stream.onClose(cb),
    close: () => stream.close(),
  };
}

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

function pair(srm: boolean, maxPacketLength = 65535) {
  const [a, b] = createMemoryByteStreamPair();
  const requests: ObexPacket[] = [];
  const client = createObexDmLink(tapRequests(a, requests), { role: 'client', srm, maxPacketLength });
  const server = createObexDmLink(b, { role: 'server', srm, maxPacketLength });
  return { client, server, requests };
}

const opcodes = (log: ObexPacket[]): number[] => log.map((p) => (p.type === 'request' ? p.opcode & 0x7f : -1));

describe('a GET withdrawn before the phone answers', () => {
  for (const srm of [true, false]) {
    it(`an abort while the phone is silent is CANCELLED and leaves the link clean (srm ${srm})`, async () => {
      const { client, server, requests } = pair(srm);
      const ac = new AbortController();
      const idle = client.receive({ timeoutMs: 0, signal: ac.signal, idle: true });
      await expect.poll(() => opcodes(requests).includes(OBEX_OP.GET)).toBe(true);
      ac.abort();
      const err: unknown = await idle.catch((e: unknown) => e);
      expect(isKioskError(err) && err.code).toBe('CANCELLED');
      expect(opcodes(requests)).toContain(OBEX_OP.ABORT & 0x7f);

      // The job that takes the link next: its PUT and GET go through as on a fresh link.
      const put = bytes(5000, 1);
      const got = server.receive();
      await client.send({ body: put, contentType: WB });
      expect((await got).body).toEqual(put);
      const reply = bytes(7000, 2);
      const answered = server.send({ body: reply, contentType: WB });
      expect((await client.receive()).body).toEqual(reply);
      await answered;
    });
  }

  it('a reply the phone began in single response mode before the ABORT is returned whole, not lost', async () => {
    const { client, server, requests } = pair(true, 1024);
    const ac = new AbortController();
    const idle = client.receive({ timeoutMs: 0, signal: ac.signal, idle: true });
    await expect.poll(() => client.info.connected).toBe(true);
    // Let the GET reach the phone before it answers.
    await new Promise<void>((r) => setImmediate(r));
    const reply = bytes(20_000, 3);
    const answered = server.send({ body: reply, contentType: WB });
    ac.abort();
    expect((await idle).body).toEqual(reply);
    expect(opcodes(requests)).toContain(OBEX_OP.ABORT & 0x7f);
    await answered;
    // And the link goes on.
    const got = server.receive();
    await client.send({ body: bytes(300, 4), contentType: WB });
    expect((await got).body).toEqual(bytes(300, 4));
  });

  it('a reply begun one packet at a time is dropped by the phone on ABORT and comes whole on the next GET', async () => {
    const { client, server, requests } = pair(false, 1024);
    const ac = new AbortController();
    const idle = client.receive({ timeoutMs: 0, signal: ac.signal, idle: true });
    await expect.poll(() => client.info.connected).toBe(true);
    await new Promise<void>((r) => setImmediate(r));
    const reply = bytes(20_000, 5);
    const answered = server.send({ body: reply, contentType: WB });
    ac.abort();
    const err: unknown = await idle.catch((e: unknown) => e);
    expect(isKioskError(err) && err.code).toBe('CANCELLED');
    expect(opcodes(requests)).toContain(OBEX_OP.ABORT & 0x7f);
    expect((await client.receive()).body).toEqual(reply);
    await answered;
  });

  it('an abort after the reply began does not cut it: the reply is read to its end and the link goes on', async () => {
    const { client, server, requests } = pair(false, 1024);
    const ac = new AbortController();
    const idle = client.receive({ timeoutMs: 0, signal: ac.signal, idle: true });
    await expect.poll(() => client.info.connected).toBe(true);
    const reply = bytes(20_000, 6);
    const answered = server.send({ body: reply, contentType: WB });
    // The first packet of the reply is in: from here the read cannot be taken back.
    await expect.poll(() => opcodes(requests).filter((o) => o === OBEX_OP.GET).length).toBeGreaterThan(1);
    ac.abort();
    expect((await idle).body).toEqual(reply);
    expect(opcodes(requests)).not.toContain(OBEX_OP.ABORT & 0x7f);
    await answered;
    const got = server.receive();
    await client.send({ body: bytes(100, 7), contentType: WB });
    expect((await got).body).toEqual(bytes(100, 7));
  });

  it('closing the link during an unanswered idle read does not wait for the phone', async () => {
    const { client } = pair(true);
    const idle = client.receive({ timeoutMs: 0, idle: true });
    await expect.poll(() => client.info.connected).toBe(true);
    await client.close();
    await expect(idle).rejects.toMatchObject({ code: 'LINK_CLOSED' });
  });

  it('an abort given before the GET is sent sends nothing', async () => {
    const { client, requests } = pair(true);
    const ac = new AbortController();
    ac.abort();
    await expect(client.receive({ signal: ac.signal, idle: true })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(opcodes(requests)).not.toContain(OBEX_OP.GET);
    expect(opcodes(requests)).not.toContain(OBEX_OP.ABORT & 0x7f);
  });
});
