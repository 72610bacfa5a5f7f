/**
 * PhoneSessions.onJobWaiting('reconnect'): a job whose link broke while the phone's port stayed
 * in the scan (a cable pulled and plugged back between two scans, as seen on a guest's ftdi_sio
 * port) gets no new attach. The phone is asked again on a fresh link, later each time, until it
 * answers, and its session goes to the waiting job; the asking stops when the port goes away,
 * is attached anew, or the job no longer waits.
 *
 * PhoneSessions.onJobWaiting('reboot'): a phone that reboots after the Exec ends its link and
 * re-enumerates; back under the same port name before the next scan, it gets no detach and no
 * attach (seen with the CDC ACM phone in the guest: gone and back on /dev/ttyACM0 within about
 * a second). The kiosk listens again on a freshly opened port until the phone's own session
 * (its 1226) arrives, and hands it to the job.
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

function setup(opts: { failures: number; reason?: 'reboot' | 'reconnect' }) {
  const clock = new FakeClock();
  const entry = { attached: true, generation: 0, devId: DEV, d: { portId: 'serial:/dev/ttyUSB0' }, view: { jobId: 'j1' } } as unknown as DeviceEntry;
  const opened: number[] = [];
  let failures = opts.failures;
  const session = { hello: { devId: DEV, genericAlerts: [], initiator: 'server' }, genericAlerts: [], end: async () => undefined } as unknown as FumoSession;
  const listened: Array<number | undefined> = [];
  const registry = {
    lease: async () => () => undefined,
    attachedWith: (devId: string) => (devId === DEV && entry.attached ? entry : undefined),
    listenWhenIdle: () => undefined,
    open: async (_entry: DeviceEntry, how: { listenMs?: number } = {}) => {
      opened.push(clock.now());
      listened.push(how.listenMs);
      if (failures-- > 0) throw new KioskError('CABLE_UNPLUGGED');
      return session;
    },
  } as unknown as DeviceRegistry;
  const expected = new Map<string, 'reboot' | 'reconnect'>([[DEV, opts.reason ?? 'reconnect']]);
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
  return { clock, entry, opened, listened, offered, expected, phones, session, tracked, settle };
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

describe('PhoneSessions: a job waiting for its phone to report after a reboot on a port that never left', () => {
  it('listens again on a freshly opened port once the old link ends, and hands the phone\'s session to the job', async () => {
    // The first listen is on the link the phone rebooted away from; the next finds the port not back yet; the third hears the phone.
    const t = setup({ failures: 2, reason: 'reboot' });
    const t0 = t.clock.now();
    t.phones.onJobWaiting(DEV, 'reboot');
    await t.settle();
    await Promise.all(t.tracked);
    expect(t.opened.map((x) => x - t0)).toEqual([0, 500, 1500]);
    // Every try listens for the phone's session (it calls in with its result); none sends package 0.
    expect(t.listened.every((ms) => ms !== undefined && ms > 0)).toBe(true);
    expect(t.offered).toEqual([t.session]);
  });

  it('listens once when the phone reports on the link it is on', async () => {
    const t = setup({ failures: 0, reason: 'reboot' });
    t.phones.onJobWaiting(DEV, 'reboot');
    await t.settle();
    await Promise.all(t.tracked);
    expect(t.opened.length).toBe(1);
    expect(t.offered).toEqual([t.session]);
  });

  it('stops listening once the port is gone, attached anew, or the job no longer waits', async () => {
    for (const end of ['gone', 'anew', 'over'] as const) {
      const t = setup({ failures: 100, reason: 'reboot' });
      t.phones.onJobWaiting(DEV, 'reboot');
      for (let j = 0; j < 10; j++) await Promise.resolve();
      expect(t.opened.length).toBe(1);
      if (end === 'gone') t.entry.attached = false;
      else if (end === 'anew') t.entry.generation = 1;
      else t.expected.delete(DEV);
      await t.settle();
      await Promise.all(t.tracked);
      expect(t.opened.length).toBe(1);
      expect(t.offered).toEqual([]);
    }
  });
});
