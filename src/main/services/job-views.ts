/**
 * What the screens see of a job: the JobView built from the job's snapshot plus what the
 * service knows beside it (its port, how consent is given, the progress figures, a pulled
 * cable), and the device card's state that follows from the job.
 */
import { isTerminal, outcomeOfState, type JobProgress, type JobSnapshot, type JobState } from '../../core/fumo/ports';
import { maskDevId } from '../../shared/api';
import { describeError } from '../../shared/errors';
import type { ConsentMode, DeviceState, DeviceView, JobPhase, JobResult, JobView } from '../../shared/schemas';
import { problemOf } from './bench-card';

export interface JobInfo {
  portId: string;
  consentMode: ConsentMode;
  retryOf: string | null;
  bytesSent: number;
  bytesTotal: number;
  speedBps: number | null;
  etaSeconds: number | null;
  finishedAt: number | null;
}

const PHASES: Record<JobState, JobPhase> = {
  discovered: 'queued',
  session: 'connecting',
  identified: 'capabilities',
  matched: 'capabilities',
  'pre-flight': 'preflight',
  'awaiting-customer-consent': 'awaiting-consent',
  'awaiting-device-consent': 'awaiting-device-consent',
  downloading: 'downloading',
  scheduled: 'scheduled',
  installing: 'installing',
  verifying: 'verifying',
  notifying: 'verifying',
  done: 'completed',
  'up-to-date': 'completed',
  declined: 'declined',
  failed: 'failed',
  cancelled: 'cancelled',
};

export function phaseOf(s: JobSnapshot): JobPhase {
  return PHASES[s.state];
}

export function resultOf(s: JobSnapshot): JobResult | null {
  // A scheduled job that still runs has no result yet; a parked one waits for its install.
  if (s.state === 'scheduled' && !s.parked) return null;
  return outcomeOfState(s.state);
}

function cleanDetails(d: Record<string, string | number | undefined> | undefined): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(d ?? {})) if (v !== undefined) out[k] = v;
  return out;
}

/** The card's state once a job has run on the phone. */
export function deviceStateAfter(s: JobSnapshot, card: DeviceView): DeviceState {
  if (s.state === 'done') return 'updated';
  if (s.state === 'up-to-date') return 'up-to-date';
  if (s.state === 'failed') return 'failed';
  if (s.state === 'declined' || s.state === 'cancelled') return card.targetVersion ? 'update-available' : card.state;
  return 'updating';
}

/** The device card with what a job says about its phone. */
export function cardWithJob(card: DeviceView, s: JobSnapshot, phase: JobPhase): DeviceView {
  const next: DeviceView = {
    ...card,
    jobId: s.jobId,
    phase,
    state: deviceStateAfter(s, card),
    ...(s.facts ? { fwVersion: s.finalVersion ?? s.facts.fwVersion, model: s.facts.model, devId: maskDevId(s.facts.devId) } : {}),
    ...(s.facts?.batteryPercent !== undefined ? { battery: Math.max(0, Math.min(100, s.facts.batteryPercent)) } : {}),
    ...(s.offer ? { targetVersion: s.offer.targetVersion, bundleId: s.offer.bundleId } : {}),
    ...(s.error && s.state === 'failed' ? { problems: [problemOf(s.error.code, s.error.details ?? {})] } : {}),
  };
  // The card shows the job's error (CABLE_UNPLUGGED while it waits for the phone): no second copy here.
  if (s.state !== 'failed') next.problems = next.problems.filter((p) => p.code !== 'CABLE_UNPLUGGED');
  return next;
}

export class JobViews {
  private readonly info = new Map<string, JobInfo>();
  /** Jobs waiting for a phone whose cable was pulled: shown as CABLE_UNPLUGGED until it is back. */
  private readonly cableOut = new Map<string, string>();

  /** The service's facts about a job, created on first sight. */
  infoFor(jobId: string, portId: string, consentMode: ConsentMode, retryOf: string | null = null): JobInfo {
    let info = this.info.get(jobId);
    if (!info) {
      info = { portId, consentMode, retryOf, bytesSent: 0, bytesTotal: 0, speedBps: null, etaSeconds: null, finishedAt: null };
      this.info.set(jobId, info);
    }
    return info;
  }

  get(jobId: string): JobInfo | undefined {
    return this.info.get(jobId);
  }

  /** Figures from the job's own sending. */
  progress(p: JobProgress): JobInfo | undefined {
    const info = this.info.get(p.jobId);
    if (!info) return undefined;
    info.bytesSent = p.bytesSent;
    info.bytesTotal = p.totalBytes;
    info.speedBps = p.speedBps;
    info.etaSeconds = p.etaSeconds ?? null;
    return info;
  }

  /** Figures from the phone's own download from the payload server. */
  served(jobId: string, served: number, total: number): JobInfo | undefined {
    const info = this.info.get(jobId);
    if (!info) return undefined;
    info.bytesSent = Math.min(served, total);
    info.bytesTotal = total;
    return info;
  }

  markCableOut(jobId: string, devId: string): void {
    this.cableOut.set(jobId, devId);
  }

  /** The jobs of a phone that is back: their cable problem is over. */
  clearCableOut(devId: string): string[] {
    const cleared: string[] = [];
    for (const [jobId, d] of this.cableOut) {
      if (d !== devId) continue;
      this.cableOut.delete(jobId);
      cleared.push(jobId);
    }
    return cleared;
  }

  /** A new snapshot of a job: the service's facts follow it. */
  observe(s: JobSnapshot): JobInfo {
    if (isTerminal(s.state)) this.cableOut.delete(s.jobId);
    const info = this.infoFor(s.jobId, s.portId ?? `dev:${s.devId ?? '?'}`, 'customer');
    if (s.download) {
      info.bytesTotal = s.download.totalBytes;
      info.bytesSent = Math.max(info.bytesSent, s.download.acknowledgedBytes);
    }
    if (isTerminal(s.state) && info.finishedAt === null) info.finishedAt = s.updatedAt;
    return info;
  }

  view(s: JobSnapshot): JobView {
    const info = this.infoFor(s.jobId, s.portId ?? `dev:${s.devId ?? '?'}`, 'customer');
    const err =
      this.cableOut.has(s.jobId) && !isTerminal(s.state)
        ? { code: 'CABLE_UNPLUGGED' as const, message: describeError('CABLE_UNPLUGGED'), details: {} }
        : s.error && (isTerminal(s.state) || s.parked)
          ? { code: s.error.code, message: s.error.message, details: cleanDetails(s.error.details) }
          : null;
    return {
      jobId: s.jobId,
      portId: info.portId,
      devId: s.devId ? maskDevId(s.devId) : null,
      model: s.facts?.model ?? null,
      bundleId: s.offer?.bundleId ?? s.requestedBundleId ?? null,
      fromVersion: s.facts?.fwVersion ?? null,
      targetVersion: s.offer?.targetVersion ?? null,
      schedule: s.schedule,
      consentMode: s.customerConsent?.by ?? info.consentMode,
      phase: phaseOf(s),
      bytesSent: s.download?.complete ? s.download.totalBytes : info.bytesSent,
      bytesTotal: s.download?.totalBytes ?? info.bytesTotal,
      speedBps: s.state === 'downloading' ? info.speedBps : null,
      etaSeconds: s.state === 'downloading' ? info.etaSeconds : null,
      result: resultOf(s),
      error: err,
      retryOf: info.retryOf,
      historyId: s.auditId ?? null,
      startedAt: s.createdAt,
      updatedAt: s.updatedAt,
      finishedAt: info.finishedAt,
    };
  }
}
