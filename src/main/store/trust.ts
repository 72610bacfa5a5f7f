import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { ed25519KeyId, ed25519RawPublicKey } from '../../core/catalog/bundle';
import { KioskError } from '../../core/errors';
import { dbError, requireAdmin, type Actor, type StoreContext } from './context';

/** A manufacturer public key the kiosk trusts (same shape as TrustedKey in src/shared/schemas.ts). */
export interface TrustedKeyEntry {
  keyId: string;
  name: string;
  algorithm: 'ed25519';
  /** SHA-256 of the raw 32-byte public key, hex. */
  fingerprint: string;
  /** Public key, PEM (SPKI). */
  publicKey: string;
  addedAt: number;
  addedBy: string;
}

interface Row {
  key_id: string;
  name: string;
  public_key: string;
  fingerprint: string;
  added_at: number;
  added_by: string;
}

function toEntry(r: Row): TrustedKeyEntry {
  return { keyId: r.key_id, name: r.name, algorithm: 'ed25519', fingerprint: r.fingerprint, publicKey: r.public_key, addedAt: r.added_at, addedBy: r.added_by };
}

/** Read an Ed25519 public key from PEM (SPKI), or from base64 of the raw 32 bytes. */
export function parsePublicKey(text: string): KeyObject {
  const t = text.trim();
  const armour = t.indexOf('-----BEGIN');
  let key: KeyObject;
  try {
    if (armour >= 0) {
      // Text before the armour (a comment such as the DEMO warning) is ignored.
      key = createPublicKey(t.slice(armour));
    } else {
      const raw = Buffer.from(t, 'base64');
      if (raw.length !== 32) throw new Error(`expected 32 raw key bytes in base64, found ${raw.length}`);
      key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') }, format: 'jwk' });
    }
  } catch (e) {
    throw new KioskError('INVALID_REQUEST', { detail: `the public key cannot be read (${e instanceof Error ? e.message : String(e)})` });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new KioskError('INVALID_REQUEST', { detail: `the key is ${key.asymmetricKeyType ?? 'unknown'}; the kiosk trusts Ed25519 keys only` });
  }
  return key;
}

export class TrustStore {
  constructor(private readonly ctx: StoreContext) {}

  list(): TrustedKeyEntry[] {
    return (this.ctx.db.prepare('SELECT * FROM trust_keys ORDER BY name').all() as Row[]).map(toEntry);
  }

  /** By key id or by name. */
  get(keyIdOrName: string): TrustedKeyEntry | undefined {
    const r = this.ctx.db.prepare('SELECT * FROM trust_keys WHERE key_id = ? OR name = ?').get(keyIdOrName, keyIdOrName) as Row | undefined;
    return r ? toEntry(r) : undefined;
  }

  /** The PEM for a key id, for bundle verification. */
  publicKeyFor(keyId: string): string | undefined {
    const r = this.ctx.db.prepare('SELECT public_key FROM trust_keys WHERE key_id = ?').get(keyId) as { public_key: string } | undefined;
    return r?.public_key;
  }

  /** Trust a manufacturer key (admin only). Adding the same key under the same name again is a no-op. */
  add(name: string, publicKeyText: string, actor: Actor): TrustedKeyEntry {
    requireAdmin(actor, 'add a trusted manufacturer key');
    const cleanName = name.trim();
    if (!cleanName || cleanName.length > 200) throw new KioskError('INVALID_REQUEST', { detail: 'a key name is 1 to 200 characters' });
    const key = parsePublicKey(publicKeyText);
    const pem = key.export({ format: 'pem', type: 'spki' }).toString();
    const keyId = ed25519KeyId(key);
    const fingerprint = createHash('sha256').update(ed25519RawPublicKey(key)).digest('hex');
    const existing = this.ctx.db.prepare('SELECT * FROM trust_keys WHERE key_id = ? OR name = ?').all(keyId, cleanName) as Row[];
    for (const r of existing) {
      if (r.key_id === keyId && r.name === cleanName) return toEntry(r);
      if (r.key_id === keyId) throw new KioskError('INVALID_REQUEST', { detail: `this key is already trusted as "${r.name}"` });
      throw new KioskError('INVALID_REQUEST', { detail: `a different key is already trusted as "${cleanName}"; remove it first` });
    }
    const entry: TrustedKeyEntry = { keyId, name: cleanName, algorithm: 'ed25519', fingerprint, publicKey: pem, addedAt: this.ctx.clock.now(), addedBy: actor.name };
    try {
      this.ctx.db
        .prepare('INSERT INTO trust_keys (key_id, name, public_key, fingerprint, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?)')
        .run(entry.keyId, entry.name, entry.publicKey, entry.fingerprint, entry.addedAt, entry.addedBy);
    } catch (e) {
      throw dbError(this.ctx, e);
    }
    return entry;
  }

  /** Stop trusting a key, by key id or name (admin only). Bundles it signed then fail `verify`. */
  remove(keyIdOrName: string, actor: Actor): TrustedKeyEntry {
    requireAdmin(actor, 'remove a trusted manufacturer key');
    const entry = this.get(keyIdOrName);
    if (!entry) throw new KioskError('RECORD_NOT_FOUND', { detail: `"${keyIdOrName}" among the trusted keys` });
    try {
      this.ctx.db.prepare('DELETE FROM trust_keys WHERE key_id = ?').run(entry.keyId);
    } catch (e) {
      throw dbError(this.ctx, e);
    }
    return entry;
  }
}
