/**
 * The kiosk's JobRunner and the ports its jobs use: the store (catalogue, journal, audit), the
 * payload server for phones that fetch their update by URL, the consent broker, the DM accounts,
 * and the job settings as stored now.
 */
import type { Clock, RandomSource } from '../../core/clock';
import { CONSENT_TEXT_VERSION } from '../../core/fumo/consent-text';
import type { AccountsPort, DeviceNodeMap, FumoSettings, JobSnapshot } from '../../core/fumo/ports';
import { JobRunner, type JobRunnerOptions } from '../../core/fumo/runner';
import type { KioskStore } from '../store';
import { createStorePorts } from '../store/fumo-ports';
import type { ConsentBroker } from './consent-broker';
import type { DeviceRegistry } from './device-registry';
import type { JobViews } from './job-views';
import { nodesOf } from './nodes';
import type { PayloadServer } from './payload-server';

export interface JobRunnerParts {
  store: KioskStore;
  clock: Clock;
  random: RandomSource;
  accounts: AccountsPort;
  views: Pick<JobViews, 'get'>;
  registry: Pick<DeviceRegistry, 'get' | 'attachedWith'>;
  payloads: Pick<PayloadServer, 'offer' | 'revokeDevice'>;
  consents: Pick<ConsentBroker, 'ask'>;
  /** Job settings beyond the stored ones (timeouts, consent timings). */
  fumo?: Partial<FumoSettings> | undefined;
}

export function createJobRunner(p: JobRunnerParts): JobRunner {
  return new JobRunner({ concurrency: p.store.settings.get('concurrency'), ports: jobPorts(p), nodesFor: (snap) => restoredNodes(p, snap) });
}

/** The ports every job of this kiosk uses. */
export function jobPorts(p: JobRunnerParts): JobRunnerOptions['ports'] {
  const storePorts = createStorePorts(p.store, {
    describeJob: (jobId) => {
      const info = p.views.get(jobId);
      const entry = info ? p.registry.get(info.portId) : undefined;
      return { portId: info?.portId ?? '', linkKind: entry?.d.linkKind ?? 'unknown', slot: entry?.view.slot ?? null, portLabel: entry?.view.portLabel ?? null };
    },
    consentTextVersion: () => CONSENT_TEXT_VERSION,
  });
  const settingsOf = (): Partial<FumoSettings> => ({
    ...p.fumo,
    batteryThresholdPercent: p.store.settings.get('batteryThresholdPercent'),
    consentTextVersion: CONSENT_TEXT_VERSION,
  });
  return {
    ...storePorts,
    catalog: {
      ...storePorts.catalog,
      payloadUrl: async (bundleId, devId) => {
        // One URL per job: an earlier one for this phone is withdrawn first.
        p.payloads.revokeDevice(devId);
        return (await p.payloads.offer(bundleId, devId)).url;
      },
    },
    consent: { askCustomer: (r, signal) => p.consents.ask(r, signal) },
    clock: p.clock,
    random: p.random,
    accounts: p.accounts,
    get settings(): Partial<FumoSettings> {
      return settingsOf();
    },
  };
}

/** The node map of a restored job: the port it was on, else wherever the phone is attached now (a restarted kiosk). */
export function restoredNodes(p: Pick<JobRunnerParts, 'registry'>, snap: JobSnapshot): DeviceNodeMap | undefined {
  const entry = (snap.portId ? p.registry.get(snap.portId) : undefined) ?? (snap.devId ? p.registry.attachedWith(snap.devId) : undefined);
  return entry ? nodesOf(entry.profile) : undefined;
}
