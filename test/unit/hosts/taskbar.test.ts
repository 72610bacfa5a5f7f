import { describe, expect, it } from 'vitest';
import { TaskbarProgress } from '../../../src/main/hosts/electron/taskbar';
import type { JobView } from '../../../src/shared/schemas';

const base: JobView = {
  jobId: 'a',
  portId: 'p',
  devId: null,
  model: null,
  bundleId: null,
  fromVersion: null,
  targetVersion: null,
  schedule: 'now',
  consentMode: 'customer',
  phase: 'downloading',
  bytesSent: 0,
  bytesTotal: 100,
  speedBps: null,
  etaSeconds: null,
  result: null,
  error: null,
  retryOf: null,
  historyId: null,
  startedAt: 0,
  updatedAt: 0,
  finishedAt: null,
};

describe('TaskbarProgress', () => {
  it('is -1 with nothing running and the byte-weighted fraction over running jobs', () => {
    const t = new TaskbarProgress();
    expect(t.value()).toBe(-1);
    expect(t.apply({ event: 'job:updated', payload: { ...base, phase: 'awaiting-consent' } })).toBe(-1);
    expect(t.apply({ event: 'job:updated', payload: { ...base, jobId: 'a', bytesTotal: 100 } })).toBe(0);
    t.apply({ event: 'job:updated', payload: { ...base, jobId: 'b', bytesTotal: 300 } });
    expect(
      t.apply({
        event: 'job:progress',
        payload: { jobId: 'b', portId: 'p', bytesSent: 150, bytesTotal: 300, speedBps: 1, etaSeconds: 1 },
      }),
    ).toBe(150 / 400);
    expect(
      t.apply({
        event: 'job:updated',
        payload: { ...base, jobId: 'b', phase: 'completed', bytesSent: 300, bytesTotal: 300 },
      }),
    ).toBe(0);
    expect(t.apply({ event: 'job:updated', payload: { ...base, jobId: 'a', phase: 'failed' } })).toBe(-1);
    expect(t.apply({ event: 'device:detached', payload: { portId: 'p' } })).toBeUndefined();
  });
});
