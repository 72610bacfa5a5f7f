import { describe, expect, it } from 'vitest';
import { jobView } from '../../support/views';
import type { JobPhase, JobView } from '../../../src/shared/api';
import { addSample, measuredSpeed, progressView, SPEED_WINDOW_MS } from '../../../src/renderer/store/progress';
import { reduceEvent } from '../../../src/renderer/store/reducers';
import { initialData } from '../../../src/renderer/store/state';
import { deviceCardModel } from '../../../src/renderer/components/device-model';
import { formatPercent } from '../../../src/renderer/i18n/format';

const job = (phase: JobPhase, over: Partial<JobView> = {}): JobView => jobView(phase, over);

const MB4 = 4_000_000;

describe('progress view', () => {
  it('bar and label read the same whole percent, 100 % only when every byte is there', () => {
    const v = progressView(job('downloading', { bytesSent: 3_999_999, bytesTotal: MB4, speedBps: 11_520 }));
    expect(v.percent).toBe(99);
    expect(formatPercent(v.percent!, 'en')).toBe('99%');
    expect(progressView(job('downloading', { bytesSent: 520_000, bytesTotal: MB4, speedBps: 11_520 })).percent).toBe(13);
  });

  it('"working out the time left" only until the first figures arrive', () => {
    expect(progressView(job('downloading', { bytesTotal: MB4 })).stage).toBe('estimating');
    const v = progressView(job('downloading', { bytesSent: 262_144, bytesTotal: MB4, speedBps: 11_520 }));
    expect(v.stage).toBe('sending');
    expect(v.etaSeconds).toBe(Math.ceil((MB4 - 262_144) / 11_520));
  });

  it('recomputes the time left from the latest bytes, not a stale estimate', () => {
    // The Node side's etaSeconds lags (it was computed at 13 %); the view uses the bytes now.
    const v = progressView(job('downloading', { bytesSent: 3_920_000, bytesTotal: MB4, speedBps: 11_520, etaSeconds: 300 }));
    expect(v.etaSeconds).toBe(Math.ceil(80_000 / 11_520));
  });

  it('measures the speed from the samples when the Node side has not sent one', () => {
    let samples = addSample(undefined, 0, 1000);
    samples = addSample(samples, 262_144, 1000 + 22_756); // one 256 KiB step at 115200 baud
    expect(measuredSpeed(samples)).toBeCloseTo(262_144 / 22.756, 3);
    const v = progressView(job('downloading', { bytesSent: 262_144, bytesTotal: MB4 }), samples);
    expect(v.stage).toBe('sending');
    expect(v.speedBps).toBeCloseTo(11_520, -2);
    expect(v.etaSeconds).toBe(Math.ceil((MB4 - 262_144) / v.speedBps!));
  });

  it('keeps the samples of the last 5 seconds (and one before), and starts over when bytes go back', () => {
    let s = addSample(undefined, 0, 0);
    for (let t = 1; t <= 10; t++) s = addSample(s, t * 1000, t * 1000);
    expect(s[0]!.at).toBeGreaterThanOrEqual(10_000 - SPEED_WINDOW_MS - 1000);
    expect(measuredSpeed(s)).toBeCloseTo(1000, 5);
    expect(addSample(s, 10, 11_000)).toEqual([{ at: 11_000, bytes: 10 }]);
    expect(addSample(s, 10_000, 12_000)).toBe(s); // no movement: the same list
  });

  it('a failed job keeps its bar where it stopped, in the error tone (not full and blue)', () => {
    const v = progressView(job('failed', { bytesSent: 1_000_000, bytesTotal: MB4 }));
    expect(v).toMatchObject({ stage: 'failed', percent: 25, tone: 'error', etaSeconds: null });
    expect(progressView(job('cancelled', { bytesSent: 0, bytesTotal: MB4 }))).toMatchObject({ percent: 0, tone: 'stopped' });
    expect(progressView(job('completed', { bytesSent: MB4, bytesTotal: MB4 }))).toMatchObject({ percent: 100, tone: 'done' });
  });

  it('the store records when each progress tick arrived', () => {
    let d = reduceEvent(initialData(), { event: 'job:updated', payload: job('downloading', { bytesTotal: MB4 }) }, 1000);
    d = reduceEvent(d, { event: 'job:progress', payload: { jobId: 'j1', portId: 'p1', bytesSent: 11_520, bytesTotal: MB4, speedBps: null, etaSeconds: null } }, 2000);
    expect(d.progress.byJob.j1).toEqual([
      { at: 1000, bytes: 0 },
      { at: 2000, bytes: 11_520 },
    ]);
    const card = deviceCardModel(
      { ...device(), jobId: 'j1', state: 'updating' },
      d.jobs.byId.j1,
      [],
      { samples: d.progress.byJob.j1 },
    );
    expect(card.speedBps).toBeCloseTo(11_520, 5);
    // The job stops sending: its samples go.
    d = reduceEvent(d, { event: 'job:updated', payload: job('installing', { bytesSent: MB4, bytesTotal: MB4 }) }, 3000);
    expect(d.progress.byJob.j1).toBeUndefined();
  });
});

function device() {
  return {
    portId: 'p1',
    linkKind: 'serial' as const,
    simulated: true,
    devId: null,
    manufacturer: 'M',
    model: 'X1',
    fwVersion: '1.0',
    targetVersion: '1.1',
    bundleId: 'b',
    battery: 80,
    externalPower: true,
    supportsSchedule: false,
    state: 'update-available' as const,
    phase: null,
    jobId: null,
    problems: [],
    attachedAt: 1,
  };
}
