/**
 * What a device card shows and which actions it offers, derived from the device, its current
 * job and the pending consent request. Pure, so it is unit tested without React.
 */
import type { ConsentRequest, DeviceView, JobPhase, JobView } from '../../shared/api';
import { percentDone } from '../i18n/format';

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
  actions: DeviceAction[];
  /** The consent request to hand over, when that is an action. */
  requestId: string | null;
}

function toneOf(device: DeviceView, job: JobView | undefined): DeviceCardModel['tone'] {
  const phase = job?.phase ?? null;
  if (phase === 'failed' || device.state === 'failed') return 'bad';
  if (device.state === 'blocked' || phase === 'cancelled' || phase === 'declined') return 'warn';
  if (phase === 'completed' || device.state === 'updated' || device.state === 'up-to-date') return 'ok';
  return 'neutral';
}

export function deviceCardModel(device: DeviceView, job: JobView | undefined, pending: readonly ConsentRequest[]): DeviceCardModel {
  const phase = job?.phase ?? null;
  const active = isActivePhase(phase);
  const actions: DeviceAction[] = [];
  const request = job ? pending.find((r) => r.jobId === job.jobId) : undefined;

  if (!active && device.state === 'update-available' && !(job && (phase === 'failed' || phase === 'cancelled' || phase === 'declined'))) {
    actions.push('start');
  }
  if (active && phase === 'awaiting-consent' && request && request.consentMode === 'customer') actions.push('handToCustomer');
  if (active) actions.push('cancel');
  if (job && (phase === 'failed' || phase === 'cancelled' || phase === 'declined') && device.state !== 'up-to-date' && device.state !== 'updated') {
    actions.push('retry');
  }

  let percent: number | null = null;
  if (job) {
    if (phase && AFTER_DOWNLOAD.includes(phase)) percent = 100;
    else percent = percentDone(job.bytesSent, job.bytesTotal);
  }

  return {
    portId: device.portId,
    statusKey: job && phase ? `phase.${phase}` : `state.${device.state}`,
    tone: toneOf(device, job),
    percent,
    speedBps: phase === 'downloading' ? (job?.speedBps ?? null) : null,
    etaSeconds: phase === 'downloading' ? (job?.etaSeconds ?? null) : null,
    actions,
    requestId: request?.requestId ?? null,
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
