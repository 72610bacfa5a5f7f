import { KioskError } from '../../core/errors';
import { isTerminalStateName } from '../../core/fumo/ports';
import { dbError, type StoreContext } from './context';


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

/** Parse a row's data column: a JSON object, or the reason it is not one. */
function parseData(text: string): { ok: true; data: JsonObject } | { ok: false; problem: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'its saved state is not readable JSON' };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { ok: false, problem: 'its saved state is not a JSON object' };
  return { ok: true, data: v as JsonObject };
}

function toJob(r: JobRow, data: JsonObject): JournalJob {
  return {
    jobId: r.job_id,
    devId: r.dev_id,
    bundleId: r.bundle_id,
    portId: r.port_id,
    state: r.state,
    data,
    ackedBytes: r.acked_bytes,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
  };
}

/** The state a job set aside is left in: finished (never resumed), its data emptied and kept in journal_attention. */
export const SET_ASIDE_STATE = 'needs-attention';

/** A job whose journal row was damaged and set aside: shown as "needs attention" until someone clears it. */
export interface JournalAttention {
  jobId: string;
  devId: string | null;
  portId: string | null;
  /** The job's state when it was set aside. */
  state: string | null;
  /** What is wrong with the row, in plain words. */
  problem: string;
  /** JOURNAL_ROW_CORRUPT, with the plain-language message that says what to do. */
  error: { code: 'JOURNAL_ROW_CORRUPT'; message: string };
  foundAt: number;
}

/** The FUMO job journal: every state change appended and committed before the call returns. */
export class JobJournal {
  constructor(private readonly ctx: StoreContext) {}

  private fail(e: unknown): KioskError {
    return dbError(this.ctx, e);
  }

  /** A row as a job; a damaged row is set aside (and returned in its set-aside form). */
  private rowToJob(r: JobRow): JournalJob {
    const parsed = parseData(r.data);
    if (parsed.ok) return toJob(r, parsed.data);
    this.setAside(r.job_id, parsed.problem);
    const after = this.ctx.db.prepare('SELECT * FROM jobs WHERE job_id = ?').get(r.job_id) as JobRow;
    return toJob(after, {});
  }

  /**
   * Set a job's journal row aside: the job is finished as 'needs-attention' (so it is never
   * resumed), its raw data is kept in journal_attention with the problem, and it is listed by
   * needsAttention() until clearAttention() is called. Returns the entry.
   */
  setAside(jobId: string, problem: string): JournalAttention {
    const now = this.ctx.clock.now();
    try {
      this.ctx.db.transaction(() => {
        const row = this.ctx.db.prepare('SELECT * FROM jobs WHERE job_id = ?').get(jobId) as JobRow | undefined;
        if (!row) throw new KioskError('RECORD_NOT_FOUND', { detail: `job ${jobId}` });
        this.ctx.db
          .prepare('INSERT INTO journal_attention (job_id, dev_id, port_id, state, problem, raw, found_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(job_id) DO NOTHING')
          .run(jobId, row.dev_id || null, row.port_id, row.state, problem, row.data, now);
        this.ctx.db.prepare("UPDATE jobs SET state = ?, data = '{}', updated_at = ?, finished_at = COALESCE(finished_at, ?) WHERE job_id = ?").run(SET_ASIDE_STATE, now, now, jobId);
      }).immediate();
    } catch (e) {
      throw this.fail(e);
    }
    return this.needsAttention().find((a) => a.jobId === jobId)!;
  }

  /** Jobs whose journal rows were damaged and set aside, oldest first, with what to do. */
  needsAttention(): JournalAttention[] {
    const rows = this.ctx.db.prepare('SELECT job_id, dev_id, port_id, state, problem, found_at FROM journal_attention ORDER BY found_at, job_id').all() as {
      job_id: string;
      dev_id: string | null;
      port_id: string | null;
      state: string | null;
      problem: string;
      found_at: number;
    }[];
    return rows.map((r) => {
      const e = new KioskError('JOURNAL_ROW_CORRUPT', { detail: r.job_id });
      return { jobId: r.job_id, devId: r.dev_id, portId: r.port_id, state: r.state, problem: r.problem, error: { code: 'JOURNAL_ROW_CORRUPT', message: e.message }, foundAt: r.found_at };
    });
  }

  /** Someone has dealt with a set-aside job: remove its note (and the damaged data kept with it). */
  clearAttention(jobId: string): boolean {
    try {
      return this.ctx.db.prepare('DELETE FROM journal_attention WHERE job_id = ?').run(jobId).changes > 0;
    } catch (e) {
      throw this.fail(e);
    }
  }

  /** Check every unfinished job's row and set the damaged ones aside; returns those set aside now. */
  sweepDamaged(): JournalAttention[] {
    const before = new Set(this.needsAttention().map((a) => a.jobId));
    this.listUnfinished();
    return this.needsAttention().filter((a) => !before.has(a.jobId));
  }

