/**
 * The first phases of a job: the capability exchange (bootstrap, DevInfo, DevDetail, the FUMO
 * location), the catalogue match, and the pre-flight checks, with every refusal naming the
 * required and the measured value.
 */
import { KioskError } from '../errors';
import { describeError } from '../../shared/errors';
import type { AuditTrail } from './audit-trail';
import { provisionDmAccount } from './bootstrap';
import { readDeviceFacts } from './capabilities';
import type { JobContext } from './job-context';
import type { FumoSession } from './ports';
import { preflight } from './preflight';

export class Identification {
  constructor(
    private readonly job: JobContext,
    private readonly audit: AuditTrail,
  ) {}

  async stepSession(): Promise<void> {
    const session = this.job.requireSession();
    const hello = session.hello;
    if (this.job.options.devId && this.job.snap.devId && hello.devId !== this.job.snap.devId) {
      throw new KioskError('PROTOCOL_ERROR', { detail: `expected device ${this.job.snap.devId}, ${hello.devId} answered` });
    }
    await this.bootstrapIfNeeded(session);
    const facts = await readDeviceFacts(session, this.job.nodes);
    this.job.checkCancelled();
    await this.job.enter('identified', { devId: facts.devId, facts });
  }

  async stepIdentified(): Promise<void> {
    const facts = this.job.requireFacts();
    const match = await this.job.ports.catalog.match(facts, this.job.snap.requestedBundleId);
    if (match.kind === 'up-to-date') {
      await this.audit.begin(facts, undefined);
      // Requirement 8: nothing to do, nobody is prompted.
      await this.job.finish('up-to-date', undefined, {
        code: 'UP_TO_DATE',
        message: describeError('UP_TO_DATE', { measured: facts.fwVersion }),
      });
      return;
    }
    if (match.kind === 'refused') {
      await this.audit.begin(facts, undefined);
      throw new KioskError(match.refusal.code, match.refusal.details);
    }
    await this.audit.begin(facts, match.offer);
    this.job.checkCancelled();
    await this.job.enter('matched', { offer: match.offer });
  }

  async stepPreFlight(): Promise<void> {
    const problems = preflight({
      facts: this.job.requireFacts(),
      offer: this.job.requireOffer(),
      batteryThresholdPercent: this.job.settings.batteryThresholdPercent,
      allowBatteryOverride: this.job.options.allowBatteryOverride,
    });
    const refusal = problems.find((p) => p.blocking);
    if (refusal) throw new KioskError(refusal.code, refusal.details);
    this.job.checkCancelled();
    await this.job.enter('awaiting-customer-consent');
  }

  /** Give a device with no DM account for this kiosk one over the cable; a refusal is reported, never forced. */
  private async bootstrapIfNeeded(session: FumoSession): Promise<void> {
    const accounts = this.job.ports.accounts;
    if (!accounts) return;
    const devId = session.hello.devId;
    if (session.hello.authenticatedAs !== undefined || (await accounts.has(devId))) return;
    await provisionDmAccount(session, devId, accounts, this.job.ports.random);
  }
}
