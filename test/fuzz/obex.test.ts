/**
 * Fuzz: the OBEX decoder and framer, fed 100,000 random and mutated inputs (fixed seed), may
 * only ever throw DecodeError, and the framer never loops or loses bytes, refuses a length above
 * its maximum as soon as the length arrives and never holds more than that plus the last chunk.
 * The DM link, fed mutated packet streams in both roles under small packet and message limits,
 * ends every receive with a message within its limit or a KioskError, never a hang.
 */
import { describe, expect, it } from 'vitest';
import { DecodeError, isKioskError } from '../../src/core/errors';
import { createMemoryByteStreamPair } from '../../src/core/obex/byte-stream';
import { createObexDmLink } from '../../src/core/obex/dm-channel';
import {
  decodeObexPacket,
  encodeObexPacket,
  ObexFramer,
  ObexPacketTooLargeError,
  OBEX_HDR,
  OBEX_OP,
  OBEX_RSP,
  OBEX_SRM,
  type ObexPacket,
} from '../../src/core/obex/packet';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    // xorshift32
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

const seeds: ObexPacket[] = [
  { type: 'request', opcode: OBEX_OP.CONNECT, final: true, connect: { version: 0x10, flags: 0, maxPacketLength: 0xffff }, headers: [{ id: OBEX_HDR.TARGET, value: new TextEncoder().encode('SYNCML-DM') }] },
  {
    type: 'request',
    opcode: OBEX_OP.PUT,
    final: false,
    headers: [
      { id: OBEX_HDR.CONNECTION_ID, value: 1 },
      { id: OBEX_HDR.NAME, value: 'name' },
      { id: OBEX_HDR.TYPE, value: 'application/vnd.syncml.dm+wbxml' },
      { id: OBEX_HDR.LENGTH, value: 99 },
      { id: OBEX_HDR.SRM, value: 1 },
      { id: OBEX_HDR.BODY, value: new Uint8Array([1, 2, 3, 4, 5]) },
    ],
  },
  { type: 'request', opcode: OBEX_OP.SETPATH, final: true, setpath: { flags: 2, constants: 0 }, headers: [{ id: OBEX_HDR.NAME, value: '' }] },
  { type: 'response', code: OBEX_RSP.CONTINUE, final: true, headers: [{ id: OBEX_HDR.END_OF_BODY, value: new Uint8Array(20) }] },
];
const seedBytes = seeds.map((p) => encodeObexPacket(p));

function mutate(next: () => number, input: Uint8Array): Uint8Array {
  const b = Array.from(input);
  const n = 1 + (next() % 4);
  for (let i = 0; i < n; i++) {
    const op = next() % 4;
    const at = b.length === 0 ? 0 : next() % b.length;
    if (op === 0 && b.length > 0) b[at] = next() & 0xff;
    else if (op === 1) b.splice(at, 0, next() & 0xff);
    else if (op === 2 && b.length > 0) b.splice(at, 1 + (next() % 4));
    else b.length = Math.max(0, b.length - (next() % 8));
  }
  return new Uint8Array(b);
}

describe('OBEX fuzz', () => {
  it('100,000 inputs: decoder and framer throw DecodeError only', () => {
    const next = rng(0x0bec5eed);
    let decodeErrors = 0;
    let decoded = 0;
    let framed = 0;
    for (let i = 0; i < 100_000; i++) {
      let input: Uint8Array;
      if (i % 2 === 0) {
        input = mutate(next, seedBytes[i % seedBytes.length]!);
      } else {
        input = new Uint8Array(next() % 64).map(() => next() & 0xff);
      }
      for (const kind of ['request', 'response'] as const) {
        try {
          decodeObexPacket(input, kind, { requestOpcode: next() % 2 === 0 ? OBEX_OP.CONNECT : OBEX_OP.PUT });
          decoded++;
        } catch (e) {
          if (!(e instanceof DecodeError)) throw new Error(`decoder threw ${String(e)} for ${Buffer.from(input).toString('hex')}`);
          decodeErrors++;
        }
      }
      const max = next() % 2 === 0 ? 0xffff : 300;
      const framer = new ObexFramer(max);
      try {
        let at = 0;
        let out = 0;
        while (at < input.length) {
          const step = 1 + (next() % 16);
          try {
            for (const p of framer.push(input.subarray(at, at + step))) out += p.length;
          } catch (e) {
            if (e instanceof ObexPacketTooLargeError && !(e.declaredLength > max && e.maxLength === max)) throw new Error(`framer refused ${e.declaredLength} under ${max}`);
            throw e;
          }
          // Bounded while receiving: never more than one packet short of the maximum plus the chunk just pushed.
          if (framer.pending > max + step) throw new Error(`framer holds ${framer.pending} bytes with maximum ${max}`);
          at += step;
        }
        // Conservation: every byte is either in a whole packet or still pending.
        if (out + framer.pending !== input.length) throw new Error(`framer lost bytes for ${Buffer.from(input).toString('hex')}`);
        framed++;
      } catch (e) {
        if (!(e instanceof DecodeError)) throw new Error(`framer threw ${String(e)} for ${Buffer.from(input).toString('hex')}`);
      }
    }
    // Both outcomes occur: the corpus is neither all-valid nor all-garbage.
    expect(decoded).toBeGreaterThan(1000);
    expect(decodeErrors).toBeGreaterThan(1000);
    expect(framed).toBeGreaterThan(1000);
  });
});

