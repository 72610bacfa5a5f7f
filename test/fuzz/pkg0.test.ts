import { describe, expect, it } from 'vitest';
import { decodePackage0, encodePackage0 } from '../../src/core/dm/pkg0';
import { DecodeError } from '../../src/core/errors';
import { xorshift32 as rng } from '../support/clock';

describe('package 0 decoder fuzz', () => {
  it('100,000 random and mutated inputs: only DecodeError comes out', () => {
    const next = rng(0x5eed0062);
    const valid = encodePackage0({ uiMode: 'background', initiator: 'server', sessionId: 42, serverId: 'fumo-kiosk', vendor: new Uint8Array([1, 2, 3]) }, { password: 'pw', nonce: new Uint8Array(4) });
    let decoded = 0;
    let refused = 0;
    for (let i = 0; i < 100_000; i++) {
      let input: Uint8Array;
      if (i % 2 === 0) {
        input = Uint8Array.from({ length: next() % 80 }, () => next() & 0xff);
      } else {
        input = valid.slice(0, next() % (valid.length + 8));
        const flips = next() % 4;
        for (let f = 0; f < flips && input.length > 0; f++) input[next() % input.length] = next() & 0xff;
      }
      try {
        const p = decodePackage0(input);
        expect(p.serverId.length).toBeLessThanOrEqual(255);
        decoded++;
      } catch (e) {
        if (!(e instanceof DecodeError)) throw e;
        refused++;
      }
    }
    expect(decoded).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });
});