  createJob(job: NewJob): JournalJob {
    const now = this.ctx.clock.now();
    const state = job.state ?? 'queued';
    const data = job.data ?? {};
    try {
      this.ctx.db.transaction(() => {
        this.ctx.db
          .prepare('INSERT INTO jobs (job_id, dev_id, bundle_id, port_id, state, data, acked_bytes, created_at, updated_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)')
          .run(job.jobId, job.devId, job.bundleId ?? null, job.portId ?? null, state, JSON.stringify(data), now, now, isTerminalStateName(state) ? now : null);
        this.ctx.db.prepare('INSERT INTO job_transitions (job_id, state, data, at) VALUES (?, ?, ?, ?)').run(job.jobId, state, JSON.stringify(data), now);
      }).immediate();
    } catch (e) {
      if (e instanceof Error && /UNIQUE|PRIMARY KEY/.test(e.message)) throw new KioskError('INVALID_REQUEST', { detail: `job ${job.jobId} already exists` });
      throw this.fail(e);
    }
    return this.getJob(job.jobId)!;
  }

  /**
   * Append a state change durably. `final` defaults to whether the state is terminal (isTerminalStateName);
   * a finished job is no longer listed by listUnfinished().
   */
  recordTransition(jobId: string, state: string, data: JsonObject = {}, options: { final?: boolean } = {}): JournalJob {
    const now = this.ctx.clock.now();
    const final = options.final ?? isTerminalStateName(state);
    try {
      this.ctx.db.transaction(() => {
        const row = this.ctx.db.prepare('SELECT data FROM jobs WHERE job_id = ?').get(jobId) as { data: string } | undefined;
        if (!row) throw new KioskError('RECORD_NOT_FOUND', { detail: `job ${jobId}` });
        const before = parseData(row.data);
        // A damaged row is replaced by this transition's data rather than stopping the job.
        const merged = { ...(before.ok ? before.data : {}), ...data };
        this.ctx.db
          .prepare('UPDATE jobs SET state = ?, data = ?, updated_at = ?, finished_at = CASE WHEN ? THEN COALESCE(finished_at, ?) ELSE NULL END WHERE job_id = ?')
          .run(state, JSON.stringify(merged), now, final ? 1 : 0, now, jobId);
        this.ctx.db.prepare('INSERT INTO job_transitions (job_id, state, data, at) VALUES (?, ?, ?, ?)').run(jobId, state, JSON.stringify(data), now);
      }).immediate();
    } catch (e) {
      throw this.fail(e);
    }
    return this.getJob(jobId)!;
  }

  /** Record how far the download got (bytes the device acknowledged), for resuming. */
  checkpoint(jobId: string, progress: { ackedBytes: number }): void {
    if (!Number.isSafeInteger(progress.ackedBytes) || progress.ackedBytes < 0) {
      throw new KioskError('INVALID_REQUEST', { detail: `ackedBytes must be a whole number >= 0, got ${progress.ackedBytes}` });
    }
    let r: { changes: number };
    try {
      r = this.ctx.db.prepare('UPDATE jobs SET acked_bytes = ?, updated_at = ? WHERE job_id = ?').run(progress.ackedBytes, this.ctx.clock.now(), jobId);
    } catch (e) {
      throw this.fail(e);
    }
    if (r.changes === 0) throw new KioskError('RECORD_NOT_FOUND', { detail: `job ${jobId}` });
  }

  getJob(jobId: string): JournalJob | undefined {
    const r = this.ctx.db.prepare('SELECT * FROM jobs WHERE job_id = ?').get(jobId) as JobRow | undefined;
    return r ? this.rowToJob(r) : undefined;
  }

  transitions(jobId: string): JobTransition[] {
    const rows = this.ctx.db.prepare('SELECT seq, state, data, at FROM job_transitions WHERE job_id = ? ORDER BY seq').all(jobId) as {
      seq: number;
      state: string;
      data: string;
      at: number;
    }[];
    return rows.map((r) => {
      const d = parseData(r.data);
      return { seq: r.seq, state: r.state, data: d.ok ? d.data : {}, at: r.at };
    });
  }

  /** Jobs that were not finished when the kiosk stopped (oldest first): resume or close them. */
  listUnfinished(): JournalJob[] {
    return (this.ctx.db.prepare('SELECT * FROM jobs WHERE finished_at IS NULL ORDER BY created_at, job_id').all() as JobRow[])
      .map((r) => this.rowToJob(r))
      .filter((j) => j.finishedAt === null);
  }

  /** Recent jobs, newest first. */
  list(limit = 100): JournalJob[] {
    return (this.ctx.db.prepare('SELECT * FROM jobs ORDER BY created_at DESC, job_id LIMIT ?').all(limit) as JobRow[]).map((r) => this.rowToJob(r));
  }
}
