/**
 * PINs now live in the store (src/main/store/pins.ts, KioskStore.pins): scrypt hashes in the
 * database, hashed off the main thread, behind a guard with a growing delay and a lockout.
 * This class is the old synchronous interface over the same table, for callers not moved yet;
 * it has no guard, so new code uses store.pins.verify() and store.pins.set().
 */
import { openLegacyPins } from '../store';
import type { PinRole } from '../store/pins';

export type { PinRole } from '../store/pins';

export const DEMO_PIN = '1234';

/** @deprecated Use KioskStore.pins. */
export class PinStore {
  private readonly access;

  constructor(dataDir: string) {
    this.access = openLegacyPins(dataDir);
  }

  /** Set (or replace) the PIN of a named user. */
  set(name: string, role: PinRole, pin: string): void {
    this.access.set(name, role, pin);
  }

  has(name: string): boolean {
    return this.access.has(name);
  }

  /** The user the PIN belongs to, or undefined. */
  check(pin: string): { name: string; role: PinRole } | undefined {
    return this.access.check(pin);
  }
}
