import { describe, expect, it } from 'vitest';
import {
  BUNDLE_HEADER_SIZE,
  SIGNATURE_BLOCK_SIZE,
  createBundleVerifier,
  ed25519KeyId,
  encodeBundleHeader,
  parseBundleHeader,
  parseManifest,
  verifyBundleBytes,
  type BundleVerdict,
} from '../../../src/core/catalog/bundle';
import { ed25519KeyPairFromSeed, signBundle } from '../../../src/core/catalog/sign';
import { isKioskError } from '../../../src/core/errors';
import { handBuiltBundle, manifestOf, newKeys, payloadOf, sha256Hex } from './helpers';

const keys = newKeys();
const payload = payloadOf(100_003);
const manifest = manifestOf(payload, keys.keyId);
const good = handBuiltBundle(manifest, payload, keys.privateKey);
const trusted = (id: string) => (id === keys.keyId ? keys.pem : undefined);

function failure(v: BundleVerdict): Extract<BundleVerdict, { ok: false }> {
  if (v.ok) throw new Error('expected a failed verdict');
  return v;
}

describe('bundle header', () => {
  it('round-trips and matches the documented layout', () => {
    const h = encodeBundleHeader(1234);
    expect(Buffer.from(h).toString('hex')).toBe(Buffer.from('FUMOBNDL', 'latin1').toString('hex') + '0001' + '0000' + '000004d2');
    expect(parseBundleHeader(h)).toEqual({ formatVersion: 1, flags: 0, manifestLength: 1234 });
  });

  it('names expected and found for a wrong magic and version', () => {
    const bad = Buffer.from(encodeBundleHeader(10));
    bad.write('XXXX', 0, 'latin1');
    try {
      parseBundleHeader(bad);
      expect.unreachable();
    } catch (e) {
      expect(isKioskError(e) && e.code).toBe('BUNDLE_INVALID');
      expect(isKioskError(e) && e.details.expected).toBe('FUMOBNDL');
      expect(isKioskError(e) && e.details.found).toBe('"XXXXBNDL"');
    }
    expect(() => parseBundleHeader(encodeBundleHeader(10, 9))).toThrow(/unsupported format version/);
  });
});

describe('bundle verification', () => {
  it('accepts a good bundle built by hand from the documented layout', () => {
    const v = verifyBundleBytes(good, { resolveKey: trusted });
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.manifest).toEqual(manifest);
    expect(v.fileSize).toBe(good.length);
    expect(v.payloadOffset).toBe(16 + Buffer.byteLength(JSON.stringify(manifest)));
  });

  it('gives the same verdict whatever the chunking', () => {
    for (const size of [1, 7, 16, 17, 4096, 65536]) {
      const ver = createBundleVerifier({ resolveKey: trusted });
      for (let o = 0; o < good.length; o += size) ver.update(good.subarray(o, o + size));
      expect(ver.finish().ok, `chunk ${size}`).toBe(true);
    }
  });

  it('produces the same bytes with signBundle as by hand, and the key id is derived from the raw key', () => {
    const made = signBundle({ ...manifest, keyId: undefined } as never, payload, keys.privateKey);
    expect(Buffer.from(made).equals(good)).toBe(true);
    expect(ed25519KeyId(keys.publicKey)).toBe(keys.keyId);
  });

  it('derives the same key pair from the same seed', () => {
    const seed = new Uint8Array(32).fill(7);
    const a = ed25519KeyPairFromSeed(seed);
    const b = ed25519KeyPairFromSeed(seed);
    expect(a.publicKey.export({ format: 'pem', type: 'spki' })).toEqual(b.publicKey.export({ format: 'pem', type: 'spki' }));
  });

  it('refuses a corrupted payload byte with the expected and found SHA-256', () => {
    const bad = Buffer.from(good);
    const at = BUNDLE_HEADER_SIZE + Buffer.byteLength(JSON.stringify(manifest)) + 5000;
    bad[at] = bad[at]! ^ 0x01;
    const corruptPayload = bad.subarray(at - 5000, at - 5000 + payload.length);
    const f = failure(verifyBundleBytes(bad, { resolveKey: trusted }));
    expect(f.error.code).toBe('BUNDLE_INVALID');
    expect(f.stage).toBe('payload');
    expect(f.expected).toBe(sha256Hex(payload));
    expect(f.found).toBe(sha256Hex(corruptPayload));
    expect(f.error.message).toMatch(/SHA-256/);
  });

  it('refuses a bundle signed by another key', () => {
    const other = newKeys();
    // Claims the trusted key id but is signed by another key.
    const forged = handBuiltBundle(manifest, payload, other.privateKey);
    const f = failure(verifyBundleBytes(forged, { resolveKey: trusted }));
    expect(f.error.code).toBe('SIGNATURE_INVALID');
    expect(f.expected).toBe(`a valid signature by ${keys.keyId}`);
    expect(f.found).toBe('signature mismatch');
  });

  it('refuses a bundle whose key is not trusted, naming the key', () => {
    const other = newKeys();
    const b = handBuiltBundle(manifestOf(payload, other.keyId), payload, other.privateKey);
    const f = failure(verifyBundleBytes(b, { resolveKey: trusted }));
    expect(f.error.code).toBe('SIGNATURE_INVALID');
    expect(f.found).toBe(other.keyId);
    expect(f.error.message).toContain(other.keyId);
  });

  it('refuses a changed manifest (the signature covers it)', () => {
    const text = JSON.stringify(manifest).replace('"1.1.0"', '"9.9.9"');
    const sigFromGood = good.subarray(good.length - SIGNATURE_BLOCK_SIZE);
    const tampered = Buffer.concat([handBuiltBundle(text, payload, keys.privateKey).subarray(0, -SIGNATURE_BLOCK_SIZE), sigFromGood]);
    const f = failure(verifyBundleBytes(tampered, { resolveKey: trusted }));
    expect(f.error.code).toBe('SIGNATURE_INVALID');
  });

  it('refuses a truncated file with expected and found sizes', () => {
    for (const cut of [3, 16 + 10, good.length - SIGNATURE_BLOCK_SIZE - 1000, good.length - 1]) {
      const f = failure(verifyBundleBytes(good.subarray(0, cut), { resolveKey: trusted }));
      expect(f.error.code, `cut at ${cut}`).toBe('BUNDLE_INVALID');
      expect(f.error.message).toMatch(/truncated/);
      if (cut > 100) {
        expect(f.expected).toBe(`${good.length} bytes`);
        expect(f.found).toBe(`${cut} bytes`);
      }
    }
  });

  it('refuses trailing bytes', () => {
    const f = failure(verifyBundleBytes(Buffer.concat([good, Buffer.from([1, 2, 3])]), { resolveKey: trusted }));
    expect(f.error.message).toMatch(/3 unexpected bytes/);
  });

  it('checks structure and hash without a key resolver', () => {
    expect(verifyBundleBytes(good).ok).toBe(true);
  });

  it('stops reading after a certain failure', () => {
    const v = createBundleVerifier();
    v.update(Buffer.from('NOTABUNDLE-AT-ALL-----'));
    expect(v.failed).toBe(true);
  });
});

