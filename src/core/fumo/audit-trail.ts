/**
 * The audit trail of one attempt: a history record begun once the device is identified (before
 * anything is installed) and completed when the job ends, with consent, phase timings and the
 * version found on the device.
 */
import type { FinalState, JobContext, JobOutcome } from './job-context';
import { phaseSpans, phaseTimings } from './phase-times';
import type { DeviceFacts, UpdateOffer } from './ports';

export class AuditTrail {
  constructor(private readonly job: JobContext) {}

  async begin(facts: DeviceFacts, offer: UpdateOffer | undefined): Promise<void> {
    if (this.job.snap.auditId) return;
    const auditId = await this.job.ports.audit.begin({
      jobId: this.job.snap.jobId,
      devId: facts.devId,
      model: facts.model,
      manufacturer: facts.manufacturer,
      fromVersion: facts.fwVersion,
      toVersion: offer?.targetVersion ?? facts.fwVersion,
      bundleId: offer?.bundleId,
      bundleSha256: offer?.sha256,
      trigger: this.job.snap.trigger,
      technician: this.job.snap.technician,
      startedAt: this.job.snap.createdAt,
    });
    await this.job.record({ auditId });
  }

  /** Complete the record (beginning it first if the job ended before identification). */
  async complete(state: FinalState, out: JobOutcome): Promise<void> {
    if (this.job.snap.auditId === undefined && this.job.snap.devId) {
      const f = this.job.snap.facts;
      const info = this.job.currentSession?.hello.devInfo ?? {};
      try {
        await this.begin(
          f ?? {
            devId: this.job.snap.devId,
            manufacturer: info.Man ?? '',
            model: info.Mod ?? '',
            fwVersion: '',
            largeObjects: false,
            fumoUri: '',
          },
          this.job.snap.offer,
        );
      } catch {
        // reported below through the job's state; the audit store error is not the device's fault
      }
    }
    if (this.job.snap.auditId) {
      const now = this.job.ports.clock.now();
      await this.job.ports.audit.complete(this.job.snap.auditId, {
        state,
        outcome: out.message,
        outcomeCode: out.code,
        fumoResultCode: out.fumoResultCode,
        finalVersion: this.job.snap.finalVersion ?? (state === 'up-to-date' ? this.job.snap.facts?.fwVersion : undefined),
        customerConsent: this.job.snap.customerConsent,
        deviceConsent: this.job.snap.deviceConsent,
        phaseTimings: phaseTimings(this.job.snap.history, now),
        phases: phaseSpans(this.job.snap.history, now),
        bytesSent: this.job.snap.download?.bytesSentTotal,
        finishedAt: now,
      });
    }
  }
}
