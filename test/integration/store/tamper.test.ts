import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../src/main/cli/index';
import { openStore, type AttemptStart, type KioskStore } from '../../../src/main/store';

let dir: string;
let store: KioskStore;
let now = 1_760_000_000_000;
const clock = { now: () => now };

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fumo-tamper-'));
  now = 1_760_000_000_000;
  store = openStore(dir, { clock });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const start = (id: string, over: Partial<AttemptStart> = {}): AttemptStart => ({
  id,
  jobId: `job-${id}`,
  portId: 'serial:/dev/ttyUSB0',
  devId: 'IMEI:493005100592800',
  manufacturer: 'Demo Manufacturer',
  model: 'FK-Demo Phone',
  fromVersion: '1.0.0',
  targetVersion: '1.1.0',
  bundleId: 'b1',
  bundleSha256: 'ab'.repeat(32),
  technician: 'tom',
  linkKind: 'serial',
  consent: { mode: 'customer', customer: 'approved', customerAt: now, device: 'approved', deviceAt: now, schedule: 'now', language: 'en', textVersion: '3', privacyVersion: null, warrantyVersion: null },
  ...over,
});

/** a1 succeeded, a2 failed, a3 succeeded (the newest). */
function seed(s: KioskStore = store): void {
  for (const [id, result] of [['a1', 'success'], ['a2', 'failed'], ['a3', 'success']] as const) {
    now += 1000;
    s.audit.begin(start(id));
    now += 1000;
    s.audit.update(id, { bytesSent: 1000 });
    s.audit.complete(id, { result, outcomeCode: result === 'success' ? 'OK' : 'INSTALL_FAILED', outcomeText: result });
  }
}

function sql(statements: string[], file = path.join(dir, 'kiosk.db')): void {
  const db = new Database(file);
  for (const st of statements) db.prepare(st).run();
  db.close();
}

function problems(s: KioskStore = store): string {
  const v = s.audit.verify();
  expect(v.ok).toBe(false);
  return v.problems.join('\n');
}

async function cliVerify(data: string): Promise<{ code: number; out: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  stdin.end();
  let out = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await main(['history', 'verify', '--data', data], { stdout, stderr, stdin });
  return { code, out };
}

