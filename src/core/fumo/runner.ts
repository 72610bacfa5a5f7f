/**
 * Runs FUMO jobs for many devices at once: up to N at a time (setting, default 8), the rest
 * queued; one device's failure never touches another's job. The runner also routes sessions:
 * a device that comes back (after a reboot, a pulled cable, or for an install scheduled later)
 * opens a new session with the same DevId, and the runner hands it to the job that waits for it.
 * At start it reads the journal: unfinished jobs that reached the device are parked until their
 * device returns, the others are reported as interrupted.
 */
import { KioskError } from '../errors';
import { FumoJob, type FumoJobEvent, type FumoJobOptions, type SessionSource } from './job';
import {
  isTerminal,
  type DeviceNodeMap,
  type FumoPorts,
  type FumoSession,
  type JobProgress,
  type JobSnapshot,
  type SessionWaiter,
} from './ports';

export const DEFAULT_CONCURRENCY = 8;

/** States in which the device may hold part of the update: such jobs resume when it returns. */
const RESUMABLE: readonly string[] = ['downloading', 'scheduled', 'installing', 'verifying', 'notifying'];

/** What a job needs to start: its options (the runner assigns the id) and how to open its first session. */
export interface StartJobRequest extends Omit<FumoJobOptions, 'jobId'> {
  /** Opens the job's first session (technician: package 0 then accept; customer: the session already open). */
  open: SessionSource;
}

export type RunnerEvent =
  | { type: 'job-state'; snapshot: JobSnapshot }
  | { type: 'job-progress'; progress: JobProgress }
  | { type: 'queue'; queued: number; running: number }
  /** A job waits for its phone to open a new session ('reboot': it will report by itself; 'reconnect': it must be asked). */
  | { type: 'waiting'; jobId: string; devId: string; reason: 'reboot' | 'reconnect' };

export interface JobRunnerOptions {
  ports: Omit<FumoPorts, 'sessions'>;
  concurrency?: number;
  /** Node map per device when a restored job resumes (profiles are looked up by the service). */
  nodesFor?(snapshot: JobSnapshot): DeviceNodeMap | undefined;
}

interface Waiter {
  reason: 'reboot' | 'reconnect';
  resolve(session: FumoSession): void;
  reject(error: Error): void;
}

export type SessionRouting = 'handed-to-waiting-job' | 'resumed-parked-job' | 'held-for-running-job' | 'unclaimed';

export class JobRunner {
  private readonly jobs = new Map<string, FumoJob>();
  private readonly requests = new Map<string, StartJobRequest>();
  private readonly queue: Array<{ job: FumoJob; source: SessionSource }> = [];
  private running = 0;
  private concurrency: number;
  private readonly listeners = new Set<(e: RunnerEvent) => void>();
  private readonly waiters = new Map<string, Waiter>();
  /** Sessions that arrived for a running job before it asked for them. */
  private readonly pending = new Map<string, FumoSession>();
  private readonly idleWaiters: Array<() => void> = [];
  /** Jobs read from the journal that have not run in this process yet. */
  private readonly restoredNotRun = new Set<string>();
  private readonly waiter: SessionWaiter;

  constructor(private readonly options: JobRunnerOptions) {
    this.concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
    this.waiter = { next: (devId, reason, timeoutMs, signal) => this.nextSession(devId, reason, timeoutMs, signal) };
  }

  /** Ports for a new job: read afresh each time, so settings changes apply to the next job. */
  private get ports(): FumoPorts {
    return { ...this.options.ports, sessions: this.waiter };
  }

  setConcurrency(n: number): void {
    this.concurrency = Math.max(1, Math.floor(n));
    this.pump();
  }

