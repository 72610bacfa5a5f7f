/** waitForJob: resolves on the job's end or when it parks and no longer runs; rejects for an unknown job. */
import { describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../../src/core/fumo/ports';
import type { RunnerEvent } from '../../../src/core/fumo/runner';
import { waitForJob } from '../../../src/main/services/job-waits';

function fakeRunner(initial: JobSnapshot | undefined) {
  let current = initial;
  let running = true;
  const listeners = new Set<(e: RunnerEvent) => void>();
  return {
    runner: {
      get: () => current,
      isRunning: () => running,
      on: (l: (e: RunnerEvent) => void) => {
        listeners.add(l);
        return () => void listeners.delete(l);
      },
    },
    report(s: JobSnapshot, stillRunning = true) {
      current = s;
      running = stillRunning;
      for (const l of [...listeners]) l({ type: 'job-state', snapshot: s });
    },
    listeners,
  };
}

const snap = (state: JobSnapshot['state'], parked = false): JobSnapshot => ({ jobId: 'j1', state, parked }) as JobSnapshot;

describe('waitForJob', () => {
  it('rejects with RECORD_NOT_FOUND for a job the runner does not know', async () => {
    await expect(waitForJob(fakeRunner(undefined).runner, 'j1')).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
  });

  it('resolves at once for an ended job', async () => {
    await expect(waitForJob(fakeRunner(snap('done')).runner, 'j1')).resolves.toMatchObject({ state: 'done' });
  });

  it('follows the reports until the end and then stops listening', async () => {
    const f = fakeRunner(snap('downloading'));
    const p = waitForJob(f.runner, 'j1');
    f.report(snap('installing'));
    expect(f.listeners.size).toBe(1);
    f.report(snap('failed'));
    await expect(p).resolves.toMatchObject({ state: 'failed' });
    expect(f.listeners.size).toBe(0);
  });

  it('a parked job counts once its run has returned', async () => {
    const f = fakeRunner(snap('downloading'));
    const p = waitForJob(f.runner, 'j1');
    f.report(snap('scheduled', true), true);
    expect(f.listeners.size).toBe(1);
    f.report(snap('scheduled', true), false);
    await expect(p).resolves.toMatchObject({ state: 'scheduled', parked: true });
  });
});
