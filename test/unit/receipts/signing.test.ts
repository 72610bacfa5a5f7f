import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReceiptError } from '../../../src/main/receipts/errors';
import { loadOrCreateReceiptKey, parseReceiptPayload, publicKeyPathFor, signedReceiptPayload, verifyReceiptPayload } from '../../../src/main/receipts/signing';
import { record } from './record';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'fumo-receipt-key-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const chain = { seq: 3, hash: 'd'.repeat(64) };

describe('receipt signing key', () => {
  it('is created on first use with a 0600 private part and the public part beside it, then reused', () => {
    const keyPath = path.join(dir, 'keys', 'kiosk-ed25519.pem');
    const a = loadOrCreateReceiptKey(keyPath);
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    expect(readFileSync(publicKeyPathFor(keyPath), 'utf8')).toBe(a.publicPem);
    expect(a.keyId).toMatch(/^ed25519:[0-9a-f]{16}$/);
    const b = loadOrCreateReceiptKey(keyPath);
    expect(b.keyId).toBe(a.keyId);
  });

  it('refuses a damaged key file instead of silently replacing it', () => {
    const keyPath = path.join(dir, 'bad.pem');
    writeFileSync(keyPath, 'not a key');
    expect(() => loadOrCreateReceiptKey(keyPath)).toThrow(ReceiptError);
    expect(readFileSync(keyPath, 'utf8')).toBe('not a key');
  });
});

describe('signed receipt summary', () => {
  it('round-trips: the payload verifies with the kiosk’s public key and carries the record’s facts', () => {
    const key = loadOrCreateReceiptKey(path.join(dir, 'k.pem'));
    const payload = signedReceiptPayload(record(), chain, key);
    expect(payload).not.toContain('49300510059');
    const check = verifyReceiptPayload(payload, key.publicPem);
    expect(check.valid).toBe(true);
    expect(check.summary).toMatchObject({ id: 'h-test-1', dev: '2800', mod: 'FK-Phone 1', from: '1.0.0', to: '1.1.0', res: 'success', at: '2026-07-14T12:09:00Z', chain: `3:${'d'.repeat(64)}`, kid: key.keyId });
  });

  it('detects a changed field, a swapped signature and another kiosk’s key', () => {
    const key = loadOrCreateReceiptKey(path.join(dir, 'k.pem'));
    const payload = signedReceiptPayload(record(), chain, key);
    for (const [field, forged] of [['res', 'failed'], ['to', '9.9.9'], ['dev', '0000'], ['at', '2020-01-01T00:00:00Z'], ['chain', `3:${'e'.repeat(64)}`]] as const) {
      const o = JSON.parse(payload) as Record<string, unknown>;
      o[field] = forged;
      const check = verifyReceiptPayload(JSON.stringify(o), key.publicPem);
      expect(check.valid, field).toBe(false);
      if (!check.valid) expect(check.reason).toMatch(/changed or forged/);
    }
    const other = signedReceiptPayload(record({ id: 'h-other' }), chain, key);
    const swapped = { ...(JSON.parse(payload) as object), sig: (JSON.parse(other) as { sig: string }).sig };
    expect(verifyReceiptPayload(JSON.stringify(swapped), key.publicPem).valid).toBe(false);
    const stranger = loadOrCreateReceiptKey(path.join(dir, 'other.pem'));
    const check = verifyReceiptPayload(payload, stranger.publicPem);
    expect(check.valid).toBe(false);
    if (!check.valid) expect(check.reason).toContain(key.keyId);
  });

  it('says plainly when a text is not a receipt code', () => {
    expect(() => parseReceiptPayload('hello')).toThrow(/not a receipt code/);
    expect(() => parseReceiptPayload('{"t":"other","v":1}')).toThrow(/type/);
    expect(() => parseReceiptPayload('{"t":"fumo-receipt","v":1,"id":"x"}')).toThrow(/field "dev"/);
  });
});
