import { receiptHtml } from '../../../src/main/receipts';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type AttemptStart, type KioskStore } from '../../../src/main/store';
import { defaultDataDir } from '../../../src/main/store/paths';

let dir: string;
let store: KioskStore;
let now = 1_760_000_000_000;
const clock = { now: () => now };

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fumo-store-'));
  now = 1_760_000_000_000;
  store = openStore(dir, { clock });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function raw(): Database.Database {
  return new Database(path.join(dir, 'kiosk.db'));
}

const start = (over: Partial<AttemptStart> = {}): AttemptStart => ({
  jobId: 'job-1',
  portId: 'serial:/dev/ttyUSB0',
  devId: 'IMEI:493005100592800',
  manufacturer: 'Demo Manufacturer',
  model: 'FK-Demo Phone',
  fromVersion: '1.0.0',
  targetVersion: '1.1.0',
  bundleId: 'fk-demo-phone-1.0.0-to-1.1.0',
  bundleSha256: 'ab'.repeat(32),
  technician: 'tom',
  linkKind: 'serial',
  consent: {
    mode: 'customer',
    customer: 'approved',
    customerAt: now - 2000,
    device: 'approved',
    deviceAt: now - 1000,
    schedule: 'now',
    language: 'de',
    textVersion: '3',
    privacyVersion: 'p3',
    warrantyVersion: 'w3',
  },
  ...over,
});

/** Three attempts: one success, one failure, one still open. */
function seed(): string[] {
  const a = store.audit.begin(start({ id: 'a1' }));
  now += 1000;
  store.audit.update(a.id, { phases: { downloading: 900 }, bytesSent: 300_000 });
  store.audit.complete(a.id, { result: 'success', outcomeCode: 'OK', outcomeText: 'Updated to 1.1.0.', fumoResultCode: 200, finalVersion: '1.1.0' });
  now += 1000;
  const b = store.audit.begin(start({ id: 'a2', jobId: 'job-2', devId: 'IMEI:356938035643809', model: 'Other, "quoted" model' }));
  store.audit.complete(b.id, {
    result: 'failed',
    outcomeCode: 'INSTALL_FAILED',
    outcomeText: 'The phone could not install the update (result 410).',
    fumoResultCode: 410,
    error: { code: 'INSTALL_FAILED', message: 'x' },
  });
  now += 1000;
  store.audit.begin(start({ id: 'a3', jobId: 'job-3' }));
  return ['a1', 'a2', 'a3'];
}

