/**
 * A SecretBox whose 32-byte key is sealed by the operating system's keychain (Electron's
 * safeStorage: Keychain on macOS, DPAPI on Windows, the desktop's secret service on Linux) and
 * kept sealed in <data>/secrets.key.keychain (0600). The key is opened once, before the store is
 * opened, because safeStorage decrypts asynchronously and the store reads accounts synchronously.
 *
 * Which box a host uses: chooseSecretBox takes the keychain when the host has one that really
 * protects (the Electron host passes safeStorage); the web host and the command line pass none and
 * keep the key file. On Linux without a secret service safeStorage falls back to a built-in
 * password ('basic_text'), which protects nothing, so the key file (0600) is used instead.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { KioskError } from '../../core/errors';
import { storeFailure } from './errors';
import { ensurePrivateDir, tightenFileIfPresent, writeFileAtomic } from './files';
import { keychainKeyPath } from './paths';
import { fileSecretBox, type SecretBox } from './secrets';

/** The part of Electron's safeStorage the kiosk uses (the same names and shapes). */
export interface KeychainLike {
  isAsyncEncryptionAvailable(): Promise<boolean>;
  encryptStringAsync(plainText: string): Promise<Buffer>;
  decryptStringAsync(encrypted: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }>;
  /** Linux only in Electron; absent or unused elsewhere. */
  getSelectedStorageBackend?(): string;
}

const WHERE = "the operating system's keychain";

function keyFromText(text: string, file: string): Uint8Array {
  const k = Buffer.from(text.trim(), 'base64');
  if (k.length !== 32) throw new KioskError('STORE_CORRUPT', { file, detail: 'the sealed secrets key is not 32 bytes' });
  return new Uint8Array(k);
}

/** Open (or make, on first use) the keychain-sealed key of a data folder. */
export async function keychainSecretBox(dataDir: string, keychain: KeychainLike): Promise<SecretBox> {
  ensurePrivateDir(dataDir);
  const file = keychainKeyPath(dataDir);
  let key: Uint8Array;
  if (!existsSync(file)) {
    const fresh = randomBytes(32);
    let sealed: Buffer;
    try {
      sealed = await keychain.encryptStringAsync(fresh.toString('base64'));
    } catch {
      throw new KioskError('STORE_ACCESS_DENIED', { file, detail: `${WHERE} refused to seal the secrets key` });
    }
    writeFileAtomic(file, Buffer.from(sealed).toString('base64') + '\n');
    key = new Uint8Array(fresh);
  } else {
    tightenFileIfPresent(file);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw storeFailure(e, file);
    }
    let opened: { result: string; shouldReEncrypt: boolean };
    try {
      opened = await keychain.decryptStringAsync(Buffer.from(text.trim(), 'base64'));
    } catch {
      throw new KioskError('STORE_CORRUPT', { file, detail: `${WHERE} cannot open the secrets key: it was sealed by another user, machine or keychain` });
    }
    key = keyFromText(opened.result, file);
    if (opened.shouldReEncrypt) writeFileAtomic(file, Buffer.from(await keychain.encryptStringAsync(opened.result)).toString('base64') + '\n');
  }
  return { where: WHERE, kind: 'keychain', key: () => key };
}

/** Whether the keychain really protects a secret here (not Linux's built-in-password fallback). */
export async function keychainProtects(keychain: KeychainLike, platform: NodeJS.Platform): Promise<boolean> {
  if (!(await keychain.isAsyncEncryptionAvailable())) return false;
  if (platform === 'linux') {
    const backend = keychain.getSelectedStorageBackend?.();
    if (backend === undefined || backend === 'basic_text' || backend === 'unknown') return false;
  }
  return true;
}

/** The SecretBox for a host: the keychain's when given and protecting, otherwise the key file. */
export async function chooseSecretBox(dataDir: string, keychain: KeychainLike | undefined, platform: NodeJS.Platform = process.platform): Promise<SecretBox> {
  if (keychain && (await keychainProtects(keychain, platform))) return keychainSecretBox(dataDir, keychain);
  return fileSecretBox(dataDir);
}
