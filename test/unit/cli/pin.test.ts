import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/main/cli/index';
import { PinStore } from '../../../src/main/services/pin';

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

describe('fumo-kiosk pin', () => {
  it('sets a PIN from standard input; only a hash is stored and the PIN then logs in with its role', async () => {
    const data = mkdtempSync(join(tmpdir(), 'pin-cli-'));
    const c = io('482913\n');
    expect(await main(['pin', 'set', 'anna', '--role', 'admin', '--data', data], c.io)).toBe(0);
    expect(c.out()).toContain('PIN set for anna (admin)');
    expect(readFileSync(join(data, 'pins.json'), 'utf8')).not.toContain('482913');
    const store = new PinStore(data);
    expect(store.check('482913')).toEqual({ name: 'anna', role: 'admin' });
    expect(store.check('482914')).toBeUndefined();
  });

  it('refuses a PIN that is not 4 to 12 digits, and bad arguments, with exit code 2', async () => {
    const data = mkdtempSync(join(tmpdir(), 'pin-cli-'));
    const short = io('12\n');
    expect(await main(['pin', 'set', 'ben', '--data', data], short.io)).toBe(2);
    expect(short.err()).toContain('4 to 12 digits');
    expect(new PinStore(data).has('ben')).toBe(false);
    const role = io('123456\n');
    expect(await main(['pin', 'set', 'ben', '--role', 'boss', '--data', data], role.io)).toBe(2);
    expect(role.err()).toContain('technician or admin');
  });
});
