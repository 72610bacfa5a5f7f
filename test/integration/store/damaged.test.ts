import { chmodSync, closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KioskError } from '../../../src/core/errors';
import { openStore, type KioskStore } from '../../../src/main/store';
import { storeJournalPort } from '../../../src/main/store/fumo-ports';
import { openDatabase, SCHEMA_VERSION } from '../../../src/main/store/db';
import { JobJournal } from '../../../src/main/store/journal';

let dir: string;
let now = 1_760_000_000_000;
const clock = { now: () => now };

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fumo-damaged-'));
  now = 1_760_000_000_000;
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const dbFile = () => path.join(dir, 'kiosk.db');

function caught(fn: () => unknown): KioskError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KioskError);
    return e as KioskError;
  }
  throw new Error('expected a KioskError');
}

/** A store with two unfinished jobs, closed again. */
function seedJobs(): void {
  const s = openStore(dir, { clock });
  s.journal.createJob({ jobId: 'good', devId: 'IMEI:1', state: 'downloading', data: { snapshot: { jobId: 'good', state: 'downloading', history: [], createdAt: now, updatedAt: now } } });
  s.journal.createJob({ jobId: 'bad', devId: 'IMEI:2', portId: 'serial:/dev/ttyUSB1', state: 'downloading', data: { snapshot: { jobId: 'bad', state: 'downloading', history: [], createdAt: now, updatedAt: now } } });
  s.close();
}

function rawUpdate(sql: string, ...args: unknown[]): void {
  const db = new Database(dbFile());
  db.prepare(sql).run(...args);
  db.close();
}

describe('a damaged journal row', () => {
  let store: KioskStore | undefined;
  afterEach(() => store?.close());

  it('with bad JSON is set aside when the store opens: the kiosk starts, the job is listed as needing attention until cleared', () => {
    seedJobs();
    rawUpdate("UPDATE jobs SET data = '{\"snapshot\": {\"jobId\": \"ba' WHERE job_id = 'bad'");
    store = openStore(dir, { clock });
    expect(store.journal.listUnfinished().map((j) => j.jobId)).toEqual(['good']);
    const attention = store.journal.needsAttention();
    expect(attention).toHaveLength(1);
    expect(attention[0]).toMatchObject({ jobId: 'bad', devId: 'IMEI:2', portId: 'serial:/dev/ttyUSB1', state: 'downloading', problem: 'its saved state is not readable JSON' });
    expect(attention[0]!.error.code).toBe('JOURNAL_ROW_CORRUPT');
    expect(attention[0]!.error.message).toMatch(/bad is damaged and was set aside.*start its update again/);
    // The set-aside job reads as finished, and other reads of it no longer throw.
    expect(store.journal.getJob('bad')).toMatchObject({ state: 'needs-attention', data: {} });
    expect(store.journal.list().map((j) => j.jobId).sort()).toEqual(['bad', 'good']);
    expect(store.journal.clearAttention('bad')).toBe(true);
    expect(store.journal.needsAttention()).toEqual([]);
    store.close();
    store = openStore(dir, { clock });
    expect(store.journal.needsAttention()).toEqual([]);
  });

  it('with the wrong shape is set aside by the resume port instead of reaching the job runner', async () => {
    seedJobs();
    rawUpdate("UPDATE jobs SET data = ? WHERE job_id = 'bad'", JSON.stringify({ snapshot: { jobId: 'bad', state: 42 } }));
    rawUpdate("UPDATE jobs SET data = '[1,2]' WHERE job_id = 'good'");
    store = openStore(dir, { clock });
    // 'good' held a JSON array: set aside when the store opened.
    expect(store.journal.needsAttention().map((a) => [a.jobId, a.problem])).toEqual([['good', 'its saved state is not a JSON object']]);
    now += 1000;
    const resumable = await storeJournalPort(store).unfinished();
    expect(resumable).toEqual([]);
    expect(store.journal.needsAttention().map((a) => [a.jobId, a.problem])).toEqual([
      ['good', 'its saved state is not a JSON object'],
      ['bad', 'its job snapshot has no known state'],
    ]);
  });

  it('a transition on a damaged row replaces its data instead of throwing', () => {
    seedJobs();
    const s = openStore(dir, { clock });
    rawUpdate("UPDATE jobs SET data = 'not json' WHERE job_id = 'good'");
    const j = s.journal.recordTransition('good', 'failed', { reason: 'x' });
    expect(j.data).toEqual({ reason: 'x' });
    s.close();
  });
});

