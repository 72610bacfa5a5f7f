import { describe, expect, it } from 'vitest';
import { delayAfter, PinGuard, type PinGuardState } from '../../../src/main/store/pin-guard';

function guard(policy = { maxFailures: 4, lockoutMs: 60_000, baseDelayMs: 1000 }) {
  let now = 1_000_000;
  const states = new Map<string, PinGuardState>();
  const g = new PinGuard({ now: () => now }, { get: (s) => states.get(s), put: (s, v) => void states.set(s, v) }, () => policy);
  return { g, advance: (ms: number) => (now += ms), now: () => now };
}

/** One try: the refusal, or the outcome of checking it (right or wrong). */
function attempt(g: PinGuard, right: boolean) {
  const t = g.begin('login');
  return 'done' in t ? t.done(right) : { kind: 'refused' as const, refusal: t };
}

describe('PinGuard', () => {
  it('doubles the wait after each wrong PIN, refuses tries during it without counting them, and locks after N', () => {
    const { g, advance } = guard();
    const start = 1_000_000;
    let elapsed = 0;
    const waits: number[] = [];
    for (let i = 1; i <= 4; i++) {
      const r = attempt(g, false);
      expect(r.kind).toBe('failed');
      if (r.kind !== 'failed') return;
      expect(r.failures).toBe(i);
      waits.push(r.refusal.retryAfterMs);
      if (i < 4) {
        expect(r.refusal.code).toBe('PIN_WRONG');
        // A try before the wait is over is refused and not counted.
        advance(r.refusal.retryAfterMs - 1);
        const early = attempt(g, true);
        expect(early).toMatchObject({ kind: 'refused', refusal: { code: 'PIN_LOCKED', retryAfterMs: 1, lockedOut: false } });
        advance(1);
        elapsed += r.refusal.retryAfterMs;
      } else {
        expect(r).toMatchObject({ locked: true, refusal: { code: 'PIN_LOCKED', retryAfterMs: 60_000, lockedOut: true } });
      }
    }
    expect(waits).toEqual([1000, 2000, 4000, 60_000]);
    expect(elapsed).toBeGreaterThanOrEqual(1000 + 2000 + 4000);
    expect(start + elapsed).toBeLessThanOrEqual(start + 7000);
    // Locked: even the right PIN is not checked until the lockout ends.
    advance(59_999);
    expect(attempt(g, true)).toMatchObject({ kind: 'refused', refusal: { code: 'PIN_LOCKED', lockedOut: true, retryAfterMs: 1 } });
    advance(1);
    expect(attempt(g, true)).toEqual({ kind: 'ok' });
    // The count starts again.
    expect(attempt(g, false)).toMatchObject({ kind: 'failed', failures: 1 });
  });

  it('lets only one try per subject be checked at a time', () => {
    const { g } = guard();
    const first = g.begin('login');
    expect('done' in first).toBe(true);
    expect(g.begin('login')).toMatchObject({ code: 'PIN_LOCKED' });
    expect('done' in g.begin('user:anna')).toBe(true);
    if ('done' in first) first.done(true);
    expect('done' in g.begin('login')).toBe(true);
  });

  it('caps the wait at the lockout time', () => {
    expect(delayAfter(40, { maxFailures: 100, lockoutMs: 5000, baseDelayMs: 1000 })).toBe(5000);
    expect(delayAfter(0, { maxFailures: 3, lockoutMs: 5000, baseDelayMs: 1000 })).toBe(0);
  });
});
