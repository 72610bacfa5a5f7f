/**
 * One device's firmware update as an explicit state machine:
 *
 *   discovered -> session -> identified -> up-to-date | matched -> pre-flight
 *     -> awaiting-customer-consent -> awaiting-device-consent -> downloading [-> scheduled]
 *     -> installing -> verifying -> notifying -> done          (or declined | failed | cancelled)
 *
 * Every transition is written to the journal BEFORE it takes effect, so a kiosk restarted at any
 * point knows what may have reached the device (e.g. an Exec with a given Correlator). The job
 * never sends Exec for a payload the device has not acknowledged whole and the kiosk has not
 * hashed to the catalogue's SHA-256.
 *
 * This file is the machine and the journal; the work of each phase is in its own module
 * (identification, consent, download, install, verification, audit-trail), reached through the
 * narrow JobContext the job hands them.
 */
import { KioskError, isKioskError } from '../errors';
import { AuditTrail } from './audit-trail';
import { ConsentPhase } from './consent';
import { DownloadPhase } from './download';
import { Identification } from './identification';
import { InstallPhase } from './install';
import {
  isDisconnect,
  ParkSignal,
  toJobError,
  type FinalState,
  type FumoJobEvent,
  type FumoJobOptions,
  type JobContext,
  type JobOutcome,
} from './job-context';
import {
  DEFAULT_FUMO_SETTINGS,
  isTerminal,
  type DeviceFacts,
  type DeviceNodeMap,
  type FumoPorts,
  type FumoSession,
  type FumoSettings,
  type JobSnapshot,
  type JobState,
  type UpdateOffer,
} from './ports';
import { Verification } from './verification';

export type { FumoJobEvent, FumoJobOptions } from './job-context';

export type SessionSource = FumoSession | (() => Promise<FumoSession>);

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A job ends the session politely; errors while ending do not change the outcome. */
async function endQuietly(session: FumoSession | undefined): Promise<void> {
  if (!session || session.ended) return;
  try {
    await session.end();
  } catch {
    // the link may already be gone
  }
}

export class FumoJob {
  private snap: JobSnapshot;
  private readonly settings: FumoSettings;
  private readonly listeners = new Set<(e: FumoJobEvent) => void>();
  private readonly abort = new AbortController();
  private session: FumoSession | undefined;
  private nodes: DeviceNodeMap;
  private readonly options: FumoJobOptions;
  private running = false;
  private readonly identification: Identification;
  private readonly consent: ConsentPhase;
  private readonly download: DownloadPhase;
  private readonly install: InstallPhase;
  private readonly verification: Verification;
  private readonly audit: AuditTrail;

  constructor(
    private readonly ports: FumoPorts,
    options: FumoJobOptions,
    restored?: JobSnapshot,
  ) {
    this.options = options;
    this.settings = { ...DEFAULT_FUMO_SETTINGS, ...ports.settings };
    this.nodes = options.nodes ?? {};
    const now = ports.clock.now();
    this.snap = restored
      ? { ...restored }
      : {
          jobId: options.jobId,
          state: 'discovered',
          trigger: options.trigger,
          portId: options.portId,
          devId: options.devId,
          requestedBundleId: options.bundleId,
          technician: options.technician,
          schedule: options.schedule ?? 'now',
          createdAt: now,
          updatedAt: now,
          history: [['discovered', now]],
        };
    const job = this.context();
    this.audit = new AuditTrail(job);
    this.identification = new Identification(job, this.audit);
    this.consent = new ConsentPhase(job);
    this.install = new InstallPhase(job);
    this.download = new DownloadPhase(job, this.install);
    this.verification = new Verification(job);
  }

  /** Rebuild a job from its last journal record (after a kiosk restart). */
  static restore(ports: FumoPorts, snapshot: JobSnapshot, nodes?: DeviceNodeMap): FumoJob {
    return new FumoJob(
      ports,
      {
        jobId: snapshot.jobId,
        trigger: snapshot.trigger,
        portId: snapshot.portId,
        devId: snapshot.devId,
        bundleId: snapshot.requestedBundleId,
        schedule: snapshot.schedule,
        technician: snapshot.technician,
        nodes: { ...nodes, fumoUri: snapshot.facts?.fumoUri ?? nodes?.fumoUri },
      },
      { ...snapshot, parked: true },
    );
  }

  get id(): string {
    return this.snap.jobId;
  }

  /** The phone's node map, learnt when it returns (a job restored before its phone was seen); the MO found in the capability exchange stays. */
  useNodes(nodes: DeviceNodeMap): void {
    if (this.running) return;
    this.nodes = { ...this.nodes, ...nodes, ...(this.snap.facts?.fumoUri ? { fumoUri: this.snap.facts.fumoUri } : {}) };
  }

  get snapshot(): JobSnapshot {
    return this.snap;
  }

