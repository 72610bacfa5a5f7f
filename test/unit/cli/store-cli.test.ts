import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeBundleHeader } from '../../../src/core/catalog/bundle';
import { runCli, type CliRun } from '../../support/cli';
import { openStore } from '../../../src/main/store';

let dir: string;
let data: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fumo-store-cli-'));
  data = path.join(dir, 'data');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]): Promise<CliRun> {
  return runCli([...args, '--data', data]);
}

describe('catalog import messages and exit codes', () => {
  it('never shows the bytes of a file that is not a bundle, and refuses it with exit 2', async () => {
    const shadow = path.join(dir, 'shadow');
    writeFileSync(shadow, 'root:*:20000:0:99999:7:::\ndaemon:*:20000:0:99999:7:::\n');
    const r = await run('catalog', 'import', shadow);
    expect(r.code).toBe(2);
    expect(r.err).toContain('[BUNDLE_INVALID]');
    expect(r.err).toContain('it is not an update bundle');
    expect(r.err).not.toMatch(/root|daemon|:\*:/);

    const manifest = Buffer.from('{"bundleId": "x", secret-token-8842');
    const bad = path.join(dir, 'bad.fumo');
    writeFileSync(bad, Buffer.concat([Buffer.from(encodeBundleHeader(manifest.length)), manifest, Buffer.alloc(200)]));
    const m = await run('catalog', 'import', bad);
    expect(m.code).toBe(2);
    expect(m.err).toContain('the manifest is not valid JSON');
    expect(m.err).not.toContain('secret-token');
  });

  it('answers a missing path and a folder alike, so the message does not tell what exists', async () => {
    const folder = path.join(dir, 'a-folder');
    mkdirSync(folder);
    const missing = await run('catalog', 'import', path.join(dir, 'nothing-here'));
    const isDir = await run('catalog', 'import', folder);
    expect(missing.code).toBe(2);
    expect(isDir.code).toBe(2);
    expect(missing.err.replace(path.join(dir, 'nothing-here'), 'P')).toBe(isDir.err.replace(folder, 'P'));
    expect(missing.err).not.toMatch(/ENOENT|no such file/);
  });
});

describe('history command', () => {
  it('says plainly that a receipt id is unknown', async () => {
    const r = await run('history', 'receipt', 'nope');
    expect(r.code).toBe(1);
    expect(r.err).toBe('fumo-kiosk history: No record "nope" was found. Check the id and retry. [RECORD_NOT_FOUND]\n');
  });

  it('lists and clears updates set aside as needing attention', async () => {
    const s = openStore(data);
    s.journal.createJob({ jobId: 'j1', devId: 'IMEI:493005100592800', state: 'downloading' });
    s.close();
    const db = new Database(path.join(data, 'kiosk.db'));
    db.prepare("UPDATE jobs SET data = '{broken' WHERE job_id = 'j1'").run();
    db.close();
    const l = await run('history', 'attention');
    expect(l.code).toBe(0);
    expect(l.out).toContain('j1');
    expect(l.out).toContain('its saved state is not readable JSON');
    expect(l.out).not.toContain('493005100592800');
    expect((await run('history', 'attention', '--clear', 'j1')).code).toBe(0);
    expect((await run('history', 'attention')).out).toBe('No update needs attention.\n');
    expect((await run('history', 'attention', '--clear', 'j1')).code).toBe(1);
  });

  it('verify exits 1 naming what it found, and reanchor (with a reason) makes it pass again', async () => {
    const s = openStore(data);
    s.audit.recordEvent('pin-failed', { subject: 'login' });
    s.audit.recordEvent('pin-failed', { subject: 'login' });
    s.close();
    const db = new Database(path.join(data, 'kiosk.db'));
    db.prepare('DELETE FROM audit_events WHERE seq = 2').run();
    db.prepare('DELETE FROM audit_chain WHERE seq = 2').run();
    db.prepare("UPDATE audit_head SET seq = 1, hash = (SELECT hash FROM audit_chain WHERE seq = 1)").run();
    db.close();
    const v = await run('history', 'verify');
    expect(v.code).toBe(1);
    expect(v.out).toMatch(/FAILED its integrity check \(1 problem\):\n {2}- the newest history was removed: record e-.* and entry 2 are gone/);
    expect((await run('history', 'reanchor')).code).toBe(2);
    const r = await run('history', 'reanchor', '--reason', 'checked with support, ticket 7');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/previous head file is kept as .*history-head\.replaced-\d+\.json/);
    const ok = await run('history', 'verify');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/intact: 0 records, 2 chain entries, 2 events, head [0-9a-f]{64}; signed head: entry 2/);
  });

  it('reports a database from a newer kiosk with its own code and advice, exit 1', async () => {
    openStore(data).close();
    const db = new Database(path.join(data, 'kiosk.db'));
    db.pragma('user_version = 99');
    db.close();
    const r = await run('history', 'list');
    expect(r.code).toBe(1);
    expect(r.err).toContain('[STORE_TOO_NEW]');
    expect(r.err).toContain(path.join(data, 'kiosk.db'));
    expect(r.err).not.toMatch(/disk space|unexpected error/);
  });
});
