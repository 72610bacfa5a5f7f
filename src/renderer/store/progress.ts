/**
 * What a person sees of an update's progress, from pure functions: the samples the store keeps
 * of each job's bytes (with the time they arrived, given by the caller), and the view derived from
 * a job and its samples. The bar and its label both read `percent`, so they always agree; the
 * speed falls back to what the samples show when the Node side has not sent one yet, and the time
 * left is recomputed from the latest figures each time they arrive.
 */
import type { JobPhase, JobView } from '../../shared/api';

/** Bytes a job had sent when the renderer heard of them. */
export interface ProgressSample {
  at: number;
  bytes: number;
}

/** Speeds are averaged over this window (the Node side's convention). */
export const SPEED_WINDOW_MS = 5000;
/** A speed needs samples at least this far apart to mean anything. */
const MIN_SPAN_MS = 900;

/** Keep `bytes` as a new sample when it moved; drop the samples older than the window (but one). */
export function addSample(samples: readonly ProgressSample[] | undefined, bytes: number, at: number): ProgressSample[] {
  const list = samples ?? [];
  const last = list[list.length - 1];
  if (last && bytes === last.bytes) return list as ProgressSample[];
  // Bytes went back (a retry or a resumed transfer started again): start over.
  const base = last && bytes < last.bytes ? [] : list;
  const next = [...base, { at, bytes }];
  const cutoff = at - SPEED_WINDOW_MS;
  let first = 0;
  while (first < next.length - 2 && next[first + 1]!.at <= cutoff) first++;
  return next.slice(first);
}

/** Bytes per second over the samples, or null when they do not span long enough to tell. */
export function measuredSpeed(samples: readonly ProgressSample[] | undefined): number | null {
  if (!samples || samples.length < 2) return null;
  const a = samples[0]!;
  const b = samples[samples.length - 1]!;
  const span = b.at - a.at;
  if (span < MIN_SPAN_MS || b.bytes <= a.bytes) return null;
  return ((b.bytes - a.bytes) * 1000) / span;
}

export type ProgressStage =
  | 'none' // no job
  | 'preparing' // the job runs but the transfer has not begun
  | 'estimating' // sending, no figures yet to tell the speed and the time left
  | 'sending'
  | 'installing'
  | 'verifying'
  | 'done'
  | 'scheduled'
  | 'failed'
  | 'cancelled'
  | 'declined';

/** How the bar is drawn: filling, finished, stopped by an error, or stopped on purpose. */
export type ProgressTone = 'active' | 'done' | 'error' | 'stopped';

export interface ProgressView {
  stage: ProgressStage;
  /** Whole percent for both the bar and its label; null: nothing to show yet (empty track, no figure). */
  percent: number | null;
  speedBps: number | null;
  etaSeconds: number | null;
  tone: ProgressTone;
}

/** Whole percent, rounded down so 100 % appears only when every byte is there. */
export function wholePercent(done: number, total: number): number {
  if (!Number.isFinite(done) || !Number.isFinite(total) || total <= 0) return 0;
  return Math.min(100, Math.max(0, Math.floor((done / total) * 100)));
}

const PREPARING: readonly JobPhase[] = ['queued', 'connecting', 'capabilities', 'preflight', 'awaiting-consent', 'awaiting-device-consent'];

export function progressView(job: JobView | undefined, samples?: readonly ProgressSample[]): ProgressView {
  if (!job) return { stage: 'none', percent: null, speedBps: null, etaSeconds: null, tone: 'active' };
  const sent = job.bytesTotal > 0 ? wholePercent(job.bytesSent, job.bytesTotal) : null;
  const stopped = (stage: ProgressStage, tone: ProgressTone): ProgressView => ({
    stage,
    // Where it stopped: a full bar only when every byte was sent.
    percent: sent,
    speedBps: null,
    etaSeconds: null,
    tone,
  });
  switch (job.phase) {
    case 'downloading': {
      const given = job.speedBps !== null && job.speedBps > 0 ? job.speedBps : null;
      const speedBps = given ?? measuredSpeed(samples);
      const remaining = Math.max(0, job.bytesTotal - job.bytesSent);
      const etaSeconds =
        speedBps !== null && job.bytesTotal > 0 ? Math.ceil(remaining / speedBps) : given === null && job.etaSeconds !== null ? job.etaSeconds : null;
      const known = speedBps !== null || etaSeconds !== null;
      return { stage: known ? 'sending' : 'estimating', percent: sent ?? 0, speedBps, etaSeconds, tone: 'active' };
    }
    case 'installing':
    case 'verifying':
      return { stage: job.phase, percent: 100, speedBps: null, etaSeconds: null, tone: 'active' };
    case 'completed':
      return { stage: 'done', percent: 100, speedBps: null, etaSeconds: null, tone: 'done' };
    case 'scheduled':
      return { stage: 'scheduled', percent: 100, speedBps: null, etaSeconds: null, tone: 'done' };
    case 'failed':
      return stopped('failed', 'error');
    case 'cancelled':
      return stopped('cancelled', 'stopped');
    case 'declined':
      return stopped('declined', 'stopped');
    default:
      if (PREPARING.includes(job.phase)) return { stage: 'preparing', percent: null, speedBps: null, etaSeconds: null, tone: 'active' };
      return { stage: 'none', percent: null, speedBps: null, etaSeconds: null, tone: 'active' };
  }
}