describe('manifest validation', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['missing bundleId', { bundleId: undefined }, /"bundleId" is missing/],
    ['bad bundleId', { bundleId: '../etc' }, /"bundleId" may contain only/],
    ['empty models', { models: [] }, /"models" must list at least one value/],
    ['non-string model', { models: [3] }, /"models\[0\]"/],
    ['fromVersions not a list', { fromVersions: '1.0' }, /"fromVersions" must be a list/],
    ['pattern as target', { targetVersion: '1.*' }, /"targetVersion" must be one exact version/],
    ['negative size', { size: -1 }, /"size" must be a whole number/],
    ['fractional size', { size: 1.5 }, /"size" must be a whole number/],
    ['bad sha256', { sha256: 'ABC' }, /"sha256" must be 64 lowercase hexadecimal/],
    ['no English notes', { releaseNotes: { de: 'x' } }, /"releaseNotes.en" is missing/],
    ['bad language code', { releaseNotes: { en: 'x', 'x y': 'z' } }, /"releaseNotes.x y" is not a language code/],
    ['bad severity', { severity: 'urgent' }, /"severity" must be one of critical, recommended, optional/],
    ['approval not an object', { approval: 'yes' }, /"approval" must be an object/],
    ['approval bad date', { approval: { regulator: 'R', reference: 'X', date: '15.01.2026' } }, /"approval.date" must be a date YYYY-MM-DD/],
    ['approval missing regulator', { approval: { reference: 'X', date: '2026-01-01' } }, /"regulator" is missing/],
    ['bad createdAt', { createdAt: 'yesterday' }, /"createdAt" must be an ISO 8601 time/],
    ['unknown field', { colour: 'red' }, /"colour" is not a known manifest field/],
  ];
  for (const [name, change, message] of cases) {
    it(`refuses ${name} with a message naming the field`, () => {
      const m: Record<string, unknown> = { ...manifest, ...change };
      for (const k of Object.keys(change)) if (change[k] === undefined) delete m[k];
      const bytes = handBuiltBundle(m, payload, keys.privateKey);
      const f = failure(verifyBundleBytes(bytes, { resolveKey: trusted }));
      expect(f.error.code).toBe('BUNDLE_INVALID');
      expect(f.stage).toBe('manifest');
      expect(f.error.message).toMatch(message);
    });
  }

  it('refuses non-JSON and non-UTF-8 manifests', () => {
    expect(() => parseManifest(Buffer.from('{nope'))).toThrow(/not valid JSON/);
    expect(() => parseManifest(Buffer.from([0x7b, 0xff, 0x7d]))).toThrow(/not valid UTF-8/);
    expect(() => parseManifest(Buffer.from('[]'))).toThrow(/not a JSON object/);
  });

  it('accepts a manifest without approval (approval is a catalogue rule, not a format rule)', () => {
    const m = parseManifest(Buffer.from(JSON.stringify({ ...manifest, approval: null })));
    expect(m.approval).toBeNull();
  });
});
