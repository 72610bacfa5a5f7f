/**
 * Starting jobs on devices of the bench: a new job, the continuation of a parked one, or a retry
 * of an ended one (a new attempt with its own record). Each job gets the way it opens its first
 * session: package 0 on the leased cable link, or, for a phone on the DM endpoint that nothing can
 * reach, the next session that phone opens.
 */
import { KioskError } from '../../core/errors';
import type { FumoSession } from '../../core/fumo/ports';
import type { JobRunner, SessionRouting } from '../../core/fumo/runner';
import type { ConsentMode, StartJobParams } from '../../shared/schemas';
import type { DeviceEntry, DeviceRegistry } from './device-registry';
import type { HttpPhoneCaller } from './http-phone-wait';
import type { JobViews } from './job-views';
import { nodesOf } from './nodes';

export interface JobOnEntry {
  consentMode: ConsentMode;
  trigger: 'technician' | 'customer';
  schedule?: 'now' | 'later' | undefined;
  bundleId?: string | undefined;
  /** The session the phone already opened (a customer's own request). */
  session?: FumoSession;
  technician?: string | undefined;
  allowBatteryOverride?: boolean | undefined;
}

export type StartUpdateParams = Omit<StartJobParams, 'schedule'> & { schedule?: 'now' | 'later' | undefined; technician?: string | undefined };

export interface JobLauncherOptions {
  registry: Pick<DeviceRegistry, 'find' | 'get' | 'open' | 'update'>;
  runner: Pick<JobRunner, 'start' | 'retry' | 'activeFor'>;
  views: Pick<JobViews, 'infoFor' | 'get'>;
  /** Reaches a phone on the DM endpoint: a push where its profile names one, else a wait for its call. */
  httpCaller: Pick<HttpPhoneCaller, 'next'>;
  /** How long a job waits for a phone on the DM endpoint to call in. */
  sessionTimeoutMs: number;
  /** The technician logged in on the service's own screen, if any. */
  currentTechnician(): string | undefined;
  offerToRunner(session: FumoSession): SessionRouting;
}

export class JobLauncher {
  constructor(private readonly o: JobLauncherOptions) {}

  /** How a job on this entry opens its first session. */
  opener(entry: DeviceEntry): () => Promise<FumoSession> {
    // Nothing reaches a phone on the DM endpoint: the job takes the next session it opens.
    if (entry.d.linkKind === 'http' && entry.devId) {
      const devId = entry.devId;
      return () => this.o.httpCaller.next(entry, devId, this.o.sessionTimeoutMs);
    }
    return () => this.o.registry.open(entry);
  }

  startOn(entry: DeviceEntry, p: JobOnEntry): string {
    // Jobs of one device are tied together by their DevId; the portId names the cable.
    const jobId = this.o.runner.start({
      trigger: p.trigger,
      portId: entry.d.portId,
      devId: entry.devId,
      bundleId: p.bundleId,
      schedule: p.schedule,
      technician: p.technician ?? this.o.currentTechnician(),
      nodes: nodesOf(entry.profile),
      allowBatteryOverride: p.allowBatteryOverride,
      open: p.session ?? this.opener(entry),
    });
    this.o.views.infoFor(jobId, entry.d.portId, p.consentMode);
    this.o.registry.update(entry, { jobId, state: 'updating', phase: 'queued' });
    return jobId;
  }

  /** Start the same update again for a job that ended: a new attempt with its own record. */
  retry(jobId: string): string {
    const info = this.o.views.get(jobId);
    const entry = info ? this.o.registry.get(info.portId) : undefined;
    if (!info || !entry) throw new KioskError('DEVICE_NOT_FOUND', { detail: info?.portId ?? jobId });
    const next = this.o.runner.retry(jobId, this.opener(entry));
    if (!next) throw new KioskError('RECORD_NOT_FOUND', { detail: jobId });
    this.o.views.infoFor(next, entry.d.portId, info.consentMode, jobId);
    this.o.registry.update(entry, { jobId: next, state: 'updating', phase: 'queued' });
    return next;
  }

  /**
   * Start (or continue) an update on one device. A device with a parked job (download finished
   * for "install later", cable pulled) continues that job instead of starting a new one.
   */
  async startUpdate(params: StartUpdateParams): Promise<string> {
    const entry = this.o.registry.find(params);
    await entry.identified?.catch(() => undefined);
    const active = entry.devId ? this.o.runner.activeFor(entry.devId) : undefined;
    if (active) {
      if (!active.parked) throw new KioskError('BUSY');
      this.o.views.infoFor(active.jobId, entry.d.portId, params.consentMode);
      const session = await this.o.registry.open(entry);
      if (this.o.offerToRunner(session) === 'unclaimed') await session.end();
      return active.jobId;
    }
    return this.startOn(entry, {
      consentMode: params.consentMode,
      schedule: params.schedule,
      bundleId: params.bundleId,
      trigger: 'technician',
      technician: params.technician,
      allowBatteryOverride: params.allowBatteryOverride,
    });
  }
}
