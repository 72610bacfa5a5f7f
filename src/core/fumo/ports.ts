/**
 * What one FUMO job needs from the world, as small interfaces. The job (./job) is pure and is
 * driven only through these ports; src/main/services wires them to the real session engine,
 * store, catalogue and UI, and the unit tests wire them to fakes.
 */
import type { Clock, RandomSource } from '../clock';
import type { DmSession } from '../session/api';
import type { ErrorCode, ErrorDetails } from '../../shared/errors';
import { CONSENT_TEXT_VERSION } from './consent-text';

/** The part of a DM session the job uses (a real DmSession satisfies it). */
export type FumoSession = Pick<
  DmSession,
  | 'hello'
  | 'genericAlerts'
  | 'ended'
  | 'get'
  | 'add'
  | 'replace'
  | 'replaceLarge'
  | 'exec'
  | 'display'
  | 'confirm'
  | 'waitForGenericAlert'
  | 'end'
>;

export const JOB_STATES = [
  'discovered',
  'session',
  'identified',
  'up-to-date',
  'matched',
  'pre-flight',
  'awaiting-customer-consent',
  'awaiting-device-consent',
  'downloading',
  /** "Download now, install later": the payload is on the device; the Update Exec waits for a later session. */
  'scheduled',
  'installing',
  'verifying',
  'notifying',
  'done',
  'declined',
  'failed',
  'cancelled',
] as const;
export type JobState = (typeof JOB_STATES)[number];

export const TERMINAL_STATES: readonly JobState[] = ['up-to-date', 'done', 'declined', 'failed', 'cancelled'];
export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** Whether a stored state name is one of the job's terminal states (journal rows hold plain strings). */
export function isTerminalStateName(state: string): boolean {
  return (TERMINAL_STATES as readonly string[]).includes(state);
}

/** How an attempt ended, as the history and the screens name it. */
export type AttemptOutcome = 'success' | 'up-to-date' | 'declined' | 'cancelled' | 'failed' | 'scheduled';

/**
 * The outcome a state stands for: each terminal state its own, `scheduled` (the payload is on the
 * phone, the install waits for a later session) 'scheduled', every other state none yet.
 */
export function outcomeOfState(state: JobState): AttemptOutcome | null {
  switch (state) {
    case 'done':
      return 'success';
    case 'up-to-date':
    case 'declined':
    case 'cancelled':
    case 'failed':
    case 'scheduled':
      return state;
    default:
      return null;
  }
}

/** Who started the update: the technician at the kiosk (package 0, Alert 1200) or the customer on the phone (Alert 1201). */
export type JobTrigger = 'technician' | 'customer';
export type InstallSchedule = 'now' | 'later';

/** Where a device keeps the values the job reads; from the device profile (src/main/links/profiles). */
export interface DeviceNodeMap {
  /** The FUMO MO root, e.g. ./FUMO/1. When absent the job discovers it with ?prop=Type. */
  fumoUri?: string;
  /** Interior nodes to search for the FUMO MO when fumoUri is absent (default ./FUMO, ./ManagedObjects/FUMO, ./Vendor). */
  fumoSearchRoots?: string[];
  /** Battery level in percent, e.g. ./DevDetail/Ext/Battery. */
  batteryUri?: string;
  /** External power present ("true"/"1"/"AC"/"USB"), e.g. ./DevDetail/Ext/ExternalPower. */
  externalPowerUri?: string;
  /** Free space in bytes, e.g. ./DevDetail/Ext/FreeSpace. */
  freeSpaceUri?: string;
  /** The link can reach an HTTP server of the kiosk (DownloadAndUpdate with a PkgURL is possible). */
  httpCapable?: boolean;
  /**
   * The device continues an interrupted PkgData transfer at the offset it acknowledged (a resumed
   * Replace whose first chunk starts there). Without it an interrupted transfer restarts cleanly at 0.
   */
  resumeSupported?: boolean;
  /** Where the device reports how many PkgData bytes it holds (vendor extension), e.g. <fumo>/Ext/ReceivedBytes. */
  receivedBytesUri?: string;
  /**
   * Where the device keeps the identity of the package in PkgData (vendor extension; default
   * <fumo>/Ext/PkgId when resumeSupported): the job writes the bundle's SHA-256 there before each transfer, so the
   * device continues a held partial package only for the same package.
   */
  pkgIdUri?: string;
}

/** What the capability exchange learned about the device. */
export interface DeviceFacts {
  devId: string;
  manufacturer: string;
  model: string;
  fwVersion: string;
  language?: string;
  largeObjects: boolean;
  fumoUri: string;
  batteryPercent?: number;
  externalPower?: boolean;
  freeBytes?: number;
}

