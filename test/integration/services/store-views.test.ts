import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BundleViewSchema, HistoryRecordSchema, TrustedKeySchema } from '../../../src/shared/schemas';
import { openStore, type KioskStore } from '../../../src/main/store';
import { toBundleView, toHistoryRecord, toTrustedKey } from '../../../src/main/services/store-views';
import { importDemoCatalog } from '../../../src/main/demo/demo-catalog';

let dir: string;
let store: KioskStore;
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fumo-views-'));
  store = openStore(dir);
  await importDemoCatalog(store, { dir: path.resolve(__dirname, '../../../resources/catalog') });
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('views of the shared contract', () => {
  it('match the zod schemas of src/shared/schemas.ts', () => {
    for (const e of store.catalog.list()) expect(() => BundleViewSchema.parse(toBundleView(e))).not.toThrow();
    for (const k of store.trust.list()) expect(() => TrustedKeySchema.parse(toTrustedKey(k))).not.toThrow();
    const r = store.audit.begin({
      jobId: 'j',
      portId: 'p',
      devId: 'IMEI:493005100592800',
      model: 'FK-Demo Phone',
      fromVersion: '1.0.0',
      targetVersion: '1.1.0',
      bundleId: 'b',
      bundleSha256: null,
      technician: null,
      linkKind: 'serial',
      consent: { mode: 'operator', customer: 'approved', customerAt: 5, device: 'timeout', deviceAt: 6, schedule: 'now', language: 'en', textVersion: '1', privacyVersion: 'p', warrantyVersion: 'w' },
    });
    const done = store.audit.complete(r.id, { result: 'failed', outcomeCode: 'INSTALL_FAILED', outcomeText: 'The phone could not install the update (result 410).' });
    const view = HistoryRecordSchema.parse(toHistoryRecord(done));
    expect(view.devId).toBe('IMEI:•••••••••••2800');
    expect(view.error?.code).toBe('INSTALL_FAILED');
    expect(view.consent.device).toBeNull();
    expect(view.consent.answeredAt).toBe(5);
  });
});
