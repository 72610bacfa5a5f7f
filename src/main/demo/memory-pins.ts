/**
 * The scripted backend's PIN keeper: people and their PINs in memory, for the demo shell and the
 * screen tests only (the kiosk itself keeps salted scrypt hashes in its database). It answers
 * People (src/main/services/people.ts) the way the PIN store does, so the screens meet the
 * kiosk's own rules and refusals.
 */
import { KioskError } from '../../core/errors';
import type { PinKeeper } from '../services/people';
import type { PinEntry, PinRole } from '../store';

interface MemoryPerson {
  role: PinRole;
  pin: string;
  updatedAt: number;
  setBy: string | null;
}

export class MemoryPins implements PinKeeper {
  private readonly people = new Map<string, MemoryPerson>();
  /** Subjects locked until then: a name, or '' for logging in on the bench. */
  private readonly locks = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    initial: Record<string, { name: string; role: PinRole }> = {},
  ) {
    const at = Object.keys(initial).length > 0 ? now() : 0;
    for (const [pin, user] of Object.entries(initial)) this.people.set(user.name, { role: user.role, pin, updatedAt: at, setBy: null });
  }

  /** Who logs in with `pin`, if anyone. */
  find(pin: string): { name: string; role: PinRole } | undefined {
    for (const [name, p] of this.people) if (p.pin === pin) return { name, role: p.role };
    return undefined;
  }

  /** Lock logging in (the bench's, or `name`'s) until `until`, as wrong PINs would. */
  lock(until: number, name?: string): void {
    this.locks.set(name ?? '', until);
  }

  list(): PinEntry[] {
    return [...this.people].map(([name, p]) => ({ name, role: p.role, updatedAt: p.updatedAt })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async set(name: string, role: PinRole, pin: string, actor: string | null): Promise<void> {
    const holder = this.find(pin);
    if (holder && holder.name !== name) throw new KioskError('PIN_TAKEN');
    this.people.set(name, { role, pin, updatedAt: this.now(), setBy: actor });
  }

  remove(name: string): boolean {
    return this.people.delete(name);
  }

  setBy(name: string): string | null {
    return this.people.get(name)?.setBy ?? null;
  }

  lockedUntil(name?: string): number | null {
    const until = this.locks.get(name ?? '');
    if (until === undefined) return null;
    return until > this.now() ? until : null;
  }

  unlock(name: string | undefined): boolean {
    const was = this.lockedUntil(name) !== null;
    this.locks.delete(name ?? '');
    return was;
  }
}
