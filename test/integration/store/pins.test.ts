import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes, scryptSync } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type KioskStore } from '../../../src/main/store';

let dir: string;
let store: KioskStore;
let now = 1_760_000_000_000;
const clock = { now: () => now };

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fumo-pins-'));
  now = 1_760_000_000_000;
  store = openStore(dir, { clock });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('PINs in the store', () => {
  it('keeps only salted scrypt hashes with their parameters, in the database', async () => {
    await store.pins.set('anna', 'admin', '482913', 'test');
    await store.pins.set('tom', 'technician', '5821', 'test');
    const db = new Database(path.join(dir, 'kiosk.db'), { readonly: true });
    const rows = db.prepare('SELECT * FROM pins ORDER BY name').all() as { name: string; kdf: string; params: string; salt: string; hash: string }[];
    db.close();
    expect(rows.map((r) => [r.name, r.kdf, JSON.parse(r.params)])).toEqual([
      ['anna', 'scrypt', { N: 16384, r: 8, p: 1 }],
      ['tom', 'scrypt', { N: 16384, r: 8, p: 1 }],
    ]);
    expect(rows[0]!.salt).not.toBe(rows[1]!.salt);
    expect(JSON.stringify(rows)).not.toContain('482913');
    expect(existsSync(path.join(dir, 'pins.json'))).toBe(false);
    expect(await store.pins.verify({ pin: '482913' })).toEqual({ ok: true, name: 'anna', role: 'admin' });
    expect(await store.pins.verify({ pin: '5821', name: 'tom' })).toEqual({ ok: true, name: 'tom', role: 'technician' });
    expect(store.audit.events({ type: 'pin-set' }).map((e) => e.data)).toEqual([
      { name: 'tom', role: 'technician' },
      { name: 'anna', role: 'admin' },
    ]);
  });

  it('wants administrator PINs of 6 digits or more, technician PINs of 4 or more, and no PIN shared by two people', async () => {
    await expect(store.pins.set('anna', 'admin', '4829')).rejects.toThrow(/an administrator PIN is 6 to 12 digits/);
    await expect(store.pins.set('tom', 'technician', '582')).rejects.toThrow(/a technician PIN is 4 to 12 digits/);
    await store.pins.set('tom', 'technician', '5821');
    await expect(store.pins.set('ben', 'technician', '5821')).rejects.toMatchObject({ code: 'PIN_TAKEN' });
    expect(store.pins.list().map((p) => p.name)).toEqual(['tom']);
  });

  it('N wrong PINs take at least the configured delay and then lock; each failure and the lockout are in the history', async () => {
    store.settings.patch({ pinMaxFailures: 4, pinBaseDelayMs: 500, pinLockoutMs: 120_000 });
    await store.pins.set('tom', 'technician', '5821');
    const t0 = now;
    const results = [];
    for (let i = 0; i < 4; i++) {
      const r = await store.pins.verify({ pin: '0000' });
      results.push(r);
      if (r.ok) throw new Error('accepted a wrong PIN');
      // A try before the wait is over is refused without being checked.
      if (i < 3) {
        now += r.retryAfterMs - 1;
        expect(await store.pins.verify({ pin: '5821' })).toMatchObject({ ok: false, code: 'PIN_LOCKED', retryAfterMs: 1 });
        now += 1;
      }
    }
    expect(results.map((r) => (r.ok ? 'ok' : `${r.code} ${r.retryAfterMs}`))).toEqual(['PIN_WRONG 500', 'PIN_WRONG 1000', 'PIN_WRONG 2000', 'PIN_LOCKED 120000']);
    expect(now - t0).toBeGreaterThanOrEqual(500 + 1000 + 2000);
    const locked = await store.pins.verify({ pin: '5821' });
    expect(locked).toMatchObject({ ok: false, code: 'PIN_LOCKED', retryAfterMs: 120_000 });
    if (!locked.ok) expect(locked.message).toBe('Too many wrong PINs: logging in is locked for 2 minutes. Wait, or ask an administrator.');
    expect(store.audit.events({ type: 'pin-failed' })).toHaveLength(4);
    expect(store.audit.events({ type: 'pin-locked' })[0]).toMatchObject({ data: { subject: 'login', failures: 4, lockedForMs: 120_000 } });
    expect(store.audit.verify().ok).toBe(true);

    // A restart does not lift the lockout.
    store.close();
    store = openStore(dir, { clock });
    expect(await store.pins.verify({ pin: '5821' })).toMatchObject({ ok: false, code: 'PIN_LOCKED' });
    now += 120_000;
    expect(await store.pins.verify({ pin: '5821' })).toEqual({ ok: true, name: 'tom', role: 'technician' });
  });

  it('hashes off the main thread: other work runs while a PIN is checked', async () => {
    await store.pins.set('tom', 'technician', '5821');
    const order: string[] = [];
    const check = store.pins.verify({ pin: '5821' }).then(() => order.push('verified'));
    setImmediate(() => order.push('other work'));
    await check;
    expect(order).toEqual(['other work', 'verified']);
  });

  it('moves an old pins.json into the database once and removes it', () => {
    store.close();
    const salt = randomBytes(16);
    const hash = scryptSync('482913', salt, 32, { N: 16384, r: 8, p: 1 });
    writeFileSync(path.join(dir, 'pins.json'), JSON.stringify([{ role: 'admin', name: 'anna', salt: salt.toString('hex'), hash: hash.toString('hex') }]));
    writeFileSync(path.join(dir, 'pins.json.tmp'), '');
    store = openStore(dir, { clock });
    expect(store.pins.list().map((p) => [p.name, p.role])).toEqual([['anna', 'admin']]);
    expect(readdirSync(dir).filter((f) => f.startsWith('pins.json'))).toEqual([]);
    expect(store.audit.events({ type: 'pins-migrated' })[0]?.data).toEqual({ count: 1 });
    return expect(store.pins.verify({ pin: '482913' })).resolves.toEqual({ ok: true, name: 'anna', role: 'admin' });
  });
});
