import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { BundleManifest } from '../../../src/core/catalog/bundle';

/**
 * Build a bundle by hand from the documented layout (independent of the module under test):
 * "FUMOBNDL" | u16 BE version | u16 BE flags | u32 BE manifest length | manifest | payload |
 * "FSIG" | u16 BE alg=1 | u16 BE 64 | signature over header+manifest.
 */
export function handBuiltBundle(manifest: unknown, payload: Uint8Array, key: KeyObject, opts: { version?: number } = {}): Buffer {
  const manifestBytes = Buffer.from(typeof manifest === 'string' ? manifest : JSON.stringify(manifest), 'utf8');
  const header = Buffer.alloc(16);
  header.write('FUMOBNDL', 0, 'latin1');
  header.writeUInt16BE(opts.version ?? 1, 8);
  header.writeUInt16BE(0, 10);
  header.writeUInt32BE(manifestBytes.length, 12);
  const signed = Buffer.concat([header, manifestBytes]);
  const sig = sign(null, signed, key);
  const sigBlock = Buffer.alloc(8);
  sigBlock.write('FSIG', 0, 'latin1');
  sigBlock.writeUInt16BE(1, 4);
  sigBlock.writeUInt16BE(64, 6);
  return Buffer.concat([signed, Buffer.from(payload), sigBlock, sig]);
}

export function newKeys(): { privateKey: KeyObject; publicKey: KeyObject; keyId: string; pem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(String(publicKey.export({ format: 'jwk' }).x), 'base64url');
  const keyId = 'ed25519:' + createHash('sha256').update(raw).digest('hex').slice(0, 16);
  return { privateKey, publicKey, keyId, pem: publicKey.export({ format: 'pem', type: 'spki' }).toString() };
}

export function sha256Hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

export function payloadOf(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function manifestOf(payload: Uint8Array, keyId: string, overrides: Partial<BundleManifest> = {}): BundleManifest {
  return {
    bundleId: 'acme-x1-1.0.0-1.1.0',
    manufacturer: 'Acme',
    models: ['X1'],
    fromVersions: ['1.0.0'],
    targetVersion: '1.1.0',
    size: payload.length,
    sha256: sha256Hex(payload),
    releaseNotes: { en: 'Fixes.', de: 'Korrekturen.', es: 'Correcciones.' },
    severity: 'recommended',
    approval: { regulator: 'TEST-REG', reference: 'T-1', date: '2026-01-15' },
    keyId,
    createdAt: '2026-01-15T09:00:00Z',
    ...overrides,
  };
}
