/**
 * What a consent request tells the customer beside the texts: the port and its slot, how consent is given,
 * the release notes of the offered update, and how long the update is expected to take.
 */
import type { JobRunner } from '../../core/fumo/runner';
import type { ConsentBrokerOptions } from './consent-broker';
import type { DeviceRegistry } from './device-registry';
import type { JobViews } from './job-views';
import { consentEstimate, type UpdateTimeEstimator } from './update-time';

export function consentContext(
  jobId: string,
  views: Pick<JobViews, 'get'>,
  runner: Pick<JobRunner, 'get'>,
  registry: Pick<DeviceRegistry, 'get'>,
  updateTimes: Pick<UpdateTimeEstimator, 'estimateRange'>,
): ReturnType<ConsentBrokerOptions['jobContext']> {
  const info = views.get(jobId);
  const offer = runner.get(jobId)?.offer;
  const entry = info ? registry.get(info.portId) : undefined;
  return {
    portId: info?.portId,
    slot: entry?.view.slot ?? null,
    portLabel: entry?.view.portLabel ?? null,
    consentMode: info?.consentMode,
    releaseNotes: offer?.releaseNotes,
    ...(entry && offer ? consentEstimate(updateTimes.estimateRange(entry.profile, offer.sizeBytes)) : {}),
  };
}
