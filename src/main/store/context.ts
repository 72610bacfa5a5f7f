import { randomBytes } from 'node:crypto';
import type { RandomSource } from '../../core/clock';
import { KioskError } from '../../core/errors';
import type { Db } from './db';
import { storeFailure } from './errors';
import { databasePath } from './paths';

/** Who does something: recorded with admin actions; only role 'admin' may change catalogue and trust. */
export interface Actor {
  name: string;
  role: 'admin' | 'technician';
}

export interface StoreClock {
  now(): number;
}

export interface StoreContext {
  db: Db;
  dataDir: string;
  clock: StoreClock;
  random: RandomSource;
}

export const systemRandom: RandomSource = { bytes: (n) => new Uint8Array(randomBytes(n)) };

export function requireAdmin(actor: Actor | undefined, what: string): Actor {
  if (!actor || actor.role !== 'admin') {
    throw new KioskError('ADMIN_REQUIRED', { detail: what, measured: actor ? actor.role : 'nobody', required: 'admin' });
  }
  return actor;
}

/** A typed storage error naming `file` (STORE_FULL, STORE_CORRUPT ...); KioskErrors pass through. */
export function storeError(e: unknown, file: string): KioskError {
  return storeFailure(e, file);
}

/** A typed storage error naming the store's database file. */
export function dbError(ctx: Pick<StoreContext, 'dataDir'>, e: unknown): KioskError {
  return storeFailure(e, databasePath(ctx.dataDir));
}

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
    return value === undefined ? 'null' : JSON.stringify(value);
  }
  if (Array.isArray(value)) return '[' + value.map((v) => canonicalJson(v)).join(',') + ']';
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalJson(obj[k])).join(',') + '}';
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