describe('audit history', () => {
  it('records begin, update and complete with every field, and refuses changing a completed record', () => {
    seed();
    const r = store.audit.get('a1')!;
    expect(r.status).toBe('complete');
    expect(r.consent.customerAt).toBe(1_760_000_000_000 - 2000);
    expect(r.consent.textVersion).toBe('3');
    expect(r.phases).toEqual({ downloading: 900 });
    expect(r.bytesSent).toBe(300_000);
    expect(r.fumoResultCode).toBe(200);
    expect(r.startedAt).toBe(1_760_000_000_000);
    expect(r.finishedAt).toBe(1_760_000_001_000);
    expect(() => store.audit.update('a1', { bytesSent: 1 })).toThrow(/already complete/);
    expect(() => store.audit.complete('nope', { result: 'failed', outcomeCode: 'X', outcomeText: 'x' })).toThrow(/No record/);
    expect(store.audit.list().map((x) => x.id)).toEqual(['a3', 'a2', 'a1']);
    expect(store.audit.list({ result: 'failed' }).map((x) => x.id)).toEqual(['a2']);
    expect(store.audit.list({ status: 'open' }).map((x) => x.id)).toEqual(['a3']);
    expect(store.audit.list({ search: '3564' }).map((x) => x.id)).toEqual(['a2']);
    expect(store.audit.count({ model: 'fk-demo phone' })).toBe(2);
  });

  it('chains entries with SHA-256 over the previous hash and the canonical record', () => {
    seed();
    const chain = store.audit.chain();
    expect(chain.length).toBe(6); // a1: begin, update, complete; a2: begin, complete; a3: begin
    const db = raw();
    const rows = db.prepare('SELECT * FROM audit_chain ORDER BY seq').all() as { seq: number; record_id: string; kind: string; at: number; body: string; prev_hash: string; hash: string }[];
    db.close();
    let prev = '0'.repeat(64);
    for (const r of rows) {
      // Independent recomputation: sorted-key JSON of {at, kind, record, recordId, seq}.
      const text = `{"at":${r.at},"kind":${JSON.stringify(r.kind)},"record":${r.body},"recordId":${JSON.stringify(r.record_id)},"seq":${r.seq}}`;
      expect(r.prev_hash).toBe(prev);
      expect(r.hash).toBe(createHash('sha256').update(prev + text).digest('hex'));
      prev = r.hash;
    }
    const v = store.audit.verify();
    expect(v).toEqual({ ok: true, entries: 6, records: 3, headHash: prev, events: 0, anchor: { seq: 6, hash: prev }, problems: [] });
  });

  it('verify detects an edited record', () => {
    seed();
    const db = raw();
    const body = (db.prepare("SELECT body FROM audit_records WHERE id = 'a2'").get() as { body: string }).body;
    db.prepare("UPDATE audit_records SET body = ? WHERE id = 'a2'").run(body.replace('"failed"', '"success"'));
    db.close();
    const v = store.audit.verify();
    expect(v.ok).toBe(false);
    expect(v.problems).toContain('record a2 differs from its last chain entry (it was edited)');
    expect(() => store.audit.assertIntact()).toThrow(/integrity check/);
  });

  it('verify detects an edited chain entry even when the record is edited to match', () => {
    seed();
    const db = raw();
    const r = db.prepare("SELECT seq, body FROM audit_chain WHERE record_id = 'a2' AND kind = 'complete'").get() as { seq: number; body: string };
    const forged = r.body.replace('"failed"', '"success"');
    db.prepare('UPDATE audit_chain SET body = ? WHERE seq = ?').run(forged, r.seq);
    db.prepare("UPDATE audit_records SET body = ? WHERE id = 'a2'").run(forged);
    db.close();
    const v = store.audit.verify();
    expect(v.ok).toBe(false);
    expect(v.problems).toContain(`chain entry ${r.seq} (record a2) was changed after it was written`);
  });

  it('verify detects a deleted record', () => {
    seed();
    const db = raw();
    db.prepare("DELETE FROM audit_records WHERE id = 'a1'").run();
    db.close();
    const v = store.audit.verify();
    expect(v.ok).toBe(false);
    expect(v.problems).toContain('record a1 is in the chain but was deleted');
  });

  it('verify detects a record deleted together with its chain entries, in the middle and at the end', () => {
    seed();
    let db = raw();
    db.prepare("DELETE FROM audit_records WHERE id = 'a2'").run();
    db.prepare("DELETE FROM audit_chain WHERE record_id = 'a2'").run();
    db.close();
    let v = store.audit.verify();
    expect(v.ok).toBe(false);
    expect(v.problems.join('\n')).toMatch(/chain entry 4\.\.5 is missing/);
    expect(v.problems.join('\n')).toMatch(/does not follow the entry before it/);

    // Fresh history; remove the newest record and its entry (the tail): the head catches it.
    store.close();
    rmSync(dir, { recursive: true, force: true });
    store = openStore(dir, { clock });
    seed();
    db = raw();
    db.prepare("DELETE FROM audit_records WHERE id = 'a3'").run();
    db.prepare("DELETE FROM audit_chain WHERE record_id = 'a3'").run();
    db.close();
    v = store.audit.verify();
    expect(v.ok).toBe(false);
    expect(v.problems.join('\n')).toMatch(/head says entry 6 is the last, the chain ends at 5/);
  });

  it('exports CSV with a header, escaping and formula neutralising, and JSON with the chain head', () => {
    seed();
    store.audit.begin(start({ id: 'a4', technician: '=HYPERLINK("x")' }));
    const csv = store.audit.exportCsv();
    const lines = csv.trimEnd().split('\r\n');
    expect(lines.length).toBe(5);
    expect(lines[0]!.split(',')).toContain('outcomeText');
    expect(lines[0]!.split(',')).toContain('customerConsentAt');
    const a2 = lines.find((l) => l.startsWith('a2,'))!;
    expect(a2).toContain('"Other, ""quoted"" model"');
    expect(a2).toContain('IMEI:356938035643809');
    expect(lines.find((l) => l.startsWith('a4,'))).toContain(`"'=HYPERLINK(""x"")"`);
    expect(lines.find((l) => l.startsWith('a1,'))).toContain(new Date(1_760_000_000_000).toISOString());

    const json = JSON.parse(store.audit.exportJson()) as { format: string; chain: { entries: number; headHash: string; intact: boolean }; records: { id: string }[] };
    expect(json.format).toBe('fumo-kiosk-history');
    expect(json.chain.intact).toBe(true);
    expect(json.chain.entries).toBe(7);
    expect(json.chain.headHash).toBe(store.audit.verify().headHash);
    expect(json.records.map((r) => r.id)).toEqual(['a4', 'a3', 'a2', 'a1']);
  });

  it('keeps the slot and port of each attempt, in the record, the CSV and the JSON export', () => {
    store.audit.begin(start({ id: 's1', slot: 'Slot 3', portLabel: '/dev/ttyUSB0' }));
    store.audit.begin(start({ id: 's2', jobId: 'job-2', portId: 'usb:1-3.4', portLabel: '1-3.4' }));
    expect(store.audit.get('s1')).toMatchObject({ portId: 'serial:/dev/ttyUSB0', slot: 'Slot 3', portLabel: '/dev/ttyUSB0' });
    expect(store.audit.get('s2')).toMatchObject({ portId: 'usb:1-3.4', slot: null, portLabel: '1-3.4' });
    const [head, ...rows] = store.audit.exportCsv().trimEnd().split('\r\n');
    const cols = head!.split(',');
    // New columns come last: the ones before keep their places.
    expect(cols.slice(-3)).toEqual(['portId', 'port', 'slot']);
    const cell = (id: string, name: string) => rows.find((r) => r.startsWith(`${id},`))!.split(',')[cols.indexOf(name)];
    expect([cell('s1', 'portId'), cell('s1', 'port'), cell('s1', 'slot')]).toEqual(['serial:/dev/ttyUSB0', '/dev/ttyUSB0', 'Slot 3']);
    expect([cell('s2', 'portId'), cell('s2', 'port'), cell('s2', 'slot')]).toEqual(['usb:1-3.4', '1-3.4', '']);
    const json = JSON.parse(store.audit.exportJson()) as { records: { id: string; slot: string | null; portLabel: string | null }[] };
    expect(json.records.find((r) => r.id === 's1')).toMatchObject({ slot: 'Slot 3', portLabel: '/dev/ttyUSB0' });
    expect(store.audit.verify().ok).toBe(true);
  });

  it('prints a receipt with the IMEI masked but for its last 4 digits, no script, inline CSS', () => {
    seed();
    const html = receiptHtml(store, 'a1', { language: 'en' });
    expect(html).not.toContain('493005100592800');
    expect(html).not.toContain('49300510059');
    expect(html).toContain('2800');
    expect(html).toMatch(/IMEI:[•]{11}2800/);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).not.toMatch(/\son\w+=/i);
    expect(html).toContain('<style>');
    expect(html).toContain('Updated to 1.1.0.');
    const de = receiptHtml(store, 'a1', { language: 'de' });
    expect(de).toContain('lang="de"');
    expect(de).toContain('Erfolgreich aktualisiert');
    // values are escaped
    store.audit.begin(start({ id: 'a5', model: '<img src=x>' }));
    expect(receiptHtml(store, 'a5')).toContain('&lt;img src=x&gt;');
    expect(() => receiptHtml(store, 'zzz')).toThrow(/No record/);
  });
});

