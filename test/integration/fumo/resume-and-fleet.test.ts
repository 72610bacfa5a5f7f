/**
 * Interruptions and many phones at once, over pty pairs against the reference phone: a cable
 * pulled at half the download, "download now, install later", eight phones at once.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FROM, TO, openCounter, privateSimRegistry, type Counter } from './helpers';

beforeAll(() => {
  privateSimRegistry();
});

let c: Counter | undefined;
afterEach(async () => {
  await c?.close();
  c = undefined;
});

describe('interruptions', () => {
  it('cable pulled at 50%: the same phone comes back, the job continues and succeeds', async () => {
    // The demo bundle 1.0.0 -> 1.1.0 is a little over 300 000 bytes; the phone pulls its cable at 150 000.
    c = await openCounter([{ faults: [{ kind: 'disconnect-at', byte: 150_000 }] }]);
    const phone = c.sim.devices[0]!.device;
    const pulled = phone.waitFor('disconnected');
    const s = await c.update(0);
    await pulled;
    expect(s.state).toBe('done');
    expect(phone.fwVersion).toBe(TO);
    const size = s.offer!.sizeBytes;
    expect(size).toBeGreaterThan(300_000);
    const r = c.service.store.audit.get(s.auditId!)!;
    expect(r).toMatchObject({ result: 'success', fumoResultCode: 200, finalVersion: TO });
    // The reference phone cannot continue a cut transfer, so the kiosk restarted it cleanly at 0:
    // the bytes sent are the 150 000 before the cut (and what was in flight) plus the whole.
    expect(r.bytesSent).toBeGreaterThanOrEqual(size + 150_000);
    expect(r.bytesSent).toBeLessThan(2 * size);
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
