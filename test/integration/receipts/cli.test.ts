import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../src/main/cli/index';
import { receiptFor } from '../../../src/main/receipts';
import { loadOrCreateReceiptKey } from '../../../src/main/receipts/signing';
import { openStore } from '../../../src/main/store';
import { seedKiosk } from './seed';

let dir: string;
let data: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fumo-receipt-cli-'));
  data = path.join(dir, 'data');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[], stdinText?: string): Promise<{ code: number; out: string; err: string; bytes: Buffer }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  const chunks: Buffer[] = [];
  let err = '';
  stdout.on('data', (d: Buffer) => chunks.push(d));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  stdin.end(stdinText ?? '');
  const code = await main([...args, '--data', data], { stdout, stderr, stdin });
  const bytes = Buffer.concat(chunks);
  return { code, out: bytes.toString('utf8'), err, bytes };
}

function payloadOf(): string {
  const s = openStore(data);
  try {
    return receiptFor(s, 'h1').payload;
  } finally {
    s.close();
  }
}

describe('fumo-kiosk history receipt and verify-receipt', () => {
  it('writes the receipt as HTML with the shop and the QR code, or as PDF', async () => {
    await seedKiosk(data);
    const html = await run(['history', 'receipt', 'h1', '--language', 'de']);
    expect(html.code).toBe(0);
    expect(html.out).toContain('Handy-Service Müller');
    expect(html.out).toContain('Demo Manufacturer FK-Demo Phone');
    expect(html.out).toMatch(/<svg[^>]*role="img"/);
    expect(html.out).not.toContain('493005100592800');
    const pdfFile = path.join(dir, 'r.pdf');
    const pdf = await run(['history', 'receipt', 'h1', '-o', pdfFile, '--paper', '80mm']);
    expect(pdf.code).toBe(0);
    expect(readFileSync(pdfFile).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect((await run(['history', 'receipt', 'h1', '--paper', 'a5'])).code).toBe(2);
    expect((await run(['history', 'receipt', 'h1', '--tz', 'Mars/Olympus'])).code).toBe(2);
  });

  it('says valid with the fields for a genuine receipt code, from an argument, a file or standard input (exit 0)', async () => {
    await seedKiosk(data);
    const payload = payloadOf();
    const direct = await run(['history', 'verify-receipt', payload]);
    expect(direct.code).toBe(0);
    expect(direct.out).toMatch(/^VALID: /);
    expect(direct.out).toMatch(/record\s+h1/);
    expect(direct.out).toMatch(/device id ends in\s+2800/);
    expect(direct.out).toMatch(/result\s+success/);
    const file = path.join(dir, 'qr.txt');
    writeFileSync(file, payload + '\n');
    expect((await run(['history', 'verify-receipt', file])).code).toBe(0);
    expect((await run(['history', 'verify-receipt', '-'], payload)).code).toBe(0);
    const json = await run(['history', 'verify-receipt', payload, '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ valid: true, summary: { id: 'h1', dev: '2800', to: '1.1.0' } });
  });

  it('says invalid for a changed code, a code from another kiosk and a text that is no code (exit 1)', async () => {
    await seedKiosk(data);
    const payload = payloadOf();
    const forged = payload.replace('"res":"success"', '"res":"failed"');
    expect(forged).not.toBe(payload);
    const bad = await run(['history', 'verify-receipt', forged]);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/^INVALID: the signature does not match/);
    const otherKey = loadOrCreateReceiptKey(path.join(dir, 'other', 'k.pem'));
    const keyFile = path.join(dir, 'other', 'k.pub.pem');
    expect(readFileSync(keyFile, 'utf8')).toBe(otherKey.publicPem);
    const stranger = await run(['history', 'verify-receipt', payload, '--key', keyFile]);
    expect(stranger.code).toBe(1);
    expect(stranger.out).toMatch(/^INVALID: it was signed by key ed25519:/);
    const junk = await run(['history', 'verify-receipt', 'hello']);
    expect(junk.code).toBe(1);
    expect(junk.err).toMatch(/not a receipt code.*\[RECEIPT_PAYLOAD_UNREADABLE\]/);
    const noKey = await run(['history', 'verify-receipt', payload, '--key', path.join(dir, 'missing.pem')]);
    expect(noKey.code).toBe(1);
    expect(noKey.err).toMatch(/no public key at .*--key/);
  });
});
