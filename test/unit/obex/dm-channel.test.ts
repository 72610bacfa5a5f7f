import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/core/clock';
import { isKioskError } from '../../../src/core/errors';
import { createMemoryByteStreamPair, type ByteStream } from '../../../src/core/obex/byte-stream';
import { createObexDmLink, OBEX_DM_NOTIFICATION, OBEX_DM_XML } from '../../../src/core/obex/dm-channel';
import { decodeObexPacket, ObexFramer, OBEX_HDR, type ObexPacket } from '../../../src/core/obex/packet';

/** A stream wrapper that records every whole packet written through it. */
function tap(stream: ByteStream, kind: 'request' | 'response', log: ObexPacket[], state: { lastRequest: number }): ByteStream {
  const framer = new ObexFramer();
  return {
    async write(bytes) {
      for (const p of framer.push(bytes)) {
        // A response is read in the light of the request it answers (CONNECT responses carry extra fields).
        const pkt = decodeObexPacket(p, kind, kind === 'response' ? { requestOpcode: state.lastRequest } : {});
        if (pkt.type === 'request') state.lastRequest = pkt.opcode;
        log.push(pkt);
      }
      return stream.write(bytes);
    },
    onData: (cb) => stream.onData(cb),
    onClose: (cb) => stream.onClose(cb),
    close: () => stream.close(),
  };
}

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function pair(opts: { clientMax?: number; serverMax?: number; clientSrm?: boolean; serverSrm?: boolean } = {}) {
  const [a, b] = createMemoryByteStreamPair();
  const requests: ObexPacket[] = [];
  const responses: ObexPacket[] = [];
  const state = { lastRequest: -1 };
  const client = createObexDmLink(tap(a, 'request', requests, state), { role: 'client', maxPacketLength: opts.clientMax, srm: opts.clientSrm });
  const server = createObexDmLink(tap(b, 'response', responses, state), { role: 'server', maxPacketLength: opts.serverMax, srm: opts.serverSrm });
  return { client, server, requests, responses };
}

const WB = 'application/vnd.syncml.dm+wbxml';

