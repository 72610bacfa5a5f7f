/**
 * Fuzz: the OBEX decoder and framer, fed 100,000 random and mutated inputs (fixed seed), may
 * only ever throw DecodeError, and the framer never loops or loses bytes.
 */
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/core/errors';
import { decodeObexPacket, encodeObexPacket, ObexFramer, OBEX_HDR, OBEX_OP, OBEX_RSP, type ObexPacket } from '../../src/core/obex/packet';

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
      const framer = new ObexFramer(next() % 2 === 0 ? 0xffff : 300);
      try {
        let at = 0;
        let out = 0;
        while (at < input.length) {
          const step = 1 + (next() % 16);
          for (const p of framer.push(input.subarray(at, at + step))) out += p.length;
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
