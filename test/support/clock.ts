/** The tests' one hand-driven clock and deterministic randomness (src/core takes both as interfaces). */
import type { Clock, RandomSource } from '../../src/core/clock';

/** A clock the test advances by hand; timers run in due order when their time comes. */
export class FakeClock implements Clock {
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 1;

  constructor(public t = 1_700_000_000_000) {}

  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== handle);
  }
  /** Timers waiting to run. */
  get pending(): number {
    return this.timers.length;
  }
  /** Is a timer due within `ms` from now? */
  dueWithin(ms: number): boolean {
    return this.timers.some((x) => x.at <= this.t + ms);
  }
  advance(ms: number): void {
    this.t += ms;
    const due = this.timers.filter((x) => x.at <= this.t).sort((a, b) => a.at - b.at);
    this.timers = this.timers.filter((x) => x.at > this.t);
    for (const d of due) d.fn();
  }
}

/** Deterministic bytes: each call differs from the last. */
export function counterRandom(): RandomSource {
  let n = 0;
  return {
    bytes(k: number): Uint8Array {
      const out = new Uint8Array(k);
      for (let i = 0; i < k; i++) out[i] = (n + i * 7) & 0xff;
      n++;
      return out;
    },
  };
}

/** Deterministic pseudo-random bytes from a seed (a linear congruential generator). */
export function seededRandom(seed = 1): RandomSource {
  let x = seed;
  return {
    bytes: (n) =>
      Uint8Array.from({ length: n }, () => {
        x = (x * 1103515245 + 12345) >>> 0;
        return x >>> 24;
      }),
  };
}

/** xorshift32 with a fixed seed: the same numbers (unsigned 32-bit) on every run, for fuzz inputs. */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}
