/**
 * Technician and administrator PINs, in the database as scrypt hashes with a per-PIN salt and
 * the scrypt parameters stored beside each (so they can be raised later without losing old PINs).
 * Hashing runs in libuv's thread pool (crypto.scrypt), never on the main thread. Tries go
 * through a PinGuard: a growing wait after each wrong PIN and a lockout after pinMaxFailures,
 * each failure and lockout recorded in the audit history.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { KioskError } from '../../core/errors';
import { PIN_MAX_LENGTH, PIN_MIN_LENGTH } from '../../shared/pin-rules';
import type { AuditStore } from './audit';
import { dbError, type StoreContext } from './context';
import { storeFailure } from './errors';
import { legacyPinsPath } from './paths';
import { PinGuard, type PinGuardState } from './pin-guard';
import type { SettingsStore } from './settings';

export type PinRole = 'technician' | 'admin';

export { PIN_MAX_LENGTH, PIN_MIN_LENGTH };

/** scrypt cost: 2^14 x 8 x 128 bytes = 16 MiB and some tens of milliseconds per hash. */
export const DEFAULT_SCRYPT: Required<Pick<ScryptOptions, 'N' | 'r' | 'p'>> & { keylen: number } = { N: 16384, r: 8, p: 1, keylen: 32 };

export type PinVerifyResult =
  | { ok: true; name: string; role: PinRole }
  /** PIN_WRONG: not accepted, try again after retryAfterMs; PIN_LOCKED: not checked, locked for retryAfterMs. */
  | { ok: false; code: 'PIN_WRONG' | 'PIN_LOCKED'; retryAfterMs: number; message: string };

export interface PinEntry {
  name: string;
  role: PinRole;
  updatedAt: number;
}

interface PinRow {
  name: string;
  role: string;
  kdf: string;
  params: string;
  salt: string;
  hash: string;
  updated_at: number;
}

interface ScryptParams {
  N: number;
  r: number;
  p: number;
  keylen: number;
}

