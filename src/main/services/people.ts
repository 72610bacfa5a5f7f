/**
 * People: who logs in on the bench with a PIN, as an administrator manages them from a screen.
 * The rules a screen must not break live here: the same PIN rules as the command line, never
 * the last administrator removed or demoted (the kiosk would have nobody to manage it), never
 * the signed-in administrator's own login. Every change goes into the history with who made it
 * (the PIN store records it, never the PIN) and is announced so open screens refresh.
 */
import { KioskError } from '../../core/errors';
import type { PeopleView, PersonPinParams, PersonView } from '../../shared/schemas';
import { PIN_MAX_LENGTH, PIN_MIN_LENGTH, pinProblem, type Actor, type PinEntry, type PinRole } from '../store';

/** The longest name a person may have (it fits the bench header and the history). */
export const PERSON_NAME_MAX = 40;

/** What People needs of the PIN store. */
export interface PinKeeper {
  list(): PinEntry[];
  set(name: string, role: PinRole, pin: string, actor: string | null): Promise<void>;
  remove(name: string, actor: string | null): boolean;
  setBy(name: string): string | null;
  lockedUntil(name?: string): number | null;
  unlock(name: string | undefined, actor: string | null): boolean;
}

/** A name people can read and type again: trimmed, on one line, not too long. */
function cleanName(raw: string): string {
  const name = raw.trim();
  // Control characters (line breaks, tabs ...) would break the list, the header and the history export.
  // eslint-disable-next-line no-control-regex
  if (name.length === 0 || name.length > PERSON_NAME_MAX || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new KioskError('PERSON_NAME_INVALID', { max: PERSON_NAME_MAX });
  }
  return name;
}

function checkPin(pin: string, role: PinRole): void {
  if (pinProblem(pin, role) === undefined) return;
  throw new KioskError(role === 'admin' ? 'ADMIN_PIN_FORMAT' : 'TECHNICIAN_PIN_FORMAT', { required: PIN_MIN_LENGTH[role], max: PIN_MAX_LENGTH });
}

export class People {
  /** Changes run one at a time, so two at once cannot both take the last administrator away. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pins: PinKeeper,
    private readonly changed: (view: PeopleView) => void,
  ) {}

  list(): PeopleView {
    const people = this.pins.list().map(
      (p): PersonView => ({ name: p.name, role: p.role, pinSetAt: p.updatedAt, pinSetBy: this.pins.setBy(p.name), lockedUntil: this.pins.lockedUntil(p.name) }),
    );
    return { people, loginLockedUntil: this.pins.lockedUntil() };
  }

  /** Whether `name` still logs in with `role` (a login whose person was removed or given another role ends). */
  holds(name: string, role: PinRole): boolean {
    return this.pins.list().some((p) => p.name === name && p.role === role);
  }

  /** Add a person, or give them a new PIN (and role). */
  setPin(actor: Actor, params: PersonPinParams): Promise<PersonView> {
    return this.oneAtATime(async () => {
      const name = cleanName(params.name);
      checkPin(params.pin, params.role);
      const before = this.pins.list().find((p) => p.name === name);
      if (before?.role === 'admin' && params.role !== 'admin') this.mayTakeAdminAway(actor, name);
      await this.pins.set(name, params.role, params.pin, actor.name);
      const view = this.announce();
      return view.people.find((p) => p.name === name)!;
    });
  }

  remove(actor: Actor, rawName: string): Promise<void> {
    return this.oneAtATime(async () => {
      const name = rawName.trim();
      const person = this.pins.list().find((p) => p.name === name);
      if (!person) throw new KioskError('PERSON_NOT_FOUND', { detail: name });
      if (name === actor.name) throw new KioskError('OWN_LOGIN', { detail: name });
      if (person.role === 'admin') this.mayTakeAdminAway(actor, name);
      this.pins.remove(name, actor.name);
      this.announce();
    });
  }

  /** End a lockout after wrong PINs: `name`'s, or without a name logging in on the bench. */
  unlock(actor: Actor, name?: string): Promise<PeopleView> {
    return this.oneAtATime(async () => {
      if (name !== undefined && !this.pins.list().some((p) => p.name === name)) throw new KioskError('PERSON_NOT_FOUND', { detail: name });
      this.pins.unlock(name, actor.name);
      return this.announce();
    });
  }

  private mayTakeAdminAway(actor: Actor, name: string): void {
    if (name === actor.name) throw new KioskError('OWN_LOGIN', { detail: name });
    const admins = this.pins.list().filter((p) => p.role === 'admin');
    if (admins.length <= 1) throw new KioskError('LAST_ADMIN', { detail: name });
  }

  private announce(): PeopleView {
    const view = this.list();
    this.changed(view);
    return view;
  }

  private oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
