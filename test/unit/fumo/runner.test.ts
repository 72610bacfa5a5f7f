import { describe, expect, it } from 'vitest';
import { JobRunner } from '../../../src/core/fumo/runner';
import type { FumoSession } from '../../../src/core/fumo/ports';
import { FakeAudit, FakeCatalog, FakeClock, FakeConsent, FakeJournal, FakePhone, PROFILE_NODES, counterRandom, makeOffer, makePayload } from './fakes';

function fleet(n: number, concurrency: number) {
  const payload = makePayload(5000);
  const offer = makeOffer(payload);
  const catalog = new FakeCatalog(offer, payload);
  const journal = new FakeJournal();
  const audit = new FakeAudit();
  const consent = new FakeConsent();
  const clock = new FakeClock();
  const runner = new JobRunner({ ports: { catalog, journal, audit, consent, clock, random: counterRandom() }, concurrency });
  const phones = Array.from({ length: n }, (_, i) => {
    const p = new FakePhone({ devId: `IMEI:35000000000000${i}` });
    p.installTarget = offer.targetVersion;
    p.onReboot = () => runner.offerSession(p.session('client'));
    return p;
  });
  return { runner, phones, audit, consent, journal };
}

describe('JobRunner', () => {
  it('runs at most N jobs at once and isolates a failing device', async () => {
    const { runner, phones } = fleet(10, 3);
    phones[4]!.installResult = 410;
    let running = 0;
    let maxRunning = 0;
    const opened: string[] = [];
    runner.on((e) => {
      if (e.type === 'queue') {
        running = e.running;
        maxRunning = Math.max(maxRunning, running);
      }
    });
    const ids = phones.map((p) =>
      runner.start({
        trigger: 'technician',
        devId: p.devId,
        nodes: PROFILE_NODES,
        open: async (): Promise<FumoSession> => {
          opened.push(p.devId);
          await new Promise((r) => setTimeout(r, 1));
          return p.session();
        },
      }),
    );
    await runner.idle();
    expect(maxRunning).toBe(3);
    expect(opened).toHaveLength(10);
    const states = ids.map((id) => runner.get(id)?.state);
    expect(states.filter((s) => s === 'done')).toHaveLength(9);
    expect(runner.get(ids[4]!)?.error?.code).toBe('INSTALL_FAILED');
    expect(phones.map((p) => p.fw)).toEqual(phones.map((_, i) => (i === 4 ? '1.0.0' : '2.0.0')));
  });

  it('refuses a second job for a device that has one, cancels queued jobs, retries ended ones', async () => {
    const { runner, phones, audit } = fleet(2, 1);
    const [a, b] = phones as [FakePhone, FakePhone];
    a.confirmAnswer = 'no';
    const ja = runner.start({ trigger: 'technician', devId: a.devId, nodes: PROFILE_NODES, open: async () => a.session() });
    expect(() => runner.start({ trigger: 'technician', devId: a.devId, open: async () => a.session() })).toThrow(/already being updated/);
    const jb = runner.start({ trigger: 'technician', devId: b.devId, nodes: PROFILE_NODES, open: async () => b.session() });
    expect(await runner.cancel(jb)).toBe(true);
    await runner.idle();
    expect(runner.get(ja)?.state).toBe('declined');
    expect(runner.get(jb)?.state).toBe('cancelled');
    expect(b.sessions).toHaveLength(0);
    a.confirmAnswer = 'yes';
    const again = runner.retry(ja);
    expect(again).toBeDefined();
    expect(again).not.toBe(ja);
    await runner.idle();
    expect(runner.get(again!)?.state).toBe('done');
    expect(a.fw).toBe('2.0.0');
    // One audit record per attempt.
    expect(audit.begun.filter((r) => r.devId === a.devId)).toHaveLength(2);
  });

  it('leaves a session from an unknown device to the caller', () => {
    const { runner, phones } = fleet(1, 1);
    expect(runner.offerSession(phones[0]!.session('client'))).toBe('unclaimed');
  });
});
