import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type SecretBox } from '../../../src/main/store';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fumo-secrets-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const account = (deviceId: string) => ({
  deviceId,
  serverId: 'fumo-kiosk',
  clientName: deviceId,
  clientSecret: `client-secret-of-${deviceId}`,
  serverName: 'fumo-kiosk',
  serverSecret: `server-secret-of-${deviceId}`,
  clientNonce: 'bm9uY2Ux',
  serverNonce: 'bm9uY2Uy',
});

function rows(): { device_id: string; data: string }[] {
  const db = new Database(path.join(dir, 'kiosk.db'), { readonly: true });
  const r = db.prepare('SELECT device_id, data FROM accounts ORDER BY device_id').all() as { device_id: string; data: string }[];
  db.close();
  return r;
}

function fixedBox(byte: number): SecretBox {
  return { where: 'the test keychain', kind: 'key-file', key: () => new Uint8Array(32).fill(byte) };
}

describe('DM account secrets at rest', () => {
  it('are sealed with AES-256-GCM under a 0600 key file by default, and read back', () => {
    const s = openStore(dir);
    s.accounts.putSync(account('IMEI:1'));
    expect(s.accounts.getSync('IMEI:1', 'fumo-kiosk')).toEqual(account('IMEI:1'));
    expect(s.accounts.list()).toEqual([account('IMEI:1')]);
    s.close();
    const [row] = rows();
    expect(row!.data).toMatch(/^enc1:/);
    expect(row!.data).not.toContain('secret');
    for (const f of ['kiosk.db', 'kiosk.db-wal']) {
      try {
        expect(readFileSync(path.join(dir, f)).includes('client-secret-of-IMEI:1')).toBe(false);
      } catch (e) {
        if ((e as { code?: string }).code !== 'ENOENT') throw e;
      }
    }
    if (process.platform !== 'win32') expect(statSync(path.join(dir, 'secrets.key')).mode & 0o777).toBe(0o600);
    const again = openStore(dir);
    expect(again.accounts.getSync('IMEI:1', 'fumo-kiosk')?.clientSecret).toBe('client-secret-of-IMEI:1');
    again.close();
  });

  it('uses an injected SecretBox, and a wrong key or a row moved to another device is a typed error naming where the key is', () => {
    const s = openStore(dir, { secretBox: fixedBox(7) });
    s.accounts.putSync(account('IMEI:1'));
    s.accounts.putSync(account('IMEI:2'));
    s.close();
    const wrong = openStore(dir, { secretBox: fixedBox(8) });
    expect(() => wrong.accounts.getSync('IMEI:1', 'fumo-kiosk')).toThrow(/the test keychain.*cannot be decrypted/);
    try {
      wrong.accounts.getSync('IMEI:1', 'fumo-kiosk');
    } catch (e) {
      expect((e as { code: string }).code).toBe('STORE_CORRUPT');
    }
    wrong.close();
    // Copy device 2's sealed data onto device 1: bound to its row, it does not open there.
    const db = new Database(path.join(dir, 'kiosk.db'));
    db.prepare("UPDATE accounts SET data = (SELECT data FROM accounts WHERE device_id = 'IMEI:2') WHERE device_id = 'IMEI:1'").run();
    db.close();
    const right = openStore(dir, { secretBox: fixedBox(7) });
    expect(right.accounts.getSync('IMEI:2', 'fumo-kiosk')?.clientSecret).toBe('client-secret-of-IMEI:2');
    expect(() => right.accounts.getSync('IMEI:1', 'fumo-kiosk')).toThrow(/cannot be decrypted/);
    right.close();
  });

  it('seals rows an older kiosk stored in plain text when the store opens', () => {
    openStore(dir).close();
    const db = new Database(path.join(dir, 'kiosk.db'));
    db.prepare('INSERT INTO accounts (device_id, server_id, data, updated_at) VALUES (?, ?, ?, 1)').run('IMEI:9', 'fumo-kiosk', JSON.stringify(account('IMEI:9')));
    db.close();
    const s = openStore(dir);
    expect(rows()[0]!.data).toMatch(/^enc1:/);
    expect(s.accounts.getSync('IMEI:9', 'fumo-kiosk')).toEqual(account('IMEI:9'));
    s.close();
  });
});
