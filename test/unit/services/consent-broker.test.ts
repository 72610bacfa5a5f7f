import { describe, expect, it } from 'vitest';
import { ConsentBroker } from '../../../src/main/services/consent-broker';
import { CONSENT_TEXT_VERSION } from '../../../src/core/fumo/consent-text';
import type { CustomerConsentRequest } from '../../../src/core/fumo/ports';
import type { ConsentRequest } from '../../../src/shared/schemas';
import { FakeClock, counterRandom } from '../../support/clock';

const ask: CustomerConsentRequest = {
  jobId: 'job-1',
  devId: 'IMEI:493005100592800',
  model: 'RP-1',
  fromVersion: '1.0.0',
  toVersion: '2.0.0',
  sizeBytes: 4_000_000,
  text: 'text',
  textVersion: CONSENT_TEXT_VERSION,
  schedules: ['now', 'later'],
};

function broker(
  timeoutMs = 60_000,
  estimate: { estimatedSeconds: number; estimatedSecondsLow?: number } = { estimatedSeconds: 420 },
  place: { slot?: string | null; portLabel?: string | null } = {},
) {
  const clock = new FakeClock();
  const requested: ConsentRequest[] = [];
  const handovers: string[] = [];
  const b = new ConsentBroker({
    clock,
    random: counterRandom(),
    timeoutMs: () => timeoutMs,
    jobContext: () => ({ portId: 'sim:1', consentMode: 'customer', ...estimate, ...place }),
    onRequested: (r) => requested.push(r),
    onResolved: () => undefined,
    onHandover: (e) => handovers.push(e.requestId),
  });
  return { b, clock, requested, handovers };
}

describe('ConsentBroker', () => {
  it('names the phone for the customer to check: its slot, its port and its DevId masked but for the last 4 digits', () => {
    const named = broker(60_000, { estimatedSeconds: 420 }, { slot: 'Slot 3', portLabel: '/dev/ttyUSB0' });
    void named.b.ask(ask, new AbortController().signal).catch(() => undefined);
    expect(named.requested[0]).toMatchObject({ slot: 'Slot 3', portLabel: '/dev/ttyUSB0', devId: 'IMEI:•••••••••••2800', model: 'RP-1' });
    const unnamed = broker();
    void unnamed.b.ask(ask, new AbortController().signal).catch(() => undefined);
    expect(unnamed.requested[0]).toMatchObject({ slot: null, portLabel: null, devId: 'IMEI:•••••••••••2800' });
  });

  it('carries the low end of the time while it is a range, and drops one that is not below the estimate', () => {
    const ranged = broker(60_000, { estimatedSeconds: 75, estimatedSecondsLow: 25 });
    void ranged.b.ask(ask, new AbortController().signal).catch(() => undefined);
    expect(ranged.requested[0]).toMatchObject({ estimatedSeconds: 75, estimatedSecondsLow: 25 });
    const even = broker(60_000, { estimatedSeconds: 75, estimatedSecondsLow: 75 });
    void even.b.ask(ask, new AbortController().signal).catch(() => undefined);
    expect(even.requested[0]?.estimatedSeconds).toBe(75);
    expect(even.requested[0]).not.toHaveProperty('estimatedSecondsLow');
  });

  it('the request carries the texts and their versions; the answer carries back the versions and language shown', async () => {
    const { b, requested } = broker();
    const answer = b.ask(ask, new AbortController().signal);
    const r = requested[0]!;
    expect(r.privacy.version).toBe(CONSENT_TEXT_VERSION);
    expect(Object.keys(r.privacy.text).sort()).toEqual(['de', 'en', 'es']);
    expect(r.warranty.text['de']).toMatch(/Garantie/);
    expect(r.estimatedSeconds).toBe(420);
    expect(r.portId).toBe('sim:1');
    b.answer({ requestId: r.requestId, decision: 'approve', schedule: 'now', language: 'es', privacyVersion: 'p/7', warrantyVersion: 'w/3' });
    expect(await answer).toEqual({ accepted: true, by: 'customer', schedule: 'now', language: 'es', privacyVersion: 'p/7', warrantyVersion: 'w/3' });
    expect(b.list()).toEqual([]);
  });

  it('a request nobody answers ends with CONSENT_TIMEOUT when its time is up, not before', async () => {
    const { b, clock, requested } = broker(10 * 60_000);
    const answer = b.ask(ask, new AbortController().signal);
    const settled = answer.then(
      () => 'answered',
      (e: { code?: string }) => e.code,
    );
    clock.advance(10 * 60_000 - 1);
    expect(b.list()).toHaveLength(1);
    clock.advance(1);
    expect(await settled).toBe('CONSENT_TIMEOUT');
    expect(b.list()).toEqual([]);
    expect(() => b.answer({ requestId: requested[0]!.requestId, decision: 'approve', schedule: 'now', language: 'en', privacyVersion: 'x', warrantyVersion: 'x' })).toThrow(/No record/);
  });

  it('handover names the job the customer display belongs to until that job ends; a cancelled job drops its request', async () => {
    const { b, requested } = broker();
    const ctl = new AbortController();
    const answer = b.ask(ask, ctl.signal).catch((e: { code?: string }) => e.code);
    b.handover(requested[0]!.requestId);
    expect(b.handedOver).toBe(requested[0]!.requestId);
    expect(b.customerJobId).toBe('job-1');
    ctl.abort();
    expect(await answer).toBe('CANCELLED');
    expect(b.handedOver).toBeNull();
    expect(b.customerJobId).toBe('job-1');
    b.endJob('job-1');
    expect(b.customerJobId).toBeNull();
  });
});