  get isRunning(): boolean {
    return this.running;
  }

  onEvent(listener: (e: FumoJobEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Cancel before the install starts; once Exec is sent the device finishes on its own. */
  cancel(): boolean {
    if (isTerminal(this.snap.state)) return false;
    if (['installing', 'verifying', 'notifying'].includes(this.snap.state)) return false;
    this.abort.abort(new KioskError('CANCELLED'));
    return true;
  }

  /** Cancel a job that is not running (queued or parked): journals the outcome. */
  async cancelIdle(): Promise<void> {
    if (this.running || isTerminal(this.snap.state)) return;
    this.abort.abort(new KioskError('CANCELLED'));
    // After an Exec the phone may have installed: never say "nothing was installed" then.
    const mayHaveInstalled = ['verifying', 'notifying'].includes(this.snap.state) || (this.snap.state === 'installing' && this.snap.install?.execStatus !== undefined);
    const error = mayHaveInstalled
      ? new KioskError('JOB_INTERRUPTED', { detail: this.snap.devId ?? this.snap.jobId, measured: this.snap.state })
      : new KioskError('CANCELLED');
    await this.finish('cancelled', error);
  }

  /** Close a job found unfinished in the journal that cannot be resumed. */
  async reportInterrupted(): Promise<void> {
    if (isTerminal(this.snap.state)) return;
    const err = new KioskError('JOB_INTERRUPTED', { detail: this.snap.devId ?? this.snap.portId ?? this.snap.jobId, measured: this.snap.state });
    await this.finish('failed', err);
  }

  /**
   * Run (or continue) the job with a session: the first run opens it through `source`; a parked
   * or restored job continues with the new session its device opened. Resolves with the last
   * snapshot: terminal, or parked (waiting for the device to come back).
   */
  async run(source: SessionSource): Promise<JobSnapshot> {
    if (this.running) throw new KioskError('BUSY');
    if (isTerminal(this.snap.state)) return this.snap;
    this.running = true;
    try {
      if (this.snap.parked) await this.record({ parked: false, error: undefined });
      this.install.continuing = this.snap.state === 'installing' && this.snap.install?.execStatus !== undefined;
      this.session = typeof source === 'function' ? undefined : source;
      if (this.snap.state === 'discovered') {
        // The job's first record: it exists before anything is said to the device.
        if (this.snap.history.length === 1) await this.record({});
        this.checkCancelled();
        this.session = typeof source === 'function' ? await source() : source;
        await this.enter('session', { devId: this.session.hello.devId });
      } else if (!this.session) {
        this.session = typeof source === 'function' ? await source() : source;
      }
      await this.drive();
    } catch (e) {
      await this.handleError(e);
    } finally {
      this.running = false;
      if (isTerminal(this.snap.state) || this.snap.parked) await endQuietly(this.session);
    }
    return this.snap;
  }

  // ---------------------------------------------------------------- the machine

  private async drive(): Promise<void> {
    for (;;) {
      const state = this.snap.state;
      if (isTerminal(state)) return;
      switch (state) {
        case 'discovered':
          throw new KioskError('INTERNAL', { detail: 'job has no session' });
        case 'session':
          await this.identification.stepSession();
          break;
        case 'identified':
          await this.identification.stepIdentified();
          break;
        case 'matched':
          this.checkCancelled();
          await this.enter('pre-flight');
          break;
        case 'pre-flight':
          await this.identification.stepPreFlight();
          break;
        case 'awaiting-customer-consent':
          await this.consent.stepCustomerConsent();
          break;
        case 'awaiting-device-consent':
          await this.consent.stepDeviceConsent();
          break;
        case 'downloading':
          await this.download.stepDownload();
          break;
        case 'scheduled':
          await this.install.stepScheduled();
          break;
        case 'installing':
          await this.install.stepInstall();
          break;
        case 'verifying':
          await this.verification.stepVerify();
          break;
        case 'notifying':
          await this.verification.stepNotify();
          break;
      }
      if (this.snap.parked) return;
    }
  }

  // ---------------------------------------------------------------- what the phases use

  private context(): JobContext {
    const snap = (): JobSnapshot => this.snap;
    const session = (): FumoSession | undefined => this.session;
    const nodes = (): DeviceNodeMap => this.nodes;
    return {
      ports: this.ports,
      settings: this.settings,
      // Read each time: useNodes may learn the phone's node map after the job was built.
      get nodes() {
        return nodes();
      },
      options: this.options,
      signal: this.abort.signal,
      get snap() {
        return snap();
      },
      get currentSession() {
        return session();
      },
      requireSession: () => this.requireSession(),
      requireFacts: () => this.requireFacts(),
      requireOffer: () => this.requireOffer(),
      requireDownload: () => this.requireDownload(),
      checkCancelled: () => this.checkCancelled(),
      remember: (patch) => {
        this.snap = { ...this.snap, ...patch };
      },
      record: (patch) => this.record(patch),
      enter: (state, patch) => this.enter(state, patch),
      finish: (state, error, outcome, patch) => this.finish(state, error, outcome, patch),
      awaitDevice: (reason, timeoutMs, cause) => this.awaitDevice(reason, timeoutMs, cause),
      emit: (e) => this.emit(e),
      newCorrelator: () => this.newCorrelator(),
    };
  }

  // ---------------------------------------------------------------- plumbing

  private async awaitDevice(reason: 'reboot' | 'reconnect', timeoutMs: number, cause: unknown): Promise<void> {
    const devId = this.snap.devId;
    if (!devId) throw cause;
    const old = this.session;
    this.session = undefined;
    await endQuietly(old);
    try {
      this.session = await this.ports.sessions.next(devId, reason, timeoutMs, this.abort.signal);
    } catch (e) {
      if (this.abort.signal.aborted) throw e;
      // No device within the time: park; the runner continues the job when the DevId returns.
      throw new ParkSignal(isKioskError(cause) ? cause : new KioskError('CABLE_UNPLUGGED'));
    }
  }

  private newCorrelator(): string {
    return `fk-${hex(this.ports.random.bytes(8))}`;
  }

  private checkCancelled(): void {
    if (this.abort.signal.aborted) throw new KioskError('CANCELLED');
  }

  private requireSession(): FumoSession {
    if (!this.session) throw new KioskError('INTERNAL', { detail: 'no session' });
    return this.session;
  }

  private requireFacts(): DeviceFacts {
    if (!this.snap.facts) throw new KioskError('INTERNAL', { detail: 'device not identified' });
    return this.snap.facts;
  }

  private requireOffer(): UpdateOffer {
    if (!this.snap.offer) throw new KioskError('INTERNAL', { detail: 'no update matched' });
    return this.snap.offer;
  }

  private requireDownload(): NonNullable<JobSnapshot['download']> {
    if (!this.snap.download) throw new KioskError('INTERNAL', { detail: 'no download' });
    return this.snap.download;
  }

  private emit(e: FumoJobEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // a listener's failure never stops the job
      }
    }
  }

