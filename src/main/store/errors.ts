/**
 * Storage failures as typed KioskErrors: each names the file and gives advice that fits its cause
 * (a full disk is not a corrupt database, nor one from a newer version).
 */
import { KioskError } from '../../core/errors';
import type { ErrorCode } from '../../shared/errors';

/** The codes a storage failure is reported with. */
export type StoreErrorCode = Extract<ErrorCode, 'STORE_ERROR' | 'STORE_CORRUPT' | 'STORE_TOO_NEW' | 'STORE_FULL' | 'STORE_READ_ONLY' | 'STORE_LOCKED' | 'STORE_ACCESS_DENIED' | 'STORE_IO' | 'STORE_SECRETS_OTHER_BOX'>;

export const STORE_ERROR_CODES: ReadonlySet<string> = new Set<StoreErrorCode>([
  'STORE_ERROR',
  'STORE_CORRUPT',
  'STORE_TOO_NEW',
  'STORE_FULL',
  'STORE_READ_ONLY',
  'STORE_LOCKED',
  'STORE_ACCESS_DENIED',
  'STORE_IO',
  'STORE_SECRETS_OTHER_BOX',
]);

/** SQLite result codes (better-sqlite3's SqliteError.code, extended codes included) by their primary name. */
const SQLITE_CODES: [RegExp, StoreErrorCode][] = [
  [/^SQLITE_(CORRUPT|NOTADB)/, 'STORE_CORRUPT'],
  [/^SQLITE_FULL/, 'STORE_FULL'],
  [/^SQLITE_READONLY/, 'STORE_READ_ONLY'],
  [/^SQLITE_(BUSY|LOCKED)/, 'STORE_LOCKED'],
  [/^SQLITE_(PERM|AUTH|CANTOPEN)/, 'STORE_ACCESS_DENIED'],
  [/^SQLITE_IOERR/, 'STORE_IO'],
];

/** Node's errno codes from file operations. */
const ERRNO_CODES: Record<string, StoreErrorCode> = {
  ENOSPC: 'STORE_FULL',
  EDQUOT: 'STORE_FULL',
  EFBIG: 'STORE_FULL',
  EROFS: 'STORE_READ_ONLY',
  EACCES: 'STORE_ACCESS_DENIED',
  EPERM: 'STORE_ACCESS_DENIED',
  EIO: 'STORE_IO',
  EBUSY: 'STORE_LOCKED',
};

/** Short cause text for people; never the file's contents. */
const CAUSES: Record<StoreErrorCode, string> = {
  STORE_ERROR: 'storage error',
  STORE_CORRUPT: 'not a readable kiosk database',
  STORE_TOO_NEW: 'newer schema',
  STORE_FULL: 'no space left on the disk',
  STORE_READ_ONLY: 'read-only',
  STORE_LOCKED: 'locked',
  STORE_ACCESS_DENIED: 'permission denied',
  STORE_IO: 'input/output error',
  STORE_SECRETS_OTHER_BOX: 'sealed by another kind of secret box',
};

function codeOf(e: unknown): string | undefined {
  if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') return (e as { code: string }).code;
  return undefined;
}

/** Which storage code an error from SQLite or the file system maps to, or undefined when it is neither. */
export function storeErrorCodeOf(e: unknown): StoreErrorCode | undefined {
  const code = codeOf(e);
  if (code === undefined) return undefined;
  for (const [re, c] of SQLITE_CODES) if (re.test(code)) return c;
  if (code.startsWith('SQLITE_')) return 'STORE_ERROR';
  return ERRNO_CODES[code];
}

/**
 * A KioskError for a storage failure on `file`. KioskErrors pass through unchanged; SQLite and
 * errno failures get their typed code; anything else becomes STORE_ERROR.
 */
export function storeFailure(e: unknown, file: string): KioskError {
  if (e instanceof KioskError) return e;
  const code = storeErrorCodeOf(e) ?? 'STORE_ERROR';
  const raw = codeOf(e);
  const detail = raw && code !== 'STORE_ERROR' ? `${CAUSES[code]}, ${raw}` : e instanceof Error ? e.message : String(e);
  return new KioskError(code, { file, detail }, { cause: e });
}

export function isStoreError(e: unknown): e is KioskError {
  return e instanceof KioskError && STORE_ERROR_CODES.has(e.code);
}