  on(listener: (e: RunnerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  list(): JobSnapshot[] {
    return [...this.jobs.values()].map((j) => j.snapshot);
  }

  get(jobId: string): JobSnapshot | undefined {
    return this.jobs.get(jobId)?.snapshot;
  }

  /** Whether a job is running now (queued and parked jobs are not). */
  isRunning(jobId: string): boolean {
    return this.jobs.get(jobId)?.isRunning === true;
  }

  /** The job currently tied to a device (not terminal), if any. */
  activeFor(devId: string): JobSnapshot | undefined {
    return this.activeJobFor(devId)?.snapshot;
  }

  /** Queue a job; returns its id at once. */
  start(request: StartJobRequest): string {
    if (request.devId && this.activeJobFor(request.devId)) throw new KioskError('BUSY');
    const jobId = `job-${Array.from(this.ports.random.bytes(6), (b) => b.toString(16).padStart(2, '0')).join('')}`;
    const job = new FumoJob(this.ports, {
      jobId,
      trigger: request.trigger,
      portId: request.portId,
      devId: request.devId,
      bundleId: request.bundleId,
      schedule: request.schedule,
      technician: request.technician,
      nodes: request.nodes,
      allowBatteryOverride: request.allowBatteryOverride,
    });
    this.adopt(job);
    this.requests.set(jobId, request);
    this.enqueue(job, request.open);
    return jobId;
  }

  /** Start the same update again for a job that ended (a new attempt, a new audit record). */
  retry(jobId: string, open?: SessionSource): string | undefined {
    const req = this.requests.get(jobId);
    const job = this.jobs.get(jobId);
    if (!req || !job || !isTerminal(job.snapshot.state)) return undefined;
    return this.start({ ...req, devId: job.snapshot.devId ?? req.devId, open: open ?? req.open });
  }

  /** Cancel a queued, parked or running job (running ones stop before the install starts). */
  async cancel(jobId: string): Promise<boolean> {
    const job = this.jobs.get(jobId);
    if (!job || isTerminal(job.snapshot.state)) return false;
    const queued = this.queue.findIndex((q) => q.job === job);
    if (queued >= 0) this.queue.splice(queued, 1);
    if (job.isRunning) return job.cancel();
    await job.cancelIdle();
    this.emitQueue();
    return true;
  }

  /**
   * A device opened a session. Hand it to the job waiting for this DevId, or resume a parked job;
   * 'unclaimed' leaves the session to the caller (e.g. start a customer-initiated job).
   */
  offerSession(session: FumoSession): SessionRouting {
    const devId = session.hello.devId;
    const waiter = this.waiters.get(devId);
    if (waiter) {
      this.waiters.delete(devId);
      waiter.resolve(session);
      return 'handed-to-waiting-job';
    }
    const job = this.activeJobFor(devId);
    if (job && job.snapshot.parked && !job.isRunning && !this.queue.some((q) => q.job === job)) {
      // A job restored at start may not have known its phone's profile then (resume, node paths).
      const nodes = this.options.nodesFor?.(job.snapshot);
      if (nodes) job.useNodes(nodes);
      this.enqueue(job, session);
      return 'resumed-parked-job';
    }
    if (job && (job.isRunning || this.queue.some((q) => q.job === job))) {
      const stale = this.pending.get(devId);
      if (stale) void stale.end().catch(() => undefined);
      this.pending.set(devId, session);
      return 'held-for-running-job';
    }
    return 'unclaimed';
  }

  /** Read unfinished jobs from the journal: resumable ones wait for their device, the rest are reported. */
  async restore(): Promise<{ resumable: JobSnapshot[]; reported: JobSnapshot[] }> {
    const unfinished = await this.ports.journal.unfinished();
    const resumable: JobSnapshot[] = [];
    const reported: JobSnapshot[] = [];
    for (const snap of unfinished) {
      if (this.jobs.has(snap.jobId) || isTerminal(snap.state)) continue;
      const job = FumoJob.restore(this.ports, snap, this.options.nodesFor?.(snap));
      this.adopt(job);
      this.restoredNotRun.add(job.id);
      if (RESUMABLE.includes(snap.state) && snap.devId && snap.facts && snap.offer) {
        resumable.push(job.snapshot);
        this.emit({ type: 'job-state', snapshot: job.snapshot });
      } else {
        await job.reportInterrupted();
        reported.push(job.snapshot);
      }
    }
    return { resumable, reported };
  }

  /** Resolves when nothing is queued or running (parked jobs do not count). */
  idle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Devices the runner expects back: 'reboot' ones will open a session themselves (with the
   * install result), 'reconnect' ones need to be asked (package 0).
   */
  expectedDevices(): Map<string, 'reboot' | 'reconnect'> {
    const out = new Map<string, 'reboot' | 'reconnect'>();
    for (const [devId, w] of this.waiters) out.set(devId, w.reason);
    for (const job of this.jobs.values()) {
      const s = job.snapshot;
      if (!s.devId || isTerminal(s.state) || out.has(s.devId)) continue;
      // A running job may not have noticed yet that its phone went away (rebooting after Exec).
      if (!s.parked && !job.isRunning) continue;
      const afterExec = ['installing', 'verifying', 'notifying'].includes(s.state) && (s.state !== 'installing' || s.install?.execStatus !== undefined);
      // A job found in the journal cannot know where its phone is (still in the dead kiosk's
      // session, installing, or back and idle): it asks, and the phone answers in a fresh session.
      out.set(s.devId, afterExec && !this.restoredNotRun.has(job.id) ? 'reboot' : 'reconnect');
    }
    return out;
  }

  counts(): { queued: number; running: number; parked: number } {
    const parked = [...this.jobs.values()].filter((j) => j.snapshot.parked && !isTerminal(j.snapshot.state)).length;
    return { queued: this.queue.length, running: this.running, parked };
  }

  // ----------------------------------------------------------------

  private activeJobFor(devId: string): FumoJob | undefined {
    for (const job of this.jobs.values()) {
      const s = job.snapshot;
      if (!isTerminal(s.state) && (s.devId === devId || this.requests.get(s.jobId)?.devId === devId)) return job;
    }
    return undefined;
  }

  private adopt(job: FumoJob): void {
    this.jobs.set(job.id, job);
    job.onEvent((e: FumoJobEvent) => {
      if (e.type === 'state') this.emit({ type: 'job-state', snapshot: e.snapshot });
      else this.emit({ type: 'job-progress', progress: e.progress });
    });
  }

  private enqueue(job: FumoJob, source: SessionSource): void {
    this.queue.push({ job, source });
    this.emitQueue();
    this.pump();
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const next = this.queue.shift();
      if (!next) break;
      this.running++;
      void this.runOne(next.job, next.source);
    }
    this.emitQueue();
    if (this.running === 0 && this.queue.length === 0) {
      for (const r of this.idleWaiters.splice(0)) r();
    }
  }

  private async runOne(job: FumoJob, source: SessionSource): Promise<void> {
    this.restoredNotRun.delete(job.id);
    try {
      await job.run(source);
    } catch {
      // FumoJob.run reports its own failures; nothing from one device reaches another
    } finally {
      const devId = job.snapshot.devId;
      if (devId && isTerminal(job.snapshot.state)) {
        const stale = this.pending.get(devId);
        this.pending.delete(devId);
        if (stale) void stale.end().catch(() => undefined);
      }
      this.running--;
      // The job is no longer running: listeners that wait for "ended or parked" can tell now.
      this.emit({ type: 'job-state', snapshot: job.snapshot });
      this.pump();
    }
  }

  private nextSession(devId: string, _reason: 'reboot' | 'reconnect', timeoutMs: number, signal: AbortSignal): Promise<FumoSession> {
    const ready = this.pending.get(devId);
    if (ready) {
      this.pending.delete(devId);
      return Promise.resolve(ready);
    }
    return new Promise<FumoSession>((resolve, reject) => {
      const clock = this.ports.clock;
      const cleanup = (): void => {
        clock.clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (this.waiters.get(devId) === waiter) this.waiters.delete(devId);
      };
      const onAbort = (): void => {
        cleanup();
        reject(new KioskError('CANCELLED'));
      };
      const timer = clock.setTimeout(() => {
        cleanup();
        reject(new KioskError('LINK_TIMEOUT'));
      }, timeoutMs);
      const waiter: Waiter = {
        reason: _reason,
        resolve: (s) => {
          cleanup();
          resolve(s);
        },
        reject: (e) => {
          cleanup();
          reject(e);
        },
      };
      const previous = this.waiters.get(devId);
      if (previous) previous.reject(new KioskError('BUSY'));
      this.waiters.set(devId, waiter);
      const job = this.activeJobFor(devId);
      this.emit({ type: 'waiting', jobId: job?.id ?? '', devId, reason: _reason });
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private emitQueue(): void {
    this.emit({ type: 'queue', queued: this.queue.length, running: this.running });
  }

  private emit(e: RunnerEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // listeners never break the runner
      }
    }
  }
}
