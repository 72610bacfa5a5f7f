import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../../src/core/fumo/ports';
import { openStore, type KioskStore } from '../../../src/main/store';
import { createStorePorts } from '../../../src/main/store/fumo-ports';
import { importDemoCatalog } from '../../../src/main/demo/demo-catalog';

const demoDir = path.resolve(__dirname, '../../../resources/catalog');
const b1 = 'fk-demo-phone-1.0.0-to-1.1.0';
let dir: string;
let store: KioskStore;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'fumo-ports-'));
  store = openStore(dir);
  await importDemoCatalog(store, { dir: demoDir });
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('store-backed FUMO ports', () => {
  it('matches offers, up-to-date and refusals', async () => {
    const { catalog } = createStorePorts(store);
    const facts = (model: string, fwVersion: string) => ({ devId: 'IMEI:1', manufacturer: 'Demo Manufacturer', model, fwVersion, largeObjects: true, fumoUri: './FUMO/1' });
    const m = await catalog.match(facts('FK-Demo Phone', '1.0.0'));
    expect(m.kind).toBe('offer');
    if (m.kind === 'offer') {
      expect(m.offer.bundleId).toBe(b1);
      expect(m.offer.sizeBytes).toBe(statSync(path.join(demoDir, `${b1}.fumo`)).size);
      expect(m.offer.releaseNotes?.de).toMatch(/Akkulaufzeit/);
    }
    expect((await catalog.match(facts('FK-Demo Phone', '1.2.0'))).kind).toBe('up-to-date');
    const other = await catalog.match(facts('Other Phone', '1.0.0'));
    expect(other.kind === 'refused' && other.refusal.code).toBe('MODEL_MISMATCH');
    const old = await catalog.match(facts('FK-Demo Phone', '0.9.0'));
    expect(old.kind === 'refused' && [old.refusal.code, old.refusal.details.measured]).toEqual(['VERSION_MISMATCH', '0.9.0']);
    const named = await catalog.match(facts('FK-Demo Phone', '1.1.0'), b1);
    expect(named.kind).toBe('up-to-date');
    const wrong = await catalog.match(facts('FK-Demo Phone', '1.0.0'), 'fk-demo-phone-1.1.0-to-1.2.0');
    expect(wrong.kind === 'refused' && wrong.refusal.code).toBe('VERSION_MISMATCH');
  });

  it('reads the payload and verifies the sent bytes, catching a changed byte', async () => {
    const { catalog } = createStorePorts(store);
    const reader = await catalog.openPayload(b1);
    const file = readFileSync(path.join(demoDir, `${b1}.fumo`));
    const good = catalog.createVerifier!(b1);
    const bad = catalog.createVerifier!(b1);
    for (let o = 0; o < reader.size; o += 65536) {
      const chunk = await reader.read(o, Math.min(65536, reader.size - o));
      expect(Buffer.from(chunk).equals(file.subarray(o, o + chunk.length))).toBe(true);
      good.update(chunk);
      const copy = Buffer.from(chunk);
      if (o === 131072) copy[10] = copy[10]! ^ 1;
      bad.update(copy);
    }
    await reader.close?.();
    expect(good.finish()).toBeUndefined();
    expect(bad.finish()).toMatch(/SHA-256 does not match/);
  });

  it('journals snapshots and returns unfinished ones', async () => {
    const { journal } = createStorePorts(store);
    const snap: JobSnapshot = { jobId: 'j-1', state: 'downloading', trigger: 'technician', devId: 'IMEI:1', schedule: 'now', createdAt: 1, updatedAt: 2, history: [['discovered', 1]], download: { method: 'large-object', totalBytes: 10, acknowledgedBytes: 4, complete: false, bytesSentTotal: 4 } };
    await journal.record({ ...snap, state: 'discovered' });
    await journal.record(snap);
    await journal.record({ ...snap, jobId: 'j-2', state: 'done' });
    expect((await journal.unfinished()).map((s) => [s.jobId, s.state])).toEqual([['j-1', 'downloading']]);
    expect(store.journal.getJob('j-1')?.ackedBytes).toBe(4);
    expect(store.journal.transitions('j-1').map((t) => t.state)).toEqual(['discovered', 'downloading']);
  });

  it('writes the audit record at begin and completes it with consents and timings', async () => {
    const { audit } = createStorePorts(store, { describeJob: () => ({ portId: 'sim:1', linkKind: 'serial' }) });
    const id = await audit.begin({ jobId: 'j-1', devId: 'IMEI:493005100592800', model: 'FK-Demo Phone', manufacturer: 'Demo Manufacturer', fromVersion: '1.0.0', toVersion: '1.1.0', bundleId: b1, bundleSha256: 'x', trigger: 'technician', technician: 'tom', startedAt: 100 });
    expect(store.audit.get(id)?.status).toBe('open');
    await audit.complete(id, {
      state: 'done',
      outcome: 'Updated.',
      outcomeCode: 'OK',
      fumoResultCode: 200,
      finalVersion: '1.1.0',
      customerConsent: { accepted: true, by: 'customer', text: 't', textVersion: 'v7', askedAt: 110, answeredAt: 120, schedule: 'now' },
      deviceConsent: { answer: 'yes', askedAt: 130, answeredAt: 140 },
      phaseTimings: { downloading: 5000, installing: 2000 },
      bytesSent: 300,
      finishedAt: 9000,
    });
    const r = store.audit.get(id)!;
    expect(r).toMatchObject({ status: 'complete', result: 'success', linkKind: 'serial', portId: 'sim:1', fumoResultCode: 200, finishedAt: 9000, bytesSent: 300, phases: { downloading: 5000, installing: 2000 } });
    expect(r.consent).toMatchObject({ customer: 'approved', customerAt: 120, device: 'approved', deviceAt: 140, textVersion: 'v7', schedule: 'now' });
    expect(store.audit.verify().ok).toBe(true);
  });
});
