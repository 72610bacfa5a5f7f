/** The ports the kiosk's jobs use: settings read as stored now, one download URL per phone, consent through the broker, node maps of restored jobs. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONSENT_TEXT_VERSION } from '../../../src/core/fumo/consent-text';
import type { CustomerConsentAnswer, CustomerConsentRequest, JobSnapshot } from '../../../src/core/fumo/ports';
import type { DeviceEntry } from '../../../src/main/services/device-registry';
import { jobPorts, restoredNodes, type JobRunnerParts } from '../../../src/main/services/job-runner';
import { JobViews } from '../../../src/main/services/job-views';
import { openStore, type KioskStore } from '../../../src/main/store';
import { counterRandom, FakeClock } from '../../support/clock';

const DEV = 'IMEI:352099000000055';
const dirs: string[] = [];
const stores: KioskStore[] = [];

afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'job-ports-'));
  dirs.push(dir);
  const clock = new FakeClock();
  const store = openStore(dir, { clock, random: counterRandom() });
  stores.push(store);
  const calls: string[] = [];
  const entry = { d: { portId: 'p1', linkKind: 'serial' }, profile: { id: 'x', fumoPath: './FUMO/A', linkKind: 'serial' } } as unknown as DeviceEntry;
  const other = { d: { portId: 'p2', linkKind: 'serial' }, profile: { id: 'y', fumoPath: './FUMO/B', linkKind: 'serial' } } as unknown as DeviceEntry;
  const parts: JobRunnerParts = {
    store,
    clock,
    random: counterRandom(),
    accounts: { serverId: 's', serverAddress: 'a', has: async () => false, save: async () => undefined },
    views: new JobViews(),
    registry: { get: (portId) => (portId === 'p1' ? entry : undefined), attachedWith: (devId) => (devId === DEV ? other : undefined) },
    payloads: {
      revokeDevice: (devId) => {
        calls.push(`revoke ${devId}`);
        return [];
      },
      offer: async (bundleId, devId) => {
        calls.push(`offer ${bundleId} ${devId}`);
        return { url: `http://127.0.0.1/p/${bundleId}` } as never;
      },
    },
    consents: {
      ask: async (r: CustomerConsentRequest) => {
        calls.push(`ask ${r.jobId}`);
        return { accepted: true } as CustomerConsentAnswer;
      },
    },
    fumo: { installTimeoutMs: 5000 },
  };
  return { parts, store, calls };
}

describe('jobPorts', () => {
  it('settings are the stored battery threshold (read each time), the given job settings and the consent text version', () => {
    const t = setup();
    const ports = jobPorts(t.parts);
    const before = t.store.settings.get('batteryThresholdPercent');
    expect(ports.settings).toMatchObject({ installTimeoutMs: 5000, batteryThresholdPercent: before, consentTextVersion: CONSENT_TEXT_VERSION });
    t.store.settings.patch({ batteryThresholdPercent: before === 40 ? 45 : 40 });
    expect(ports.settings?.batteryThresholdPercent).toBe(before === 40 ? 45 : 40);
  });

  it('a download URL withdraws the phone earlier one first', async () => {
    const t = setup();
    const url = await jobPorts(t.parts).catalog.payloadUrl?.('b1', DEV);
    expect(url).toBe('http://127.0.0.1/p/b1');
    expect(t.calls).toEqual([`revoke ${DEV}`, `offer b1 ${DEV}`]);
  });

  it('the customer is asked through the consent broker', async () => {
    const t = setup();
    const answer = await jobPorts(t.parts).consent.askCustomer({ jobId: 'j1' } as CustomerConsentRequest, new AbortController().signal);
    expect(answer.accepted).toBe(true);
    expect(t.calls).toEqual(['ask j1']);
  });
});

describe('restoredNodes', () => {
  it('uses the port the job was on, else where its phone is attached now, else none', () => {
    const t = setup();
    expect(restoredNodes(t.parts, { portId: 'p1', devId: DEV } as JobSnapshot)?.fumoUri).toBe('./FUMO/A');
    expect(restoredNodes(t.parts, { portId: 'gone', devId: DEV } as JobSnapshot)?.fumoUri).toBe('./FUMO/B');
    expect(restoredNodes(t.parts, { portId: 'gone', devId: 'IMEI:1' } as JobSnapshot)).toBeUndefined();
  });
});
