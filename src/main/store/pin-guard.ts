/**
 * PinGuard: how often a PIN may be tried. Pure logic (no I/O), time from an injected clock and
 * state through an injected keeper, so tests drive it with a fake clock.
 *
 * After each wrong PIN the next try must wait baseDelayMs * 2^(failures - 1) (at most lockoutMs);
 * the maxFailures-th wrong PIN in a row locks logging in for lockoutMs. A right PIN clears the
 * count; so does the end of a lockout. Tries during a wait are refused without checking the PIN
 * and do not count, and only one try per subject is checked at a time, so parallel tries cannot
 * slip past the wait.
 */

export interface PinGuardPolicy {
  /** Wrong PINs in a row that lock logging in. */
  maxFailures: number;
  /** How long a lockout lasts. */
  lockoutMs: number;
  /** The wait after the first wrong PIN; it doubles with each further one. */
  baseDelayMs: number;
}

export interface PinGuardState {
  failures: number;
  /** No try is checked before this time. */
  nextTryAt: number;
  /** Locked out until this time (0: not locked). */
  lockedUntil: number;
}

export const FRESH_GUARD_STATE: PinGuardState = { failures: 0, nextTryAt: 0, lockedUntil: 0 };

/** Keeps each subject's state (the store keeps it in the database, so a restart does not reset it). */
export interface PinGuardKeeper {
  get(subject: string): PinGuardState | undefined;
  put(subject: string, state: PinGuardState): void;
}

export type PinRefusal = { code: 'PIN_WRONG' | 'PIN_LOCKED'; retryAfterMs: number; lockedOut: boolean };

export type PinGuardOutcome =
  | { kind: 'ok' }
  /** A wrong PIN: counted; `locked` when this one started a lockout. */
  | { kind: 'failed'; failures: number; locked: boolean; refusal: PinRefusal };

export interface PinGuardClock {
  now(): number;
}

/** The wait after `failures` wrong PINs in a row (before a lockout). */
export function delayAfter(failures: number, policy: PinGuardPolicy): number {
  if (failures <= 0) return 0;
  const d = policy.baseDelayMs * 2 ** Math.min(failures - 1, 30);
  return Math.min(d, policy.lockoutMs);
}

export class PinGuard {
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly clock: PinGuardClock,
    private readonly keeper: PinGuardKeeper,
    private readonly policy: () => PinGuardPolicy,
  ) {}

  private state(subject: string, now: number): PinGuardState {
    const s = this.keeper.get(subject) ?? FRESH_GUARD_STATE;
    // A lockout that has ended starts the count again.
    if (s.lockedUntil !== 0 && now >= s.lockedUntil) return FRESH_GUARD_STATE;
    return s;
  }

  /** Until when `subject` is locked out (epoch ms), or null when it is not locked now. */
  lockedUntil(subject: string): number | null {
    const now = this.clock.now();
    const s = this.state(subject, now);
    return s.lockedUntil > now ? s.lockedUntil : null;
  }

  /** End `subject`'s lockout and wait and forget its wrong PINs (an administrator's act). Returns whether it was locked. */
  clear(subject: string): boolean {
    const was = this.lockedUntil(subject) !== null;
    this.keeper.put(subject, FRESH_GUARD_STATE);
    return was;
  }

  /**
   * Ask to check a PIN for `subject`. Returns a refusal (no check may run now) or a ticket whose
   * `done(right)` must be called once with the check's outcome.
   */
  begin(subject: string): PinRefusal | { done(right: boolean): PinGuardOutcome } {
    const now = this.clock.now();
    const s = this.state(subject, now);
    if (s.lockedUntil > now) return { code: 'PIN_LOCKED', retryAfterMs: s.lockedUntil - now, lockedOut: true };
    if (s.nextTryAt > now) return { code: 'PIN_LOCKED', retryAfterMs: s.nextTryAt - now, lockedOut: false };
    if (this.inFlight.has(subject)) return { code: 'PIN_LOCKED', retryAfterMs: Math.max(1, this.policy().baseDelayMs), lockedOut: false };
    this.inFlight.add(subject);
    let finished = false;
    return {
      done: (right: boolean): PinGuardOutcome => {
        if (finished) throw new Error('PinGuard ticket used twice');
        finished = true;
        this.inFlight.delete(subject);
        const at = this.clock.now();
        if (right) {
          this.keeper.put(subject, FRESH_GUARD_STATE);
          return { kind: 'ok' };
        }
        const policy = this.policy();
        const failures = this.state(subject, at).failures + 1;
        if (failures >= policy.maxFailures) {
          const lockedUntil = at + policy.lockoutMs;
          this.keeper.put(subject, { failures, nextTryAt: lockedUntil, lockedUntil });
          return { kind: 'failed', failures, locked: true, refusal: { code: 'PIN_LOCKED', retryAfterMs: policy.lockoutMs, lockedOut: true } };
        }
        const delay = delayAfter(failures, policy);
        this.keeper.put(subject, { failures, nextTryAt: at + delay, lockedUntil: 0 });
        return { kind: 'failed', failures, locked: false, refusal: { code: 'PIN_WRONG', retryAfterMs: delay, lockedOut: false } };
      },
    };
  }
}
