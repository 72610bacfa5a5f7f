/**
 * The history record of an ended job, announced once it is complete. A job enters its end state
 * just before it completes its record (the runner reports the job again when its run returns),
 * so the record is announced (history:added) on the first report that finds it complete, once.
 * A receipt waits for that moment: only then does it carry the result.
 */
import type { Clock } from '../../core/clock';
import { isTerminal, type JobSnapshot } from '../../core/fumo/ports';

/** How long a receipt waits for an ended job's history record to be completed. */
export const RECORD_SETTLE_MS = 10_000;

export interface HistoryAnnouncerOptions<R extends { status: string }> {
  clock: Clock;
  /** The stored history record of an attempt, by audit id. */
  record(auditId: string): R | undefined;
  /** The job whose attempt a record is, if this kiosk knows it. */
  jobOf(auditId: string): JobSnapshot | undefined;
  announce(record: R): void;
  settleMs?: number;
}

export class HistoryAnnouncer<R extends { status: string }> {
  private readonly announced = new Set<string>();
  private readonly waiting = new Map<string, Set<() => void>>();

  constructor(private readonly o: HistoryAnnouncerOptions<R>) {}

  /** A job was reported: announce its record if the job has ended and the record is complete. */
  observe(s: JobSnapshot): void {
    if (!isTerminal(s.state) || !s.auditId || this.announced.has(s.auditId)) return;
    const rec = this.o.record(s.auditId);
    if (!rec || rec.status !== 'complete') return;
    this.announced.add(s.auditId);
    this.o.announce(rec);
    for (const done of [...(this.waiting.get(s.auditId) ?? [])]) done();
  }

  /**
   * Resolves once the history record `id` is complete. Records of no ended job (an attempt that
   * was interrupted long ago) resolve at once, and the wait is bounded.
   */
  settled(id: string): Promise<void> {
    const job = this.o.jobOf(id);
    if (!job || !isTerminal(job.state) || this.isComplete(id)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.waiting.get(id) ?? new Set<() => void>();
      this.waiting.set(id, waiters);
      const timer = this.o.clock.setTimeout(() => done(), this.o.settleMs ?? RECORD_SETTLE_MS);
      const done = (): void => {
        waiters.delete(done);
        if (waiters.size === 0) this.waiting.delete(id);
        this.o.clock.clearTimeout(timer);
        resolve();
      };
      waiters.add(done);
    });
  }

  private isComplete(id: string): boolean {
    return this.o.record(id)?.status === 'complete';
  }
}
