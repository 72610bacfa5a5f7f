import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseSecretBox, openStore, type KeychainLike } from '../../../src/main/store';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fumo-keychain-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A keychain with safeStorage's API shape: AES-256-GCM under a key only this fake holds. */
function fakeKeychain(opts: { available?: boolean; backend?: string } = {}): KeychainLike & { sealed: number } {
  const own = randomBytes(32);
  const k = {
    sealed: 0,
    isAsyncEncryptionAvailable: () => Promise.resolve(opts.available ?? true),
    getSelectedStorageBackend: () => opts.backend ?? 'gnome_libsecret',
    encryptStringAsync(plain: string): Promise<Buffer> {
      k.sealed++;
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', own, iv);
      const ct = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Promise.resolve(Buffer.concat([iv, c.getAuthTag(), ct]));
    },
    decryptStringAsync(enc: Buffer): Promise<{ result: string; shouldReEncrypt: boolean }> {
      try {
        const d = createDecipheriv('aes-256-gcm', own, enc.subarray(0, 12));
        d.setAuthTag(enc.subarray(12, 28));
        return Promise.resolve({ result: Buffer.concat([d.update(enc.subarray(28)), d.final()]).toString('utf8'), shouldReEncrypt: false });
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
    },
  };
  return k;
}

const account = {
  deviceId: 'IMEI:1',
  serverId: 'fumo-kiosk',
  clientName: 'IMEI:1',
  clientSecret: 'client-secret-of-IMEI:1',
  serverName: 'fumo-kiosk',
  serverSecret: 'server-secret-of-IMEI:1',
  clientNonce: 'bm9uY2Ux',
  serverNonce: 'bm9uY2Uy',
};

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('choosing the SecretBox', () => {
  it('takes the keychain where one protects, and the key file without one', async () => {
    const keychain = fakeKeychain();
    expect((await chooseSecretBox(dir, keychain, 'linux')).kind).toBe('keychain');
    expect((await chooseSecretBox(dir, keychain, 'darwin')).kind).toBe('keychain');
    expect((await chooseSecretBox(dir, undefined, 'linux')).kind).toBe('key-file');
    expect((await chooseSecretBox(dir, fakeKeychain({ available: false }), 'win32')).kind).toBe('key-file');
    // Linux without a secret service: safeStorage's built-in password protects nothing.
    expect((await chooseSecretBox(dir, fakeKeychain({ backend: 'basic_text' }), 'linux')).kind).toBe('key-file');
    expect((await chooseSecretBox(dir, fakeKeychain({ backend: 'unknown' }), 'linux')).kind).toBe('key-file');
    // Elsewhere the Linux backend name is not consulted.
    expect((await chooseSecretBox(path.join(dir, 'other'), fakeKeychain({ backend: 'basic_text' }), 'win32')).kind).toBe('keychain');
  });
});

describe('the keychain box', () => {
  it('keeps its key sealed by the keychain in a 0600 file, the same key on every open', async () => {
    const keychain = fakeKeychain();
    const box = await chooseSecretBox(dir, keychain, 'linux');
    const file = path.join(dir, 'secrets.key.keychain');
    expect(keychain.sealed).toBe(1);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    expect(stored.includes(Buffer.from(box.key()))).toBe(false);
    expect(stored.includes(Buffer.from(Buffer.from(box.key()).toString('base64')))).toBe(false);
    expect(existsSync(path.join(dir, 'secrets.key'))).toBe(false);

    const s = openStore(dir, { secretBox: box });
    s.accounts.putSync(account);
    s.close();
    const again = openStore(dir, { secretBox: await chooseSecretBox(dir, keychain, 'linux') });
    expect(keychain.sealed).toBe(1);
    expect(again.accounts.getSync('IMEI:1', 'fumo-kiosk')).toEqual(account);
    again.close();
  });

  it('a key sealed by another keychain (another user or machine) is a typed error naming the file', async () => {
    await chooseSecretBox(dir, fakeKeychain(), 'linux');
    const other = chooseSecretBox(dir, fakeKeychain(), 'linux');
    await expect(other).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
    await expect(other).rejects.toThrow(/secrets\.key\.keychain.*another user, machine or keychain/);
  });
});

describe('a secret sealed by one box and read by the other', () => {
  it('is STORE_SECRETS_OTHER_BOX naming both boxes, never garbage, either way round', async () => {
    const keychain = fakeKeychain();
    const sealedByKeychain = openStore(dir, { secretBox: await chooseSecretBox(dir, keychain, 'linux') });
    sealedByKeychain.accounts.putSync(account);
    sealedByKeychain.close();

    const viaFile = openStore(dir, { secretBox: await chooseSecretBox(dir, undefined, 'linux') });
    expect(codeOf(() => viaFile.accounts.getSync('IMEI:1', 'fumo-kiosk'))).toBe('STORE_SECRETS_OTHER_BOX');
    expect(() => viaFile.accounts.getSync('IMEI:1', 'fumo-kiosk')).toThrow(/sealed with the operating system's keychain, but this kiosk now opens them with the key file/);
    // Now the key file seals one of its own; the keychain cannot read that one.
    viaFile.accounts.putSync({ ...account, deviceId: 'IMEI:2', clientName: 'IMEI:2' });
    viaFile.close();

    const viaKeychain = openStore(dir, { secretBox: await chooseSecretBox(dir, keychain, 'linux') });
    expect(viaKeychain.accounts.getSync('IMEI:1', 'fumo-kiosk')).toEqual(account);
    expect(codeOf(() => viaKeychain.accounts.getSync('IMEI:2', 'fumo-kiosk'))).toBe('STORE_SECRETS_OTHER_BOX');
    expect(() => viaKeychain.accounts.getSync('IMEI:2', 'fumo-kiosk')).toThrow(/sealed with the key file secrets\.key, but this kiosk now opens them with the operating system's keychain/);
    viaKeychain.close();
  });
});
