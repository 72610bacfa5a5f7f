/**
 * The full update flow against the reference phone over pty pairs: OBEX, package 0, DM
 * sessions with MD5 authentication, large object download, Exec with Correlator, reboot and
 * re-enumeration, Generic Alert 1226, version check, audit history. Each case asserts the
 * phone's final FwV (read from the phone itself) and the audit record.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FROM, LATEST, TO, openCounter, privateSimRegistry, type Counter } from './helpers';

beforeAll(() => {
  privateSimRegistry();
});

function audit(c: Counter, id: string | undefined) {
  expect(id).toBeDefined();
  const r = c.service.store.audit.get(id!);
  expect(r).toBeDefined();
  return r!;
}

describe('update flow against the reference phone', () => {
  let c: Counter;
  beforeAll(async () => {
    c = await openCounter([
      {}, // 0 success
      { fwVersion: LATEST }, // 1 up to date
      {}, // 2 customer declines
      { faults: [{ kind: 'decline' }] }, // 3 phone declines
      { faults: [{ kind: 'battery-low', percent: 12 }] }, // 4 battery low
      { faults: [{ kind: 'battery-low', percent: 12 }, { kind: 'external-power' }] }, // 5 override on external power
      { faults: [{ kind: 'install-fail' }] }, // 6 install failure
      { faults: [{ kind: 'slow-reboot', ms: 4000 }] }, // 7 slow reboot
      { faults: [{ kind: 'corrupt-chunk', chunk: 2 }] }, // 8 corrupted on the phone
    ]);
  });
  afterAll(async () => {
    await c?.close();
  });

  it('success: the phone runs the target version, audit complete with result 200 and both consents', async () => {
    const s = await c.update(0);
    expect(s.state).toBe('done');
    const phone = c.sim.devices[0]!.device;
    expect(phone.fwVersion).toBe(TO);
    expect(s.finalVersion).toBe(TO);
    const r = audit(c, s.auditId);
    expect(r).toMatchObject({ status: 'complete', result: 'success', fromVersion: FROM, targetVersion: TO, finalVersion: TO, fumoResultCode: 200, technician: 'test-bench' });
    expect(r.consent.customer).toBe('approved');
    expect(r.consent.device).toBe('approved');
    expect(r.consent.customerAt).not.toBeNull();
    expect(r.consent.deviceAt).not.toBeNull();
    expect(r.bytesSent).toBe(s.offer!.sizeBytes);
    expect(Object.keys(r.phases)).toEqual(expect.arrayContaining(['downloading', 'installing', 'verifying']));
    // The phone asked its user once (Alert 1101) and told them at the end (Alert 1100).
    expect(phone.userAgent.prompts.map((p) => p.code)).toEqual([1101, 1100]);
    expect(c.service.store.audit.verify().ok).toBe(true);
  });

  it('up to date: no prompt reached the customer or the phone', async () => {
    const before = c.consentAsked.length;
    const s = await c.update(1);
    expect(s.state).toBe('up-to-date');
    expect(c.consentAsked.length).toBe(before);
    const phone = c.sim.devices[1]!.device;
    expect(phone.userAgent.prompts).toEqual([]);
    expect(phone.fwVersion).toBe(LATEST);
    expect(audit(c, s.auditId)).toMatchObject({ result: 'up-to-date', outcomeCode: 'UP_TO_DATE', fromVersion: LATEST });
  });

  it('customer declines: nothing reaches the phone', async () => {
    const s = await c.update(2, { consent: 'decline' });
    expect(s.state).toBe('declined');
    const phone = c.sim.devices[2]!.device;
    expect(phone.userAgent.prompts).toEqual([]);
    expect(phone.fwVersion).toBe(FROM);
    expect(phone.fumoState).toBe(10);
    expect(audit(c, s.auditId)).toMatchObject({ result: 'declined', outcomeCode: 'CONSENT_DECLINED', finalVersion: null });
    expect(audit(c, s.auditId).consent.customer).toBe('declined');
  });

  it('phone declines (Alert 1101 answered no): no download, no install', async () => {
    const s = await c.update(3);
    expect(s.state).toBe('declined');
    const phone = c.sim.devices[3]!.device;
    expect(phone.userAgent.prompts.map((p) => p.code)).toEqual([1101]);
    expect(phone.fwVersion).toBe(FROM);
    expect(phone.fumoState).toBe(10);
    const r = audit(c, s.auditId);
    expect(r).toMatchObject({ result: 'declined', outcomeCode: 'DEVICE_DECLINED' });
    expect(r.consent).toMatchObject({ customer: 'approved', device: 'declined' });
  });

  it('battery low: refused with required and measured values, nobody prompted', async () => {
    const before = c.consentAsked.length;
    const s = await c.update(4);
    expect(s.state).toBe('failed');
    expect(s.error?.code).toBe('BATTERY_LOW');
    expect(s.error?.details).toMatchObject({ required: 30, measured: 12 });
    expect(c.consentAsked.length).toBe(before);
    const phone = c.sim.devices[4]!.device;
    expect(phone.userAgent.prompts).toEqual([]);
    expect(phone.fwVersion).toBe(FROM);
    expect(audit(c, s.auditId)).toMatchObject({ result: 'failed', outcomeCode: 'BATTERY_LOW' });
  });

  it('battery low on external power: the operator override lets the update through', async () => {
    const s = await c.update(5, { allowBatteryOverride: true, mode: 'operator' });
    expect(s.state).toBe('done');
    expect(c.sim.devices[5]!.device.fwVersion).toBe(TO);
    expect(audit(c, s.auditId).consent.mode).toBe('operator');
  });

  it('install failure: 410 reported, the phone still runs the old version', async () => {
    const s = await c.update(6);
    expect(s.state).toBe('failed');
    expect(s.error?.code).toBe('INSTALL_FAILED');
    expect(s.outcome?.fumoResultCode).toBe(410);
    expect(c.sim.devices[6]!.device.fwVersion).toBe(FROM);
    expect(audit(c, s.auditId)).toMatchObject({ result: 'failed', fumoResultCode: 410, finalVersion: FROM });
  });

  it('slow reboot: the kiosk waits for the phone and its result', async () => {
    const s = await c.update(7);
    expect(s.state).toBe('done');
    expect(c.sim.devices[7]!.device.fwVersion).toBe(TO);
    expect(audit(c, s.auditId)).toMatchObject({ result: 'success', fumoResultCode: 200 });
  });

  it('package damaged on the phone: the phone reports 402 after its own check and keeps its version', async () => {
    const s = await c.update(8);
    expect(s.state).toBe('failed');
    expect(s.error?.code).toBe('PAYLOAD_CORRUPT');
    expect(s.outcome?.fumoResultCode).toBe(402);
    expect(c.sim.devices[8]!.device.fwVersion).toBe(FROM);
    expect(audit(c, s.auditId)).toMatchObject({ fumoResultCode: 402, outcomeCode: 'PAYLOAD_CORRUPT' });
  });
});

describe('corrupt stored payload', () => {
  it('the kiosk stops the transfer before its end: 402, no Exec sent, the phone unchanged', async () => {
    const c = await openCounter([{}]);
    try {
      const entry = c.service.store.catalog.get('fk-demo-phone-1.0.0-to-1.1.0')!;
      const bytes = readFileSync(entry.filePath);
      const mid = Math.floor(bytes.length / 2);
      bytes[mid] = bytes[mid]! ^ 0xff;
      writeFileSync(entry.filePath, bytes);
      const s = await c.update(0);
      expect(s.state).toBe('failed');
      expect(s.error?.code).toBe('PAYLOAD_CORRUPT');
      expect(s.outcome?.fumoResultCode).toBe(402);
      expect(s.install?.execStatus).toBeUndefined();
      const phone = c.sim.devices[0]!.device;
      expect(phone.fwVersion).toBe(FROM);
      // The phone never held a complete package, so it never had anything to install.
      expect(phone.fumoState).not.toBe(40);
      expect(phone.fumoState).not.toBe(50);
      expect(c.service.store.audit.get(s.auditId!)).toMatchObject({ result: 'failed', fumoResultCode: 402 });
    } finally {
      await c.close();
    }
  });
});
