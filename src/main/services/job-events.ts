/**
 * What follows from the runner's reports: the job's view and progress for the screens, the
 * device card, the phone's download URL closing with its job, the update-time estimate, the
 * history record's announcement, the job's consent requests ending with it, and the phone being
 * asked again when a job waits to reconnect.
 */
import { isTerminal, type JobSnapshot } from '../../core/fumo/ports';
import type { RunnerEvent } from '../../core/fumo/runner';
import type { KioskEventName, KioskEvents } from '../../shared/api';
import type { ConsentBroker } from './consent-broker';
import type { DeviceRegistry } from './device-registry';
import type { HistoryAnnouncer } from './history-announcer';
import { cardWithJob, type JobInfo, type JobViews } from './job-views';
import type { PhoneSessions } from './phone-sessions';
import type { UpdateTimeEstimator } from './update-time';

export interface JobEventsOptions {
  views: Pick<JobViews, 'observe' | 'view' | 'progress' | 'served'>;
  registry: Pick<DeviceRegistry, 'get' | 'update'>;
  phones: Pick<PhoneSessions, 'showCableOut' | 'onJobWaiting'>;
  updateTimes: Pick<UpdateTimeEstimator, 'record'>;
  history: Pick<HistoryAnnouncer<{ status: string }>, 'observe'>;
  consents: Pick<ConsentBroker, 'endJob'>;
  /** The unfinished job of a phone, if any. */
  activeFor(devId: string): JobSnapshot | undefined;
  /** Withdraw the phone's download URL. */
  revokePayloads(devId: string): void;
  emit<E extends KioskEventName>(event: E, payload: KioskEvents[E]): void;
}

export class JobEvents {
  constructor(private readonly o: JobEventsOptions) {}

  onRunnerEvent(e: RunnerEvent): void {
    if (e.type === 'waiting') {
      if (e.reason === 'reconnect') this.o.phones.showCableOut(e.jobId, e.devId);
      this.o.phones.onJobWaiting(e.devId, e.reason);
    } else if (e.type === 'job-state') this.onJobState(e.snapshot);
    else if (e.type === 'job-progress') {
      const info = this.o.views.progress(e.progress);
      if (info) this.emitProgress(e.progress.jobId, info, info.bytesTotal);
    }
  }

  onJobState(s: JobSnapshot): void {
    const info = this.o.views.observe(s);
    // The job's download URL closes with the job.
    if (isTerminal(s.state) && s.devId) this.o.revokePayloads(s.devId);
    const view = this.o.views.view(s);
    this.o.emit('job:updated', view);
    const entry = this.o.registry.get(info.portId);
    if (entry) this.o.registry.update(entry, cardWithJob(entry.view, s, view.phase));
    if (entry && s.state === 'done') this.o.updateTimes.record(entry.profile.id, s);
    this.o.history.observe(s);
    if (isTerminal(s.state)) this.o.consents.endJob(s.jobId);
  }

  /** The phone's download from the payload server, as job progress (the job sends no bytes itself). */
  onPayloadServed(devId: string, served: number, total: number): void {
    const snap = this.o.activeFor(devId);
    const info = snap ? this.o.views.served(snap.jobId, served, total) : undefined;
    if (snap && info) this.emitProgress(snap.jobId, info, total);
  }

  private emitProgress(jobId: string, info: JobInfo, bytesTotal: number): void {
    this.o.emit('job:progress', { jobId, portId: info.portId, bytesSent: info.bytesSent, bytesTotal, speedBps: info.speedBps, etaSeconds: info.etaSeconds });
  }
}