function scryptAsync(pin: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  // maxmem: room for N * r * 128 bytes plus scrypt's own buffers.
  const maxmem = 256 * params.N * params.r + 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(pin, salt, params.keylen, { N: params.N, r: params.r, p: params.p, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function seconds(ms: number): string {
  const s = Math.max(1, Math.ceil(ms / 1000));
  return s >= 120 ? `${Math.ceil(s / 60)} minutes` : `${s} s`;
}

/** Whether `pin` is acceptable for `role`; the reason when not. */
export function pinProblem(pin: string, role: PinRole): string | undefined {
  const min = PIN_MIN_LENGTH[role];
  if (!/^\d+$/.test(pin) || pin.length < min || pin.length > PIN_MAX_LENGTH) {
    return `${role === 'admin' ? 'an administrator' : 'a technician'} PIN is ${min} to ${PIN_MAX_LENGTH} digits`;
  }
  return undefined;
}

export class PinStore {
  private readonly guard: PinGuard;

  constructor(
    private readonly ctx: StoreContext,
    private readonly audit: AuditStore,
    private readonly settings: SettingsStore,
    private readonly scryptParams: ScryptParams = DEFAULT_SCRYPT,
  ) {
    this.guard = new PinGuard(
      ctx.clock,
      {
        get: (subject) => {
          const r = this.ctx.db.prepare('SELECT failures, next_try_at, locked_until FROM pin_guard WHERE subject = ?').get(subject) as
            | { failures: number; next_try_at: number; locked_until: number }
            | undefined;
          return r ? { failures: r.failures, nextTryAt: r.next_try_at, lockedUntil: r.locked_until } : undefined;
        },
        put: (subject, s: PinGuardState) => {
          this.ctx.db
            .prepare(
              `INSERT INTO pin_guard (subject, failures, next_try_at, locked_until) VALUES (?, ?, ?, ?)
               ON CONFLICT(subject) DO UPDATE SET failures = excluded.failures, next_try_at = excluded.next_try_at, locked_until = excluded.locked_until`,
            )
            .run(subject, s.failures, s.nextTryAt, s.lockedUntil);
        },
      },
      () => {
        const all = this.settings.getAll();
        return { maxFailures: all.pinMaxFailures, lockoutMs: all.pinLockoutMs, baseDelayMs: all.pinBaseDelayMs };
      },
    );
  }

  private rows(): PinRow[] {
    return this.ctx.db.prepare('SELECT * FROM pins ORDER BY name').all() as PinRow[];
  }

  private static async matches(row: PinRow, pin: string): Promise<boolean> {
    if (row.kdf !== 'scrypt') return false;
    let params: ScryptParams;
    try {
      params = JSON.parse(row.params) as ScryptParams;
    } catch {
      return false;
    }
    const expected = Buffer.from(row.hash, 'hex');
    const got = await scryptAsync(pin, Buffer.from(row.salt, 'hex'), { ...params, keylen: expected.length });
    return got.length === expected.length && timingSafeEqual(got, expected);
  }

  /** The people who have a PIN (no hashes). */
  list(): PinEntry[] {
    return this.rows().map((r) => ({ name: r.name, role: r.role as PinRole, updatedAt: r.updated_at }));
  }

  has(name: string): boolean {
    return this.ctx.db.prepare('SELECT 1 FROM pins WHERE name = ?').get(name) !== undefined;
  }

  /**
   * Set (or replace) a person's PIN. Refused (INVALID_REQUEST) when it is too short for the role
   * (administrators 6 digits, technicians 4) or when another person already logs in with it (a
   * PIN alone names who logs in). Recorded in the history without the PIN.
   */
  async set(name: string, role: PinRole, pin: string, actor: string | null = null): Promise<void> {
    if (!name.trim()) throw new KioskError('INVALID_REQUEST', { detail: 'a PIN needs the name of the person' });
    if (role !== 'technician' && role !== 'admin') throw new KioskError('INVALID_REQUEST', { detail: 'the role is technician or admin' });
    const problem = pinProblem(pin, role);
    if (problem) throw new KioskError('INVALID_REQUEST', { detail: problem });
    const others = this.rows().filter((r) => r.name !== name);
    const taken = await Promise.all(others.map((r) => PinStore.matches(r, pin)));
    if (taken.some((t) => t)) throw new KioskError('PIN_TAKEN');
    const salt = randomBytes(16);
    const hash = await scryptAsync(pin, salt, this.scryptParams);
    const { keylen: _k, ...cost } = this.scryptParams;
    try {
      this.ctx.db
        .prepare(
          `INSERT INTO pins (name, role, kdf, params, salt, hash, updated_at) VALUES (?, ?, 'scrypt', ?, ?, ?, ?)
           ON CONFLICT(name) DO UPDATE SET role = excluded.role, kdf = excluded.kdf, params = excluded.params, salt = excluded.salt, hash = excluded.hash, updated_at = excluded.updated_at`,
        )
        .run(name, role, JSON.stringify(cost), salt.toString('hex'), hash.toString('hex'), this.ctx.clock.now());
    } catch (e) {
      throw dbError(this.ctx, e);
    }
    this.audit.recordEvent('pin-set', { name, role }, actor);
  }

  remove(name: string, actor: string | null = null): boolean {
    const gone = this.ctx.db.prepare('DELETE FROM pins WHERE name = ?').run(name).changes > 0;
    if (gone) this.audit.recordEvent('pin-removed', { name }, actor);
    return gone;
  }

  /** Who last set `name`'s PIN, from the history (null when not recorded, e.g. moved from the old file). */
  setBy(name: string): string | null {
    const event = this.audit.events({ type: 'pin-set' }).find((e) => e.data['name'] === name);
    return event?.actor ?? null;
  }

  /** Until when logging in is locked: as `name` when given, otherwise logging in by PIN alone (the bench). Null: not locked. */
  lockedUntil(name?: string): number | null {
    return this.guard.lockedUntil(PinStore.subject(name));
  }

  /**
   * End a lockout (and the wait after wrong PINs): `name`'s, or without a name the bench's
   * login. Recorded in the history with who did it. Returns whether it was locked.
   */
  unlock(name: string | undefined, actor: string | null = null): boolean {
    const subject = PinStore.subject(name);
    const was = this.guard.clear(subject);
    this.audit.recordEvent('pin-unlocked', { subject, wasLocked: was }, actor);
    return was;
  }

  private static subject(name: string | undefined): string {
    return name !== undefined ? `user:${name}` : 'login';
  }

  /**
   * Check a PIN (of `name` when given, otherwise of whoever has it) through the guard. Every
   * wrong PIN and every lockout is recorded in the history (never the PIN tried).
   */
  async verify(input: { pin: string; name?: string }): Promise<PinVerifyResult> {
    const subject = PinStore.subject(input.name);
    const ticket = this.guard.begin(subject);
    if (!('done' in ticket)) return this.refused(ticket.code, ticket.retryAfterMs);
    let who: PinRow | undefined;
    try {
      const candidates = this.rows().filter((r) => input.name === undefined || r.name === input.name);
      // Every candidate is hashed, so the time taken does not tell which one matched.
      const results = /^\d{1,32}$/.test(input.pin) ? await Promise.all(candidates.map((r) => PinStore.matches(r, input.pin))) : candidates.map(() => false);
      who = candidates.find((_r, i) => results[i]);
    } catch (e) {
      ticket.done(false);
      throw e instanceof KioskError ? e : storeFailure(e, 'the PIN table');
    }
    const outcome = ticket.done(who !== undefined);
    if (outcome.kind === 'ok' && who) return { ok: true, name: who.name, role: who.role as PinRole };
    if (outcome.kind !== 'failed') return this.refused('PIN_WRONG', 0);
    this.audit.recordEvent('pin-failed', { subject, failures: outcome.failures });
    if (outcome.locked) this.audit.recordEvent('pin-locked', { subject, failures: outcome.failures, lockedForMs: outcome.refusal.retryAfterMs });
    return this.refused(outcome.refusal.code, outcome.refusal.retryAfterMs);
  }

  private refused(code: 'PIN_WRONG' | 'PIN_LOCKED', retryAfterMs: number): PinVerifyResult {
    return { ok: false, code, retryAfterMs, message: new KioskError(code, { detail: seconds(retryAfterMs) }).message };
  }

  /**
   * Move PINs from the old <data>/pins.json (salted scrypt hashes, N=16384 r=8 p=1) into the
   * database once, then remove the file. Names already in the database are kept. Returns how
   * many were moved.
   */
  migrateLegacyFile(): number {
    const file = legacyPinsPath(this.ctx.dataDir);
    if (!existsSync(file)) return 0;
    let records: unknown;
    try {
      records = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      records = [];
    }
    const valid = (Array.isArray(records) ? records : []).filter(
      (r): r is { name: string; role: PinRole; salt: string; hash: string } =>
        !!r &&
        typeof r === 'object' &&
        typeof (r as { name?: unknown }).name === 'string' &&
        ((r as { role?: unknown }).role === 'technician' || (r as { role?: unknown }).role === 'admin') &&
        typeof (r as { salt?: unknown }).salt === 'string' &&
        typeof (r as { hash?: unknown }).hash === 'string',
    );
    let moved = 0;
    try {
      this.ctx.db.transaction(() => {
        const stmt = this.ctx.db.prepare(`INSERT INTO pins (name, role, kdf, params, salt, hash, updated_at) VALUES (?, ?, 'scrypt', ?, ?, ?, ?) ON CONFLICT(name) DO NOTHING`);
        for (const r of valid) moved += stmt.run(r.name, r.role, JSON.stringify({ N: 16384, r: 8, p: 1 }), r.salt, r.hash, this.ctx.clock.now()).changes;
      })();
    } catch (e) {
      throw dbError(this.ctx, e);
    }
    if (moved > 0) this.audit.recordEvent('pins-migrated', { count: moved });
    rmSync(file, { force: true });
    rmSync(`${file}.tmp`, { force: true });
    return moved;
  }
}
