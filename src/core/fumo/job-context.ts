/**
 * What the phases of a FumoJob (identification, consent, download, install, verification, the
 * audit trail) may use of their job: its ports and settings, the snapshot, the journal (every
 * transition written before it takes effect), the session and the wait for the device to return.
 */
import { isKioskError, type KioskError } from '../errors';
import { describeError, type ErrorCode, type ErrorDetails } from '../../shared/errors';
import type {
  DeviceFacts,
  DeviceNodeMap,
  FumoPorts,
  FumoSession,
  FumoSettings,
  InstallSchedule,
  JobProgress,
  JobSnapshot,
  JobState,
  JobTrigger,
  UpdateOffer,
} from './ports';

export interface FumoJobOptions {
  jobId: string;
  trigger: JobTrigger;
  portId?: string;
  /** Expected device (e.g. the technician picked it); checked against package 1. */
  devId?: string;
  bundleId?: string;
  /** Preset schedule (CLI --schedule); otherwise the customer's choice, default now. */
  schedule?: InstallSchedule;
  technician?: string;
  nodes?: DeviceNodeMap;
  /** The operator allows a low battery when the device reports external power. */
  allowBatteryOverride?: boolean;
}

export type FumoJobEvent = { type: 'state'; snapshot: JobSnapshot } | { type: 'progress'; progress: JobProgress };

/** The states a job ends in. */
export type FinalState = 'up-to-date' | 'done' | 'declined' | 'failed' | 'cancelled';

export interface JobOutcome {
  code: string;
  message: string;
  fumoResultCode?: number;
}

export interface JobContext {
  readonly ports: FumoPorts;
  readonly settings: FumoSettings;
  readonly nodes: DeviceNodeMap;
  readonly options: FumoJobOptions;
  /** Aborted when the job is cancelled. */
  readonly signal: AbortSignal;
  readonly snap: JobSnapshot;
  /** The session with the device, if there is one now. */
  readonly currentSession: FumoSession | undefined;
  requireSession(): FumoSession;
  requireFacts(): DeviceFacts;
  requireOffer(): UpdateOffer;
  requireDownload(): NonNullable<JobSnapshot['download']>;
  checkCancelled(): void;
  /** Change the snapshot in memory only; the next record or transition journals it. */
  remember(patch: Partial<JobSnapshot>): void;
  /** Journal a change that is not a transition (resume point, exec status, ...). */
  record(patch: Partial<JobSnapshot>): Promise<void>;
  /** A transition: journaled first, then it takes effect. */
  enter(state: JobState, patch?: Partial<JobSnapshot>): Promise<void>;
  finish(state: FinalState, error: KioskError | undefined, outcome?: JobOutcome, patch?: Partial<JobSnapshot>): Promise<void>;
  /** End the session and wait for the same DevId to open a new one; parks the job if it does not in time. */
  awaitDevice(reason: 'reboot' | 'reconnect', timeoutMs: number, cause: unknown): Promise<void>;
  emit(e: FumoJobEvent): void;
  newCorrelator(): string;
}

const DISCONNECT_CODES: readonly string[] = ['CABLE_UNPLUGGED', 'LINK_TIMEOUT', 'SESSION_ABORTED'];

export function isDisconnect(e: unknown): boolean {
  return isKioskError(e) && DISCONNECT_CODES.includes(e.code);
}

/** Signals that the job stops here until its device returns; it is not an outcome. */
export class ParkSignal extends Error {
  constructor(readonly error: KioskError) {
    super(error.message);
  }
}

export function toJobError(e: unknown): { code: ErrorCode; message: string; details?: ErrorDetails } {
  if (isKioskError(e)) return { code: e.code, message: e.message, details: e.details };
  const detail = e instanceof Error ? e.message : String(e);
  return { code: 'INTERNAL', message: describeError('INTERNAL', { detail }), details: { detail } };
}
