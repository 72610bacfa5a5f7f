/**
 * The consent phases: the customer approves on the kiosk, then the device asks its user
 * (Alert 1101); both answers are recorded in the job, a decline ends it. While the customer or
 * technician decides, a live session is kept alive the way the wait for the result alert keeps it.
 */
import { KioskError } from '../errors';
import { buildConsentText, buildDeviceConfirmText } from './consent-text';
import type { JobContext } from './job-context';
import { KEEP_ALIVE_URI, keepAliveWhile } from '../session/keep-alive';

export class ConsentPhase {
  constructor(private readonly job: JobContext) {}

  async stepCustomerConsent(): Promise<void> {
    const facts = this.job.requireFacts();
    const offer = this.job.requireOffer();
    const notes = offer.releaseNotes?.[facts.language ?? 'en'] ?? offer.releaseNotes?.en ?? Object.values(offer.releaseNotes ?? {})[0];
    const text = buildConsentText({
      model: facts.model,
      fromVersion: facts.fwVersion,
      toVersion: offer.targetVersion,
      sizeBytes: offer.sizeBytes,
      releaseNotes: notes,
    });
    const askedAt = this.job.ports.clock.now();
    const asked = this.job.ports.consent.askCustomer(
      {
        jobId: this.job.snap.jobId,
        devId: facts.devId,
        model: facts.model,
        fromVersion: facts.fwVersion,
        toVersion: offer.targetVersion,
        sizeBytes: offer.sizeBytes,
        releaseNotes: notes,
        text,
        textVersion: this.job.settings.consentTextVersion,
        schedules: this.job.options.schedule ? [this.job.options.schedule] : ['now', 'later'],
      },
      this.job.signal,
    );
    const session = this.job.currentSession;
    // The device's last message waits for an answer (an HTTP phone gives up after its own timeout).
    const answer =
      session && !session.ended
        ? await keepAliveWhile(asked, {
            clock: this.job.ports.clock,
            intervalMs: this.job.settings.keepAliveIntervalMs,
            ping: () => session.get([KEEP_ALIVE_URI]),
          })
        : await asked;
    this.job.checkCancelled();
    const schedule = this.job.options.schedule ?? answer.schedule ?? 'now';
    const record = {
      accepted: answer.accepted,
      by: answer.by,
      text,
      textVersion: this.job.settings.consentTextVersion,
      askedAt,
      answeredAt: this.job.ports.clock.now(),
      schedule,
      ...(answer.language ? { language: answer.language } : {}),
      ...(answer.privacyVersion ? { privacyVersion: answer.privacyVersion } : {}),
      ...(answer.warrantyVersion ? { warrantyVersion: answer.warrantyVersion } : {}),
    };
    if (!answer.accepted) {
      await this.job.finish('declined', new KioskError('CONSENT_DECLINED'), undefined, { customerConsent: record });
      return;
    }
    await this.job.enter('awaiting-device-consent', { customerConsent: record, schedule });
  }

  async stepDeviceConsent(): Promise<void> {
    const session = this.job.requireSession();
    const offer = this.job.requireOffer();
    const askedAt = this.job.ports.clock.now();
    const answer = await session.confirm(buildDeviceConfirmText(offer.targetVersion), {
      minDisplaySeconds: this.job.settings.deviceConsentMinSeconds,
      maxDisplaySeconds: this.job.settings.deviceConsentMaxSeconds,
      defaultResponse: '0',
    });
    const record = { answer, askedAt, answeredAt: this.job.ports.clock.now() };
    this.job.checkCancelled();
    // A device without a UI (406) cannot ask; the customer's approval on the kiosk stands.
    if (answer !== 'yes' && answer !== 'unsupported') {
      await this.job.finish('declined', new KioskError('DEVICE_DECLINED'), undefined, { deviceConsent: record });
      return;
    }
    const method = this.job.nodes.httpCapable && this.job.ports.catalog.payloadUrl ? 'pkg-url' : 'large-object';
    await this.job.enter('downloading', {
      deviceConsent: record,
      download: { method, totalBytes: offer.sizeBytes, acknowledgedBytes: 0, complete: false, bytesSentTotal: 0 },
    });
  }
}
