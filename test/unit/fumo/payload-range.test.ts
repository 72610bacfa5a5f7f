import { describe, expect, it } from 'vitest';
import { parseRange } from '../../../src/main/services/payload-server';

describe('payload server Range header', () => {
  it('reads single byte ranges as inclusive offsets', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual([0, 9]);
    expect(parseRange('bytes=90-', 100)).toEqual([90, 99]);
    expect(parseRange('bytes=-10', 100)).toEqual([90, 99]);
    expect(parseRange('bytes=50-1000', 100)).toEqual([50, 99]);
    expect(parseRange('bytes=-1000', 100)).toEqual([0, 99]);
  });
  it('refuses ranges past the end; ignores what it cannot read', () => {
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=20-10', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 100)).toBe('unsatisfiable');
    expect(parseRange(undefined, 100)).toBeUndefined();
    expect(parseRange('bytes=0-1,5-6', 100)).toBeUndefined();
    expect(parseRange('items=0-1', 100)).toBeUndefined();
  });
});
