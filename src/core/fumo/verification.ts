/**
 * The last phases: the version the device reports after the install must be the bundle's
 * target version, then the device tells its user (Alert 1100) and the job is done.
 */
import { KioskError } from '../errors';
import { getText } from './capabilities';
import { buildCompletionText } from './consent-text';
import { isDisconnect, type JobContext } from './job-context';

export class Verification {
  constructor(private readonly job: JobContext) {}

  async stepVerify(): Promise<void> {
    const offer = this.job.requireOffer();
    let fw: string | undefined;
    for (;;) {
      try {
        fw = await getText(this.job.requireSession(), './DevDetail/FwV');
        break;
      } catch (e) {
        if (!isDisconnect(e)) throw e;
        await this.job.awaitDevice('reconnect', this.job.settings.reconnectTimeoutMs, e);
      }
    }
    await this.job.record({ finalVersion: fw });
    if (fw !== offer.targetVersion) {
      throw new KioskError('VERIFY_FAILED', { required: offer.targetVersion, measured: fw ?? 'unknown' });
    }
    await this.job.enter('notifying');
  }

  async stepNotify(): Promise<void> {
    const offer = this.job.requireOffer();
    try {
      // Requirement 15: the user is told; a device without a UI answers 406, which is fine.
      await this.job.requireSession().display(buildCompletionText(offer.targetVersion), { maxDisplaySeconds: 30 });
    } catch (e) {
      if (!isDisconnect(e)) throw e;
    }
    await this.job.finish('done', undefined, {
      code: 'OK',
      message: `Updated to ${offer.targetVersion}.`,
      fumoResultCode: this.job.snap.install?.resultCode,
    });
  }
}
