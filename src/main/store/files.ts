/**
 * File modes and durable writes for the data folder: the folder is the kiosk user's only (0700),
 * the database and key files are readable by that user only (0600), and small state files are
 * replaced atomically (temporary file, fsync, rename, folder fsync) leaving no temporary file behind.
 */
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { storeFailure } from './errors';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** POSIX modes mean nothing on Windows (access is by ACL there). */
const posix = process.platform !== 'win32';

/** Narrow a file's or folder's mode to `mode` when it allows more than that. */
export function tightenMode(file: string, mode: number): void {
  if (!posix) return;
  if ((statSync(file).mode & 0o777 & ~mode) !== 0) chmodSync(file, mode);
}

/** Create the folder (and parents) if needed and make it private to the kiosk user. */
export function ensurePrivateDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    tightenMode(dir, PRIVATE_DIR_MODE);
  } catch (e) {
    throw storeFailure(e, dir);
  }
}

/** Make an existing file private (0600); a missing one is left alone. */
export function tightenFileIfPresent(file: string): void {
  try {
    if (existsSync(file)) tightenMode(file, PRIVATE_FILE_MODE);
  } catch (e) {
    throw storeFailure(e, file);
  }
}

/** Create an empty private file when it does not exist yet (so SQLite and its -wal/-shm inherit 0600). */
export function createPrivateFileIfMissing(file: string): void {
  try {
    closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  } catch (e) {
    throw storeFailure(e, file);
  }
}

function syncDir(dir: string): void {
  if (!posix) return;
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems cannot fsync a folder; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Replace `file` with `data` atomically and durably: write `<file>.tmp` (mode 0600 by default),
 * fsync it, rename it over `file`, fsync the folder. On any failure the temporary file is removed
 * and a typed storage error naming `file` is thrown (STORE_FULL for ENOSPC ...).
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, mode = PRIVATE_FILE_MODE): void {
  const tmp = `${file}.tmp`;
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w', mode);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    if (posix) chmodSync(tmp, mode);
    renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // Already failing; the first error is the one to report.
      }
    }
    rmSync(tmp, { force: true });
    throw storeFailure(e, file);
  }
  syncDir(path.dirname(file));
}
