import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isKioskError, type KioskError } from '../../../src/core/errors';
import { openStore, type KioskStore, type Actor } from '../../../src/main/store';
import { importDemoCatalog } from '../../../src/main/demo/demo-catalog';
import { handBuiltBundle, manifestOf, newKeys, payloadOf, sha256Hex } from '../../unit/catalog/helpers';

const admin: Actor = { name: 'alice', role: 'admin' };
const tech: Actor = { name: 'tom', role: 'technician' };
const demoDir = path.resolve(__dirname, '../../../resources/catalog');

let dir: string;
let store: KioskStore;
const keys = newKeys();

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fumo-catalog-'));
  store = openStore(path.join(dir, 'data'));
  store.trust.add('Acme', keys.pem, admin);
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function writeBundle(name: string, bytes: Uint8Array): string {
  const f = path.join(dir, name);
  writeFileSync(f, bytes);
  return f;
}

async function refusal(p: Promise<unknown>): Promise<KioskError> {
  try {
    await p;
  } catch (e) {
    if (isKioskError(e)) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('catalog import', () => {
  it('imports a good bundle, stores it under its SHA-256 and reads it back at random offsets', async () => {
    const payload = payloadOf(250_001, 3);
    const bytes = handBuiltBundle(manifestOf(payload, keys.keyId), payload, keys.privateKey);
    const { entry, added } = await store.catalog.import(writeBundle('a.fumo', bytes), { actor: admin });
    expect(added).toBe(true);
    expect(entry.sha256).toBe(sha256Hex(payload));
    expect(path.basename(entry.filePath)).toBe(`${sha256Hex(payload)}.fumo`);
    expect(readFileSync(entry.filePath).equals(bytes)).toBe(true);
    expect(entry.importedBy).toBe('alice');
    expect(store.catalog.list().map((e) => e.id)).toEqual(['acme-x1-1.0.0-1.1.0']);
    // no temporary files are left behind
    expect(readdirSync(path.dirname(entry.filePath)).filter((n) => n.startsWith('.'))).toEqual([]);

    const src = await store.catalog.openPayload(entry.id);
    try {
      expect(src.size).toBe(bytes.length);
      for (const [o, n] of [[0, 16], [1000, 65536], [bytes.length - 10, 10]] as const) {
        expect(Buffer.from(await src.read(o, n)).equals(bytes.subarray(o, o + n))).toBe(true);
      }
      await expect(src.read(bytes.length - 1, 2)).rejects.toThrow(RangeError);
    } finally {
      await src.close();
    }
    expect((await store.catalog.verify(entry.id)).ok).toBe(true);

    // the same bundle again: nothing changes
    expect((await store.catalog.import(writeBundle('a2.fumo', bytes), { actor: admin })).added).toBe(false);
  });

  it('refuses a downgrade bundle naming both versions unless allowed', async () => {
    const payload = payloadOf(1000);
    const m = manifestOf(payload, keys.keyId, { bundleId: 'down', fromVersions: ['2.0.0'], targetVersion: '1.5.0' });
    const file = writeBundle('down.fumo', handBuiltBundle(m, payload, keys.privateKey));
    const e = await refusal(store.catalog.import(file, { actor: admin }));
    expect(e.code).toBe('DOWNGRADE_REFUSED');
    expect(e.details.required).toBe('2.0.0');
    expect(e.details.measured).toBe('1.5.0');
    expect(e.message).toBe('Version 1.5.0 is older than 2.0.0: downgrades need an administrator.');
    expect(store.catalog.list()).toEqual([]);
    const ok = await store.catalog.import(file, { actor: admin, allowDowngrade: true });
    expect(ok.entry.downgradeAllowed).toBe(true);
  });

  it('refuses a bundle without approval', async () => {
    const payload = payloadOf(1000);
    const file = writeBundle('na.fumo', handBuiltBundle(manifestOf(payload, keys.keyId, { approval: null }), payload, keys.privateKey));
    const e = await refusal(store.catalog.import(file, { actor: admin }));
    expect(e.code).toBe('NOT_APPROVED');
    expect(e.details.required).toMatch(/regulator approval/);
    expect(e.details.measured).toBe('none');
  });

  it('refuses a bad signature and an untrusted key, naming expected and found', async () => {
    const payload = payloadOf(5000);
    const other = newKeys();
    const forged = writeBundle('f.fumo', handBuiltBundle(manifestOf(payload, keys.keyId), payload, other.privateKey));
    const e1 = await refusal(store.catalog.import(forged, { actor: admin }));
    expect(e1.code).toBe('SIGNATURE_INVALID');
    expect(e1.details.expected).toBe(`a valid signature by ${keys.keyId}`);
    expect(e1.details.found).toBe('signature mismatch');

    const untrusted = writeBundle('u.fumo', handBuiltBundle(manifestOf(payload, other.keyId), payload, other.privateKey));
    const e2 = await refusal(store.catalog.import(untrusted, { actor: admin }));
    expect(e2.code).toBe('SIGNATURE_INVALID');
    expect(e2.details.found).toBe(other.keyId);
    expect(store.catalog.list()).toEqual([]);
  });

  it('refuses a corrupted payload with expected and found SHA-256, and a truncated file with sizes', async () => {
    const payload = payloadOf(70_000, 9);
    const bytes = Buffer.from(handBuiltBundle(manifestOf(payload, keys.keyId), payload, keys.privateKey));
    const payloadAt = bytes.length - 72 - payload.length;
    bytes[payloadAt + 12345] = bytes[payloadAt + 12345]! ^ 0x80;
    const corrupted = Buffer.from(bytes.subarray(payloadAt, payloadAt + payload.length));
    const e = await refusal(store.catalog.import(writeBundle('c.fumo', bytes), { actor: admin }));
    expect(e.code).toBe('BUNDLE_INVALID');
    expect(e.details.expected).toBe(sha256Hex(payload));
    expect(e.details.found).toBe(createHash('sha256').update(corrupted).digest('hex'));
    expect(e.message).toContain(`expected ${sha256Hex(payload)}`);

    const t = await refusal(store.catalog.import(writeBundle('t.fumo', bytes.subarray(0, 20_000)), { actor: admin }));
    expect(t.code).toBe('BUNDLE_INVALID');
    expect(t.details.expected).toBe(`${bytes.length} bytes`);
    expect(t.details.found).toBe('20000 bytes');
  });

  it('refuses non-admins for import, remove and trust changes', async () => {
    const payload = payloadOf(100);
    const file = writeBundle('x.fumo', handBuiltBundle(manifestOf(payload, keys.keyId), payload, keys.privateKey));
    expect((await refusal(store.catalog.import(file, { actor: tech }))).code).toBe('ADMIN_REQUIRED');
    await store.catalog.import(file, { actor: admin });
    expect((await refusal(store.catalog.remove('acme-x1-1.0.0-1.1.0', tech))).code).toBe('ADMIN_REQUIRED');
    expect(() => store.trust.add('Other', newKeys().pem, tech)).toThrow(/Only an administrator/);
    expect(() => store.trust.remove('Acme', tech)).toThrow(/Only an administrator/);
  });

  it('refuses a different bundle under an existing id', async () => {
    const p1 = payloadOf(100, 1);
    const p2 = payloadOf(100, 2);
    await store.catalog.import(writeBundle('1.fumo', handBuiltBundle(manifestOf(p1, keys.keyId), p1, keys.privateKey)), { actor: admin });
    const e = await refusal(store.catalog.import(writeBundle('2.fumo', handBuiltBundle(manifestOf(p2, keys.keyId), p2, keys.privateKey)), { actor: admin }));
    expect(e.code).toBe('BUNDLE_CONFLICT');
    expect(e.details.expected).toBe(sha256Hex(p1));
    expect(e.details.found).toBe(sha256Hex(p2));
  });

  it('verify detects a stored file changed on disk, and a removed trust key', async () => {
    const payload = payloadOf(4000);
    const { entry } = await store.catalog.import(writeBundle('v.fumo', handBuiltBundle(manifestOf(payload, keys.keyId), payload, keys.privateKey)), { actor: admin });
    const stored = readFileSync(entry.filePath);
    stored[stored.length - 100] = stored[stored.length - 100]! ^ 1;
    writeFileSync(entry.filePath, stored);
    const c = await store.catalog.verify(entry.id);
    expect(c.ok).toBe(false);
    expect(c.error?.code).toBe('BUNDLE_INVALID');
    expect(c.expected).toBe(sha256Hex(payload));
    stored[stored.length - 100] = stored[stored.length - 100]! ^ 1;
    writeFileSync(entry.filePath, stored);
    expect((await store.catalog.verify(entry.id)).ok).toBe(true);
    store.trust.remove(keys.keyId, admin);
    expect((await store.catalog.verify(entry.id)).error?.code).toBe('SIGNATURE_INVALID');
  });

  it('removes a bundle and its file, refusing while an unfinished job uses it', async () => {
    const payload = payloadOf(100);
    const { entry } = await store.catalog.import(writeBundle('r.fumo', handBuiltBundle(manifestOf(payload, keys.keyId), payload, keys.privateKey)), { actor: admin });
    store.journal.createJob({ jobId: 'j1', devId: 'IMEI:1', bundleId: entry.id });
    expect((await refusal(store.catalog.remove(entry.id, admin))).code).toBe('BUSY');
    store.journal.recordTransition('j1', 'done');
    await store.catalog.remove(entry.id, admin);
    expect(store.catalog.get(entry.id)).toBeUndefined();
    expect(readdirSync(path.dirname(entry.filePath))).toEqual([]);
    expect((await refusal(store.catalog.remove(entry.id, admin))).code).toBe('BUNDLE_NOT_FOUND');
  });
});

describe('demo catalogue', () => {
  it('imports the committed demo bundles with the committed demo trust store, idempotently', async () => {
    const first = await importDemoCatalog(store, { dir: demoDir });
    expect(first.map((r) => r.entry.id)).toEqual(['fk-demo-phone-1.0.0-to-1.1.0', 'fk-demo-phone-1.1.0-to-1.2.0']);
    expect(first.every((r) => r.added)).toBe(true);
    const again = await importDemoCatalog(store, { dir: demoDir });
    expect(again.every((r) => !r.added)).toBe(true);
    expect(store.catalog.findFor('FK-Demo Phone', '1.0.0')?.id).toBe('fk-demo-phone-1.0.0-to-1.1.0');
    expect(store.catalog.findFor('FK-Demo Phone', '1.1.0')?.id).toBe('fk-demo-phone-1.1.0-to-1.2.0');
    expect(store.catalog.findFor('FK-Demo Phone', '1.2.0')).toBeUndefined();
    expect(store.catalog.findFor('Other', '1.0.0')).toBeUndefined();
    const m = store.catalog.get('fk-demo-phone-1.0.0-to-1.1.0')!.manifest;
    expect(Object.keys(m.releaseNotes).sort()).toEqual(['de', 'en', 'es']);
    expect(m.approval?.reference).toMatch(/DEMO/);
    // the committed files stay small
    const total = readdirSync(demoDir).reduce((n, f) => n + readFileSync(path.join(demoDir, f)).length, 0);
    expect(total).toBeLessThan(2_000_000);
  });

  it('re-running the demo script reproduces the committed files byte for byte', async () => {
    const { makeDemoCatalog } = await import('../../../scripts/make-demo-catalog');
    const out = path.join(dir, 'regen');
    const { files } = makeDemoCatalog(out);
    expect(files.length).toBe(5);
    for (const f of files) {
      const committed = path.resolve(demoDir, '..', path.relative(out, f));
      expect(readFileSync(f).equals(readFileSync(committed)), path.relative(out, f)).toBe(true);
    }
  });
});
