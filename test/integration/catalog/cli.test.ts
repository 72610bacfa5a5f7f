import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../src/main/cli/index';
import { openStore } from '../../../src/main/store';

const root = path.resolve(__dirname, '../../..');
const demoBundle = path.join(root, 'resources/catalog/fk-demo-phone-1.0.0-to-1.1.0.fumo');
const demoPub = path.join(root, 'resources/keys/demo-manufacturer.pub.pem');

let dir: string;
let data: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fumo-cli-'));
  data = path.join(dir, 'data');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await main([...args, '--data', data], { stdout, stderr, stdin: new PassThrough() });
  return { code, out, err };
}

describe('fumo-kiosk catalog', () => {
  it('trusts a key, imports, lists, verifies and removes', async () => {
    expect((await run('catalog', 'list')).out).toBe('The catalogue is empty.\n');
    const refused = await run('catalog', 'import', demoBundle);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/not in the trust store.*\[SIGNATURE_INVALID\]/);

    const t = await run('catalog', 'trust', 'add', 'Demo Manufacturer', demoPub);
    expect(t.code).toBe(0);
    const keys = JSON.parse((await run('catalog', 'trust', 'list', '--json')).out) as { name: string; addedBy: string }[];
    expect(keys.map((k) => k.name)).toEqual(['Demo Manufacturer']);
    expect(keys[0]!.addedBy).toBe(`${os.userInfo().username} (command line)`);

    const imp = await run('catalog', 'import', demoBundle);
    expect(imp.code).toBe(0);
    expect(imp.out).toMatch(/^Imported fk-demo-phone-1.0.0-to-1.1.0/);
    const list = JSON.parse((await run('catalog', 'list', '--json')).out) as { id: string; manifest: { targetVersion: string } }[];
    expect(list.map((e) => [e.id, e.manifest.targetVersion])).toEqual([['fk-demo-phone-1.0.0-to-1.1.0', '1.1.0']]);
    expect((await run('catalog', 'list')).out).toMatch(/fk-demo-phone-1\.0\.0-to-1\.1\.0\s+FK-Demo Phone\s+1\.0\.0\s+1\.1\.0/);

    expect((await run('catalog', 'verify')).code).toBe(0);
    // Corrupt the stored copy: verify fails with exit code 1 and names expected and found.
    const s = openStore(data);
    const stored = s.catalog.get('fk-demo-phone-1.0.0-to-1.1.0')!.filePath;
    s.close();
    const bytes = readFileSync(stored);
    bytes[bytes.length - 1000] = bytes[bytes.length - 1000]! ^ 0xff;
    writeFileSync(stored, bytes);
    const v = await run('catalog', 'verify', 'fk-demo-phone-1.0.0-to-1.1.0');
    expect(v.code).toBe(1);
    expect(v.out).toMatch(/^FAIL {2}fk-demo-phone-1\.0\.0-to-1\.1\.0: .*expected [0-9a-f]{64}, found [0-9a-f]{64}/);

    expect((await run('catalog', 'remove', 'fk-demo-phone-1.0.0-to-1.1.0')).code).toBe(0);
    expect((await run('catalog', 'remove', 'fk-demo-phone-1.0.0-to-1.1.0')).code).toBe(1);
    expect((await run('catalog', 'trust', 'remove', 'Demo Manufacturer')).code).toBe(0);
  });

  it('names expected and found when a corrupted bundle is refused', async () => {
    await run('catalog', 'trust', 'add', 'Demo', demoPub);
    const bad = path.join(dir, 'bad.fumo');
    copyFileSync(demoBundle, bad);
    const bytes = readFileSync(bad);
    bytes[bytes.length - 5000] = bytes[bytes.length - 5000]! ^ 1;
    writeFileSync(bad, bytes);
    const r = await run('catalog', 'import', bad);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/SHA-256 does not match.*expected [0-9a-f]{64}, found [0-9a-f]{64}.*\[BUNDLE_INVALID\]/);
  });

  it('exits 2 for bad usage and documents exit codes', async () => {
    expect((await run('catalog')).code).toBe(2);
    expect((await run('catalog', 'frobnicate')).code).toBe(2);
    expect((await run('catalog', 'list', '--bogus')).code).toBe(2);
    expect((await run('catalog', 'trust', 'add', 'x')).code).toBe(2);
    for (const name of ['catalog', 'history']) {
      const stdout = new PassThrough();
      let text = '';
      stdout.on('data', (d: Buffer) => (text += d.toString()));
      expect(await main([name, '--help'], { stdout, stderr: new PassThrough(), stdin: new PassThrough() })).toBe(0);
      expect(text).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*[\s\S]*\n {2}2 /);
    }
  });
});

describe('fumo-kiosk history', () => {
  function seed(): void {
    const s = openStore(data);
    const r = s.audit.begin({
      id: 'h1',
      jobId: 'j1',
      portId: 'p',
      devId: 'IMEI:493005100592800',
      model: 'FK-Demo Phone',
      fromVersion: '1.0.0',
      targetVersion: '1.1.0',
      bundleId: 'fk-demo-phone-1.0.0-to-1.1.0',
      bundleSha256: 'cd'.repeat(32),
      technician: 'tom',
      linkKind: 'usb',
      consent: { mode: 'customer', customer: 'approved', customerAt: 1, device: 'approved', deviceAt: 2, schedule: 'now', language: 'en', textVersion: '1', privacyVersion: null, warrantyVersion: null },
    });
    s.audit.complete(r.id, { result: 'success', outcomeCode: 'OK', outcomeText: 'Updated to 1.1.0.' });
    s.close();
  }

  it('lists masked, exports, verifies and prints receipts', async () => {
    seed();
    const l = await run('history', 'list');
    expect(l.code).toBe(0);
    expect(l.out).toContain('h1');
    expect(l.out).not.toContain('493005100592800');
    const csvFile = path.join(dir, 'h.csv');
    expect((await run('history', 'export', '--format', 'csv', '-o', csvFile)).code).toBe(0);
    expect(readFileSync(csvFile, 'utf8').split('\r\n')[1]).toMatch(/^h1,complete,/);
    const j = await run('history', 'export', '--format', 'json');
    expect((JSON.parse(j.out) as { records: unknown[] }).records.length).toBe(1);
    expect((await run('history', 'export', '--format', 'xml')).code).toBe(2);
    const receipt = path.join(dir, 'r.html');
    expect((await run('history', 'receipt', 'h1', '-o', receipt)).code).toBe(0);
    expect(readFileSync(receipt, 'utf8')).toMatch(/IMEI:•+2800/);
    expect((await run('history', 'receipt', 'nope')).code).toBe(1);

    const ok = await run('history', 'verify');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/intact: 1 records, 4 chain entries, 2 events/); // two exports above are recorded
    const db = new Database(path.join(data, 'kiosk.db'));
    db.prepare("UPDATE audit_records SET body = replace(body, 'tom', 'eve')").run();
    db.close();
    const bad = await run('history', 'verify');
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/record h1 differs from its last chain entry/);
  });
});
