/**
 * Pre-flight (step 5 of the flow): may this phone take this update now? One verdict for the
 * bench's card and for the job, so the card never offers Start for a job that would then refuse.
 * Every refusal names the required and the measured value.
 */
import type { ErrorDetails } from '../../shared/errors';
import type { PowerAndSpace } from './capabilities';
import { BYTES_PER_MB } from './progress';
import type { UpdateOffer } from './ports';

export interface PreflightProblem {
  code: 'BATTERY_LOW' | 'NO_SPACE';
  details: ErrorDetails;
  /** The update cannot start while this stands. */
  blocking: boolean;
  /** The operator may start anyway (a low battery on external power). */
  overridable: boolean;
}

export interface PreflightInput {
  facts: PowerAndSpace;
  offer: Pick<UpdateOffer, 'sizeBytes' | 'extraSpaceBytes'>;
  batteryThresholdPercent: number;
  /** The operator chose to go ahead on external power. */
  allowBatteryOverride?: boolean | undefined;
}

export function preflight(input: PreflightInput): PreflightProblem[] {
  const { facts, offer, batteryThresholdPercent: threshold } = input;
  const problems: PreflightProblem[] = [];
  if (facts.batteryPercent !== undefined && facts.batteryPercent < threshold) {
    const overridable = facts.externalPower === true;
    problems.push({
      code: 'BATTERY_LOW',
      details: {
        required: threshold,
        measured: facts.batteryPercent,
        externalPower: facts.externalPower === undefined ? 'unknown' : facts.externalPower ? 'yes' : 'no',
      },
      overridable,
      blocking: !(overridable && input.allowBatteryOverride === true),
    });
  }
  const needed = offer.sizeBytes + (offer.extraSpaceBytes ?? 0);
  if (facts.freeBytes !== undefined && facts.freeBytes < needed) {
    problems.push({
      code: 'NO_SPACE',
      details: { required: (needed / BYTES_PER_MB).toFixed(1), measured: (facts.freeBytes / BYTES_PER_MB).toFixed(1) },
      overridable: false,
      blocking: true,
    });
  }
  return problems;
}