describe('job journal', () => {
  it('appends transitions, keeps the checkpoint and lists unfinished jobs across reopen', () => {
    store.journal.createJob({ jobId: 'j1', devId: 'IMEI:1', bundleId: 'b1', portId: 'p1', data: { target: '1.1.0' } });
    store.journal.createJob({ jobId: 'j2', devId: 'IMEI:2', bundleId: 'b1' });
    now += 10;
    store.journal.recordTransition('j1', 'downloading', { fumoUri: './FUMO/1' });
    store.journal.checkpoint('j1', { ackedBytes: 65536 });
    store.journal.recordTransition('j2', 'failed', { code: 'CABLE_UNPLUGGED' });
    expect(() => store.journal.createJob({ jobId: 'j1', devId: 'x' })).toThrow(/already exists/);
    expect(() => store.journal.recordTransition('nope', 'x')).toThrow(/No record/);
    store.close();
    store = openStore(dir, { clock });
    const open = store.journal.listUnfinished();
    expect(open.map((j) => j.jobId)).toEqual(['j1']);
    expect(open[0]).toMatchObject({ state: 'downloading', ackedBytes: 65536, data: { target: '1.1.0', fumoUri: './FUMO/1' }, bundleId: 'b1', portId: 'p1' });
    expect(store.journal.transitions('j1').map((t) => t.state)).toEqual(['queued', 'downloading']);
    expect(store.journal.getJob('j2')?.finishedAt).toBe(1_760_000_000_010);
  });
});

