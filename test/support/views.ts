/** The tests' builders of contract views: a full value, with the fields a test cares about overridden. */
import type { DeviceView, JobPhase, JobView } from '../../src/shared/api';

export function deviceView(overrides: Partial<DeviceView> = {}): DeviceView {
  return {
    portId: 'p1',
    linkKind: 'serial',
    simulated: true,
    devId: 'IMEI:•••••••••••3801',
    manufacturer: 'M',
    model: 'X1',
    fwVersion: '1.0',
    targetVersion: '1.1',
    bundleId: 'b',
    battery: 80,
    externalPower: true,
    supportsSchedule: false,
    state: 'update-available',
    phase: null,
    jobId: null,
    problems: [],
    attachedAt: 1000,
    ...overrides,
  };
}

export function jobView(phase: JobPhase, overrides: Partial<JobView> = {}): JobView {
  return {
    jobId: 'j1',
    portId: 'p1',
    devId: null,
    model: 'X1',
    bundleId: 'b',
    fromVersion: '1.0',
    targetVersion: '1.1',
    schedule: 'now',
    consentMode: 'customer',
    phase,
    bytesSent: 0,
    bytesTotal: 0,
    speedBps: null,
    etaSeconds: null,
    result: null,
    error: null,
    retryOf: null,
    historyId: null,
    startedAt: 1,
    updatedAt: 1,
    finishedAt: null,
    ...overrides,
  };
}