describe('ObexDmLink', () => {
  for (const srm of [true, false]) {
    it(`round trip larger than the packet size, both directions (srm ${srm})`, async () => {
      const { client, server, requests, responses } = pair({ clientMax: 4096, serverMax: 1000, clientSrm: srm, serverSrm: true });
      const up = pattern(100_003, 1);
      const down = pattern(77_777, 2);
      const got = server.receive();
      await client.send({ body: up, contentType: WB, headers: { 'x-syncml-hmac': 'algorithm=MD5, username="a", mac=xyz' } });
      const m1 = await got;
      expect(m1.body).toEqual(up);
      expect(m1.contentType).toBe(WB);
      expect(m1.headers).toEqual({ 'x-syncml-hmac': 'algorithm=MD5, username="a", mac=xyz' });
      const reply = client.receive();
      await server.send({ body: down, contentType: WB });
      const m2 = await reply;
      expect(m2.body).toEqual(down);
      expect(m2.contentType).toBe(WB);

      // Negotiated size is the minimum of both sides: no packet above 1000 bytes either way.
      const sizes = (ps: ObexPacket[]) => ps.length;
      expect(sizes(requests)).toBeGreaterThan(100);
      expect(client.info.sendPacketLength).toBe(1000);
      expect(server.info.sendPacketLength).toBe(1000);
      const connect = requests[0]!;
      expect(connect).toMatchObject({ type: 'request', opcode: 0, connect: { maxPacketLength: 4096 } });
      const target = connect.headers.find((h) => h.id === OBEX_HDR.TARGET)!.value as Uint8Array;
      expect(new TextDecoder().decode(target)).toBe('SYNCML-DM');
      const cr = responses[0]!;
      expect(cr).toMatchObject({ type: 'response', code: 0x20, connect: { maxPacketLength: 1000 } });
      expect(cr.headers.map((h) => h.id)).toEqual([OBEX_HDR.CONNECTION_ID, OBEX_HDR.WHO]);
      // Every PUT / GET carries the Connection-ID in its first packet.
      const firstPut = requests.find((p) => p.type === 'request' && p.opcode === 2)!;
      expect(firstPut.headers[0]).toEqual({ id: OBEX_HDR.CONNECTION_ID, value: 1 });

      const puts = requests.filter((p) => p.type === 'request' && p.opcode === 2);
      const bodyBytes = puts.flatMap((p) => p.headers.filter((h) => h.id === 0x48 || h.id === 0x49)).reduce((n, h) => n + (h.value as Uint8Array).length, 0);
      expect(bodyBytes).toBe(up.length);
      expect(puts.filter((p) => p.type === 'request' && p.final)).toHaveLength(1);
      const gets = requests.filter((p) => p.type === 'request' && p.opcode === 3);
      const continues = responses.filter((p) => p.type === 'response' && p.code === 0x10);
      if (srm) {
        // Single response mode: one PUT answer (CONTINUE) + SUCCESS, one GET request for the whole reply.
        expect(client.info.lastPutSrm).toBe(true);
        expect(client.info.lastGetSrm).toBe(true);
        expect(gets).toHaveLength(1);
        expect(responses.filter((p) => p.type === 'response' && p.code === 0x20)).toHaveLength(3); // CONNECT, PUT, GET
        expect(continues.length).toBe(1 + Math.ceil(down.length / 990) - 1);
        expect(client.info).toMatchObject({ multiPacketOperations: 2, srmOperations: 2 });
      } else {
        expect(client.info.lastPutSrm).toBe(false);
        expect(client.info).toMatchObject({ multiPacketOperations: 2, srmOperations: 0 });
        expect(gets.length).toBeGreaterThan(70);
        expect(continues.length).toBe(puts.length - 1 + gets.length - 1);
      }
      await client.close();
      await server.close();
    });
  }

  it('two links with default options run every multi-packet PUT and GET in single response mode', async () => {
    const { client, server, requests, responses } = pair();
    for (let i = 0; i < 3; i++) {
      const up = pattern(200_000 + i, 10 + i);
      const got = server.receive();
      await client.send({ body: up, contentType: WB });
      expect((await got).body).toEqual(up);
      const down = pattern(150_000 + i, 20 + i);
      const reply = client.receive();
      await server.send({ body: down, contentType: WB });
      expect((await reply).body).toEqual(down);
    }
    expect(client.info).toMatchObject({ multiPacketOperations: 6, srmOperations: 6 });
    // One GET request per reply; CONTINUEs: per PUT only the SRM confirmation (not one per each of
    // its 4 packets), per GET one for each of its 3 packets but the last (no request in between).
    expect(requests.filter((p) => p.type === 'request' && p.opcode === 3)).toHaveLength(3);
    expect(responses.filter((p) => p.type === 'response' && p.code === 0x10)).toHaveLength(3 * (1 + 2));
    await client.close();
    await server.close();
  });

  it('no SRM when the server does not offer it', async () => {
    const { client, server } = pair({ serverSrm: false, serverMax: 300 });
    const body = pattern(5000, 3);
    const got = server.receive();
    await client.send({ body, contentType: OBEX_DM_XML });
    expect((await got).body).toEqual(body);
    expect(client.info.lastPutSrm).toBe(false);
    await client.close();
  });

  it('carries package 0 as a PUT of application/vnd.syncml.notification, and empty messages', async () => {
    const { client, server } = pair();
    const got = server.receive();
    await client.send({ body: pattern(40, 4), contentType: OBEX_DM_NOTIFICATION });
    expect(await got).toEqual({ body: pattern(40, 4), contentType: OBEX_DM_NOTIFICATION });
    const got2 = server.receive();
    await client.send({ body: new Uint8Array(0), contentType: WB });
    expect((await got2).body.length).toBe(0);
  });

  it('client DISCONNECTs on close and the server keeps serving a new CONNECT on the same stream', async () => {
    const [a, b] = createMemoryByteStreamPair();
    const requests: ObexPacket[] = [];
    const client = createObexDmLink(tap(a, 'request', requests, { lastRequest: -1 }), { role: 'client' });
    createObexDmLink(b, { role: 'server' });
    await client.connect();
    await client.close();
    expect(requests.map((p) => (p.type === 'request' ? p.opcode : -1))).toEqual([0, 1]);
  });

  it('server refuses a CONNECT to another target', async () => {
    const [a, b] = createMemoryByteStreamPair();
    createObexDmLink(b, { role: 'server' });
    const responses: Uint8Array[] = [];
    const f = new ObexFramer();
    a.onData((d) => responses.push(...f.push(d)));
    await a.write(new Uint8Array([0x80, 0, 19, 0x10, 0, 0x20, 0, 0x46, 0, 12, ...new TextEncoder().encode('SYNCML-SY')]));
    await new Promise<void>((r) => setTimeout(r, 0));
    await expect.poll(() => responses.length).toBe(1);
    expect(responses[0]![0]).toBe(0xd3);
  });

  it('a stream closing mid-exchange is CABLE_UNPLUGGED on both sides', async () => {
    const [a, b] = createMemoryByteStreamPair();
    const client = createObexDmLink(a, { role: 'client', maxPacketLength: 255 });
    const server = createObexDmLink(b, { role: 'server' });
    const serverRx = server.receive();
    let written = 0;
    b.onData(() => {
      if (++written === 3) void b.close();
    });
    const sent = client.send({ body: pattern(50_000, 5), contentType: WB });
    await expect(sent).rejects.toMatchObject({ code: 'CABLE_UNPLUGGED' });
    await expect(serverRx).rejects.toMatchObject({ code: 'CABLE_UNPLUGGED' });
    await expect(client.receive()).rejects.toMatchObject({ code: 'CABLE_UNPLUGGED' });
  });

  it('LINK_TIMEOUT through the injected clock when the peer stays silent', async () => {
    const timers: Array<{ fn: () => void; at: number }> = [];
    let now = 0;
    const clock: Clock = {
      now: () => now,
      setTimeout: (fn, ms) => {
        const t = { fn, at: now + ms };
        timers.push(t);
        return t;
      },
      clearTimeout: (h) => {
        const i = timers.indexOf(h as (typeof timers)[number]);
        if (i >= 0) timers.splice(i, 1);
      },
    };
    const [a] = createMemoryByteStreamPair(); // nobody answers on the other end
    const client = createObexDmLink(a, { role: 'client', clock, responseTimeoutMs: 5000 });
    const p = client.connect();
    await expect.poll(() => timers.length).toBe(1);
    now = 5000;
    timers.splice(0).forEach((t) => t.fn());
    const err = await p.catch((e: unknown) => e);
    expect(isKioskError(err) && err.code).toBe('LINK_TIMEOUT');
  });

  it('a write the transport never completes fails as LINK_TIMEOUT and closes the stream', async () => {
    const timers: Array<{ fn: () => void; ms: number }> = [];
    const clock: Clock = {
      now: () => 0,
      setTimeout: (fn, ms) => {
        const t = { fn, ms };
        timers.push(t);
        return t;
      },
      clearTimeout: (h) => {
        const i = timers.indexOf(h as (typeof timers)[number]);
        if (i >= 0) timers.splice(i, 1);
      },
    };
    const [a] = createMemoryByteStreamPair();
    let closed = false;
    // A transport whose write path stalls: the bytes are never taken.
    const stalled: ByteStream = {
      write: () => new Promise<void>(() => undefined),
      onData: (cb) => a.onData(cb),
      onClose: (cb) => a.onClose(cb),
      close: async () => {
        closed = true;
        await a.close();
      },
    };
    const client = createObexDmLink(stalled, { role: 'client', clock, responseTimeoutMs: 7000 });
    const sent = client.send({ body: pattern(100, 1), contentType: WB }).catch((e: unknown) => e);
    await expect.poll(() => timers.length).toBe(1);
    expect(timers[0]!.ms).toBe(7000);
    timers.splice(0).forEach((t) => t.fn());
    expect(await sent).toMatchObject({ code: 'LINK_TIMEOUT' });
    expect(closed).toBe(true);
    await expect(client.receive()).rejects.toMatchObject({ code: 'LINK_TIMEOUT' });
  });

  it('server receive honours its timeout without breaking the link', async () => {
    const timers: Array<() => void> = [];
    const clock: Clock = { now: () => 0, setTimeout: (fn) => (timers.push(fn), fn), clearTimeout: () => undefined };
    const [a, b] = createMemoryByteStreamPair();
    const client = createObexDmLink(a, { role: 'client' });
    const server = createObexDmLink(b, { role: 'server', clock });
    const r = server.receive({ timeoutMs: 100 });
    await expect.poll(() => timers.length).toBe(1);
    timers.shift()!();
    await expect(r).rejects.toMatchObject({ code: 'LINK_TIMEOUT' });
    const r2 = server.receive();
    await client.send({ body: pattern(10, 9), contentType: WB });
    expect((await r2).body).toEqual(pattern(10, 9));
  });

  it('PROTOCOL_ERROR when the peer refuses the PUT', async () => {
    const [a, b] = createMemoryByteStreamPair();
    const client = createObexDmLink(a, { role: 'client' });
    const f = new ObexFramer();
    b.onData((d) => {
      for (const p of f.push(d)) {
        if (p[0] === 0x80) void b.write(new Uint8Array([0xa0, 0, 7, 0x10, 0, 0x10, 0]));
        else void b.write(new Uint8Array([0xc3, 0, 3]));
      }
    });
    await expect(client.send({ body: pattern(10, 1), contentType: WB })).rejects.toMatchObject({ code: 'PROTOCOL_ERROR' });
  });
});