describe('settings', () => {
  it('has defaults, stores typed values and refuses invalid ones', () => {
    const s = store.settings.getAll();
    expect(s.batteryThresholdPercent).toBe(30);
    expect(s.languages).toEqual(['en', 'de', 'es']);
    expect(s.concurrency).toBe(8);
    store.settings.set('concurrency', 6);
    store.settings.patch({ idleTimeoutSeconds: 90 });
    expect(() => store.settings.set('concurrency', 0)).toThrow(/setting concurrency/);
    expect(() => store.settings.patch({ nope: 1 } as never)).toThrow(/INVALID|not valid/);
    store.close();
    store = openStore(dir, { clock });
    expect(store.settings.get('concurrency')).toBe(6);
    expect(store.settings.get('idleTimeoutSeconds')).toBe(90);
    expect(store.settings.reset('concurrency').concurrency).toBe(s.concurrency);
  });
});

describe('accounts', () => {
  it('implements the auth account store and bootstraps missing accounts with random secrets', async () => {
    const a = store.accounts.ensure({ deviceId: 'IMEI:1', serverId: 'fumo-kiosk' });
    expect(a.clientSecret.length).toBeGreaterThanOrEqual(32);
    expect(a.serverSecret).not.toBe(a.clientSecret);
    expect(store.accounts.ensure({ deviceId: 'IMEI:1', serverId: 'fumo-kiosk' })).toEqual(a);
    await store.accounts.put({ ...a, clientNonce: 'bmV3' });
    expect((await store.accounts.get('IMEI:1', 'fumo-kiosk'))?.clientNonce).toBe('bmV3');
    expect(await store.accounts.get('IMEI:1', 'other')).toBeUndefined();
    expect(store.accounts.list('IMEI:1').length).toBe(1);
  });
});

describe('durability', () => {
  it('keeps every completed write after the writing process is killed with SIGKILL', async () => {
    const data = path.join(dir, 'killed');
    const fixture = path.resolve(__dirname, 'fixtures/write-then-hang.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, data], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('written')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
    });
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect(child.signalCode).toBe('SIGKILL');

    const s = openStore(data);
    try {
      const r = s.audit.get('attempt-1');
      expect(r?.status).toBe('complete');
      expect(r?.outcomeText).toBe('Updated to 1.1.0.');
      expect(s.audit.verify().ok).toBe(true);
      expect(s.journal.getJob('job-1')).toMatchObject({ state: 'downloading', ackedBytes: 123456 });
      expect(s.journal.listUnfinished().map((j) => j.jobId)).toEqual(['job-1']);
      expect(s.settings.get('concurrency')).toBe(6);
      expect((await s.accounts.get('IMEI:1', 'fumo-kiosk'))?.serverNonce).toBe('BBBB');
    } finally {
      s.close();
    }
  });
});

describe('defaultDataDir', () => {
  it('follows each platform convention', () => {
    expect(defaultDataDir({ XDG_DATA_HOME: '/x/data' }, 'linux', '/home/u')).toBe('/x/data/fumo-kiosk');
    expect(defaultDataDir({ XDG_DATA_HOME: 'relative' }, 'linux', '/home/u')).toBe('/home/u/.local/share/fumo-kiosk');
    expect(defaultDataDir({}, 'linux', '/home/u')).toBe('/home/u/.local/share/fumo-kiosk');
    expect(defaultDataDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Application Support/fumo-kiosk');
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32', 'C:\\Users\\u')).toBe('C:\\Users\\u\\AppData\\Roaming\\fumo-kiosk');
  });
});

describe('interrupted imports', () => {
  it('removes temporary files older than an hour when the store opens, keeping recent ones', () => {
    const old = path.join(dir, 'bundles', '.import-00aa.tmp');
    const fresh = path.join(dir, 'bundles', '.import-00bb.tmp');
    writeFileSync(old, 'x');
    writeFileSync(fresh, 'x');
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(old, twoHoursAgo, twoHoursAgo);
    store.close();
    store = openStore(dir, { clock });
    expect(existsSync(old)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
  });
});

describe('schema', () => {
  it('uses WAL', () => {
    const db = raw();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    expect(readFileSync(path.join(dir, 'kiosk.db')).subarray(0, 15).toString()).toBe('SQLite format 3');
  });
});