/** An update the catalogue offers for a device. */
export interface UpdateOffer {
  bundleId: string;
  manufacturer: string;
  models: string[];
  fromVersions: string[];
  targetVersion: string;
  /** Bytes sent to the device (what openPayload reads). */
  sizeBytes: number;
  /** Hex SHA-256 of the firmware payload (recorded in the audit). */
  sha256: string;
  severity?: string;
  /** Release notes by language code. */
  releaseNotes?: Record<string, string>;
  approvalRef?: string;
  /** Extra free space the install needs beyond the payload (bytes); default 0. */
  extraSpaceBytes?: number;
}

/** A refusal the catalogue's rules produced (model mismatch, downgrade, not approved ...). */
export interface Refusal {
  code: ErrorCode;
  details: ErrorDetails;
}

export type CatalogMatch = { kind: 'up-to-date' } | { kind: 'offer'; offer: UpdateOffer } | { kind: 'refused'; refusal: Refusal };

/** Random-access payload reader: never the whole payload in memory. */
export interface PayloadReader {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  close?(): Promise<void>;
}

/** Checks the bytes as they are sent, in order; a failure stops the transfer before its last byte. */
export interface PayloadVerifier {
  update(chunk: Uint8Array): void;
  /** True once a failure is certain. */
  readonly failed: boolean;
  /** After the last byte: undefined when intact, else what is wrong. */
  finish(): string | undefined;
}

export interface CatalogPort {
  /** Find the update for this device (or the named bundle, checked against the device). */
  match(facts: DeviceFacts, bundleId?: string): Promise<CatalogMatch>;
  /** The bytes sent to the device as <fumo>/Update/PkgData (offer.sizeBytes long). */
  openPayload(bundleId: string): Promise<PayloadReader>;
  /** A verifier for the sent bytes; without one the job checks SHA-256 of the sent bytes against offer.sha256. */
  createVerifier?(bundleId: string): PayloadVerifier;
  /** A URL the device can fetch the payload from (HTTP-capable links only). */
  payloadUrl?(bundleId: string, devId: string): Promise<string | undefined>;
}

/** One durable record per transition; the job writes it BEFORE the transition takes effect. */
export interface JournalPort {
  record(snapshot: JobSnapshot): Promise<void>;
  /** Jobs whose latest record is not terminal (for resume after a restart). */
  unfinished(): Promise<JobSnapshot[]>;
}

export interface AuditBegin {
  jobId: string;
  devId: string;
  model: string;
  manufacturer: string;
  fromVersion: string;
  toVersion?: string;
  bundleId?: string;
  bundleSha256?: string;
  trigger: JobTrigger;
  technician?: string;
  startedAt: number;
}

export interface AuditCompletion {
  state: JobState;
  outcome: string;
  /** Stable code: OK, UP_TO_DATE, or the error code. */
  outcomeCode: string;
  fumoResultCode?: number;
  finalVersion?: string;
  customerConsent?: CustomerConsentRecord;
  deviceConsent?: DeviceConsentRecord;
  /** Milliseconds spent in each state, in order of first entry. */
  phaseTimings: Record<string, number>;
  /** When each state was first entered and last left. */
  phases?: Record<string, { startedAt: number; endedAt: number | null }>;
  bytesSent?: number;
  finishedAt: number;
}

export interface AuditPort {
  /** Returns the audit record id. */
  begin(record: AuditBegin): Promise<string>;
  complete(auditId: string, completion: AuditCompletion): Promise<void>;
}

export interface CustomerConsentRequest {
  jobId: string;
  devId: string;
  model: string;
  fromVersion: string;
  toVersion: string;
  sizeBytes: number;
  estimatedSeconds?: number;
  releaseNotes?: string;
  text: string;
  textVersion: string;
  /** Schedules the customer may choose from. */
  schedules: InstallSchedule[];
}

export interface CustomerConsentAnswer {
  accepted: boolean;
  /** 'operator': recorded as operator consent (refurbishment bench, no customer present). */
  by: 'customer' | 'operator';
  schedule?: InstallSchedule;
  /** The language the text was shown in. */
  language?: string;
  /** Versions of the privacy and warranty texts the customer was shown. */
  privacyVersion?: string;
  warrantyVersion?: string;
}

export interface CustomerConsentRecord {
  accepted: boolean;
  by: 'customer' | 'operator';
  text: string;
  textVersion: string;
  askedAt: number;
  answeredAt: number;
  schedule: InstallSchedule;
  language?: string;
  privacyVersion?: string;
  warrantyVersion?: string;
}

