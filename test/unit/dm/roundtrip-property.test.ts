import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, encodedSize } from '../../../src/core/dm/codec';
import type { Command, Item, MetInf, SyncMLMessage } from '../../../src/core/dm/model';

/** mulberry32 */
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

const PIECES = ['a', 'Z', '0', '9', '.', '/', '?', '=', '&', '<', '>', '"', "'", ']]>', '<!--', '&amp;', '\u00e9', '\u20ac', '\u{1F600}', ' ', '\t', '\n', '\r\n', '\r', '%20'];

function generator(seed: number) {
  const r = prng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const maybe = <T>(f: () => T): T | undefined => (r() < 0.4 ? f() : undefined);
  /** Any text (item data keeps it verbatim). */
  const anyText = () => Array.from({ length: int(12) }, () => pick(PIECES)).join('');
  /** A leaf value: decoders trim leaves, so a canonical value has no surrounding white space. */
  const leaf = () => (anyText().trim() || 'x');
  const meta = (): MetInf => {
    const m: MetInf = {};
    if (r() < 0.5) m.format = pick(['chr', 'int', 'node', 'xml', 'bool']);
    if (r() < 0.3) m.type = leaf();
    if (r() < 0.2) m.mark = leaf();
    if (r() < 0.2) m.size = int(1e9);
    if (r() < 0.2) m.nextNonce = leaf();
    if (r() < 0.2) m.version = leaf();
    if (r() < 0.2) m.maxMsgSize = int(1e6);
    if (r() < 0.2) m.maxObjSize = int(1e9);
    if (r() < 0.2) m.emi = Array.from({ length: 1 + int(3) }, leaf);
    return m;
  };
  const item = (): Item => {
    const i: Item = {};
    if (r() < 0.6) i.target = { locURI: leaf(), ...(r() < 0.3 ? { locName: leaf() } : {}) };
    if (r() < 0.3) i.source = { locURI: leaf() };
    if (r() < 0.1) i.sourceParent = leaf();
    if (r() < 0.1) i.targetParent = leaf();
    if (r() < 0.3) {
      // Canonical bytes: Format bin on the item.
      i.meta = { ...meta(), format: 'bin' };
      i.data = Uint8Array.from({ length: int(200) }, () => int(256));
    } else {
      const m = maybe(meta);
      if (m) i.meta = m;
      if (r() < 0.7) i.data = anyText();
    }
    if (r() < 0.2) i.moreData = true;
    return i;
  };
  const items = (min: number) => Array.from({ length: min + int(3) }, item);
  const command = (depth: number): Command => {
    const cmdID = String(1 + int(999));
    const noResp = r() < 0.2 ? { noResp: true } : {};
    switch (int(depth > 1 ? 9 : 11)) {
      case 0: case 1: case 2:
        return { kind: pick(['Add', 'Copy', 'Delete', 'Get', 'Replace'] as const), cmdID, ...noResp, ...(r() < 0.3 ? { meta: meta() } : {}), items: items(1) };
      case 3:
        return { kind: 'Exec', cmdID, ...noResp, ...(r() < 0.5 ? { correlator: leaf() } : {}), items: items(1).slice(0, 1) };
      case 4:
        return { kind: 'Alert', cmdID, ...noResp, data: pick(['1100', '1101', '1222', '1226']), ...(r() < 0.3 ? { correlator: leaf() } : {}), items: items(0) };
      case 5: case 6:
        return { kind: 'Status', cmdID, msgRef: leaf(), cmdRef: leaf(), cmd: pick(['SyncHdr', 'Get', 'Alert']), targetRefs: items(0).map(leaf), sourceRefs: items(0).map(leaf), data: pick(['200', '401', '213']), ...(r() < 0.2 ? { chal: { meta: meta() } } : {}), items: items(0) };
      case 7: case 8:
        return { kind: 'Results', cmdID, ...(r() < 0.5 ? { msgRef: leaf() } : {}), cmdRef: leaf(), targetRefs: [], sourceRefs: r() < 0.5 ? [leaf()] : [], items: items(1) };
      default:
        return { kind: pick(['Atomic', 'Sequence'] as const), cmdID, ...noResp, commands: Array.from({ length: 1 + int(3) }, () => command(depth + 1)) };
    }
  };
  return (): SyncMLMessage => ({
    header: {
      verDTD: pick(['1.2', '1.1'] as const),
      verProto: pick(['DM/1.2', 'DM/1.1']),
      sessionID: leaf(),
      msgID: String(int(1000)),
      target: { locURI: leaf() },
      source: { locURI: leaf(), ...(r() < 0.5 ? { locName: leaf() } : {}) },
      ...(r() < 0.3 ? { respURI: leaf() } : {}),
      ...(r() < 0.2 ? { noResp: true } : {}),
      ...(r() < 0.3 ? { cred: { meta: meta(), data: leaf() } } : {}),
      ...(r() < 0.3 ? { meta: meta() } : {}),
    },
    body: Array.from({ length: int(6) }, () => command(0)),
    final: r() < 0.5,
  });
}

describe('round trips of generated messages', () => {
  it('500 random models survive XML and WBXML unchanged, with exact encodedSize', () => {
    const next = generator(20261126);
    for (let n = 0; n < 500; n++) {
      const m = next();
      for (const encoding of ['xml', 'wbxml'] as const) {
        const bytes = encodeMessage(m, encoding);
        expect(encodedSize(m, encoding)).toBe(bytes.length);
        const back = decodeMessage(bytes);
        expect(back.encoding).toBe(encoding);
        expect(back.message, `model #${n} via ${encoding}`).toEqual(m);
      }
    }
  });
});
