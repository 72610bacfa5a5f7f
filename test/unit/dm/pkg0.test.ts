import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodePackage0, encodePackage0, sessionIdText, verifyPackage0Digest, verifyPackage0WithResync } from '../../../src/core/dm/pkg0';
import { DecodeError } from '../../../src/core/errors';

const h = (b: Buffer | string): Buffer => createHash('md5').update(b).digest();

/** Build a package 0 by hand from the bit layout, independently of the module. */
function handBuilt(serverId: string, password: string, nonce: Buffer, opts: { ui: number; init: number; session: number; vendor?: Buffer }): Buffer {
  // version 11 = 0b0000001011, then ui(2) initiator(1) future(27 zero) => 40 bits
  const bits = (11n << 30n) | (BigInt(opts.ui) << 28n) | (BigInt(opts.init) << 27n);
  const hdr = Buffer.alloc(5);
  for (let i = 0; i < 5; i++) hdr[i] = Number((bits >> BigInt(8 * (4 - i))) & 0xffn);
  const sid = Buffer.from([opts.session >> 8, opts.session & 0xff]);
  const id = Buffer.from(serverId);
  const trigger = Buffer.concat([hdr, sid, Buffer.from([id.length]), id, opts.vendor ?? Buffer.alloc(0)]);
  const digest = h(Buffer.concat([Buffer.from(h(`${serverId}:${password}`).toString('base64')), Buffer.from(':'), nonce, Buffer.from(':'), Buffer.from(h(trigger).toString('base64'))]));
  return Buffer.concat([digest, trigger]);
}

describe('package 0', () => {
  const nonce = Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]);
  it('encodes exactly the bytes the spec layout gives', () => {
    const mine = encodePackage0({ uiMode: 'user-interaction', initiator: 'server', sessionId: 0x1a2b, serverId: 'kiosk.example', vendor: new Uint8Array([9, 9]) }, { password: 'pw', nonce });
    const theirs = handBuilt('kiosk.example', 'pw', nonce, { ui: 3, init: 1, session: 0x1a2b, vendor: Buffer.from([9, 9]) });
    expect(Buffer.from(mine).equals(theirs)).toBe(true);
  });
  it('decodes every field', () => {
    const p = decodePackage0(handBuilt('srv', 'pw', nonce, { ui: 2, init: 0, session: 7 }));
    expect(p).toMatchObject({ version: 11, uiMode: 'informative', initiator: 'client', future: 0, sessionId: 7, serverId: 'srv' });
    expect(p.vendor.length).toBe(0);
    expect(sessionIdText(0x00ab)).toBe('AB');
  });
  it('verifies the digest only with the right password and nonce', () => {
    const bytes = handBuilt('srv', 'pw', nonce, { ui: 1, init: 1, session: 1 });
    expect(verifyPackage0Digest(bytes, 'pw', nonce)).toBe(true);
    expect(verifyPackage0Digest(bytes, 'px', nonce)).toBe(false);
    expect(verifyPackage0Digest(bytes, 'pw', Buffer.from([1]))).toBe(false);
  });
  it('falls back to the resynchronisation nonce 0x00000000', () => {
    const resync = handBuilt('srv', 'pw', Buffer.alloc(4), { ui: 1, init: 1, session: 1 });
    expect(verifyPackage0WithResync(resync, 'pw', nonce)).toEqual({ ok: true, nonce: 'resync' });
    expect(verifyPackage0WithResync(handBuilt('srv', 'pw', nonce, { ui: 1, init: 1, session: 1 }), 'pw', nonce)).toEqual({ ok: true, nonce: 'stored' });
    expect(verifyPackage0WithResync(handBuilt('srv', 'pw', Buffer.from('x'), { ui: 1, init: 1, session: 1 }), 'pw', nonce)).toEqual({ ok: false });
  });
  it('rejects truncated input with DecodeError', () => {
    expect(() => decodePackage0(new Uint8Array(10))).toThrow(DecodeError);
    const ok = handBuilt('server-id', 'pw', nonce, { ui: 0, init: 0, session: 2 });
    expect(() => decodePackage0(ok.subarray(0, ok.length - 3))).toThrow(DecodeError);
  });
});