export interface DeviceConsentRecord {
  answer: 'yes' | 'no' | 'cancelled' | 'timeout' | 'unsupported';
  askedAt: number;
  answeredAt: number;
}

export interface ConsentPort {
  askCustomer(request: CustomerConsentRequest, signal: AbortSignal): Promise<CustomerConsentAnswer>;
}

/** Per-device DM credentials for this kiosk (bootstrap). */
export interface DmAccount {
  devId: string;
  serverId: string;
  serverAddress: string;
  /** Credentials the device presents to the kiosk. */
  clientName: string;
  clientSecret: string;
  /** Credentials the kiosk presents to the device. */
  serverName: string;
  serverSecret: string;
  authType: 'BASIC' | 'DIGEST' | 'HMAC';
}

export interface AccountsPort {
  has(devId: string): Promise<boolean>;
  save(account: DmAccount): Promise<void>;
  readonly serverId: string;
  readonly serverAddress: string;
}

/** The runner's side: a new session from the same DevId (after a reboot or a pulled cable). */
export interface SessionWaiter {
  /** Resolves with the next session opened by `devId`, or rejects on timeout or abort. */
  next(devId: string, reason: 'reboot' | 'reconnect', timeoutMs: number, signal: AbortSignal): Promise<FumoSession>;
}

export interface FumoSettings {
  batteryThresholdPercent: number;
  /** Device consent prompt (Alert 1101) timing in seconds. */
  deviceConsentMinSeconds: number;
  deviceConsentMaxSeconds: number;
  /** How long to wait for the device after Exec (install and reboot). */
  installTimeoutMs: number;
  /** After Exec, how long to keep the session open for a result sent at once (0: end it right away). */
  resultWaitInSessionMs: number;
  /**
   * While a consent is awaited on a live session, the pause between the harmless Gets that keep
   * it alive: the device's last message (an HTTP phone's POST) is answered within this time.
   */
  keepAliveIntervalMs: number;
  /** How long to wait for a pulled cable to come back before the job parks (resumable later). */
  reconnectTimeoutMs: number;
  consentTextVersion: string;
}

export const DEFAULT_FUMO_SETTINGS: FumoSettings = {
  batteryThresholdPercent: 30,
  deviceConsentMinSeconds: 0,
  deviceConsentMaxSeconds: 120,
  installTimeoutMs: 10 * 60_000,
  resultWaitInSessionMs: 0,
  keepAliveIntervalMs: 5000,
  reconnectTimeoutMs: 10 * 60_000,
  consentTextVersion: CONSENT_TEXT_VERSION,
};

export interface FumoPorts {
  catalog: CatalogPort;
  journal: JournalPort;
  audit: AuditPort;
  consent: ConsentPort;
  clock: Clock;
  random: RandomSource;
  sessions: SessionWaiter;
  accounts?: AccountsPort;
  settings?: Partial<FumoSettings>;
}

export interface JobProgress {
  jobId: string;
  devId?: string;
  phase: 'downloading' | 'installing';
  bytesSent: number;
  totalBytes: number;
  /** Bytes per second, 5-second sliding average. */
  speedBps: number;
  /** Seconds left at the current speed; undefined until a speed is known. */
  etaSeconds?: number;
}

export interface JobError {
  code: ErrorCode;
  message: string;
  details?: ErrorDetails;
}

/** Everything about a job, as journaled after each transition. JSON-serialisable. */
export interface JobSnapshot {
  jobId: string;
  state: JobState;
  trigger: JobTrigger;
  portId?: string;
  devId?: string;
  requestedBundleId?: string;
  technician?: string;
  schedule: InstallSchedule;
  createdAt: number;
  updatedAt: number;
  facts?: DeviceFacts;
  offer?: UpdateOffer;
  customerConsent?: CustomerConsentRecord;
  deviceConsent?: DeviceConsentRecord;
  download?: {
    method: 'large-object' | 'pkg-url';
    totalBytes: number;
    /** Bytes the device acknowledged (213 / final 200): the resume point. */
    acknowledgedBytes: number;
    /** The device acknowledged the whole payload (final 200) and the kiosk's hash matched. */
    complete: boolean;
    /** Bytes sent over all attempts (resume shows fewer than the whole). */
    bytesSentTotal: number;
  };
  install?: { correlator: string; execStatus?: number; resultCode?: number };
  finalVersion?: string;
  auditId?: string;
  /** State entries in order: [state, enteredAt]. */
  history: Array<[JobState, number]>;
  outcome?: { code: string; message: string; fumoResultCode?: number };
  error?: JobError;
  /** Set while a non-terminal job waits for its device to come back (pulled cable, install later). */
  parked?: boolean;
}
