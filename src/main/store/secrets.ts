/**
 * Secrets at rest: DM account secrets are sealed with AES-256-GCM under a key that a SecretBox
 * gives. By default the key is a random 32-byte file in the data folder readable by the kiosk
 * user only (secrets.key, 0600); the Electron host passes a SecretBox whose key is itself sealed
 * by the operating system's keychain (keychain-box.ts). Each sealed value names the kind of box
 * that sealed it, so a value read through the other kind is a typed error, never garbage.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { KioskError } from '../../core/errors';
import { storeFailure } from './errors';
import { tightenFileIfPresent, writeFileAtomic } from './files';
import { secretKeyPath } from './paths';

/** How a box keeps its key: a plain key file, or a key file sealed by the operating system's keychain. */
export type SecretBoxKind = 'key-file' | 'keychain';

export interface SecretBox {
  /** The 32-byte key (the same one every time for a data folder). */
  key(): Uint8Array;
  /** Where the key is kept, as named in messages (a file path, "the system keychain"). */
  readonly where: string;
  readonly kind: SecretBoxKind;
}

/** The kind of box as people read it in an error message. */
export function boxLabel(kind: SecretBoxKind): string {
  return kind === 'keychain' ? "the operating system's keychain" : 'the key file secrets.key';
}

/** The default SecretBox: <data>/secrets.key, 32 random bytes in base64, made on first use, 0600. */
export function fileSecretBox(dataDir: string): SecretBox {
  const file = secretKeyPath(dataDir);
  let cached: Uint8Array | undefined;
  return {
    where: file,
    kind: 'key-file',
    key(): Uint8Array {
      if (cached) return cached;
      if (!existsSync(file)) {
        const k = randomBytes(32);
        writeFileAtomic(file, k.toString('base64') + '\n');
        cached = new Uint8Array(k);
        return cached;
      }
      tightenFileIfPresent(file);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw storeFailure(e, file);
      }
      const k = Buffer.from(text.trim(), 'base64');
      if (k.length !== 32) throw new KioskError('STORE_CORRUPT', { file, detail: 'the secrets key is not 32 bytes' });
      cached = new Uint8Array(k);
      return cached;
    },
  };
}

/** The prefix of a sealed value names the kind of box that sealed it. */
const PREFIXES: Record<SecretBoxKind, string> = { 'key-file': 'enc1:', keychain: 'enc1k:' };

function sealedBy(text: string): SecretBoxKind | undefined {
  // 'enc1k:' does not start with 'enc1:' (the colon differs), so the order does not matter.
  for (const kind of ['key-file', 'keychain'] as const) if (text.startsWith(PREFIXES[kind])) return kind;
  return undefined;
}

/** Whether a stored value is sealed (or plain text written before sealing). */
export function isSealed(text: string): boolean {
  return sealedBy(text) !== undefined;
}

/** Seal `plain` for storage: prefix + base64(12-byte IV | 16-byte tag | ciphertext); `aad` binds it to its row. */
export function seal(box: SecretBox, plain: string, aad: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', box.key(), iv);
  c.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return PREFIXES[box.kind] + Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64');
}

/**
 * Open a sealed value. STORE_SECRETS_OTHER_BOX when another kind of box sealed it (the kiosk was
 * started another way than it was set up); STORE_CORRUPT naming the key's place when it does not
 * open (wrong key, edited row).
 */
export function unseal(box: SecretBox, sealed: string, aad: string): string {
  const by = sealedBy(sealed);
  if (by === undefined) throw new KioskError('STORE_CORRUPT', { file: box.where, detail: 'a DM account row is neither sealed nor readable' });
  if (by !== box.kind) throw new KioskError('STORE_SECRETS_OTHER_BOX', { file: box.where, measured: boxLabel(by), required: boxLabel(box.kind) });
  const raw = Buffer.from(sealed.slice(PREFIXES[by].length), 'base64');
  try {
    if (raw.length < 28) throw new Error('short');
    const d = createDecipheriv('aes-256-gcm', box.key(), raw.subarray(0, 12));
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
  } catch (e) {
    if (e instanceof KioskError) throw e;
    throw new KioskError('STORE_CORRUPT', { file: box.where, detail: 'a DM account cannot be decrypted with this key: the key was replaced or the account row was changed' });
  }
}