describe('the signed history head', () => {
  it('is written beside the database with each append, signed by a private per-kiosk key, and exposed for receipts', () => {
    seed();
    const head = store.audit.head();
    const last = store.audit.chain().at(-1)!;
    expect(head).toMatchObject({ seq: last.seq, hash: last.hash, recordId: 'a3', kind: 'complete' });
    expect(head!.signature).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(head!.keyFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(store.audit.entryHash('a3')).toBe(last.hash);
    expect(JSON.parse(readFileSync(path.join(dir, 'history-head.json'), 'utf8'))).toMatchObject({ seq: last.seq, hash: last.hash });
    if (process.platform !== 'win32') {
      expect(statSync(path.join(dir, 'history-signing.key')).mode & 0o777).toBe(0o600);
      expect(statSync(path.join(dir, 'history-head.json')).mode & 0o777).toBe(0o600);
    }
    expect(existsSync(path.join(dir, 'history-head.json.tmp'))).toBe(false);
    expect(store.audit.verify()).toMatchObject({ ok: true, anchor: { seq: last.seq, hash: last.hash }, problems: [] });
  });

  it('detects a truncated tail: the newest record removed with its chain entries and the in-database head rewound', async () => {
    seed();
    const a2Last = store.audit.chain().filter((e) => e.recordId === 'a2').at(-1)!;
    sql([
      "DELETE FROM audit_records WHERE id = 'a3'",
      "DELETE FROM audit_chain WHERE record_id = 'a3'",
      `UPDATE audit_head SET seq = ${a2Last.seq}, hash = '${a2Last.hash}'`,
    ]);
    expect(problems()).toBe(`the newest history was removed: record a3 and entries 7..9 are gone from the end of the chain (it ends at entry 6, the signed head says 9)`);
    store.close();
    const r = await cliVerify(dir);
    expect(r.code).toBe(1);
    expect(r.out).toContain('FAILED');
    expect(r.out).toContain('record a3 and entries 7..9 are gone');
    store = openStore(dir, { clock });
  });

  it('detects an emptied (zero-byte) database, and later appends do not overwrite that evidence', async () => {
    seed();
    store.close();
    truncateSync(path.join(dir, 'kiosk.db'), 0);
    for (const f of ['kiosk.db-wal', 'kiosk.db-shm']) rmSync(path.join(dir, f), { force: true });
    store = openStore(dir, { clock });
    expect(problems()).toContain('the database holds no history, but the signed head says 9 entries were written: the database was emptied or replaced');
    const r = await cliVerify(dir);
    expect(r.code).toBe(1);
    expect(r.out).toContain('emptied or replaced');
    // The kiosk keeps working, and the head file keeps naming entry 9 of the old chain.
    for (let i = 0; i < 4; i++) store.audit.begin(start(`n${i}`));
    store.audit.recordEvent('pin-failed', { subject: 'login' });
    for (let i = 4; i < 12; i++) store.audit.begin(start(`n${i}`));
    expect(store.audit.chain().length).toBeGreaterThan(9);
    expect(problems()).toContain('chain entry 9 is not the one the signed head names: the history was rewritten');
  });

  it('detects a committed transaction lost to a damaged write-ahead log', () => {
    seed();
    // Copy the database while its last transactions are still in the WAL (no checkpoint yet).
    const copy = mkdtempSync(path.join(os.tmpdir(), 'fumo-wal-'));
    const walSize = statSync(path.join(dir, 'kiosk.db-wal')).size;
    expect(walSize).toBeGreaterThan(0);
    for (const f of ['kiosk.db', 'kiosk.db-wal', 'history-head.json', 'history-signing.key', 'history-signing.pub']) copyFileSync(path.join(dir, f), path.join(copy, f));
    // Flip one byte in the last WAL frame: its checksum fails, so SQLite drops the transaction it commits.
    const wal = readFileSync(path.join(copy, 'kiosk.db-wal'));
    wal[wal.length - 10] = wal[wal.length - 10]! ^ 0xff;
    writeFileSync(path.join(copy, 'kiosk.db-wal'), wal);
    const damaged = openStore(copy, { clock });
    try {
      expect(damaged.audit.get('a3')?.status).toBe('open');
      expect(problems(damaged)).toBe(
        'a committed change was lost: the history ends at entry 8 but the signed head says 9 (entry 9 missing; the last was the complete of record a3, which the database holds in an earlier state), as when the write-ahead log or the database file is damaged',
      );
    } finally {
      damaged.close();
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it.each([
    ['result', "UPDATE audit_records SET result = 'success' WHERE id = 'a2'", 'record a2: its result column was edited (it says "success", the chain says "failed")'],
    ['model', "UPDATE audit_records SET model = 'Other' WHERE id = 'a2'", 'record a2: its model column was edited (it says "Other", the chain says "FK-Demo Phone")'],
    ['device id', "UPDATE audit_records SET dev_id = 'IMEI:000000000000000' WHERE id = 'a1'", 'record a1: its device id column was edited (it says "IMEI:000000000000000", the chain says "IMEI:493005100592800")'],
    ['start time', "UPDATE audit_records SET started_at = started_at + 86400000 WHERE id = 'a3'", 'record a3: its start time column was edited'],
  ])('detects an edited %s column', async (_name, statement, expected) => {
    seed();
    sql([statement]);
    expect(problems()).toContain(expected);
    const r = await cliVerify(dir);
    expect(r.code).toBe(1);
    expect(r.out).toContain(expected);
  });

  it('detects a column added to the records table, an edited or deleted head file, and an entry appended without the kiosk key', () => {
    seed();
    sql(['ALTER TABLE audit_records ADD COLUMN note TEXT']);
    expect(problems()).toContain('record a1 has a column note that the chain does not cover');
    sql(['ALTER TABLE audit_records DROP COLUMN note']);
    expect(store.audit.verify().ok).toBe(true);

    const headPath = path.join(dir, 'history-head.json');
    const original = readFileSync(headPath, 'utf8');
    const edited = JSON.parse(original) as { seq: number };
    edited.seq = 6;
    writeFileSync(headPath, JSON.stringify(edited));
    expect(problems()).toContain("does not carry this kiosk's signature (it was edited or replaced)");
    rmSync(headPath);
    expect(problems()).toContain('history-head.json is missing');
    // A later append does not re-create a deleted head file from whatever the database holds.
    store.audit.begin(start('a4'));
    expect(existsSync(headPath)).toBe(false);
    writeFileSync(headPath, original);

    // A forged entry at the end (valid chain hash, no signature).
    const last = store.audit.chain().at(-1)!;
    const forged = { ...(last.record as object), id: 'a9' };
    const seq = last.seq + 1;
    const body = JSON.stringify(forged, Object.keys(forged).sort());
    sql([`INSERT INTO audit_chain (seq, record_id, kind, at, body, prev_hash, hash, sig) VALUES (${seq}, 'a9', 'begin', 1, '${body.replace(/'/g, "''")}', '${last.hash}', '${'0'.repeat(64)}', NULL)`]);
    expect(problems()).toContain(`entry ${seq} is not signed by this kiosk`);
  });

  it('is not alarmed when the database is ahead of the head file, as after a crash between the commit and the head write', () => {
    seed();
    const headPath = path.join(dir, 'history-head.json');
    const older = readFileSync(headPath, 'utf8');
    store.audit.begin(start('a4'));
    // Put back the head as it was before that append: the entry after it is signed, so this is no tampering.
    writeFileSync(headPath, older);
    expect(store.audit.verify()).toMatchObject({ ok: true, problems: [] });
    // The next append moves the head on.
    store.audit.update('a4', { bytesSent: 5 });
    expect(store.audit.head()?.seq).toBe(store.audit.chain().at(-1)!.seq);
  });

  it('records security events in the chain, covered like records', () => {
    seed();
    const e = store.audit.recordEvent('pin-failed', { subject: 'login', failures: 1 }, null);
    expect(store.audit.events()).toEqual([e]);
    expect(store.audit.verify()).toMatchObject({ ok: true, events: 1 });
    sql([`UPDATE audit_events SET type = 'pin-set' WHERE id = '${e.id}'`]);
    expect(problems()).toContain(`event ${e.id}: its type column was edited`);
  });

  it('anchors a history written before the head file existed once, and an administrator can re-anchor after a reported problem', () => {
    seed();
    store.close();
    for (const f of ['history-head.json', 'history-signing.key', 'history-signing.pub']) rmSync(path.join(dir, f));
    sql(['UPDATE audit_chain SET sig = NULL']);
    store = openStore(dir, { clock });
    expect(store.audit.verify()).toMatchObject({ ok: true, anchor: { seq: 9 } });

    sql(["DELETE FROM audit_records WHERE id = 'a3'", "DELETE FROM audit_chain WHERE record_id = 'a3'", 'UPDATE audit_head SET seq = 6, hash = (SELECT hash FROM audit_chain WHERE seq = 6)']);
    expect(store.audit.verify().ok).toBe(false);
    expect(() => store.audit.reanchor({ name: 'tom', role: 'technician' }, 'x')).toThrow(/administrator/);
    const r = store.audit.reanchor({ name: 'anna', role: 'admin' }, 'tail lost in a disk failure, ticket 12');
    expect(r.archivedAs).toMatch(/history-head\.replaced-\d+\.json$/);
    expect(existsSync(r.archivedAs!)).toBe(true);
    expect(store.audit.verify()).toMatchObject({ ok: true });
    expect(store.audit.events({ type: 'history-reanchored' })[0]).toMatchObject({ actor: 'anna', data: { previousSeq: 9, reason: 'tail lost in a disk failure, ticket 12' } });
  });
});
