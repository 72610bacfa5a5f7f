/**
 * PhoneSessions.onJobWaiting('reconnect'): a job whose link broke while the phone's port stayed
 * in the scan (a cable pulled and plugged back between two scans, as seen on a guest's ftdi_sio
 * port) gets no new attach. The phone is asked again on a fresh link, later each time, until it
 * answers, and its session goes to the waiting job; the asking stops when the port goes away,
 * is attached anew, or the job no longer waits.
 */
import { describe, expect, it } from 'vitest';
import { KioskError } from '../../../src/core/errors';
import type { JobRunner, SessionRouting } from '../../../src/core/fumo/runner';
import type { FumoSession } from '../../../src/core/fumo/ports';
import type { DeviceEntry, DeviceRegistry } from '../../../src/main/services/device-registry';
import type { JobViews } from '../../../src/main/services/job-views';
import { PhoneSessions } from '../../../src/main/services/phone-sessions';
import { FakeClock } from '../../support/clock';

const DEV = 'IMEI:352099000000014';

function setup(opts: { failures: number }) {
  const clock = new FakeClock();
  const entry = { attached: true, generation: 0, devId: DEV, d: { portId: 'serial:/dev/ttyUSB0' }, view: { jobId: 'j1' } } as unknown as DeviceEntry;
  const opened: number[] = [];
  let failures = opts.failures;
  const session = { hello: { devId: DEV, genericAlerts: [], initiator: 'server' }, genericAlerts: [], end: async () => undefined } as unknown as FumoSession;
  const registry = {
    attachedWith: (devId: string) => (devId === DEV && entry.attached ? entry : undefined),
    listenWhenIdle: () => undefined,
    open: async () => {
      opened.push(clock.now());
      if (failures-- > 0) throw new KioskError('CABLE_UNPLUGGED');
      return session;
    },
  } as unknown as DeviceRegistry;
  const expected = new Map<string, 'reboot' | 'reconnect'>([[DEV, 'reconnect']]);
  const offered: FumoSession[] = [];
  const runner = {
    expectedDevices: () => expected,
    offerSession: (s: FumoSession): SessionRouting => {
      offered.push(s);
      expected.delete(DEV);
      return 'handed-to-waiting-job';
    },
    get: () => undefined,
  } as unknown as JobRunner;
  const views = { clearCableOut: () => [] } as unknown as JobViews;
  const tracked: Promise<unknown>[] = [];
  const phones = new PhoneSessions({
    clock,
    registry,
    runner,
    views,
    identifyOnAttach: true,
    installTimeoutMs: () => undefined,
    match: async () => ({ kind: 'none' }) as never,
    batteryThresholdPercent: () => 30,
    catalogueEmpty: () => false,
    startJobOn: () => 'j2',
    onJobState: () => undefined,
    track: (p) => void tracked.push(p),
    closed: () => false,
    log: () => undefined,
  });
  /** Run the fake clock forward until no timer is due, letting the async steps in between finish. */
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 100; i++) {
      for (let j = 0; j < 10; j++) await Promise.resolve();
      if (clock.pending === 0) return;
      clock.advance(500);
    }
  };
  return { clock, entry, opened, offered, expected, phones, session, tracked, settle };
}

describe('PhoneSessions: a job waiting to reconnect on a port that never left', () => {
  it('asks the phone again on a fresh link until it answers, and hands the session to the job', async () => {
    const t = setup({ failures: 2 });
    const t0 = t.clock.now();
    t.phones.onJobWaiting(DEV, 'reconnect');
    await t.settle();
    await Promise.all(t.tracked);
    expect(t.opened.length).toBe(3);
    // Later each time: 500 ms, then 1 s, then 2 s after the one before.
    expect(t.opened.map((x) => x - t0)).toEqual([500, 1500, 3500]);
    expect(t.offered).toEqual([t.session]);
  });

  it('stops asking once the port is gone or attached anew', async () => {
    const gone = setup({ failures: 100 });
    gone.phones.onJobWaiting(DEV, 'reconnect');
    gone.clock.advance(500);
    for (let j = 0; j < 10; j++) await Promise.resolve();
    expect(gone.opened.length).toBe(1);
    gone.entry.attached = false;
    await gone.settle();
    await Promise.all(gone.tracked);
    expect(gone.opened.length).toBe(1);
    expect(gone.offered).toEqual([]);

    const anew = setup({ failures: 100 });
    anew.phones.onJobWaiting(DEV, 'reconnect');
    anew.entry.generation = 1;
    await anew.settle();
    await Promise.all(anew.tracked);
    expect(anew.opened.length).toBe(0);
  });

  it('stops asking when the job no longer waits for the phone', async () => {
    const t = setup({ failures: 100 });
    t.phones.onJobWaiting(DEV, 'reconnect');
    t.clock.advance(500);
    for (let j = 0; j < 10; j++) await Promise.resolve();
    t.expected.delete(DEV);
    await t.settle();
    await Promise.all(t.tracked);
    expect(t.opened.length).toBe(1);
  });
});
