import { KioskError } from '../../core/errors';
import { storeError, type StoreContext } from './context';

/** States after which a job is finished (never resumed): JobPhase (src/shared/schemas.ts) and JobState (src/core/fumo/ports.ts) terminals. */
export const FINAL_JOB_STATES: ReadonlySet<string> = new Set(['completed', 'done', 'failed', 'cancelled', 'declined', 'up-to-date']);

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export interface NewJob {
  jobId: string;
  devId: string;
  bundleId?: string | null;
  portId?: string | null;
  /** Initial state (default 'queued'). */
  state?: string;
  /** Anything the job needs to resume (target version, FUMO URI, correlator ...). */
  data?: JsonObject;
}

export interface JobTransition {
  seq: number;
  state: string;
  data: JsonObject;
  at: number;
}

export interface JournalJob {
  jobId: string;
  devId: string;
  bundleId: string | null;
  portId: string | null;
  state: string;
  /** The initial data merged with every transition's data, later keys winning. */
  data: JsonObject;
  /** Bytes of the package the device acknowledged (download checkpoint). */
  ackedBytes: number;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
}

interface JobRow {
  job_id: string;
  dev_id: string;
  bundle_id: string | null;
  port_id: string | null;
  state: string;
  data: string;
  acked_bytes: number;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

function toJob(r: JobRow): JournalJob {
  return {
    jobId: r.job_id,
    devId: r.dev_id,
    bundleId: r.bundle_id,
    portId: r.port_id,
    state: r.state,
    data: JSON.parse(r.data) as JsonObject,
    ackedBytes: r.acked_bytes,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
  };
}

/** The FUMO job journal: every state change appended and committed before the call returns. */
export class JobJournal {
  constructor(private readonly ctx: StoreContext) {}

  createJob(job: NewJob): JournalJob {
    const now = this.ctx.clock.now();
    const state = job.state ?? 'queued';
    const data = job.data ?? {};
    try {
      this.ctx.db.transaction(() => {
        this.ctx.db
          .prepare('INSERT INTO jobs (job_id, dev_id, bundle_id, port_id, state, data, acked_bytes, created_at, updated_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)')
          .run(job.jobId, job.devId, job.bundleId ?? null, job.portId ?? null, state, JSON.stringify(data), now, now, FINAL_JOB_STATES.has(state) ? now : null);
        this.ctx.db.prepare('INSERT INTO job_transitions (job_id, state, data, at) VALUES (?, ?, ?, ?)').run(job.jobId, state, JSON.stringify(data), now);
      })();
    } catch (e) {
      if (e instanceof Error && /UNIQUE|PRIMARY KEY/.test(e.message)) throw new KioskError('INVALID_REQUEST', { detail: `job ${job.jobId} already exists` });
      throw storeError(e);
    }
    return this.getJob(job.jobId)!;
  }

  /**
   * Append a state change durably. `final` defaults to whether the state is one of FINAL_JOB_STATES;
   * a finished job is no longer listed by listUnfinished().
   */
  recordTransition(jobId: string, state: string, data: JsonObject = {}, options: { final?: boolean } = {}): JournalJob {
    const now = this.ctx.clock.now();
    const final = options.final ?? FINAL_JOB_STATES.has(state);
    this.ctx.db.transaction(() => {
      const row = this.ctx.db.prepare('SELECT data FROM jobs WHERE job_id = ?').get(jobId) as { data: string } | undefined;
      if (!row) throw new KioskError('RECORD_NOT_FOUND', { detail: `job ${jobId}` });
      const merged = { ...(JSON.parse(row.data) as JsonObject), ...data };
      this.ctx.db
        .prepare('UPDATE jobs SET state = ?, data = ?, updated_at = ?, finished_at = CASE WHEN ? THEN COALESCE(finished_at, ?) ELSE NULL END WHERE job_id = ?')
        .run(state, JSON.stringify(merged), now, final ? 1 : 0, now, jobId);
      this.ctx.db.prepare('INSERT INTO job_transitions (job_id, state, data, at) VALUES (?, ?, ?, ?)').run(jobId, state, JSON.stringify(data), now);
    })();
    return this.getJob(jobId)!;
  }

  /** Record how far the download got (bytes the device acknowledged), for resuming. */
  checkpoint(jobId: string, progress: { ackedBytes: number }): void {
    if (!Number.isSafeInteger(progress.ackedBytes) || progress.ackedBytes < 0) {
      throw new KioskError('INVALID_REQUEST', { detail: `ackedBytes must be a whole number >= 0, got ${progress.ackedBytes}` });
    }
    const r = this.ctx.db.prepare('UPDATE jobs SET acked_bytes = ?, updated_at = ? WHERE job_id = ?').run(progress.ackedBytes, this.ctx.clock.now(), jobId);
    if (r.changes === 0) throw new KioskError('RECORD_NOT_FOUND', { detail: `job ${jobId}` });
  }

  getJob(jobId: string): JournalJob | undefined {
    const r = this.ctx.db.prepare('SELECT * FROM jobs WHERE job_id = ?').get(jobId) as JobRow | undefined;
    return r ? toJob(r) : undefined;
  }

  transitions(jobId: string): JobTransition[] {
    const rows = this.ctx.db.prepare('SELECT seq, state, data, at FROM job_transitions WHERE job_id = ? ORDER BY seq').all(jobId) as {
      seq: number;
      state: string;
      data: string;
      at: number;
    }[];
    return rows.map((r) => ({ seq: r.seq, state: r.state, data: JSON.parse(r.data) as JsonObject, at: r.at }));
  }

  /** Jobs that were not finished when the kiosk stopped (oldest first): resume or close them. */
  listUnfinished(): JournalJob[] {
    return (this.ctx.db.prepare('SELECT * FROM jobs WHERE finished_at IS NULL ORDER BY created_at, job_id').all() as JobRow[]).map(toJob);
  }

  /** Recent jobs, newest first. */
  list(limit = 100): JournalJob[] {
    return (this.ctx.db.prepare('SELECT * FROM jobs ORDER BY created_at DESC, job_id LIMIT ?').all(limit) as JobRow[]).map(toJob);
  }
}