describe('a damaged or foreign database file', () => {
  it('that is not a database gives STORE_CORRUPT naming the file, with advice that is not about disk space', () => {
    writeFileSync(dbFile(), 'this is not an SQLite database, just some text that is long enough '.repeat(100));
    const e = caught(() => openStore(dir, { clock }));
    expect(e.code).toBe('STORE_CORRUPT');
    expect(e.message).toContain(dbFile());
    expect(e.message).toMatch(/restore a backup/);
    expect(e.message).not.toMatch(/disk space/);
    // No file content in the message.
    expect(e.message).not.toContain('just some text');
  });

  it('with damaged pages gives STORE_CORRUPT', () => {
    const s = openStore(dir, { clock });
    for (let i = 0; i < 200; i++) s.journal.createJob({ jobId: `j${i}`, devId: 'x'.repeat(200), state: 'done' });
    s.close();
    // Overwrite a page in the middle with garbage (page 1, the header, stays intact).
    const db = new Database(dbFile());
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.close();
    expect(pages).toBeGreaterThan(4);
    const fd = openSync(dbFile(), 'r+');
    writeSync(fd, Buffer.alloc(pageSize, 0x5a), 0, pageSize, pageSize * Math.floor(pages / 2));
    closeSync(fd);
    const e = caught(() => openStore(dir, { clock }));
    expect(e.code).toBe('STORE_CORRUPT');
    expect(e.message).toContain(dbFile());
  });

  it('from a newer kiosk gives STORE_TOO_NEW with both schema versions', () => {
    openStore(dir, { clock }).close();
    const db = new Database(dbFile());
    db.pragma(`user_version = ${SCHEMA_VERSION + 3}`);
    db.close();
    const e = caught(() => openStore(dir, { clock }));
    expect(e.code).toBe('STORE_TOO_NEW');
    expect(e.message).toContain(dbFile());
    expect(e.message).toContain(`schema ${SCHEMA_VERSION + 3}`);
    expect(e.message).toContain(`reads up to ${SCHEMA_VERSION}`);
    expect(e.message).not.toMatch(/disk space/);
  });

  it('that is full gives STORE_FULL from a write, advising to free disk space', () => {
    openStore(dir, { clock }).close();
    const db = openDatabase(dbFile());
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    const journal = new JobJournal({ db, dataDir: dir, clock, random: { bytes: (n) => new Uint8Array(n) } });
    const e = caught(() => {
      for (let i = 0; i < 1000; i++) journal.createJob({ jobId: `j${i}`, devId: 'x'.repeat(500) });
    });
    db.close();
    expect(e.code).toBe('STORE_FULL');
    expect(e.message).toContain(dbFile());
    expect(e.message).toMatch(/Free disk space/);
  });
});

describe('file modes', () => {
  it.skipIf(process.platform === 'win32')('creates the data folder 0700 and the database 0600, and tightens looser ones on open', () => {
    const data = path.join(dir, 'data');
    const s = openStore(data, { clock });
    s.journal.createJob({ jobId: 'j', devId: 'd' });
    const mode = (f: string) => statSync(f).mode & 0o777;
    expect(mode(data)).toBe(0o700);
    expect(mode(path.join(data, 'kiosk.db'))).toBe(0o600);
    expect(mode(path.join(data, 'kiosk.db-wal'))).toBe(0o600);
    s.close();
    chmodSync(data, 0o755);
    chmodSync(path.join(data, 'kiosk.db'), 0o644);
    openStore(data, { clock }).close();
    expect(mode(data)).toBe(0o700);
    expect(mode(path.join(data, 'kiosk.db'))).toBe(0o600);
  });
});
