import { describe, expect, it } from 'vitest';
import { decodeWspPush, encodeWspPush } from '../../src/core/dm/wsp-push';
import { DecodeError } from '../../src/core/errors';
import { xorshift32 as rng } from '../support/clock';

describe('WSP push decoder fuzz', () => {
  it('100,000 random and mutated inputs: only DecodeError comes out, and a body never starts before the headers end', () => {
    const next = rng(0x5eed2948);
    const valid = encodeWspPush(Uint8Array.from({ length: 40 }, (_, i) => i), 3);
    let decoded = 0;
    let refused = 0;
    for (let i = 0; i < 100_000; i++) {
      let input: Uint8Array;
      if (i % 2 === 0) {
        input = Uint8Array.from({ length: next() % 60 }, () => next() & 0xff);
        if (input.length > 1 && i % 4 === 0) input[1] = 0x06;
      } else {
        input = valid.slice(0, next() % (valid.length + 4));
        const flips = next() % 4;
        for (let f = 0; f < flips && input.length > 0; f++) input[next() % input.length] = next() & 0xff;
      }
      try {
        const p = decodeWspPush(input);
        expect(p.body.length).toBeLessThanOrEqual(input.length - 3);
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
