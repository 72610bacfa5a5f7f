/**
 * While the customer or technician decides, the session with the phone is kept alive: a
 * harmless Get of ./DevInfo/DevId goes out at least every keepAliveIntervalMs (an HTTP phone's
 * POST is answered within that time), and the job goes on as usual once the answer comes.
 * Time is the fake clock's, advanced by hand.
 */
import { describe, expect, it } from 'vitest';
import { FumoJob } from '../../../src/core/fumo/job';
import type { CustomerConsentAnswer, JobSnapshot } from '../../../src/core/fumo/ports';
import { KEEP_ALIVE_URI } from '../../../src/core/session/keep-alive';
import { PROFILE_NODES, harness, sha256Hex, type FakeSession, type Harness } from './fakes';

const INTERVAL = 5000;

/** Let the job's promises run between two steps of the clock (no wall-clock time passes). */
const turns = async (n = 20): Promise<void> => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

interface Pending {
  h: Harness;
  session: FakeSession;
  run: Promise<JobSnapshot>;
  /** Clock times of the keep-alive Gets. */
  pings: number[];
  askedAt: number;
  answer: (a: CustomerConsentAnswer) => void;
}

async function waitingForConsent(): Promise<Pending> {
  const h = harness();
  h.ports.settings = { keepAliveIntervalMs: INTERVAL };
  let answer: (a: CustomerConsentAnswer) => void = () => undefined;
  let asked: () => void = () => undefined;
  const customerAsked = new Promise<void>((r) => (asked = r));
  h.consent.askCustomer = async (r) => {
    h.consent.asked.push(r);
    asked();
    return new Promise<CustomerConsentAnswer>((resolve) => (answer = resolve));
  };
  const session = h.phone.session('server');
  const pings: number[] = [];
  const get = session.get.bind(session);
  session.get = async (uris) => {
    if (uris.includes(KEEP_ALIVE_URI)) pings.push(h.clock.now());
    return get(uris);
  };
  const job = new FumoJob(h.ports, { jobId: 'job-1', trigger: 'technician', nodes: PROFILE_NODES });
  const run = job.run(session);
  await customerAsked;
  return { h, session, run, pings, askedAt: h.clock.now(), answer: (a) => answer(a) };
}

/** Advance the clock by `ms` in steps of one second, letting the job act after each. */
async function elapse(h: Harness, ms: number): Promise<void> {
  for (let t = 0; t < ms; t += 1000) {
    h.clock.advance(1000);
    await turns();
  }
}

describe('a consent awaited on a live session', () => {
  it('keeps the session alive with a Get at least every interval, then the job continues to done', async () => {
    const p = await waitingForConsent();
    await elapse(p.h, 120_000);
    // A customer who takes two minutes: the phone heard from the kiosk all along.
    expect(p.pings.length).toBeGreaterThanOrEqual(120_000 / INTERVAL - 1);
    const times = [p.askedAt, ...p.pings, p.h.clock.now()];
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(INTERVAL);
    // Nothing else went to the phone while it waited: no prompt, no byte.
    expect(p.h.phone.prompts).toEqual([]);
    expect(p.h.phone.bytesReceived).toBe(0);

    const before = p.pings.length;
    const answeredAt = p.h.clock.now();
    p.answer({ accepted: true, by: 'customer', schedule: 'now' });
    const snap = await p.run;
    expect(snap.state).toBe('done');
    expect(snap.customerConsent?.accepted).toBe(true);
    expect(snap.customerConsent?.answeredAt).toBe(answeredAt);
    // Once answered the keep-alive stops, and the job is the usual one.
    expect(p.pings.length).toBe(before);
    expect(p.h.phone.prompts.map((x) => x.kind)).toEqual(['confirm', 'display']);
    expect(sha256Hex(p.h.phone.held)).toBe(sha256Hex(p.h.payload));
    expect(p.h.phone.execs).toHaveLength(1);
  });

  it('an answer given between two keep-alives is taken at once, not at the next interval', async () => {
    const p = await waitingForConsent();
    await elapse(p.h, 7000);
    expect(p.pings).toHaveLength(1);
    p.answer({ accepted: false, by: 'customer' });
    const snap = await p.run;
    expect(snap.state).toBe('declined');
    expect(snap.customerConsent?.answeredAt).toBe(p.askedAt + 7000);
    expect(p.pings).toHaveLength(1);
  });

  it('a phone gone during the wait: the pings stop, the answer is journaled, the next command reports the broken link', async () => {
    const p = await waitingForConsent();
    await elapse(p.h, 6000);
    expect(p.pings).toHaveLength(1);
    p.session.dead = true;
    await elapse(p.h, 30_000);
    // One more attempt failed on the broken link, then no more.
    expect(p.pings).toHaveLength(2);
    p.answer({ accepted: true, by: 'customer', schedule: 'now' });
    const snap = await p.run;
    expect(snap.state).toBe('failed');
    expect(snap.error?.code).toBe('CABLE_UNPLUGGED');
    expect(p.h.journal.records.some((r) => r.state === 'awaiting-device-consent' && r.customerConsent?.accepted === true)).toBe(true);
    expect(p.h.phone.prompts).toEqual([]);
    expect(p.h.phone.bytesReceived).toBe(0);
    expect(p.h.consent.asked).toHaveLength(1);
  });
});
