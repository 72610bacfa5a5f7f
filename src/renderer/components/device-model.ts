/**
 * What a device card shows and which actions it offers, derived from the device, its current
 * job and the pending consent request. Pure, so it is unit tested without React.
 */
import type { ApiError, ConsentRequest, DeviceView, JobPhase, JobView, Problem } from '../../shared/api';
import { progressView, type ProgressSample, type ProgressView } from '../store/progress';

export type DeviceAction = 'start' | 'handToCustomer' | 'cancel' | 'retry';

export const TERMINAL_PHASES: readonly JobPhase[] = ['completed', 'failed', 'cancelled', 'declined'];
/** Phases in which the bytes are on their way or already there. */
const AFTER_DOWNLOAD: readonly JobPhase[] = ['installing', 'verifying', 'completed'];

export function isActivePhase(phase: JobPhase | null | undefined): boolean {
  return phase !== null && phase !== undefined && !TERMINAL_PHASES.includes(phase);
}

export interface DeviceCardModel {
  portId: string;
  /** i18n key of the status line: phase.<phase> while a job exists, state.<state> otherwise. */
  statusKey: string;
  tone: 'ok' | 'warn' | 'bad' | 'neutral';
  /** 0..100 while a job is running or done; null when no job. */
  percent: number | null;
  speedBps: number | null;
  etaSeconds: number | null;
  /** The bar and its figures (see ../store/progress). */
  progress: ProgressView;
  actions: DeviceAction[];
  /** The consent request to hand over, when that is an action. */
  requestId: string | null;
  /** The technician confirmed the cancel and the job has not ended yet. */
  cancelling: boolean;
  /** No bundle at all in the catalogue: the card says so instead of "no update for this model". */
  catalogEmpty: boolean;
  /** The device's problems, without the one the job's error already says. */
  problems: Problem[];
  /** The error to show once (not for a decline, which is calm). */
  error: ApiError | null;
}

export interface DeviceCardOptions {
  /** The job's progress samples, for the speed and time left. */
  samples?: readonly ProgressSample[];
  /** The technician confirmed cancelling this job. */
  cancelling?: boolean;
  /** The catalogue holds no bundle at all. */
  catalogEmpty?: boolean;
}

function toneOf(device: DeviceView, job: JobView | undefined): DeviceCardModel['tone'] {
  const phase = job?.phase ?? null;
  if (phase === 'failed' || device.state === 'failed') return 'bad';
  if (device.state === 'blocked' || phase === 'cancelled' || phase === 'declined') return 'warn';
  if (phase === 'completed' || device.state === 'updated' || device.state === 'up-to-date') return 'ok';
  return 'neutral';
}

export function deviceCardModel(
  device: DeviceView,
  job: JobView | undefined,
  pending: readonly ConsentRequest[],
  options: DeviceCardOptions = {},
): DeviceCardModel {
  const phase = job?.phase ?? null;
  const active = isActivePhase(phase);
  const cancelling = active && options.cancelling === true;
  const actions: DeviceAction[] = [];
  const request = job ? pending.find((r) => r.jobId === job.jobId) : undefined;

  if (!active && device.state === 'update-available' && !(job && (phase === 'failed' || phase === 'cancelled' || phase === 'declined'))) {
    actions.push('start');
  }
  if (active && phase === 'awaiting-consent' && request && request.consentMode === 'customer') actions.push('handToCustomer');
  if (active && !cancelling) actions.push('cancel');
  if (job && (phase === 'failed' || phase === 'cancelled' || phase === 'declined') && device.state !== 'up-to-date' && device.state !== 'updated') {
    actions.push('retry');
  }

  const progress = progressView(job, options.samples);
  let percent: number | null = null;
  if (job) percent = phase && AFTER_DOWNLOAD.includes(phase) ? 100 : (progress.percent ?? 0);
  const catalogEmpty = !job && device.state === 'no-update' && options.catalogEmpty === true;
  const error = job?.error && phase !== 'declined' ? job.error : null;

  return {
    portId: device.portId,
    statusKey: cancelling ? 'bench.cancelling' : catalogEmpty ? 'state.catalogEmpty' : job && phase ? `phase.${phase}` : `state.${device.state}`,
    tone: toneOf(device, job),
    percent,
    speedBps: progress.speedBps,
    etaSeconds: progress.etaSeconds,
    progress,
    actions,
    requestId: request?.requestId ?? null,
    cancelling,
    catalogEmpty,
    problems: error ? device.problems.filter((p) => p.code !== error.code) : [...device.problems],
    error,
  };
}

/** Stable order: by the time the device was attached, then by port id (never by status). */
export function sortDevices(devices: readonly DeviceView[]): DeviceView[] {
  return [...devices].sort((a, b) => a.attachedAt - b.attachedAt || a.portId.localeCompare(b.portId));
}

/** Where the phone is on the bench: the slot an administrator named, else the port as people read it, else its id. */
export function placeOf(device: Pick<DeviceView, 'portId' | 'slot' | 'portLabel'>): string {
  return device.slot?.trim() || device.portLabel?.trim() || device.portId;
}
