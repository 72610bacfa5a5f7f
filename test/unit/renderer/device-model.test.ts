import { describe, expect, it } from 'vitest';
import { deviceView, jobView } from '../../support/views';
import type { ConsentRequest, DeviceView, JobPhase, JobView } from '../../../src/shared/api';
import { deviceCardModel, sortDevices } from '../../../src/renderer/components/device-model';
import { customerStage, EMPTY_MEMORY, idlePaused, pickText } from '../../../src/renderer/screens/customer/customer-flow';

const device = (overrides: Partial<DeviceView> = {}): DeviceView => deviceView(overrides);

const job = (phase: JobPhase, overrides: Partial<JobView> = {}): JobView => jobView(phase, overrides);

const request = (overrides: Partial<ConsentRequest> = {}): ConsentRequest => ({
  requestId: 'r1',
  jobId: 'j1',
  portId: 'p1',
  model: 'X1',
  fromVersion: '1.0',
  targetVersion: '1.1',
  releaseNotes: { en: 'notes' },
  imageBytes: 1,
  estimatedSeconds: 60,
  privacy: { version: 'p', text: { en: 'p' } },
  warranty: { version: 'w', text: { en: 'w' } },
  supportsSchedule: false,
  consentMode: 'customer',
  createdAt: 1,
  ...overrides,
});

describe('device card actions', () => {
  it('offers start only when an update is available and nothing runs', () => {
    expect(deviceCardModel(device(), undefined, []).actions).toEqual(['start']);
    expect(deviceCardModel(device({ state: 'up-to-date' }), undefined, []).actions).toEqual([]);
    expect(deviceCardModel(device({ state: 'blocked' }), undefined, []).actions).toEqual([]);
  });
  it('offers hand-over while the customer request waits, and cancel while running', () => {
    const m = deviceCardModel(device({ state: 'updating' }), job('awaiting-consent'), [request()]);
    expect(m.actions).toEqual(['handToCustomer', 'cancel']);
    expect(m.requestId).toBe('r1');
    expect(deviceCardModel(device({ state: 'updating' }), job('downloading'), []).actions).toEqual(['cancel']);
  });
  it('offers retry (and not start) after a failure, a cancel or a decline', () => {
    for (const phase of ['failed', 'cancelled', 'declined'] as const) {
      expect(deviceCardModel(device(), job(phase), []).actions).toEqual(['retry']);
    }
    expect(deviceCardModel(device({ state: 'updated' }), job('completed'), []).actions).toEqual([]);
  });
  it('shows transfer progress, speed and ETA only while downloading', () => {
    const d = deviceCardModel(device(), job('downloading', { bytesSent: 250, bytesTotal: 1000, speedBps: 100, etaSeconds: 8 }), []);
    expect(d.percent).toBe(25);
    expect(d.speedBps).toBe(100);
    expect(d.etaSeconds).toBe(8);
    const i = deviceCardModel(device(), job('installing', { bytesSent: 1000, bytesTotal: 1000, speedBps: 100, etaSeconds: 0 }), []);
    expect(i.percent).toBe(100);
    expect(i.speedBps).toBeNull();
    expect(deviceCardModel(device(), undefined, []).percent).toBeNull();
  });
  it('keeps a stable order by attach time, whatever the status', () => {
    const a = device({ portId: 'a', attachedAt: 3 });
    const b = device({ portId: 'b', attachedAt: 1, state: 'failed' });
    const c = device({ portId: 'c', attachedAt: 1 });
    expect(sortDevices([a, c, b]).map((d) => d.portId)).toEqual(['b', 'c', 'a']);
  });
});

describe('customer stage', () => {
  it('asks nothing without a handed-over request (an up-to-date phone never has one)', () => {
    expect(customerStage(EMPTY_MEMORY, null, undefined)).toBe('welcome');
    expect(customerStage(EMPTY_MEMORY, request({ consentMode: 'operator' }), undefined)).toBe('welcome');
    expect(customerStage(EMPTY_MEMORY, request(), undefined)).toBe('offer');
  });
  it('follows the approved job to its end', () => {
    const mem = { settledRequestId: 'r1', jobId: 'j1', declined: false };
    expect(customerStage(mem, request(), job('awaiting-device-consent'))).toBe('device');
    expect(customerStage(mem, null, job('downloading'))).toBe('progress');
    expect(customerStage(mem, null, job('installing'))).toBe('progress');
    expect(customerStage(mem, null, job('completed'))).toBe('done');
    expect(customerStage(mem, null, job('scheduled'))).toBe('done');
    expect(customerStage(mem, null, job('declined'))).toBe('declined');
    expect(customerStage(mem, null, job('failed'))).toBe('failed');
  });
  it('a decline on the kiosk shows "nothing was changed"', () => {
    expect(customerStage({ settledRequestId: 'r1', jobId: null, declined: true }, null, undefined)).toBe('declined');
  });
  it('pauses the idle timer only while the phone is busy', () => {
    expect(idlePaused('progress')).toBe(true);
    expect(idlePaused('device')).toBe(true);
    expect(idlePaused('offer')).toBe(false);
    expect(idlePaused('done')).toBe(false);
  });
  it('picks texts in the chosen language, else English', () => {
    expect(pickText({ en: 'a', de: 'b' }, 'de')).toBe('b');
    expect(pickText({ en: 'a', de: 'b' }, 'es')).toBe('a');
    expect(pickText({ fr: 'c' }, 'es')).toBe('c');
    expect(pickText(undefined, 'es')).toBe('');
  });
});
