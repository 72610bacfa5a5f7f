import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/main/cli/index';
import { openStore } from '../../../src/main/store';

function io(stdinText: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  stdin.end(stdinText);
  return { io: { stdout, stderr, stdin }, out: () => out, err: () => err };
}

async function verify(data: string, pin: string) {
  const store = openStore(data);
  try {
    return await store.pins.verify({ pin });
  } finally {
    store.close();
  }
}

describe('fumo-kiosk pin', () => {
  it('sets a PIN from standard input into the database; no side file, and the PIN then logs in with its role', async () => {
    const data = mkdtempSync(join(tmpdir(), 'pin-cli-'));
    const c = io('482913\n');
    expect(await main(['pin', 'set', 'anna', '--role', 'admin', '--data', data], c.io)).toBe(0);
    expect(c.out()).toContain('PIN set for anna (admin)');
    expect(readdirSync(data).filter((f) => f.startsWith('pins.json') || f.endsWith('.tmp'))).toEqual([]);
    expect(await verify(data, '482913')).toEqual({ ok: true, name: 'anna', role: 'admin' });
    expect(await verify(data, '482914')).toMatchObject({ ok: false, code: 'PIN_WRONG' });
    const list = io('');
    expect(await main(['pin', 'list', '--data', data], list.io)).toBe(0);
    expect(list.out()).toMatch(/^anna {2}admin {2}set /);
    const rm = io('');
    expect(await main(['pin', 'remove', 'anna', '--data', data], rm.io)).toBe(0);
    expect(await main(['pin', 'remove', 'anna', '--data', data], io('').io)).toBe(2);
  });

  it('refuses an administrator PIN under 6 digits, a technician PIN under 4, a shared PIN and bad arguments, with exit code 2', async () => {
    const data = mkdtempSync(join(tmpdir(), 'pin-cli-'));
    const admin4 = io('4829\n');
    expect(await main(['pin', 'set', 'anna', '--role', 'admin', '--data', data], admin4.io)).toBe(2);
    expect(admin4.err()).toContain('an administrator PIN is 6 to 12 digits');
    const short = io('12\n');
    expect(await main(['pin', 'set', 'ben', '--data', data], short.io)).toBe(2);
    expect(short.err()).toContain('a technician PIN is 4 to 12 digits');
    expect(await main(['pin', 'set', 'ben', '--data', data], io('5821\n').io)).toBe(0);
    const shared = io('5821\n');
    expect(await main(['pin', 'set', 'cleo', '--data', data], shared.io)).toBe(2);
    expect(shared.err()).toContain('Another person already uses this PIN');
    const role = io('123456\n');
    expect(await main(['pin', 'set', 'ben', '--role', 'boss', '--data', data], role.io)).toBe(2);
    expect(role.err()).toContain('technician or admin');
  });

  it('reports a data folder it cannot use with a typed storage error, exit 1, and leaves no temporary file', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'pin-cli-'));
    const data = join(parent, 'kiosk.db-is-here');
    writeFileSync(data, 'not a folder');
    const c = io('5821\n');
    expect(await main(['pin', 'set', 'ben', '--data', join(data, 'sub')], c.io)).toBe(1);
    expect(c.err()).toMatch(/\[STORE_/);
    expect(c.err()).not.toContain('unexpected error');
    expect(readdirSync(parent)).toEqual(['kiosk.db-is-here']);
  });
});
