/**
 * Producing signed bundles (the manufacturer's side): used by the demo catalogue script, the
 * reference device's tests and fixtures. The kiosk itself only verifies.
 */
import { createHash, createPrivateKey, createPublicKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { buildBundleFrame, ed25519KeyId, type BundleManifest } from './bundle';

/** The manifest fields a producer chooses; size, sha256 and keyId are computed. */
export type BundleFields = Omit<BundleManifest, 'size' | 'sha256' | 'keyId'> & { keyId?: string };

// PKCS#8 DER prefix of an Ed25519 private key (RFC 8410); the 32-byte seed follows.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** An Ed25519 key pair from a 32-byte seed (deterministic: the same seed gives the same keys). */
export function ed25519KeyPairFromSeed(seed: Uint8Array): { privateKey: KeyObject; publicKey: KeyObject } {
  if (seed.length !== 32) throw new RangeError(`an Ed25519 seed has 32 bytes, got ${seed.length}`);
  const privateKey = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** The manifest for `payload`: computes size, SHA-256 and (unless given) the key id. */
export function manifestFor(fields: BundleFields, payload: Uint8Array, privateKey: KeyObject): BundleManifest {
  return {
    ...fields,
    keyId: fields.keyId ?? ed25519KeyId(createPublicKey(privateKey)),
    size: payload.length,
    sha256: createHash('sha256').update(payload).digest('hex'),
  };
}

/** A complete signed bundle in memory. Ed25519 signatures are deterministic: same input, same bytes. */
export function signBundle(fields: BundleFields, payload: Uint8Array, privateKey: KeyObject): Uint8Array {
  return signManifestAndPayload(manifestFor(fields, payload, privateKey), payload, privateKey);
}

/** Sign an explicit manifest (which may deliberately disagree with the payload, for tests). */
export function signManifestAndPayload(manifest: BundleManifest, payload: Uint8Array, privateKey: KeyObject): Uint8Array {
  const { head, tail } = buildBundleFrame(manifest, (data) => new Uint8Array(cryptoSign(null, data, privateKey)));
  const out = new Uint8Array(head.length + payload.length + tail.length);
  out.set(head, 0);
  out.set(payload, head.length);
  out.set(tail, head.length + payload.length);
  return out;
}

/** Deterministic pseudo-random bytes (SHA-256 in counter mode over a label): demo payloads and tests. */
export function deterministicBytes(label: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let counter = 0;
  for (let o = 0; o < length; o += 32) {
    const block = createHash('sha256').update(label).update(String(counter++)).digest();
    out.set(block.subarray(0, Math.min(32, length - o)), o);
  }
  return out;
}
