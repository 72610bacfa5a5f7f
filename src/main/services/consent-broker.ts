/**
 * The customer's consent on the kiosk (step 6 of the flow): a job's request becomes a
 * ConsentRequest for the screens (with the privacy and warranty texts and their versions), the
 * technician hands it to the customer display, and the answer goes back to the job with the
 * versions and the language the customer read, so the history records exactly what was shown.
 * Without a screen (the CLI) a responder answers instead. A request nobody answers ends after
 * a timeout, so a job never waits for a customer who has gone.
 */
import type { Clock, RandomSource } from '../../core/clock';
import { KioskError } from '../../core/errors';
import { CONSENT_TEXT_VERSION, privacyTexts, warrantyTexts } from '../../core/fumo/consent-text';
import type { CustomerConsentAnswer, CustomerConsentRequest } from '../../core/fumo/ports';
import type { ConsentAnswer, ConsentMode, ConsentRequest } from '../../shared/schemas';
import { maskDevId } from '../../shared/api';

/** Who answers a customer consent request when no screen does (the CLI). */
export type ConsentResponder = (request: CustomerConsentRequest, mode: ConsentMode) => Promise<CustomerConsentAnswer>;

interface Pending {
  request: ConsentRequest;
  resolve(answer: CustomerConsentAnswer): void;
  reject(e: Error): void;
  cancelTimer(): void;
}

export interface ConsentBrokerOptions {
  clock: Clock;
  random: RandomSource;
  /** How long a request waits for an answer before the job ends (default 10 minutes). */
  timeoutMs(): number;
  /** What the service knows of the job: its port, its consent mode and the offer's release notes. */
  jobContext(jobId: string): {
    portId?: string | undefined;
    /** The port's bench slot name and path now. */
    slot?: string | null | undefined;
    portLabel?: string | null | undefined;
    consentMode?: ConsentMode | undefined;
    releaseNotes?: Record<string, string> | undefined;
    /** How long the update takes on this phone's link (download, install, reboot). */
    estimatedSeconds?: number | undefined;
    /** The quickest it may take, while the install time on this link is still a guess. */
    estimatedSecondsLow?: number | undefined;
  };
  onRequested(request: ConsentRequest): void;
  onResolved(e: { requestId: string; jobId: string; decision: 'approve' | 'decline' }): void;
  onHandover(e: { requestId: string; jobId: string; portId: string }): void;
}

export class ConsentBroker {
  private readonly pending = new Map<string, Pending>();
  private customerRequestId: string | null = null;
  /** The job the customer display belongs to: from the handover until the job ends or another is handed over. */
  private customerJob: string | null = null;
  private responder: ConsentResponder | undefined;

  constructor(private readonly o: ConsentBrokerOptions) {}

  setResponder(responder: ConsentResponder | undefined): void {
    this.responder = responder;
  }

  list(): ConsentRequest[] {
    return [...this.pending.values()].map((p) => p.request);
  }

  /** The request handed to the customer display, if any. */
  get handedOver(): string | null {
    return this.customerRequestId;
  }

  /** The job the customer display shows (kept after the answer, while the update runs). */
  get customerJobId(): string | null {
    return this.customerJob;
  }

  /** A job asks its customer; resolves with the answer, rejects when cancelled or nobody answers. */
  ask(r: CustomerConsentRequest, signal: AbortSignal): Promise<CustomerConsentAnswer> {
    const ctx = this.o.jobContext(r.jobId);
    const mode: ConsentMode = ctx.consentMode ?? 'customer';
    if (this.responder) return this.responder(r, mode);
    const requestId = `consent-${Buffer.from(this.o.random.bytes(6)).toString('hex')}`;
    // The version names the texts shown (src/core/fumo/consent-text.ts); the answer echoes it and it is recorded.
    const version = CONSENT_TEXT_VERSION;
    const request: ConsentRequest = {
      requestId,
      jobId: r.jobId,
      portId: ctx.portId ?? r.devId,
      slot: ctx.slot ?? null,
      portLabel: ctx.portLabel ?? null,
      devId: r.devId ? maskDevId(r.devId) : null,
      model: r.model,
      fromVersion: r.fromVersion,
      targetVersion: r.toVersion,
      releaseNotes: ctx.releaseNotes ?? (r.releaseNotes ? { en: r.releaseNotes } : {}),
      imageBytes: r.sizeBytes,
      estimatedSeconds: ctx.estimatedSeconds ?? r.estimatedSeconds ?? Math.ceil(r.sizeBytes / 92_160),
      ...(ctx.estimatedSeconds !== undefined && ctx.estimatedSecondsLow !== undefined && ctx.estimatedSecondsLow < ctx.estimatedSeconds
        ? { estimatedSecondsLow: ctx.estimatedSecondsLow }
        : {}),
      privacy: { version, text: privacyTexts() },
      warranty: { version, text: warrantyTexts() },
      supportsSchedule: r.schedules.includes('later'),
      consentMode: mode,
      createdAt: this.o.clock.now(),
    };
    return new Promise<CustomerConsentAnswer>((resolve, reject) => {
      const drop = (e: KioskError): void => {
        if (!this.pending.delete(requestId)) return;
        if (this.customerRequestId === requestId) this.customerRequestId = null;
        reject(e);
      };
      const timer = this.o.clock.setTimeout(() => drop(new KioskError('CONSENT_TIMEOUT')), this.o.timeoutMs());
      this.pending.set(requestId, { request, resolve, reject, cancelTimer: () => this.o.clock.clearTimeout(timer) });
      signal.addEventListener('abort', () => drop(new KioskError('CANCELLED')), { once: true });
      this.o.onRequested(request);
    });
  }

  /** The customer (or the technician in operator mode) answered. Returns the job's id. */
  answer(a: ConsentAnswer): string {
    const p = this.pending.get(a.requestId);
    if (!p) throw new KioskError('RECORD_NOT_FOUND', { detail: a.requestId });
    this.pending.delete(a.requestId);
    p.cancelTimer();
    if (this.customerRequestId === a.requestId) this.customerRequestId = null;
    p.resolve({
      accepted: a.decision === 'approve',
      by: p.request.consentMode,
      schedule: a.schedule,
      language: a.language,
      privacyVersion: a.privacyVersion,
      warrantyVersion: a.warrantyVersion,
    });
    this.o.onResolved({ requestId: a.requestId, jobId: p.request.jobId, decision: a.decision });
    return p.request.jobId;
  }

  /** The technician gives the customer display this request. */
  handover(requestId: string): ConsentRequest {
    const p = this.pending.get(requestId);
    if (!p) throw new KioskError('RECORD_NOT_FOUND', { detail: requestId });
    this.customerRequestId = requestId;
    this.customerJob = p.request.jobId;
    this.o.onHandover({ requestId, jobId: p.request.jobId, portId: p.request.portId });
    return p.request;
  }

  /** A job ended: its open requests go with it. */
  endJob(jobId: string): void {
    if (this.customerJob === jobId) this.customerJob = null;
    for (const [id, p] of this.pending) {
      if (p.request.jobId !== jobId) continue;
      this.pending.delete(id);
      p.cancelTimer();
      if (this.customerRequestId === id) this.customerRequestId = null;
      p.reject(new KioskError('CANCELLED'));
    }
  }

  close(): void {
    for (const p of this.pending.values()) {
      p.cancelTimer();
      p.reject(new KioskError('CANCELLED'));
    }
    this.pending.clear();
    this.customerRequestId = null;
  }
}
