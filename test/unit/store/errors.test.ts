import { existsSync, lstatSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KioskError } from '../../../src/core/errors';
import { storeFailure } from '../../../src/main/store/errors';
import { writeFileAtomic } from '../../../src/main/store/files';

const errno = (code: string) => Object.assign(new Error(`${code}: something, write`), { code });

describe('storeFailure', () => {
  it('maps SQLite and errno codes to typed codes with advice that fits the cause', () => {
    const cases: [string, string, RegExp][] = [
      ['SQLITE_CORRUPT', 'STORE_CORRUPT', /damaged/],
      ['SQLITE_NOTADB', 'STORE_CORRUPT', /damaged/],
      ['SQLITE_FULL', 'STORE_FULL', /Free disk space/],
      ['ENOSPC', 'STORE_FULL', /Free disk space/],
      ['EDQUOT', 'STORE_FULL', /Free disk space/],
      ['SQLITE_READONLY_DBMOVED', 'STORE_READ_ONLY', /read-only/],
      ['EROFS', 'STORE_READ_ONLY', /read-only/],
      ['SQLITE_BUSY', 'STORE_LOCKED', /in use by another program/],
      ['SQLITE_CANTOPEN', 'STORE_ACCESS_DENIED', /not allowed to open/],
      ['EACCES', 'STORE_ACCESS_DENIED', /not allowed to open/],
      ['SQLITE_IOERR_WRITE', 'STORE_IO', /disk failed/],
      ['EIO', 'STORE_IO', /disk failed/],
    ];
    for (const [raw, code, advice] of cases) {
      const e = storeFailure(errno(raw), '/data/kiosk.db');
      expect([raw, e.code]).toEqual([raw, code]);
      expect(e.message).toContain('/data/kiosk.db');
      expect(e.message).toMatch(advice);
      if (code !== 'STORE_FULL') expect(e.message).not.toMatch(/disk space/);
    }
  });

  it('keeps KioskErrors and gives STORE_ERROR without disk-space advice for anything else', () => {
    const k = new KioskError('RECORD_NOT_FOUND', { detail: 'x' });
    expect(storeFailure(k, 'f')).toBe(k);
    const e = storeFailure(new Error('odd'), '/data/kiosk.db');
    expect(e.code).toBe('STORE_ERROR');
    expect(e.message).not.toMatch(/disk space/);
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file and leaves no temporary file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atomic-'));
    const f = path.join(dir, 'state.json');
    writeFileAtomic(f, 'one');
    writeFileAtomic(f, 'two');
    expect(readdirSync(dir)).toEqual(['state.json']);
    rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!existsSync('/dev/full'))('on a full disk throws STORE_FULL naming the file and removes its temporary file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atomic-'));
    const f = path.join(dir, 'state.json');
    // Writes through <file>.tmp reach /dev/full, which answers every write with ENOSPC.
    symlinkSync('/dev/full', `${f}.tmp`);
    let err: unknown;
    try {
      writeFileAtomic(f, 'x'.repeat(10_000));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KioskError);
    expect((err as KioskError).code).toBe('STORE_FULL');
    expect((err as KioskError).message).toContain(f);
    expect(() => lstatSync(`${f}.tmp`)).toThrow();
    expect(readdirSync(dir)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });
});
