import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deterministicBytes } from '../../../src/core/catalog/sign';

describe('deterministicBytes', () => {
  it('is SHA-256(label || counter) blocks, truncated to the length', () => {
    const out = deterministicBytes('x', 70);
    const expected = Buffer.concat([0, 1, 2].map((i) => createHash('sha256').update(`x${i}`).digest())).subarray(0, 70);
    expect(Buffer.from(out).equals(expected)).toBe(true);
  });
});