  /** Journal a change that is not a transition (resume point, exec status, ...). */
  private async record(patch: Partial<JobSnapshot>): Promise<void> {
    const next: JobSnapshot = { ...this.snap, ...patch, updatedAt: this.ports.clock.now() };
    await this.ports.journal.record(next);
    this.snap = next;
    this.emit({ type: 'state', snapshot: next });
  }

  /** A transition: journaled first, then it takes effect. */
  private async enter(state: JobState, patch: Partial<JobSnapshot> = {}): Promise<void> {
    const now = this.ports.clock.now();
    const next: JobSnapshot = { ...this.snap, ...patch, state, updatedAt: now, history: [...this.snap.history, [state, now]] };
    await this.ports.journal.record(next);
    this.snap = next;
    this.emit({ type: 'state', snapshot: next });
  }

  private async finish(
    state: FinalState,
    error: KioskError | undefined,
    outcome?: JobOutcome,
    patch: Partial<JobSnapshot> = {},
  ): Promise<void> {
    const fumoResultCode = typeof error?.details.fumoResultCode === 'number' ? error.details.fumoResultCode : (outcome?.fumoResultCode ?? this.snap.install?.resultCode);
    const out = outcome ?? { code: error?.code ?? 'INTERNAL', message: error?.message ?? state, fumoResultCode };
    if (fumoResultCode !== undefined) out.fumoResultCode = fumoResultCode;
    await this.enter(state, { ...patch, outcome: out, error: error ? toJobError(error) : undefined, parked: false });
    await this.audit.complete(state, out);
  }

  private async handleError(e: unknown): Promise<void> {
    if (e instanceof ParkSignal) {
      await this.record({ parked: true, error: toJobError(e.error) });
      return;
    }
    if (isTerminal(this.snap.state)) return;
    try {
      if (this.abort.signal.aborted || (isKioskError(e) && e.code === 'CANCELLED')) {
        await this.finish('cancelled', new KioskError('CANCELLED'));
        return;
      }
      if (isDisconnect(e) && ['downloading', 'installing', 'verifying', 'notifying', 'scheduled'].includes(this.snap.state) && this.snap.devId) {
        await this.record({ parked: true, error: toJobError(e) });
        return;
      }
      const err = isKioskError(e) ? e : new KioskError('INTERNAL', { detail: e instanceof Error ? e.message : String(e) });
      await this.finish('failed', err);
    } catch (journalError) {
      // The journal itself failed: keep the outcome in memory so the runner can still report it.
      const err = toJobError(journalError);
      this.snap = { ...this.snap, state: 'failed', error: err, outcome: { code: err.code, message: err.message } };
      this.emit({ type: 'state', snapshot: this.snap });
    }
  }
}
