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
 */
import { KioskError, isKioskError } from '../errors';
import { describeError, type ErrorCode, type ErrorDetails } from '../../shared/errors';
import type { GenericAlert } from '../session/api';
import { buildCompletionText, buildConsentText, buildDeviceConfirmText } from './consent-text';
import {
  DEFAULT_FUMO_SETTINGS,
  isTerminal,
  type DeviceFacts,
  type DeviceNodeMap,
  type FumoPorts,
  type FumoSession,
  type FumoSettings,
  type InstallSchedule,
  type JobProgress,
  type JobSnapshot,
  type JobState,
  type JobTrigger,
  type UpdateOffer,
} from './ports';
import { provisionDmAccount } from './bootstrap';
import { getText, parseNumber, readDeviceFacts, readFumoState } from './capabilities';
import { phaseSpans, phaseTimings } from './phase-times';
import { preflight } from './preflight';
import { ProgressMeter, chunkBytesForSpeed } from './progress';
import { VerifyingSource, sha256Verifier } from './verifying-source';
import { describeFumoResult, isFumoSuccess } from './result-codes';

const DISCONNECT_CODES: readonly string[] = ['CABLE_UNPLUGGED', 'LINK_TIMEOUT', 'SESSION_ABORTED'];

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

export type SessionSource = FumoSession | (() => Promise<FumoSession>);

function isDisconnect(e: unknown): boolean {
  return isKioskError(e) && DISCONNECT_CODES.includes(e.code);
}

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

