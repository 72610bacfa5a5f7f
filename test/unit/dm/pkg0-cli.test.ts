import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runPkg0 } from '../../../src/main/cli/commands/dm-pkg0';

function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { io: { stdout, stderr, stdin: new PassThrough() }, out: () => out, err: () => err };
}

describe('dm pkg0 CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pkg0-'));
  const nonce = Buffer.from('0123456789abcdef').toString('base64');
  it('encodes a file whose digest checks out independently, and decodes it', async () => {
    const file = join(dir, 'p0.bin');
    const e = io();
    const code = await runPkg0(['encode', '--server-id', 'kiosk', '--password', 'pw', '--nonce', nonce, '--session-id', '513', '--ui-mode', 'informative', '-o', file], e.io);
    expect(code).toBe(0);
    const bytes = readFileSync(file);
    const trigger = bytes.subarray(16);
    const h = (b: Buffer | string): Buffer => createHash('md5').update(b).digest();
    const digest = h(Buffer.concat([Buffer.from(h('kiosk:pw').toString('base64')), Buffer.from(':'), Buffer.from('0123456789abcdef'), Buffer.from(':'), Buffer.from(h(trigger).toString('base64'))]));
    expect(bytes.subarray(0, 16).equals(digest)).toBe(true);
    const d = io();
    expect(await runPkg0(['decode', file, '--server-id', 'kiosk', '--password', 'pw', '--nonce', nonce], d.io)).toBe(0);
    expect(d.out()).toContain('ui-mode:     informative');
    expect(d.out()).toContain('session-id:  513 (SessionID 201)');
    expect(d.out()).toContain('verifies:    yes, with the given nonce');
    const w = io();
    expect(await runPkg0(['decode', file, '--password', 'wrong', '--nonce', nonce], w.io)).toBe(1);
    expect(w.out()).toContain('verifies:    no');
  });
  it('malformed input and bad usage exit 2', async () => {
    const file = join(dir, 'short.bin');
    writeFileSync(file, Buffer.alloc(5));
    const a = io();
    expect(await runPkg0(['decode', file], a.io)).toBe(2);
    expect(a.err()).toMatch(/too short/);
    const b = io();
    expect(await runPkg0(['encode', '--server-id', 'x'], b.io)).toBe(2);
  });
});
