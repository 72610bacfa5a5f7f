/** Time comes in through this interface so that tests drive it. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Randomness comes in through this interface too (nonces, session ids, correlators). */
export interface RandomSource {
  bytes(n: number): Uint8Array;
}
