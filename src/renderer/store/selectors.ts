/**
 * Selectors: plain functions of the state (usable in tests and with useKioskStore.getState()),
 * and hooks that re-render only when the selected value changes.
 */
import { useShallow } from 'zustand/react/shallow';
import type { ConsentRequest, DeviceView, JobView, Role } from '../../shared/api';
import { progressView, type ProgressSample, type ProgressView } from './progress';
import type { KioskData } from './state';
import { useKioskStore } from './kiosk-store';

const ACTIVE_PHASES = new Set<JobView['phase']>([
  'queued',
  'connecting',
  'capabilities',
  'preflight',
  'awaiting-consent',
  'awaiting-device-consent',
  'downloading',
  'installing',
  'verifying',
]);

export const selectDeviceList = (s: KioskData): DeviceView[] =>
  s.devices.order.map((p) => s.devices.byPort[p]).filter((d): d is DeviceView => d !== undefined);
export const selectDevice =
  (portId: string) =>
  (s: KioskData): DeviceView | undefined =>
    s.devices.byPort[portId];
export const selectJob =
  (jobId: string | null | undefined) =>
  (s: KioskData): JobView | undefined =>
    jobId ? s.jobs.byId[jobId] : undefined;
export const selectJobForDevice =
  (portId: string) =>
  (s: KioskData): JobView | undefined => {
    const jobId = s.devices.byPort[portId]?.jobId;
    return jobId ? s.jobs.byId[jobId] : undefined;
  };
export const isJobActive = (job: JobView): boolean => ACTIVE_PHASES.has(job.phase);
export const selectActiveJobs = (s: KioskData): JobView[] => Object.values(s.jobs.byId).filter(isJobActive);
/** Overall download progress 0..1 over running jobs, or null when none is downloading. */
export const selectOverallProgress = (s: KioskData): number | null => {
  const running = selectActiveJobs(s).filter((j) => j.bytesTotal > 0);
  if (running.length === 0) return null;
  const sent = running.reduce((n, j) => n + j.bytesSent, 0);
  const total = running.reduce((n, j) => n + j.bytesTotal, 0);
  return total > 0 ? sent / total : null;
};
export const selectPendingConsent = (s: KioskData): ConsentRequest[] =>
  Object.values(s.consent.pending).sort((a, b) => a.createdAt - b.createdAt);
export const selectCustomerRequest = (s: KioskData): ConsentRequest | undefined =>
  s.consent.customerRequestId ? s.consent.pending[s.consent.customerRequestId] : undefined;
export const selectCustomerJob = (s: KioskData): JobView | undefined =>
  s.consent.customerJobId ? s.jobs.byId[s.consent.customerJobId] : undefined;
export const selectRole = (s: KioskData): Role | null => s.session.current?.user.role ?? null;
export const selectIsTechnician = (s: KioskData): boolean => selectRole(s) !== null;
export const selectIsAdmin = (s: KioskData): boolean => selectRole(s) === 'admin';

// Hooks --------------------------------------------------------------------------------------

export const useDeviceList = (): DeviceView[] => useKioskStore(useShallow(selectDeviceList));
export const useDevice = (portId: string): DeviceView | undefined => useKioskStore(selectDevice(portId));
export const useJob = (jobId: string | null | undefined): JobView | undefined =>
  useKioskStore(selectJob(jobId));
export const useJobForDevice = (portId: string): JobView | undefined =>
  useKioskStore(selectJobForDevice(portId));
export const usePendingConsent = (): ConsentRequest[] => useKioskStore(useShallow(selectPendingConsent));
export const useCustomerRequest = (): ConsentRequest | undefined => useKioskStore(selectCustomerRequest);
export const useCustomerJob = (): JobView | undefined => useKioskStore(selectCustomerJob);
export const useConnection = () => useKioskStore((s) => s.connection);
export const useSession = () => useKioskStore((s) => s.session.current);
export const useRole = (): Role | null => useKioskStore(selectRole);
export const useSettings = () => useKioskStore((s) => s.settings.current);
export const useCatalog = () => useKioskStore((s) => s.catalog.bundles);
export const useTrustStore = () => useKioskStore((s) => s.catalog.trust);
export const usePeopleStore = () => useKioskStore((s) => s.people.current);
export const useRecentHistory = () => useKioskStore((s) => s.history.recent);

/** What a person sees of a job's progress (bar, label, speed, time left), see ./progress. */
export const selectProgressView =
  (job: JobView | undefined) =>
  (s: KioskData): ProgressView =>
    progressView(job, job ? s.progress.byJob[job.jobId] : undefined);
export const useProgressSamples = (jobId: string | null | undefined): ProgressSample[] | undefined =>
  useKioskStore((s) => (jobId ? s.progress.byJob[jobId] : undefined));
/** The progress view of a job, recomputed whenever the job or its samples change. */
export const useProgressView = (job: JobView | undefined): ProgressView => progressView(job, useProgressSamples(job?.jobId));
