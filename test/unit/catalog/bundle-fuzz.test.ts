import { describe, expect, it } from 'vitest';
import { createBundleVerifier, verifyBundleBytes } from '../../../src/core/catalog/bundle';
import { handBuiltBundle, manifestOf, newKeys, payloadOf } from './helpers';

/** Mutated bundles: the verifier never throws, and every change is refused with a bundle code. */
describe('bundle verifier under mutation', () => {
  const keys = newKeys();
  const payload = payloadOf(3000, 5);
  const good = handBuiltBundle(manifestOf(payload, keys.keyId), payload, keys.privateKey);
  const resolveKey = (id: string) => (id === keys.keyId ? keys.pem : undefined);
  let seed = 0x9e3779b9;
  const rnd = (n: number) => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };

  it('refuses 3000 random mutations with BUNDLE_INVALID or SIGNATURE_INVALID', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      let bytes: Buffer;
      switch (rnd(4)) {
        case 0: {
          bytes = Buffer.from(good);
          const at = rnd(bytes.length);
          bytes[at] = bytes[at]! ^ (1 + rnd(255));
          break;
        }
        case 1:
          bytes = good.subarray(0, rnd(good.length));
          break;
        case 2: {
          const at = rnd(good.length);
          bytes = Buffer.concat([good.subarray(0, at), Buffer.from([rnd(256)]), good.subarray(at)]);
          break;
        }
        default: {
          const at = rnd(good.length);
          bytes = Buffer.concat([good.subarray(0, at), good.subarray(at + 1 + rnd(50))]);
        }
      }
      const v = createBundleVerifier({ resolveKey });
      for (let o = 0; o < bytes.length; ) {
        const n = 1 + rnd(700);
        v.update(bytes.subarray(o, o + n));
        o += n;
      }
      const chunked = v.finish();
      const whole = verifyBundleBytes(bytes, { resolveKey });
      // Chunking never changes the verdict.
      expect(chunked.ok).toBe(whole.ok);
      if (!chunked.ok && !whole.ok) expect(chunked.error.code).toBe(whole.error.code);
      if (whole.ok) {
        expect(Buffer.from(bytes).equals(good)).toBe(true);
      } else {
        expect(['BUNDLE_INVALID', 'SIGNATURE_INVALID']).toContain(whole.error.code);
        seen.add(whole.stage);
      }
    }
    expect(seen.size).toBeGreaterThanOrEqual(3);
  });
});