/** Packets a phone might send, valid ones to mutate: answers for a client link, requests for a server link. */
function linkSeeds(role: 'client' | 'server', next: () => number): Uint8Array[] {
  const body = (n: number) => new Uint8Array(n).fill(0x5a);
  const length = next() % 6000;
  if (role === 'client') {
    return [
      encodeObexPacket({ type: 'response', code: OBEX_RSP.SUCCESS, final: true, connect: { version: 0x10, flags: 0, maxPacketLength: 0xffff }, headers: [{ id: OBEX_HDR.CONNECTION_ID, value: 1 }] }),
      encodeObexPacket({ type: 'response', code: OBEX_RSP.SUCCESS, final: true, headers: [] }),
      encodeObexPacket({ type: 'response', code: OBEX_RSP.CONTINUE, final: true, headers: [{ id: OBEX_HDR.LENGTH, value: length }, { id: OBEX_HDR.SRM, value: OBEX_SRM.ENABLE }, { id: OBEX_HDR.BODY, value: body(next() % 400) }] }),
      encodeObexPacket({ type: 'response', code: OBEX_RSP.CONTINUE, final: true, headers: [{ id: OBEX_HDR.BODY, value: body(next() % 400) }] }),
      encodeObexPacket({ type: 'response', code: OBEX_RSP.SUCCESS, final: true, headers: [{ id: OBEX_HDR.HTTP, value: new TextEncoder().encode('x-a: b\r\n') }, { id: OBEX_HDR.END_OF_BODY, value: body(next() % 400) }] }),
    ];
  }
  return [
    encodeObexPacket({ type: 'request', opcode: OBEX_OP.CONNECT, final: true, connect: { version: 0x10, flags: 0, maxPacketLength: 0xffff }, headers: [{ id: OBEX_HDR.TARGET, value: new TextEncoder().encode('SYNCML-DM') }] }),
    encodeObexPacket({ type: 'request', opcode: OBEX_OP.PUT, final: false, headers: [{ id: OBEX_HDR.CONNECTION_ID, value: 1 }, { id: OBEX_HDR.LENGTH, value: length }, { id: OBEX_HDR.SRM, value: OBEX_SRM.ENABLE }, { id: OBEX_HDR.BODY, value: body(next() % 400) }] }),
    encodeObexPacket({ type: 'request', opcode: OBEX_OP.PUT, final: false, headers: [{ id: OBEX_HDR.BODY, value: body(next() % 400) }] }),
    encodeObexPacket({ type: 'request', opcode: OBEX_OP.PUT, final: true, headers: [{ id: OBEX_HDR.END_OF_BODY, value: body(next() % 400) }] }),
    encodeObexPacket({ type: 'request', opcode: OBEX_OP.GET, final: true, headers: [{ id: OBEX_HDR.CONNECTION_ID, value: 1 }] }),
  ];
}

describe('OBEX link fuzz under limits', () => {
  it('2,000 mutated packet streams per role: every receive ends within its limit or with a KioskError', async () => {
    const next = rng(0x11a117);
    const outcomes = { message: 0, tooLarge: 0, otherError: 0 };
    for (let i = 0; i < 4000; i++) {
      const role = i % 2 === 0 ? 'client' : 'server';
      // Half the links have a limit most streams stay under, half one most streams pass.
      const maxMessageBytes = next() % 2 === 0 ? 20_000 : next() % 5000;
      const maxPacketLength = 255 + (next() % 2000);
      const [kioskEnd, phoneEnd] = createMemoryByteStreamPair();
      const link = createObexDmLink(kioskEnd, { role, maxMessageBytes, maxPacketLength, srm: next() % 2 === 0 });
      const settled = link.receive().then(
        (m) => {
          if (m.body.length > maxMessageBytes) throw new Error(`a ${m.body.length}-byte message passed the ${maxMessageBytes}-byte limit`);
          outcomes.message++;
        },
        (e: unknown) => {
          if (!isKioskError(e)) throw new Error(`link failed with ${String(e)}`);
          if (e.code === 'DEVICE_MESSAGE_TOO_LARGE') outcomes.tooLarge++;
          else outcomes.otherError++;
        },
      );
      const seeds = linkSeeds(role, next);
      // A third are well-formed exchanges (CONNECT, an object's first, middle and last packets):
      // the receive must end by itself. The rest are random picks, some mutated, then a hang-up.
      const wellFormed = next() % 3 === 0;
      const [first, middle, last] = role === 'client' ? [2, 3, 4] : [1, 2, 3];
      const picks = wellFormed
        ? [0, first, ...Array.from({ length: next() % 6 }, () => middle), last]
        : Array.from({ length: 1 + (next() % 8) }, (_, k) => (k === 0 && next() % 4 !== 0 ? 0 : next() % seeds.length));
      const bytes: number[] = [];
      for (const pick of picks) {
        const seed = seeds[pick]!;
        bytes.push(...(!wellFormed && next() % 3 === 0 ? mutate(next, seed) : seed));
      }
      const all = new Uint8Array(bytes);
      for (let at = 0; at < all.length; ) {
        const step = 1 + (next() % 700);
        await phoneEnd.write(all.subarray(at, at + step)).catch(() => undefined);
        at += step;
      }
      if (wellFormed) {
        await settled;
        await phoneEnd.close();
      } else {
        // The phone hangs up: whatever the link was waiting for, it must now settle.
        await phoneEnd.close();
        await settled;
      }
      await link.close();
    }
    // Each outcome occurs often: the corpus reaches the message, the limit and the error paths.
    expect(outcomes.message).toBeGreaterThan(300);
    expect(outcomes.tooLarge).toBeGreaterThan(300);
    expect(outcomes.otherError).toBeGreaterThan(300);
  });
});
