/** Following one job to its end: what the CLI and tests wait on. */
import { KioskError } from '../../core/errors';
import { isTerminal, type JobSnapshot } from '../../core/fumo/ports';
import type { JobRunner } from '../../core/fumo/runner';

/** Resolves when the job has ended or parked (a parked job no longer runs); rejects for an unknown job. */
export function waitForJob(runner: Pick<JobRunner, 'get' | 'isRunning' | 'on'>, jobId: string): Promise<JobSnapshot> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const s = runner.get(jobId);
      if (!s) {
        reject(new KioskError('RECORD_NOT_FOUND', { detail: jobId }));
        return true;
      }
      if (isTerminal(s.state) || (s.parked && !runner.isRunning(jobId))) {
        resolve(s);
        return true;
      }
      return false;
    };
    if (check()) return;
    const off = runner.on((e) => {
      if (e.type === 'job-state' && e.snapshot.jobId === jobId && check()) off();
    });
  });
}