/** Signals that the job stops here until its device returns; it is not an outcome. */
class ParkSignal extends Error {
  constructor(readonly error: KioskError) {
    super(error.message);
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
      this.continuingInstall = this.snap.state === 'installing' && this.snap.install?.execStatus !== undefined;
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
          await this.stepSession();
          break;
        case 'identified':
          await this.stepIdentified();
          break;
        case 'matched':
          this.checkCancelled();
          await this.enter('pre-flight');
          break;
        case 'pre-flight':
          await this.stepPreFlight();
          break;
        case 'awaiting-customer-consent':
          await this.stepCustomerConsent();
          break;
        case 'awaiting-device-consent':
          await this.stepDeviceConsent();
          break;
        case 'downloading':
          await this.stepDownload();
          break;
        case 'scheduled':
          await this.stepScheduled();
          break;
        case 'installing':
          await this.stepInstall();
          break;
        case 'verifying':
          await this.stepVerify();
          break;
        case 'notifying':
          await this.stepNotify();
          break;
      }
      if (this.snap.parked) return;
    }
  }

  private async stepSession(): Promise<void> {
    const session = this.requireSession();
    const hello = session.hello;
    if (this.options.devId && this.snap.devId && hello.devId !== this.snap.devId) {
      throw new KioskError('PROTOCOL_ERROR', { detail: `expected device ${this.snap.devId}, ${hello.devId} answered` });
    }
    await this.bootstrapIfNeeded(session);
    const facts = await readDeviceFacts(session, this.nodes);
    this.checkCancelled();
    await this.enter('identified', { devId: facts.devId, facts });
  }

  private async stepIdentified(): Promise<void> {
    const facts = this.requireFacts();
    const match = await this.ports.catalog.match(facts, this.snap.requestedBundleId);
    if (match.kind === 'up-to-date') {
      await this.beginAudit(facts, undefined);
      // Requirement 8: nothing to do, nobody is prompted.
      await this.finish('up-to-date', undefined, { code: 'UP_TO_DATE', message: describeError('UP_TO_DATE', { measured: facts.fwVersion }) });
      return;
    }
    if (match.kind === 'refused') {
      await this.beginAudit(facts, undefined);
      throw new KioskError(match.refusal.code, match.refusal.details);
    }
    await this.beginAudit(facts, match.offer);
    this.checkCancelled();
    await this.enter('matched', { offer: match.offer });
  }

  private async stepPreFlight(): Promise<void> {
    const problems = preflight({
      facts: this.requireFacts(),
      offer: this.requireOffer(),
      batteryThresholdPercent: this.settings.batteryThresholdPercent,
      allowBatteryOverride: this.options.allowBatteryOverride,
    });
    const refusal = problems.find((p) => p.blocking);
    if (refusal) throw new KioskError(refusal.code, refusal.details);
    this.checkCancelled();
    await this.enter('awaiting-customer-consent');
  }

  private async stepCustomerConsent(): Promise<void> {
    const facts = this.requireFacts();
    const offer = this.requireOffer();
    const notes = offer.releaseNotes?.[facts.language ?? 'en'] ?? offer.releaseNotes?.en ?? Object.values(offer.releaseNotes ?? {})[0];
    const text = buildConsentText({
      model: facts.model,
      fromVersion: facts.fwVersion,
      toVersion: offer.targetVersion,
      sizeBytes: offer.sizeBytes,
      releaseNotes: notes,
    });
    const askedAt = this.ports.clock.now();
    const answer = await this.ports.consent.askCustomer(
      {
        jobId: this.snap.jobId,
        devId: facts.devId,
        model: facts.model,
        fromVersion: facts.fwVersion,
        toVersion: offer.targetVersion,
        sizeBytes: offer.sizeBytes,
        releaseNotes: notes,
        text,
        textVersion: this.settings.consentTextVersion,
        schedules: this.options.schedule ? [this.options.schedule] : ['now', 'later'],
      },
      this.abort.signal,
    );
    this.checkCancelled();
    const schedule = this.options.schedule ?? answer.schedule ?? 'now';
    const record = {
      accepted: answer.accepted,
      by: answer.by,
      text,
      textVersion: this.settings.consentTextVersion,
      askedAt,
      answeredAt: this.ports.clock.now(),
      schedule,
      ...(answer.language ? { language: answer.language } : {}),
      ...(answer.privacyVersion ? { privacyVersion: answer.privacyVersion } : {}),
      ...(answer.warrantyVersion ? { warrantyVersion: answer.warrantyVersion } : {}),
    };
    if (!answer.accepted) {
      await this.finish('declined', new KioskError('CONSENT_DECLINED'), undefined, { customerConsent: record });
      return;
    }
    await this.enter('awaiting-device-consent', { customerConsent: record, schedule });
  }

  private async stepDeviceConsent(): Promise<void> {
    const session = this.requireSession();
    const offer = this.requireOffer();
    const askedAt = this.ports.clock.now();
    const answer = await session.confirm(buildDeviceConfirmText(offer.targetVersion), {
      minDisplaySeconds: this.settings.deviceConsentMinSeconds,
      maxDisplaySeconds: this.settings.deviceConsentMaxSeconds,
      defaultResponse: '0',
    });
    const record = { answer, askedAt, answeredAt: this.ports.clock.now() };
    this.checkCancelled();
    // A device without a UI (406) cannot ask; the customer's approval on the kiosk stands.
    if (answer !== 'yes' && answer !== 'unsupported') {
      await this.finish('declined', new KioskError('DEVICE_DECLINED'), undefined, { deviceConsent: record });
      return;
    }
    const method = this.nodes.httpCapable && this.ports.catalog.payloadUrl ? 'pkg-url' : 'large-object';
    await this.enter('downloading', {
      deviceConsent: record,
      download: { method, totalBytes: offer.sizeBytes, acknowledgedBytes: 0, complete: false, bytesSentTotal: 0 },
    });
  }

  private async stepDownload(): Promise<void> {
    const offer = this.requireOffer();
    const facts = this.requireFacts();
    const dl = this.snap.download ?? { method: 'large-object' as const, totalBytes: offer.sizeBytes, acknowledgedBytes: 0, complete: false, bytesSentTotal: 0 };
    if (dl.complete) {
      await this.afterDownload();
      return;
    }
    if (dl.method === 'pkg-url') {
      await this.downloadByUrl(offer, facts);
      return;
    }
    for (;;) {
      this.checkCancelled();
      const session = this.requireSession();
      try {
        await this.sendPayload(session, offer, facts);
        break;
      } catch (e) {
        if (this.abort.signal.aborted) throw this.abort.signal.reason instanceof Error ? this.abort.signal.reason : new KioskError('CANCELLED');
        if (!isDisconnect(e)) throw e;
        // The cable was pulled (or the phone stopped answering): keep the acknowledged offset, wait for the same DevId.
        await this.record({ error: this.toJobError(e) });
        await this.awaitDevice('reconnect', this.settings.reconnectTimeoutMs, e);
      }
    }
    await this.afterDownload();
  }

  private async sendPayload(session: FumoSession, offer: UpdateOffer, facts: DeviceFacts): Promise<void> {
    const reader = await this.ports.catalog.openPayload(offer.bundleId);
    try {
      if (reader.size !== offer.sizeBytes) {
        throw new KioskError('PAYLOAD_CORRUPT', { detail: `stored update is ${reader.size} bytes, the catalogue says ${offer.sizeBytes}`, fumoResultCode: 402 });
      }
      const pkgIdUri = this.nodes.pkgIdUri ?? (this.nodes.resumeSupported ? `${facts.fumoUri}/Ext/PkgId` : undefined);
      if (pkgIdUri) {
        // Name the package first: the device then offers only bytes of this same package.
        await session.replace(pkgIdUri, offer.sha256.toLowerCase(), { format: 'chr' }).catch(() => undefined);
      }
      let startOffset = await this.resumePoint(session, facts);
      for (let attempt = 0; ; attempt++) {
        const verifier = this.ports.catalog.createVerifier?.(offer.bundleId) ?? sha256Verifier(offer.sha256);
        const source = new VerifyingSource(reader, verifier);
        await source.prime(startOffset);
        const meter = new ProgressMeter(this.ports.clock, offer.sizeBytes);
        meter.restartAt(startOffset);
        // Bytes the phone had acknowledged before this leg: each acknowledged message adds to it.
        const sentBefore = this.requireDownload().bytesSentTotal;
        const legStart = startOffset;
        const status = await session.replaceLarge(`${facts.fumoUri}/Update/PkgData`, source, {
          format: 'bin',
          type: 'application/octet-stream',
          startOffset: startOffset > 0 ? startOffset : undefined,
          signal: this.abort.signal,
          // Progress at least once a second at any line rate: chunks sized to the measured speed.
          chunkBytes: () => chunkBytesForSpeed(meter.reading().speedBps),
          onProgress: (p) => {
            // Journaled first: what anyone is shown as sent is already the resume point.
            this.checkpoint(p.acknowledgedBytes, sentBefore + Math.max(0, p.acknowledgedBytes - legStart));
            const reading = meter.update(p.acknowledgedBytes);
            this.emit({
              type: 'progress',
              progress: {
                jobId: this.snap.jobId,
                devId: this.snap.devId,
                phase: 'downloading',
                bytesSent: p.acknowledgedBytes,
                totalBytes: p.totalBytes,
                speedBps: reading.speedBps,
                etaSeconds: reading.etaSeconds,
              },
            });
          },
        });
        if (status >= 200 && status < 300) {
          if (!source.complete) {
            throw new KioskError('PAYLOAD_CORRUPT', { detail: 'the phone confirmed the update before all of it was sent', fumoResultCode: 402 });
          }
          await this.record({ download: { ...this.requireDownload(), acknowledgedBytes: offer.sizeBytes, complete: true, bytesSentTotal: sentBefore + offer.sizeBytes - legStart } });
          return;
        }
        if (startOffset > 0 && attempt === 0) {
          // The device could not continue the earlier transfer: start over cleanly.
          startOffset = 0;
          await this.record({ download: { ...this.requireDownload(), acknowledgedBytes: 0 } });
          continue;
        }
        if (status === 424) throw new KioskError('PAYLOAD_CORRUPT', { detail: 'the phone received a different size than was sent', fumoResultCode: 402 });
        throw new KioskError('DOWNLOAD_FAILED', { detail: `the phone answered ${status}` });
      }
    } finally {
      await reader.close?.();
    }
  }

  /** Where a transfer continues: the last acknowledged offset where the device can resume, else 0. */
  private async resumePoint(session: FumoSession, facts: DeviceFacts): Promise<number> {
    const ours = this.snap.download?.acknowledgedBytes ?? 0;
    // Only bytes this job sent may be continued (the device may hold a stranger's partial package).
    if (!this.nodes.resumeSupported || !this.snap.download || (ours === 0 && this.snap.download.bytesSentTotal === 0)) return 0;
    const uri = this.nodes.receivedBytesUri ?? `${facts.fumoUri}/Ext/ReceivedBytes`;
    const reported = parseNumber(await getText(session, uri).catch(() => undefined));
    // The device knows what it holds (the journal may lag behind it after a restart).
    if (reported === undefined) return ours;
    const held = Math.max(0, Math.min(Math.floor(reported), this.snap.download.totalBytes));
    if (held > ours) {
      // The phone stored a message whose acknowledgement never reached the journal (kiosk
      // restarted, cable pulled): it was sent, so it counts.
      const dl = this.snap.download;
      await this.record({ download: { ...dl, acknowledgedBytes: held, bytesSentTotal: dl.bytesSentTotal + held - ours } });
    }
    return held;
  }

  /**
   * A checkpoint at each acknowledged message: the resume point and the bytes sent so far are
   * journaled before the next message goes out (the journal port writes synchronously).
   */
  private checkpoint(acknowledged: number, bytesSentTotal: number): void {
    const dl = this.snap.download;
    if (!dl) return;
    this.snap = { ...this.snap, download: { ...dl, acknowledgedBytes: acknowledged, bytesSentTotal }, updatedAt: this.ports.clock.now() };
    void this.ports.journal.record(this.snap).catch(() => undefined);
  }

  private async downloadByUrl(offer: UpdateOffer, facts: DeviceFacts): Promise<void> {
    const session = this.requireSession();
    const url = await this.ports.catalog.payloadUrl?.(offer.bundleId, facts.devId);
    if (!url) throw new KioskError('DOWNLOAD_FAILED', { detail: 'no download address for this link' });
    const now = this.snap.schedule === 'now';
    const node = now ? 'DownloadAndUpdate' : 'Download';
    const status = await session.replace(`${facts.fumoUri}/${node}/PkgURL`, url, { format: 'chr' });
    if (status < 200 || status >= 300) throw new KioskError('DOWNLOAD_FAILED', { detail: `the phone answered ${status} to the download address` });
    if (now) {
      // DownloadAndUpdate: the device fetches and installs; the result arrives like an Update's.
      await this.enter('installing', { install: { correlator: this.newCorrelator() } });
      await this.execAndAwait(`${facts.fumoUri}/DownloadAndUpdate`);
      return;
    }
    const correlator = this.newCorrelator();
    await this.record({ install: { correlator } });
    const exec = await session.exec(`${facts.fumoUri}/Download`, { correlator });
    if (exec !== 200 && exec !== 202) throw new KioskError('DOWNLOAD_FAILED', { detail: `the phone answered ${exec} to the download` });
    const alert = await session.waitForGenericAlert((a) => this.isResultFor(a, correlator), this.settings.installTimeoutMs);
    const code = Number.parseInt(alert.data ?? '', 10);
    if (!isFumoSuccess(code)) this.failWithResult(code);
    await this.record({ download: { ...this.requireDownload(), acknowledgedBytes: offer.sizeBytes, complete: true }, install: undefined });
    await this.afterDownload();
  }

  private async afterDownload(): Promise<void> {
    if (this.snap.schedule === 'later') {
      await this.enter('scheduled');
      await this.record({ parked: true });
      return;
    }
    await this.enter('installing', { install: { correlator: this.newCorrelator() } });
  }

  private async stepScheduled(): Promise<void> {
    // A later session: the payload must still be on the device before Exec.
    const session = this.requireSession();
    const facts = this.requireFacts();
    const state = await readFumoState(session, facts.fumoUri);
    if (state !== undefined && ![40, 50].includes(state)) {
      // The device no longer holds the payload: send it again before installing.
      await this.enter('downloading', { download: { ...this.requireDownload(), acknowledgedBytes: 0, complete: false }, schedule: 'now' });
      return;
    }
    await this.enter('installing', { install: { correlator: this.newCorrelator() }, schedule: 'now' });
  }

  private async stepInstall(): Promise<void> {
    const facts = this.requireFacts();
    const install = this.snap.install;
    if (!install) throw new KioskError('INTERNAL', { detail: 'install without correlator' });
    const download = this.snap.download;
    if (!download?.complete) {
      throw new KioskError('INTERNAL', { detail: 'refusing to install a payload the phone has not fully received' });
    }
    const node = download.method === 'pkg-url' ? 'DownloadAndUpdate' : 'Update';
    if (install.execStatus === undefined) {
      await this.execAndAwait(`${facts.fumoUri}/${node}`);
      return;
    }
    // Restored after a restart with the Exec already sent: look for its result.
    await this.awaitResult(install.correlator, facts);
  }

  private async execAndAwait(uri: string): Promise<void> {
    const session = this.requireSession();
    const install = this.snap.install;
    if (!install) throw new KioskError('INTERNAL', { detail: 'install without correlator' });
    // Journaled before the Exec: a restart knows an install may be under way with this correlator.
    await this.record({ install: { ...install, execStatus: 0 } });
    const status = await session.exec(uri, { correlator: install.correlator });
    await this.record({ install: { ...install, execStatus: status } });
    if (status !== 202 && status !== 200) {
      throw new KioskError('INSTALL_FAILED', { detail: `Exec answered ${status}` });
    }
    await this.awaitResult(install.correlator, this.requireFacts());
  }

  private isResultFor(a: GenericAlert, correlator: string): boolean {
    const t = a.type.toLowerCase();
    if (!t.includes('firmwareupdate')) return false;
    if (t.endsWith('userrequest') || t.endsWith('devicerequest')) return false;
    if (a.correlator !== undefined) return a.correlator === correlator;
    const fumo = this.snap.facts?.fumoUri;
    return fumo !== undefined && a.sourceURI !== undefined && a.sourceURI.startsWith(fumo);
  }

  /** Wait for the Generic Alert 1226 with our Correlator, across the device's reboot (a new session from the same DevId). */
  private async awaitResult(correlator: string, facts: DeviceFacts): Promise<void> {
    const deadline = this.ports.clock.now() + this.settings.installTimeoutMs;
    const offer = this.requireOffer();
    let alert: GenericAlert | undefined;
    let waitedInSession = false;
    // Restarted with the Exec possibly sent, the result may have gone to the old process.
    let askDevice = this.continuingInstall;
    this.continuingInstall = false;
    while (!alert) {
      const session = this.requireSession();
      const pred = (a: GenericAlert): boolean => this.isResultFor(a, correlator);
      alert = session.hello.genericAlerts.find(pred) ?? session.genericAlerts.find(pred);
      if (alert) break;
      if (askDevice) {
        // A session without our result (lost with a restarted kiosk, or never sent): ask the phone.
        askDevice = false;
        const fw = await getText(session, './DevDetail/FwV');
        if (fw === offer.targetVersion) {
          await this.enter('verifying');
          return;
        }
        const state = await readFumoState(session, facts.fumoUri);
        if (state === 40 || state === 50) {
          // The payload waits on the device and nothing is installing: send the Exec again.
          await this.record({ install: { correlator: this.newCorrelator() } });
          return;
        }
        if (state === 70 || state === 80) {
          if (fw !== undefined) await this.record({ finalVersion: fw });
          this.failWithResult(410);
        }
        if (state === 90 || state === 100) {
          // The phone says it installed, yet reports another version: the check names both.
          await this.enter('verifying');
          return;
        }
        // 60 (installing) or a state that says nothing: the result is still to come.
      }
      const remaining = deadline - this.ports.clock.now();
      if (remaining <= 0) throw new ParkSignal(new KioskError('REBOOT_TIMEOUT', { detail: facts.devId }));
      if (!waitedInSession && this.settings.resultWaitInSessionMs > 0) {
        // Some phones report at once, in the same session; most install once the session ends.
        waitedInSession = true;
        try {
          alert = await session.waitForGenericAlert(pred, Math.min(remaining, this.settings.resultWaitInSessionMs));
          break;
        } catch (e) {
          if (!isDisconnect(e) && !(isKioskError(e) && e.code === 'LINK_TIMEOUT')) throw e;
        }
      }
      // End the session so the phone installs; it reboots, re-enumerates and reports in a new session.
      await this.awaitDevice('reboot', Math.max(1, deadline - this.ports.clock.now()), new KioskError('REBOOT_TIMEOUT', { detail: facts.devId }));
      askDevice = true;
    }
    const code = Number.parseInt(alert.data ?? '', 10);
    await this.record({ install: { ...(this.snap.install ?? { correlator }), resultCode: Number.isFinite(code) ? code : undefined } });
    if (!isFumoSuccess(code)) {
      const fw = await getText(this.requireSession(), './DevDetail/FwV').catch(() => undefined);
      if (fw !== undefined) await this.record({ finalVersion: fw });
      this.failWithResult(code);
    }
    await this.enter('verifying');
  }

  /** Set when a run continues a job whose Exec may already have reached the device. */
  private continuingInstall = false;

  private failWithResult(code: number): never {
    const r = describeFumoResult(Number.isFinite(code) ? code : 409);
    throw new KioskError(r.errorCode ?? 'INSTALL_FAILED', { detail: `${r.code} ${r.name}`, fumoResultCode: r.code });
  }

  private async stepVerify(): Promise<void> {
    const offer = this.requireOffer();
    let fw: string | undefined;
    for (;;) {
      try {
        fw = await getText(this.requireSession(), './DevDetail/FwV');
        break;
      } catch (e) {
        if (!isDisconnect(e)) throw e;
        await this.awaitDevice('reconnect', this.settings.reconnectTimeoutMs, e);
      }
    }
    await this.record({ finalVersion: fw });
    if (fw !== offer.targetVersion) {
      throw new KioskError('VERIFY_FAILED', { required: offer.targetVersion, measured: fw ?? 'unknown' });
    }
    await this.enter('notifying');
  }

  private async stepNotify(): Promise<void> {
    const offer = this.requireOffer();
    try {
      // Requirement 15: the user is told; a device without a UI answers 406, which is fine.
      await this.requireSession().display(buildCompletionText(offer.targetVersion), { maxDisplaySeconds: 30 });
    } catch (e) {
      if (!isDisconnect(e)) throw e;
    }
    await this.finish('done', undefined, {
      code: 'OK',
      message: `Updated to ${offer.targetVersion}.`,
      fumoResultCode: this.snap.install?.resultCode,
    });
  }

  // ---------------------------------------------------------------- capability exchange and bootstrap

  /** Give a device with no DM account for this kiosk one over the cable; a refusal is reported, never forced. */
  private async bootstrapIfNeeded(session: FumoSession): Promise<void> {
    const accounts = this.ports.accounts;
    if (!accounts) return;
    const devId = session.hello.devId;
    if (session.hello.authenticatedAs !== undefined || (await accounts.has(devId))) return;
    await provisionDmAccount(session, devId, accounts, this.ports.random);
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

  private toJobError(e: unknown): { code: ErrorCode; message: string; details?: ErrorDetails } {
    if (isKioskError(e)) return { code: e.code, message: e.message, details: e.details };
    const detail = e instanceof Error ? e.message : String(e);
    return { code: 'INTERNAL', message: describeError('INTERNAL', { detail }), details: { detail } };
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

  private async beginAudit(facts: DeviceFacts, offer: UpdateOffer | undefined): Promise<void> {
    if (this.snap.auditId) return;
    const auditId = await this.ports.audit.begin({
      jobId: this.snap.jobId,
      devId: facts.devId,
      model: facts.model,
      manufacturer: facts.manufacturer,
      fromVersion: facts.fwVersion,
      toVersion: offer?.targetVersion ?? facts.fwVersion,
      bundleId: offer?.bundleId,
      bundleSha256: offer?.sha256,
      trigger: this.snap.trigger,
      technician: this.snap.technician,
      startedAt: this.snap.createdAt,
    });
    await this.record({ auditId });
  }

  private async finish(
    state: 'up-to-date' | 'done' | 'declined' | 'failed' | 'cancelled',
    error: KioskError | undefined,
    outcome?: { code: string; message: string; fumoResultCode?: number },
    patch: Partial<JobSnapshot> = {},
  ): Promise<void> {
    const fumoResultCode = typeof error?.details.fumoResultCode === 'number' ? error.details.fumoResultCode : (outcome?.fumoResultCode ?? this.snap.install?.resultCode);
    const out = outcome ?? { code: error?.code ?? 'INTERNAL', message: error?.message ?? state, fumoResultCode };
    if (fumoResultCode !== undefined) out.fumoResultCode = fumoResultCode;
    await this.enter(state, { ...patch, outcome: out, error: error ? this.toJobError(error) : undefined, parked: false });
    if (this.snap.auditId === undefined && this.snap.devId) {
      const f = this.snap.facts;
      const info = this.session?.hello.devInfo ?? {};
      try {
        await this.beginAudit(
          f ?? {
            devId: this.snap.devId,
            manufacturer: info.Man ?? '',
            model: info.Mod ?? '',
            fwVersion: '',
            largeObjects: false,
            fumoUri: '',
          },
          this.snap.offer,
        );
      } catch {
        // reported below through the job's state; the audit store error is not the device's fault
      }
    }
    if (this.snap.auditId) {
      const now = this.ports.clock.now();
      await this.ports.audit.complete(this.snap.auditId, {
        state,
        outcome: out.message,
        outcomeCode: out.code,
        fumoResultCode: out.fumoResultCode,
        finalVersion: this.snap.finalVersion ?? (state === 'up-to-date' ? this.snap.facts?.fwVersion : undefined),
        customerConsent: this.snap.customerConsent,
        deviceConsent: this.snap.deviceConsent,
        phaseTimings: phaseTimings(this.snap.history, now),
        phases: phaseSpans(this.snap.history, now),
        bytesSent: this.snap.download?.bytesSentTotal,
        finishedAt: now,
      });
    }
  }

  private async handleError(e: unknown): Promise<void> {
    if (e instanceof ParkSignal) {
      await this.record({ parked: true, error: this.toJobError(e.error) });
      return;
    }
    if (isTerminal(this.snap.state)) return;
    try {
      if (this.abort.signal.aborted || (isKioskError(e) && e.code === 'CANCELLED')) {
        await this.finish('cancelled', new KioskError('CANCELLED'));
        return;
      }
      if (isDisconnect(e) && ['downloading', 'installing', 'verifying', 'notifying', 'scheduled'].includes(this.snap.state) && this.snap.devId) {
        await this.record({ parked: true, error: this.toJobError(e) });
        return;
      }
      const err = isKioskError(e) ? e : new KioskError('INTERNAL', { detail: e instanceof Error ? e.message : String(e) });
      await this.finish('failed', err);
    } catch (journalError) {
      // The journal itself failed: keep the outcome in memory so the runner can still report it.
      const err = this.toJobError(journalError);
      this.snap = { ...this.snap, state: 'failed', error: err, outcome: { code: err.code, message: err.message } };
      this.emit({ type: 'state', snapshot: this.snap });
    }
  }
}
