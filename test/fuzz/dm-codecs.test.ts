/**
 * Fuzzing the DM decoders: for each of XML and WBXML, 100,000+ inputs made by mutating the
 * corpus (bit flips, byte overwrites, truncation, splices of two messages, duplicated and
 * deleted ranges, corrupted length fields, injected markup) plus random bytes, from a fixed
 * seed. Every decode must return a model or throw DecodeError: nothing else, and no hang.
 */
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/core/errors';
import { decodeMessage } from '../../src/core/dm/codec';
import { decodeWbxml, encodeWbxml } from '../../src/core/dm/wbxml';
import { decodeXml, encodeXml } from '../../src/core/dm/xml';
import { loadCorpus } from '../unit/dm/helpers';

const INPUTS_PER_DECODER = 100_000;

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = ReturnType<typeof prng>;
const int = (r: Rand, n: number) => Math.floor(r() * n);

function randomBytes(r: Rand, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = int(r, 256);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const enc = new TextEncoder();
const XML_FRAGMENTS = ['<', '>', '&', '&#0;', '&#x110000;', '&amp', ']]>', '<![CDATA[', '<!--', '-->', '<?', '<!DOCTYPE x [', '</', '/>', '"', "'", 'xmlns:p="q"', '<p:Data>', '<Data>', '</Data>', '<Item>', '<Meta><Format xmlns="syncml:metinf">b64</Format></Meta>', '<Size>99999999999999999999</Size>', '<Atomic>'.repeat(40), '\u0000', '\uFFFF'].map((s) => enc.encode(s));
const WBXML_TOKENS = [0x00, 0x01, 0x02, 0x03, 0x04, 0x40, 0x43, 0x44, 0x80, 0x83, 0x84, 0xc3, 0xc4, 0x8f, 0xff, 0x7f];

function mutate(r: Rand, inputs: Uint8Array[], kind: 'xml' | 'wbxml'): Uint8Array {
  const base = inputs[int(r, inputs.length)]!;
  const b = base.slice();
  switch (int(r, 9)) {
    case 0: {
      const flips = 1 + int(r, 8);
      for (let k = 0; k < flips && b.length; k++) {
        const at = int(r, b.length);
        b[at] = b[at]! ^ (1 << int(r, 8));
      }
      return b;
    }
    case 1: {
      const n = 1 + int(r, 4);
      for (let k = 0; k < n && b.length; k++) b[int(r, b.length)] = int(r, 256);
      return b;
    }
    case 2:
      return b.subarray(0, int(r, b.length + 1));
    case 3: {
      const other = inputs[int(r, inputs.length)]!;
      return concat(b.subarray(0, int(r, b.length + 1)), other.subarray(int(r, other.length + 1)));
    }
    case 4: {
      const s = int(r, b.length + 1);
      const e = Math.min(b.length, s + int(r, 64));
      return concat(b.subarray(0, e), b.subarray(s, e), b.subarray(e));
    }
    case 5: {
      const s = int(r, b.length + 1);
      return concat(b.subarray(0, s), b.subarray(Math.min(b.length, s + 1 + int(r, 32))));
    }
    case 6: {
      if (kind === 'wbxml') {
        // Length fields: the string table length, or the byte after an OPAQUE/STR_T/ENTITY token.
        const spots = [4];
        for (let i = 5; i < b.length - 1; i++) if (b[i] === 0xc3 || b[i] === 0x83 || b[i] === 0x02) spots.push(i + 1);
        const at = spots[int(r, spots.length)]!;
        const len = [0x7f, 0x80, 0xff, 0x8f, int(r, 256)];
        const ins = Uint8Array.from({ length: 1 + int(r, 6) }, () => len[int(r, len.length)]!);
        return concat(b.subarray(0, at), ins, b.subarray(Math.min(b.length, at + 1)));
      }
      // XML: a long run of one character, or a deep nest.
      const at = int(r, b.length + 1);
      const run = new Uint8Array(1 + int(r, 300)).fill([0x3c, 0x26, 0x20, 0x3e][int(r, 4)]!);
      return concat(b.subarray(0, at), run, b.subarray(at));
    }
    case 7: {
      const at = int(r, b.length + 1);
      const ins = kind === 'xml' ? XML_FRAGMENTS[int(r, XML_FRAGMENTS.length)]! : Uint8Array.from({ length: 1 + int(r, 4) }, () => WBXML_TOKENS[int(r, WBXML_TOKENS.length)]!);
      return concat(b.subarray(0, at), ins, b.subarray(at));
    }
    default:
      return kind === 'wbxml' && r() < 0.5
        ? concat(b.subarray(0, 5), randomBytes(r, int(r, 48)))
        : randomBytes(r, int(r, 64));
  }
}

function run(kind: 'xml' | 'wbxml', seed: number, inputs: Uint8Array[]) {
  const r = prng(seed);
  const decode = kind === 'xml' ? (b: Uint8Array) => decodeXml(b) : (b: Uint8Array) => decodeWbxml(b);
  let ok = 0;
  let refused = 0;
  const other: string[] = [];
  for (let i = 0; i < INPUTS_PER_DECODER; i++) {
    const input = mutate(r, inputs, kind);
    try {
      const m = decode(input);
      if (!m || !Array.isArray(m.body)) other.push(`#${i}: no model`);
      ok++;
    } catch (e) {
      if (e instanceof DecodeError) refused++;
      else if (other.length < 5) other.push(`#${i} ${Buffer.from(input).toString('hex').slice(0, 200)}: ${String(e)}`);
    }
    // Every 97th input also through decodeMessage (sniffing, no content type).
    if (i % 97 === 0) {
      try {
        decodeMessage(input);
      } catch (e) {
        if (!(e instanceof DecodeError) && other.length < 5) other.push(`decodeMessage #${i}: ${String(e)}`);
      }
    }
  }
  return { ok, refused, other };
}

// Small inputs keep the run short: the corpus, compact (not indented), and short chunks.
const models = loadCorpus().map((c) => decodeXml(c.bytes));
const xmlInputs = models.map((m) => encodeXml(m));
const wbxmlInputs = [...models.map((m) => encodeWbxml(m)), ...models.slice(0, 8).map((m) => encodeWbxml(m, { publicId: 'string', version: 0x03 }))];

describe('DM decoders under fuzzing', () => {
  it(`XML: ${INPUTS_PER_DECODER} inputs, only models or DecodeError`, () => {
    const res = run('xml', 0x5eed_0001, xmlInputs);
    expect(res.other).toEqual([]);
    expect(res.ok + res.refused).toBe(INPUTS_PER_DECODER);
    // Both outcomes must occur, or the mutations are not reaching the decoder's paths.
    expect(res.ok).toBeGreaterThan(100);
    expect(res.refused).toBeGreaterThan(10_000);
  }, 120_000);

  it(`WBXML: ${INPUTS_PER_DECODER} inputs, only models or DecodeError`, () => {
    const res = run('wbxml', 0x5eed_0002, wbxmlInputs);
    expect(res.other).toEqual([]);
    expect(res.ok + res.refused).toBe(INPUTS_PER_DECODER);
    expect(res.ok).toBeGreaterThan(100);
    expect(res.refused).toBeGreaterThan(10_000);
  }, 120_000);
});
