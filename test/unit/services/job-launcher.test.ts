/** JobLauncher: new jobs, continuing a parked one, retries, and how each job opens its first session. */
import { describe, expect, it } from 'vitest';
import { KioskError } from '../../../src/core/errors';
import type { FumoSession, JobSnapshot } from '../../../src/core/fumo/ports';
import type { StartJobRequest } from '../../../src/core/fumo/runner';
import type { DeviceEntry } from '../../../src/main/services/device-registry';
import { JobLauncher } from '../../../src/main/services/job-launcher';
import { JobViews } from '../../../src/main/services/job-views';

const DEV = 'IMEI:352099000000030';

function setup(o: { linkKind?: 'serial' | 'http'; active?: Partial<JobSnapshot>; technician?: string; routing?: 'unclaimed' | 'resumed-parked-job' } = {}) {
  const entry = { d: { portId: 'p1', linkKind: o.linkKind ?? 'serial' }, devId: DEV, profile: { id: 'x', fumoPath: './FUMO' }, view: {}, identified: Promise.resolve() } as unknown as DeviceEntry;
  const started: StartJobRequest[] = [];
  const retried: Array<{ jobId: string; open: unknown }> = [];
  const updates: unknown[] = [];
  let opened = 0;
  let ended = 0;
  const waited: Array<{ devId: string; ms: number }> = [];
  const session = { end: async () => void ended++ } as unknown as FumoSession;
  const views = new JobViews();
  const launcher = new JobLauncher({
    registry: {
      find: () => entry,
      get: (portId) => (portId === 'p1' ? entry : undefined),
      open: async () => {
        opened++;
        return session;
      },
      update: (_e, patch) => void updates.push(patch),
    },
    runner: {
      start: (r) => {
        started.push(r);
        return `job${started.length}`;
      },
      retry: (jobId, open) => {
        retried.push({ jobId, open });
        return jobId === 'job1' ? 'job9' : undefined;
      },
      activeFor: () => (o.active ? ({ jobId: 'parked1', ...o.active } as JobSnapshot) : undefined),
    },
    views,
    httpCaller: {
      next: async (_entry, devId, ms) => {
        waited.push({ devId, ms });
        return session;
      },
    },
    sessionTimeoutMs: 1234,
    currentTechnician: () => o.technician,
    offerToRunner: () => o.routing ?? 'resumed-parked-job',
  });
  return { launcher, entry, started, retried, updates, views, waited, opened: () => opened, ended: () => ended };
}

describe('JobLauncher', () => {
  it('starts a job on the entry: the card shows it queued and its info names the port and consent mode', async () => {
    const t = setup({ technician: 'anna' });
    const jobId = await t.launcher.startUpdate({ portId: 'p1', consentMode: 'operator', allowBatteryOverride: true });
    expect(jobId).toBe('job1');
    expect(t.started[0]).toMatchObject({ trigger: 'technician', portId: 'p1', devId: DEV, technician: 'anna', allowBatteryOverride: true });
    expect(t.views.get('job1')).toMatchObject({ portId: 'p1', consentMode: 'operator', retryOf: null });
    expect(t.updates).toEqual([{ jobId: 'job1', state: 'updating', phase: 'queued' }]);
  });

  it('a cable job opens its session on the registry; an HTTP job waits for the phone to call in', async () => {
    const cable = setup();
    await cable.launcher.opener(cable.entry)();
    expect(cable.opened()).toBe(1);
    const http = setup({ linkKind: 'http' });
    await http.launcher.opener(http.entry)();
    expect(http.opened()).toBe(0);
    expect(http.waited).toEqual([{ devId: DEV, ms: 1234 }]);
  });

  it('a session the phone already opened is the job first session', () => {
    const t = setup();
    const session = {} as FumoSession;
    t.launcher.startOn(t.entry, { consentMode: 'customer', trigger: 'customer', session });
    expect(t.started[0]?.open).toBe(session);
  });

  it('a parked job continues on a new session instead of a second job', async () => {
    const t = setup({ active: { parked: true } });
    const jobId = await t.launcher.startUpdate({ portId: 'p1', consentMode: 'customer' });
    expect(jobId).toBe('parked1');
    expect(t.started).toEqual([]);
    expect(t.opened()).toBe(1);
    expect(t.ended()).toBe(0);
    const unclaimed = setup({ active: { parked: true }, routing: 'unclaimed' });
    await unclaimed.launcher.startUpdate({ portId: 'p1', consentMode: 'customer' });
    expect(unclaimed.ended()).toBe(1);
  });

  it('a device with a running job is BUSY', async () => {
    const t = setup({ active: { parked: false } });
    await expect(t.launcher.startUpdate({ portId: 'p1', consentMode: 'customer' })).rejects.toMatchObject({ code: 'BUSY' });
  });

  it('retry starts a new attempt tied to the old job; unknown jobs are typed errors', async () => {
    const t = setup();
    await t.launcher.startUpdate({ portId: 'p1', consentMode: 'customer' });
    expect(t.launcher.retry('job1')).toBe('job9');
    expect(t.views.get('job9')).toMatchObject({ portId: 'p1', retryOf: 'job1' });
    expect(() => t.launcher.retry('nope')).toThrow(KioskError);
    t.views.infoFor('job2', 'p1', 'customer');
    expect(() => t.launcher.retry('job2')).toThrow(expect.objectContaining({ code: 'RECORD_NOT_FOUND' }));
    t.views.infoFor('job3', 'gone', 'customer');
    expect(() => t.launcher.retry('job3')).toThrow(expect.objectContaining({ code: 'DEVICE_NOT_FOUND' }));
  });
});
