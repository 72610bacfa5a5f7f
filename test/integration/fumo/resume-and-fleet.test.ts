/**
 * Interruptions and many phones at once, over pty pairs against the reference phone: a cable
 * pulled at half the download, "download now, install later", eight phones at once.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FROM, MODEL, TO, openCounter, privateSimRegistry, type Counter } from './helpers';

beforeAll(() => {
  privateSimRegistry();
});

let c: Counter | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

describe('interruptions', () => {
  it('cable pulled at 50%: the same phone comes back, the download resumes where it stopped and succeeds', async () => {
    // The demo bundle 1.0.0 -> 1.1.0 is a little over 300 000 bytes; the phone pulls its cable at 150 000.
    const CUT = 150_000;
    c = await openCounter([{ faults: [{ kind: 'disconnect-at', byte: CUT }] }]);
    const phone = c.sim.devices[0]!.device;
    // What the phone holds the moment the cable is pulled (read before anything else can run).
    const pulled = phone.waitFor('disconnected').then(() => phone.handlerFor('fumo-kiosk').get(`${phone.fumo.root}/Ext/ReceivedBytes`));
    let waitedForReplug = 0;
    c.service.runner.on((e) => {
      if (e.type === 'waiting' && e.reason === 'reconnect') waitedForReplug++;
    });
    const s = await c.update(0);
    const heldAtCut = Number((await pulled).values?.[0]?.data);
    expect(s.state, JSON.stringify(s.error)).toBe('done');
    expect(waitedForReplug).toBe(1);
    expect(heldAtCut).toBe(CUT);
    expect(phone.fwVersion).toBe(TO);
    expect(phone.fumoState).toBe(100);
    const size = s.offer!.sizeBytes;
    expect(size).toBeGreaterThan(2 * CUT);
    const r = c.service.store.audit.get(s.auditId!)!;
    expect(r).toMatchObject({ status: 'complete', result: 'success', fumoResultCode: 200, model: MODEL, fromVersion: FROM, targetVersion: TO, finalVersion: TO });
    expect(r.bundleSha256).toBe(s.offer!.sha256);
    expect(r.finishedAt).not.toBeNull();
    expect(r.error).toBeNull();
    // Every byte went out at least once. The first leg carried at least the CUT bytes the phone kept,
    // so what went out after the replug is at most bytesSent - CUT: fewer bytes than the whole package
    // (a restart at 0 would make it at least the whole).
    expect(r.bytesSent).toBeGreaterThanOrEqual(size);
    const afterReplug = r.bytesSent - CUT;
    expect(afterReplug).toBeLessThan(size);
    expect(afterReplug).toBeGreaterThanOrEqual(size - CUT);
    // One attempt, one record, and the history chain is intact.
    expect(c.service.store.audit.list({ search: c.sim.devices[0]!.devId.slice(-4) }).length).toBe(1);
    expect(c.service.store.audit.verify().ok).toBe(true);
  });

  it('download now, install later: the payload waits on the phone; the next update installs it', async () => {
    c = await openCounter([{}]);
    const phone = c.sim.devices[0]!.device;
    const first = await c.update(0, { schedule: 'later' });
    expect(first.state).toBe('scheduled');
    expect(first.parked).toBe(true);
    expect(phone.fwVersion).toBe(FROM);
    expect(phone.fumoState).toBe(40);
    const second = await c.update(0);
    expect(second.jobId).toBe(first.jobId);
    expect(second.state).toBe('done');
    expect(phone.fwVersion).toBe(TO);
    const r = c.service.store.audit.get(second.auditId!)!;
    expect(r).toMatchObject({ result: 'success', fumoResultCode: 200 });
    expect(r.consent.schedule).toBe('later');
    // Sent once: the install in the later session did not send the package again.
    expect(r.bytesSent).toBe(second.offer!.sizeBytes);
  });
});

describe('many phones', () => {
  it('8 phones at once: all updated, each with its own audit record', async () => {
    c = await openCounter(Array.from({ length: 8 }, () => ({})));
    c.service.runner.setConcurrency(8);
    let maxRunning = 0;
    c.service.runner.on((e) => {
      if (e.type === 'queue') maxRunning = Math.max(maxRunning, e.running);
    });
    const results = await Promise.all(c.sim.devices.map((_, i) => c!.update(i, { mode: 'operator' })));
    expect(results.map((s) => s.state)).toEqual(Array(8).fill('done'));
    expect(c.sim.devices.map((h) => h.device.fwVersion)).toEqual(Array(8).fill(TO));
    expect(maxRunning).toBeGreaterThan(1);
    const records = results.map((s) => c!.service.store.audit.get(s.auditId!)!);
    expect(new Set(records.map((r) => r.devId)).size).toBe(8);
    for (const r of records) expect(r).toMatchObject({ result: 'success', fumoResultCode: 200, finalVersion: TO });
    expect(c.service.store.audit.verify().ok).toBe(true);
  });
});
