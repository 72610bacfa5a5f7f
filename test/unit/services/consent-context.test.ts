/** consentContext: the port and its slot, consent mode, release notes and expected time a consent request carries. */
import { describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../../src/core/fumo/ports';
import { consentContext } from '../../../src/main/services/consent-context';
import type { DeviceEntry } from '../../../src/main/services/device-registry';
import { JobViews } from '../../../src/main/services/job-views';

describe('consentContext', () => {
  const views = new JobViews();
  views.infoFor('j1', 'p1', 'operator');
  const offer = { releaseNotes: 'Fixes', sizeBytes: 1000 };
  const runner = { get: (id: string) => (id === 'j1' ? ({ offer } as unknown as JobSnapshot) : undefined) };
  const entry = { profile: { id: 'prof' }, view: { slot: 'Slot 3', portLabel: '/dev/ttyUSB0' } } as unknown as DeviceEntry;
  const registry = { get: (portId: string) => (portId === 'p1' ? entry : undefined) };
  const updateTimes = { estimateRange: (_p: unknown, bytes: number) => ({ seconds: bytes / 10, lowSeconds: bytes / 50 }) };

  it('names the job port and its slot, mode, notes and the estimate range for the offered size', () => {
    expect(consentContext('j1', views, runner, registry, updateTimes)).toEqual({
      portId: 'p1',
      slot: 'Slot 3',
      portLabel: '/dev/ttyUSB0',
      consentMode: 'operator',
      releaseNotes: 'Fixes',
      estimatedSeconds: 100,
      estimatedSecondsLow: 20,
    });
  });

  it('a job the service does not know gets no estimate', () => {
    expect(consentContext('j2', views, runner, registry, updateTimes)).toEqual({ portId: undefined, slot: null, portLabel: null, consentMode: undefined, releaseNotes: undefined });
  });
});
