/** The update engine: one device's FUMO job, the runner for many devices, progress and result codes. */
export * from './ports';
export { FUMO_MO_URN } from './capabilities';
export { FumoJob, type FumoJobOptions, type FumoJobEvent, type SessionSource } from './job';
export { JobRunner, DEFAULT_CONCURRENCY, type StartJobRequest, type RunnerEvent, type JobRunnerOptions, type SessionRouting } from './runner';
export { ProgressMeter, BYTES_PER_MB, DEFAULT_WINDOW_MS, formatMB, formatSpeed, formatEta, type ProgressReading } from './progress';
export { describeFumoResult, isFumoSuccess, type FumoResult } from './result-codes';
export { buildConsentText, buildDeviceConfirmText, buildCompletionText } from './consent-text';
export { provisionDmAccount, dmAccUri } from './bootstrap';
