/** Pure functions from (data, snapshot | event) to new data: unit tested without React. */
import type { DeviceView, HistoryRecord, JobView, KioskEventMessage, Snapshot } from '../../shared/api';
import { addSample } from './progress';
import { HISTORY_RECENT_LIMIT, type KioskData } from './state';

/** Record a downloading job's bytes at `now`; forget the samples of jobs that stopped sending. */
function track(byJob: KioskData['progress']['byJob'], job: JobView, now: number): KioskData['progress']['byJob'] {
  if (job.phase !== 'downloading') {
    if (!(job.jobId in byJob)) return byJob;
    const { [job.jobId]: _done, ...rest } = byJob;
    return rest;
  }
  const before = byJob[job.jobId];
  const after = addSample(before, job.bytesSent, now);
  return after === before ? byJob : { ...byJob, [job.jobId]: after };
}

function byAttachOrder(a: DeviceView, b: DeviceView): number {
  return a.attachedAt - b.attachedAt || (a.portId < b.portId ? -1 : a.portId > b.portId ? 1 : 0);
}

function upsertRecent(list: HistoryRecord[], record: HistoryRecord): HistoryRecord[] {
  return [record, ...list.filter((r) => r.id !== record.id)].slice(0, HISTORY_RECENT_LIMIT);
}

/** Phases after the customer's answer on the kiosk, while the job still runs. */
const AFTER_KIOSK_CONSENT = new Set<JobView['phase']>(['awaiting-device-consent', 'downloading', 'installing', 'verifying']);

/**
 * The job a customer display opened now belongs to: the one the kiosk names, else the job of the
 * request handed over, else the one customer-consent job past the kiosk's question and still
 * running (a display opened mid-update must not greet a customer whose phone is being updated).
 */
export function customerJobOf(s: Snapshot, previous: string | null): string | null {
  if (s.consent.customerJobId) return s.consent.customerJobId;
  const handed = s.consent.customerRequestId ? s.consent.pending.find((c) => c.requestId === s.consent.customerRequestId) : undefined;
  if (handed) return handed.jobId;
  if (previous && s.jobs.some((j) => j.jobId === previous)) return previous;
  const running = s.jobs.filter((j) => j.consentMode === 'customer' && AFTER_KIOSK_CONSENT.has(j.phase));
  return running.length === 1 ? running[0]!.jobId : null;
}

/** `now`: when the snapshot arrived (epoch ms), for the progress samples. */
export function reduceSnapshot(data: KioskData, s: Snapshot, now = 0): KioskData {
  // Samples of jobs still in the snapshot are kept (a reconnection does not restart the speed).
  let byJob: KioskData['progress']['byJob'] = {};
  for (const j of s.jobs) {
    const kept = data.progress.byJob[j.jobId];
    byJob = track(kept ? { ...byJob, [j.jobId]: kept } : byJob, j, now);
  }
  const devices = [...s.devices].sort(byAttachOrder);
  const pending = Object.fromEntries(s.consent.pending.map((c) => [c.requestId, c]));
  return {
    ...data,
    connection: { ...data.connection, ready: true, error: null, app: s.app },
    devices: {
      byPort: Object.fromEntries(devices.map((d) => [d.portId, d])),
      order: devices.map((d) => d.portId),
    },
    jobs: { byId: Object.fromEntries(s.jobs.map((j) => [j.jobId, j])) },
    consent: {
      pending,
      customerRequestId: s.consent.customerRequestId,
      customerJobId: customerJobOf(s, data.consent.customerJobId),
    },
    progress: { byJob },
    session: { current: s.session },
    catalog: { bundles: s.catalog, trust: s.trust },
    settings: { current: s.settings },
    history: { recent: s.recentHistory.slice(0, HISTORY_RECENT_LIMIT) },
  };
}

/** `now`: when the event arrived (epoch ms), for the progress samples. */
export function reduceEvent(data: KioskData, m: KioskEventMessage, now = 0): KioskData {
  switch (m.event) {
    case 'device:attached':
    case 'device:updated': {
      const d = m.payload;
      const known = d.portId in data.devices.byPort;
      return {
        ...data,
        devices: {
          byPort: { ...data.devices.byPort, [d.portId]: d },
          order: known ? data.devices.order : [...data.devices.order, d.portId],
        },
      };
    }
    case 'device:detached': {
      const { [m.payload.portId]: _gone, ...rest } = data.devices.byPort;
      return {
        ...data,
        devices: { byPort: rest, order: data.devices.order.filter((p) => p !== m.payload.portId) },
      };
    }
    case 'job:updated':
      return {
        ...data,
        jobs: { byId: { ...data.jobs.byId, [m.payload.jobId]: m.payload } },
        progress: { byJob: track(data.progress.byJob, m.payload, now) },
      };
    case 'job:progress': {
      const job = data.jobs.byId[m.payload.jobId];
      if (!job) return data; // the full JobView arrives with job:updated
      const { bytesSent, bytesTotal, speedBps, etaSeconds } = m.payload;
      const next = { ...job, bytesSent, bytesTotal, speedBps, etaSeconds };
      return {
        ...data,
        jobs: { byId: { ...data.jobs.byId, [job.jobId]: next } },
        progress: { byJob: track(data.progress.byJob, next, now) },
      };
    }
    case 'consent:requested':
      return {
        ...data,
        consent: { ...data.consent, pending: { ...data.consent.pending, [m.payload.requestId]: m.payload } },
      };
    case 'consent:handover':
      return {
        ...data,
        consent: { ...data.consent, customerRequestId: m.payload.requestId, customerJobId: m.payload.jobId },
      };
    case 'consent:resolved': {
      const { [m.payload.requestId]: _done, ...pending } = data.consent.pending;
      const wasCustomer = data.consent.customerRequestId === m.payload.requestId;
      return {
        ...data,
        consent: {
          ...data.consent,
          pending,
          customerRequestId: wasCustomer ? null : data.consent.customerRequestId,
        },
      };
    }
    case 'auth:changed':
      // Another login may not see who has a PIN: the list is loaded again by whoever may.
      return { ...data, session: { current: m.payload }, people: { current: null } };
    case 'catalog:changed':
      return { ...data, catalog: { ...data.catalog, bundles: m.payload } };
    case 'trust:changed':
      return { ...data, catalog: { ...data.catalog, trust: m.payload } };
    case 'people:changed':
      return { ...data, people: { current: m.payload } };
    case 'settings:changed':
      return { ...data, settings: { current: m.payload } };
    case 'history:added':
      return { ...data, history: { recent: upsertRecent(data.history.recent, m.payload) } };
    default: {
      const unknownEvent: never = m;
      void unknownEvent;
      return data;
    }
  }
}
