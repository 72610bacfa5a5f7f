/** HistoryAnnouncer: an ended job's record is announced once, when complete; a receipt waits for it, bounded. */
import { describe, expect, it } from 'vitest';
import type { JobSnapshot } from '../../../src/core/fumo/ports';
import { HistoryAnnouncer, RECORD_SETTLE_MS } from '../../../src/main/services/history-announcer';
import { FakeClock } from '../../support/clock';

interface Rec {
  id: string;
  status: string;
}

function setup() {
  const clock = new FakeClock();
  const records = new Map<string, Rec>();
  const jobs = new Map<string, JobSnapshot>();
  const announced: string[] = [];
  const h = new HistoryAnnouncer<Rec>({
    clock,
    record: (id) => records.get(id),
    jobOf: (id) => jobs.get(id),
    announce: (r) => announced.push(r.id),
  });
  const job = (state: JobSnapshot['state'], auditId = 'a1'): JobSnapshot => {
    const s = { jobId: 'j1', state, auditId } as JobSnapshot;
    jobs.set(auditId, s);
    return s;
  };
  return { clock, records, announced, h, job };
}

describe('HistoryAnnouncer', () => {
  it('announces a record only once the job has ended and the record is complete, and only once', () => {
    const t = setup();
    t.records.set('a1', { id: 'a1', status: 'open' });
    t.h.observe(t.job('downloading'));
    t.h.observe(t.job('done'));
    expect(t.announced).toEqual([]);
    t.records.set('a1', { id: 'a1', status: 'complete' });
    t.h.observe(t.job('done'));
    t.h.observe(t.job('done'));
    expect(t.announced).toEqual(['a1']);
  });

  it('a record of no ended job, or one already complete, is settled at once', async () => {
    const t = setup();
    await t.h.settled('unknown');
    t.job('downloading');
    await t.h.settled('a1');
    t.job('done');
    t.records.set('a1', { id: 'a1', status: 'complete' });
    await t.h.settled('a1');
    expect(t.clock.pending).toBe(0);
  });

  it('an ended job whose record is not complete yet settles when it is announced', async () => {
    const t = setup();
    t.records.set('a1', { id: 'a1', status: 'open' });
    t.job('failed');
    let settled = 0;
    const waits = [t.h.settled('a1'), t.h.settled('a1')].map((p) => p.then(() => settled++));
    await Promise.resolve();
    expect(settled).toBe(0);
    expect(t.clock.pending).toBe(2);
    t.records.set('a1', { id: 'a1', status: 'complete' });
    t.h.observe(t.job('failed'));
    await Promise.all(waits);
    expect(settled).toBe(2);
    expect(t.announced).toEqual(['a1']);
    expect(t.clock.pending).toBe(0);
  });

  it('the wait is bounded: it settles after RECORD_SETTLE_MS without the record', async () => {
    const t = setup();
    t.job('failed');
    const p = t.h.settled('a1');
    t.clock.advance(RECORD_SETTLE_MS - 1);
    let settled = false;
    void p.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    t.clock.advance(1);
    await p;
    expect(t.announced).toEqual([]);
  });
});
