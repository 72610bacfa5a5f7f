import { describe, expect, it } from 'vitest';
import { FumoJob } from '../../../src/core/fumo/job';
import { JobRunner } from '../../../src/core/fumo/runner';
import type { CustomerConsentAnswer, CustomerConsentRequest } from '../../../src/core/fumo/ports';
import { FUMO, PROFILE_NODES, harness, sha256Hex, type Harness } from './fakes';
import { CONSENT_TEXT_VERSION } from '../../../src/core/fumo/consent-text';

const ALL_STATES_SUCCESS = [
  'discovered',
  'session',
  'identified',
  'matched',
  'pre-flight',
  'awaiting-customer-consent',
  'awaiting-device-consent',
  'downloading',
  'installing',
  'verifying',
  'notifying',
  'done',
];

function newJob(h: Harness, over: Partial<ConstructorParameters<typeof FumoJob>[1]> = {}): FumoJob {
  return new FumoJob(h.ports, { jobId: 'job-1', trigger: 'technician', nodes: PROFILE_NODES, ...over });
}

describe('FumoJob', () => {
  it('updates a phone: every state journaled, Exec after the whole payload, FwV verified, user told, audit complete', async () => {
    const h = harness();
    const job = newJob(h);
    const states: string[] = [];
    job.onEvent((e) => {
      if (e.type === 'state' && states[states.length - 1] !== e.snapshot.state) states.push(e.snapshot.state);
    });
    const snap = await job.run(h.phone.session('server'));

    expect(snap.state).toBe('done');
    expect(h.phone.fw).toBe('2.0.0');
    expect(snap.finalVersion).toBe('2.0.0');
    // Journal order equals the documented machine; the events follow the journal.
    expect(h.journal.states('job-1')).toEqual(ALL_STATES_SUCCESS);
    expect(states).toEqual(ALL_STATES_SUCCESS);
    // The phone received exactly the catalogue's bytes before the single Exec.
    expect(sha256Hex(h.phone.held)).toBe(sha256Hex(h.payload));
    expect(h.phone.execs).toHaveLength(1);
    expect(h.phone.execs[0]?.uri).toBe(`${FUMO}/Update`);
    expect(h.phone.execs[0]?.correlator).toMatch(/^fk-[0-9a-f]{16}$/);
    // The install state (with its correlator) was journaled before the Exec reached the phone.
    expect(h.phone.journalAtExec).toEqual(['installing']);
    const execRecord = h.journal.records.find((r) => r.state === 'installing' && r.install?.execStatus === 0);
    expect(execRecord?.install?.correlator).toBe(h.phone.execs[0]?.correlator);
    // Reboot: the result came in a new session from the same DevId.
    expect(h.sessions.calls).toEqual([{ devId: h.phone.devId, reason: 'reboot' }]);
    // Consent: kiosk first (text and version recorded), then the phone with MINDT/MAXDT, then Alert 1100.
    expect(h.consent.asked).toHaveLength(1);
    expect(h.consent.asked[0]?.text).toContain('2.0.0');
    expect(h.phone.prompts.map((p) => p.kind)).toEqual(['confirm', 'display']);
    expect(h.phone.prompts[0]?.options?.maxDisplaySeconds).toBeGreaterThan(0);
    expect(h.phone.prompts[1]?.text).toContain('2.0.0');
    expect(snap.customerConsent?.textVersion).toBe(CONSENT_TEXT_VERSION);
    expect(snap.customerConsent?.text).toBe(h.consent.asked[0]?.text);
    expect(snap.deviceConsent?.answer).toBe('yes');
    // Audit: begun before the download, completed with the result code and phase timings.
    expect(h.audit.begun).toHaveLength(1);
    expect(h.audit.begun[0]).toMatchObject({ devId: h.phone.devId, fromVersion: '1.0.0', toVersion: '2.0.0', model: 'RP-1' });
    const beginIndex = h.journal.records.findIndex((r) => r.auditId !== undefined);
    const downloadIndex = h.journal.records.findIndex((r) => r.state === 'downloading');
    expect(beginIndex).toBeGreaterThanOrEqual(0);
    expect(beginIndex).toBeLessThan(downloadIndex);
    expect(h.audit.completed).toHaveLength(1);
    const done = h.audit.completed[0]!;
    expect(done).toMatchObject({ state: 'done', outcomeCode: 'OK', fumoResultCode: 200, finalVersion: '2.0.0', bytesSent: h.payload.length });
    // 10 chunks of 100 ms fake time each (plus the priming read) were spent downloading.
    expect(done.phaseTimings.downloading).toBeGreaterThanOrEqual(1000);
    expect(Object.keys(done.phaseTimings)).toEqual(expect.arrayContaining(['downloading', 'installing', 'verifying']));
  });

  it('reports progress with bytes, speed and ETA during the download', async () => {
    const h = harness({ payloadSize: 10_000, chunk: 1000 });
    const job = newJob(h);
    const ticks: Array<{ bytes: number; speed: number; eta?: number }> = [];
    job.onEvent((e) => {
      if (e.type === 'progress') ticks.push({ bytes: e.progress.bytesSent, speed: e.progress.speedBps, eta: e.progress.etaSeconds });
    });
    await job.run(h.phone.session());
    expect(ticks.map((t) => t.bytes)).toEqual([1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000]);
    // 1000 bytes every 100 ms of fake time = 10 000 B/s; at 5000 bytes, 5000 remain = 0.5 s.
    const mid = ticks[4]!;
    expect(mid.speed).toBeCloseTo(10_000, 0);
    expect(mid.eta).toBeCloseTo(0.5, 3);
  });

  it('up to date: nobody is prompted, nothing is sent, the audit says so', async () => {
    const h = harness({ fw: '2.0.0' });
    const snap = await newJob(h).run(h.phone.session());
    expect(snap.state).toBe('up-to-date');
    expect(h.consent.asked).toHaveLength(0);
    expect(h.phone.prompts).toHaveLength(0);
    expect(h.phone.execs).toHaveLength(0);
    expect(h.phone.bytesReceived).toBe(0);
    expect(h.audit.completed[0]).toMatchObject({ state: 'up-to-date', outcomeCode: 'UP_TO_DATE', finalVersion: '2.0.0' });
  });

  it('customer declines on the kiosk: the phone is never asked and nothing changes on it', async () => {
    const h = harness();
    h.consent.answer = { accepted: false, by: 'customer' };
    const snap = await newJob(h).run(h.phone.session());
    expect(snap.state).toBe('declined');
    expect(snap.error?.code).toBe('CONSENT_DECLINED');
    expect(h.phone.prompts).toHaveLength(0);
    expect(h.phone.bytesReceived).toBe(0);
    expect(h.phone.execs).toHaveLength(0);
    expect(h.phone.fw).toBe('1.0.0');
    const a = h.audit.completed[0]!;
    expect(a.customerConsent).toMatchObject({ accepted: false, by: 'customer', textVersion: CONSENT_TEXT_VERSION });
    expect(a.customerConsent?.answeredAt).toBeGreaterThanOrEqual(a.customerConsent?.askedAt ?? Infinity);
    expect(a.outcomeCode).toBe('CONSENT_DECLINED');
  });

  it('device declines (Alert 1101 answered no): no byte sent, no Exec, both answers recorded', async () => {
    const h = harness({ confirm: 'no' });
    const snap = await newJob(h).run(h.phone.session());
    expect(snap.state).toBe('declined');
    expect(snap.error?.code).toBe('DEVICE_DECLINED');
    expect(h.phone.prompts.map((p) => p.kind)).toEqual(['confirm']);
    expect(h.phone.bytesReceived).toBe(0);
    expect(h.phone.execs).toHaveLength(0);
    const a = h.audit.completed[0]!;
    expect(a.customerConsent?.accepted).toBe(true);
    expect(a.deviceConsent?.answer).toBe('no');
  });

  it('battery low: refused before any prompt, with required and measured values named', async () => {
    const h = harness({ battery: 12 });
    const snap = await newJob(h).run(h.phone.session());
    expect(snap.state).toBe('failed');
    expect(snap.error?.code).toBe('BATTERY_LOW');
    expect(snap.error?.details).toMatchObject({ required: 30, measured: 12 });
    expect(snap.error?.message).toContain('12%');
    expect(snap.error?.message).toContain('30%');
    expect(h.consent.asked).toHaveLength(0);
    expect(h.phone.prompts).toHaveLength(0);
    expect(h.phone.bytesReceived).toBe(0);
    expect(h.audit.completed[0]?.outcomeCode).toBe('BATTERY_LOW');
  });

  it('battery low: the operator override works only on external power', async () => {
    const noPower = harness({ battery: 12, externalPower: false });
    const refused = await newJob(noPower, { allowBatteryOverride: true }).run(noPower.phone.session());
    expect(refused.error?.code).toBe('BATTERY_LOW');
    expect(refused.error?.details?.externalPower).toBe('no');

    const powered = harness({ battery: 12, externalPower: true });
    const ok = await newJob(powered, { allowBatteryOverride: true }).run(powered.phone.session());
    expect(ok.state).toBe('done');
    expect(powered.phone.fw).toBe('2.0.0');

    const poweredNoOverride = harness({ battery: 12, externalPower: true });
    const still = await newJob(poweredNoOverride).run(poweredNoOverride.phone.session());
    expect(still.error?.code).toBe('BATTERY_LOW');
  });

  it('the battery threshold comes from the settings', async () => {
    const h = harness({ battery: 40 });
    h.ports.settings = { batteryThresholdPercent: 50 };
    const snap = await newJob(h).run(h.phone.session());
    expect(snap.error?.details).toMatchObject({ required: 50, measured: 40 });
  });

  it('not enough free space: refused with MB values', async () => {
    const h = harness({ freeBytes: 4_000, payloadSize: 10_000 });
    const snap = await newJob(h).run(h.phone.session());
    expect(snap.error?.code).toBe('NO_SPACE');
    expect(snap.error?.details).toMatchObject({ required: '0.0', measured: '0.0' });
    expect(h.phone.bytesReceived).toBe(0);
  });

  it('corrupt stored payload: 402, the last bytes are never sent and no Exec', async () => {
    const h = harness({ payloadSize: 10_000 });
    const bad = new Uint8Array(h.payload);
    bad[5000] = (bad[5000] ?? 0) ^ 0xff;
    h.catalog.stored = bad;
    const snap = await newJob(h).run(h.phone.session());
    expect(snap.state).toBe('failed');
    expect(snap.error?.code).toBe('PAYLOAD_CORRUPT');
    expect(snap.outcome?.fumoResultCode).toBe(402);
    expect(h.phone.execs).toHaveLength(0);
    expect(h.phone.complete).toBe(false);
    expect(h.phone.bytesReceived).toBeLessThan(h.payload.length);
    expect(h.phone.fw).toBe('1.0.0');
    expect(h.audit.completed[0]).toMatchObject({ outcomeCode: 'PAYLOAD_CORRUPT', fumoResultCode: 402 });
  });

  it('install failure 410: reported in plain words, the phone keeps its old version', async () => {
    const h = harness({ installResult: 410 });
    const snap = await newJob(h).run(h.phone.session());
    expect(snap.state).toBe('failed');
    expect(snap.error?.code).toBe('INSTALL_FAILED');
    expect(snap.error?.message).toContain('410');
    expect(snap.finalVersion).toBe('1.0.0');
    expect(h.phone.fw).toBe('1.0.0');
    expect(h.audit.completed[0]).toMatchObject({ fumoResultCode: 410, finalVersion: '1.0.0', outcomeCode: 'INSTALL_FAILED' });
    // The user is told only of success.
    expect(h.phone.prompts.map((p) => p.kind)).toEqual(['confirm']);
  });

  it('cable pulled mid-download: resumes at the acknowledged offset, fewer bytes sent than twice the whole', async () => {
    const h = harness({ payloadSize: 10_000, chunk: 1000, disconnectAtBytes: 5000, resume: true });
    const snap = await newJob(h, { nodes: { ...PROFILE_NODES, resumeSupported: true } }).run(h.phone.session());
    expect(snap.state).toBe('done');
    expect(h.phone.fw).toBe('2.0.0');
    expect(sha256Hex(h.phone.held)).toBe(sha256Hex(h.payload));
    expect(h.sessions.calls[0]).toEqual({ devId: h.phone.devId, reason: 'reconnect' });
    // 5000 before the cut, 5000 after: exactly the whole, nothing re-sent.
    expect(h.phone.bytesReceived).toBe(10_000);
    expect(h.phone.log.filter((l) => l.startsWith('ReplaceLarge'))).toEqual([`ReplaceLarge ${FUMO}/Update/PkgData from 0`, `ReplaceLarge ${FUMO}/Update/PkgData from 5000`]);
  });

  it('cable pulled on a phone that cannot resume: restarts cleanly at 0 and succeeds', async () => {
    const h = harness({ payloadSize: 10_000, disconnectAtBytes: 5000, resume: false });
    const snap = await newJob(h).run(h.phone.session());
    expect(snap.state).toBe('done');
    expect(h.phone.bytesReceived).toBe(15_000);
    expect(sha256Hex(h.phone.held)).toBe(sha256Hex(h.payload));
  });

  it('cable pulled and the phone does not return in time: the job parks, resumable', async () => {
    const h = harness({ payloadSize: 10_000, disconnectAtBytes: 5000, resume: true });
    h.sessions.available = false;
    const job = newJob(h, { nodes: { ...PROFILE_NODES, resumeSupported: true } });
    const parked = await job.run(h.phone.session());
    expect(parked.state).toBe('downloading');
    expect(parked.parked).toBe(true);
    expect(parked.error?.code).toBe('CABLE_UNPLUGGED');
    expect(h.phone.execs).toHaveLength(0);
    h.sessions.available = true;
    const done = await job.run(h.phone.session('client'));
    expect(done.state).toBe('done');
    expect(h.phone.bytesReceived).toBe(10_000);
  });

  it('cable pulled during the Exec the phone has taken: the job waits for its reboot and the 1226 in a new session, never parks', async () => {
    const h = harness({ disconnectAtExec: 'after-taken' });
    const snap = await newJob(h).run(h.phone.session());
    expect(snap.state).toBe('done');
    expect(snap.parked).toBeFalsy();
    expect(snap.finalVersion).toBe('2.0.0');
    // One Exec only: the phone installed the first one, the kiosk did not send it again.
    expect(h.phone.execs).toHaveLength(1);
    expect(h.sessions.calls).toEqual([{ devId: h.phone.devId, reason: 'reboot' }]);
    expect(snap.install?.resultCode).toBe(200);
    expect(h.audit.completed[0]).toMatchObject({ state: 'done', fumoResultCode: 200, finalVersion: '2.0.0' });
  });

  it('cable pulled before the Exec reached the phone: the phone back without a result is asked, and the Exec sent again', async () => {
    const h = harness({ disconnectAtExec: 'before-taken' });
    const snap = await newJob(h).run(h.phone.session());
    expect(snap.state).toBe('done');
    expect(h.phone.fw).toBe('2.0.0');
    // The phone never saw the first Exec; the second one, with a new correlator, installed.
    expect(h.phone.execs).toHaveLength(1);
    expect(h.phone.log.filter((l) => l.startsWith('Get') && l.endsWith('/State')).length).toBeGreaterThan(0);
    expect(h.sessions.calls.map((c) => c.reason)).toEqual(['reboot', 'reboot']);
  });

  it('schedule later: downloads now, installs in a later session', async () => {
    const h = harness();
    h.consent.answer = { accepted: true, by: 'customer', schedule: 'later' };
    const job = newJob(h);
    const first = await job.run(h.phone.session());
    expect(first.state).toBe('scheduled');
    expect(first.parked).toBe(true);
    expect(h.phone.complete).toBe(true);
    expect(h.phone.execs).toHaveLength(0);
    expect(h.phone.fw).toBe('1.0.0');
    expect(h.audit.completed).toHaveLength(0);
    const later = await job.run(h.phone.session('client'));
    expect(later.state).toBe('done');
    expect(h.phone.execs).toHaveLength(1);
    expect(h.phone.fw).toBe('2.0.0');
    expect(h.audit.completed).toHaveLength(1);
  });

  it('customer-initiated (Alert 1201 + userrequest): the same consent steps', async () => {
    const h = harness();
    const session = h.phone.session('client', [{ type: 'org.openmobilealliance.dm.firmwareupdate.userrequest', sourceURI: FUMO }]);
    const snap = await newJob(h, { trigger: 'customer' }).run(session);
    expect(snap.state).toBe('done');
    expect(h.consent.asked).toHaveLength(1);
    expect(h.phone.prompts.map((p) => p.kind)).toEqual(['confirm', 'display']);
    expect(h.audit.begun[0]?.trigger).toBe('customer');
  });

  it('bootstrap: a phone without a kiosk account is given one; a refusal is reported, not forced', async () => {
    const saved: string[] = [];
    const accounts = {
      serverId: 'fumo-kiosk-1',
      serverAddress: 'obex://kiosk',
      has: async () => false,
      save: async (a: { devId: string; clientSecret: string }) => {
        saved.push(a.devId);
      },
    };
    const h = harness();
    h.ports.accounts = accounts;
    const session = h.phone.session();
    (session.hello as { authenticatedAs?: string }).authenticatedAs = undefined;
    const snap = await newJob(h).run(session);
    expect(snap.state).toBe('done');
    expect(h.phone.adds[0]).toBe('./DMAcc/fumo-kiosk-1');
    expect(h.phone.adds).toContain('./DMAcc/fumo-kiosk-1/ServerID');
    expect(h.phone.adds).toContain('./DMAcc/fumo-kiosk-1/AppAuth/Client/AAuthSecret');
    expect(saved).toEqual([h.phone.devId]);

    const r = harness({ refuseBootstrap: 425 });
    r.ports.accounts = accounts;
    const s2 = r.phone.session();
    (s2.hello as { authenticatedAs?: string }).authenticatedAs = undefined;
    const refused = await newJob(r).run(s2);
    expect(refused.state).toBe('failed');
    expect(refused.error?.code).toBe('BOOTSTRAP_REFUSED');
    expect(refused.error?.details?.detail).toBe('425');
    expect(r.phone.log.filter((l) => l.startsWith('Add'))).toHaveLength(1);
    expect(r.phone.bytesReceived).toBe(0);
    expect(r.consent.asked).toHaveLength(0);
  });

  it('finds the FUMO object by ?prop=Type when the profile does not say where it is', async () => {
    const h = harness({ fumoRoot: './Vendor/FUMO/x1' });
    const snap = await newJob(h, { nodes: { batteryUri: PROFILE_NODES.batteryUri } }).run(h.phone.session());
    expect(snap.facts?.fumoUri).toBe('./Vendor/FUMO/x1');
    expect(h.phone.log).toContain('Get ./Vendor/FUMO/x1?prop=Type');
    expect(snap.state).toBe('done');
    expect(h.phone.execs[0]?.uri).toBe('./Vendor/FUMO/x1/Update');
  });

  it('cancel while waiting for the customer: cancelled, nothing sent', async () => {
    const h = harness();
    let asked: () => void = () => undefined;
    const customerAsked = new Promise<void>((r) => (asked = r));
    h.consent.askCustomer = (_r: CustomerConsentRequest, signal: AbortSignal) =>
      new Promise<CustomerConsentAnswer>((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(new Error('aborted')));
        asked();
      });
    const job = newJob(h);
    const run = job.run(h.phone.session());
    await customerAsked;
    expect(job.cancel()).toBe(true);
    const snap = await run;
    expect(snap.state).toBe('cancelled');
    expect(h.phone.bytesReceived).toBe(0);
    expect(h.audit.completed[0]?.outcomeCode).toBe('CANCELLED');
  });
});

describe('journal replay after a restart', () => {
  it('a kiosk killed mid-download resumes from the journal when the phone returns', async () => {
    const h = harness({ payloadSize: 20_000, chunk: 1000, resume: true });
    const nodes = { ...PROFILE_NODES, resumeSupported: true };
    // The first process: the download hangs at 12 000 bytes (the process is killed there).
    const session = h.phone.session();
    const origReplace = session.replaceLarge.bind(session);
    let killedAt = 0;
    let killed: () => void = () => undefined;
    const hung = new Promise<void>((r) => (killed = r));
    session.replaceLarge = (uri, source, options) => {
      const wrapped = {
        size: source.size,
        read: async (off: number, len: number) => {
          if (off >= 12_000) {
            killedAt = off;
            killed();
            return new Promise<Uint8Array>(() => undefined);
          }
          return source.read(off, len);
        },
      };
      return origReplace(uri, wrapped, options);
    };
    const first = new FumoJob(h.ports, { jobId: 'job-kill', trigger: 'technician', nodes });
    void first.run(session);
    await hung;
    expect(killedAt).toBe(12_000);
    expect(h.phone.held.length).toBe(12_000);

    // The second process: a new runner reads the journal.
    const runner = new JobRunner({ ports: { ...h.ports }, nodesFor: () => nodes });
    const restored = await runner.restore();
    expect(restored.resumable.map((s) => s.jobId)).toEqual(['job-kill']);
    expect(restored.resumable[0]?.state).toBe('downloading');
    const before = h.phone.bytesReceived;
    h.phone.onReboot = () => runner.offerSession(h.phone.session('client'));
    expect(runner.offerSession(h.phone.session('client'))).toBe('resumed-parked-job');
    await runner.idle();
    const snap = runner.get('job-kill')!;
    expect(snap.state).toBe('done');
    expect(h.phone.fw).toBe('2.0.0');
    expect(sha256Hex(h.phone.held)).toBe(sha256Hex(h.payload));
    // Only the missing part went over the cable the second time.
    expect(h.phone.bytesReceived - before).toBe(8_000);
    // One attempt, one audit record, completed once.
    expect(h.audit.begun).toHaveLength(1);
    expect(h.audit.completed.map((c) => c.id)).toEqual([h.audit.begun[0]?.id]);
  });

  it('a job interrupted before anything reached the phone is reported, not resumed', async () => {
    const h = harness();
    await h.journal.record({
      jobId: 'job-old',
      state: 'awaiting-customer-consent',
      trigger: 'technician',
      devId: 'IMEI:1',
      schedule: 'now',
      createdAt: 1,
      updatedAt: 2,
      history: [['discovered', 1]],
      auditId: 'audit-x',
    });
    const runner = new JobRunner({ ports: h.ports });
    const r = await runner.restore();
    expect(r.resumable).toHaveLength(0);
    expect(r.reported.map((s) => [s.jobId, s.state, s.error?.code])).toEqual([['job-old', 'failed', 'JOB_INTERRUPTED']]);
    expect(h.audit.completed[0]).toMatchObject({ id: 'audit-x', outcomeCode: 'JOB_INTERRUPTED' });
    expect(await h.journal.unfinished()).toHaveLength(0);
  });

  it('a kiosk killed after Exec: the result in the next session from the phone completes the job', async () => {
    const h = harness();
    // The process dies while waiting for the phone to come back: the wait never returns.
    let waiting: () => void = () => undefined;
    const waitsForPhone = new Promise<void>((r) => (waiting = r));
    const next = () => {
      waiting();
      return new Promise<never>(() => undefined);
    };
    const job = new FumoJob({ ...h.ports, sessions: { next } }, { jobId: 'job-exec', trigger: 'technician', nodes: PROFILE_NODES });
    const session = h.phone.session();
    void job.run(session);
    await waitsForPhone;
    expect(h.phone.execs).toHaveLength(1);
    h.phone.reboot();
    const runner = new JobRunner({ ports: h.ports, nodesFor: () => PROFILE_NODES });
    const r = await runner.restore();
    expect(r.resumable.map((s) => s.state)).toEqual(['installing']);
    runner.offerSession(h.phone.session('client'));
    await runner.idle();
    expect(runner.get('job-exec')?.state).toBe('done');
    expect(h.phone.execs).toHaveLength(1);
    expect(h.audit.completed[0]).toMatchObject({ fumoResultCode: 200, finalVersion: '2.0.0' });
  });
  it('a 1226 lost on the way: the next session without it is answered by reading FwV and State, not by waiting for the install timeout', async () => {
    const h = harness();
    // The phone reports after its reboot, but its result never reaches this kiosk (it went to a kiosk that died).
    const next = (): Promise<ReturnType<typeof h.phone.session>> => {
      h.phone.reboot();
      h.phone.pendingAlerts = [];
      return Promise.resolve(h.phone.session('client'));
    };
    const job = new FumoJob({ ...h.ports, sessions: { next } }, { jobId: 'job-lost', trigger: 'technician', nodes: PROFILE_NODES });
    // The fake clock never moves: a job that waited for the install timeout would never end.
    const snap = await job.run(h.phone.session());
    expect(snap.state).toBe('done');
    expect(h.phone.execs).toHaveLength(1);
    expect(h.audit.completed[0]).toMatchObject({ state: 'done', finalVersion: '2.0.0' });
  });

  it('a 1226 lost and the phone says the install failed (State 80): failed with 410, never done', async () => {
    const h = harness({ installResult: 410 });
    const next = (): Promise<ReturnType<typeof h.phone.session>> => {
      h.phone.reboot();
      h.phone.pendingAlerts = [];
      return Promise.resolve(h.phone.session('client'));
    };
    const job = new FumoJob({ ...h.ports, sessions: { next } }, { jobId: 'job-lost-fail', trigger: 'technician', nodes: PROFILE_NODES });
    const snap = await job.run(h.phone.session());
    expect(snap.state).toBe('failed');
    expect(snap.outcome?.fumoResultCode).toBe(410);
    expect(snap.finalVersion).toBe('1.0.0');
  });
  it('a parked job cancelled after its Exec does not claim that nothing was installed', async () => {
    const h = harness();
    await h.journal.record({
      jobId: 'job-after-exec',
      state: 'installing',
      trigger: 'technician',
      devId: 'IMEI:1',
      schedule: 'now',
      createdAt: 1,
      updatedAt: 2,
      history: [['discovered', 1]],
      auditId: 'audit-y',
      install: { correlator: 'fk-1', execStatus: 202 },
      download: { method: 'large-object', totalBytes: 10, acknowledgedBytes: 10, complete: true, bytesSentTotal: 10 },
      facts: { devId: 'IMEI:1', manufacturer: 'M', model: 'RP-1', fwVersion: '1.0.0', largeObjects: true, fumoUri: FUMO },
      offer: { bundleId: 'b', targetVersion: '2.0.0', sizeBytes: 10, sha256: '00' },
    } as Parameters<typeof h.journal.record>[0]);
    const runner = new JobRunner({ ports: h.ports, nodesFor: () => PROFILE_NODES });
    expect((await runner.restore()).resumable.map((s) => s.jobId)).toEqual(['job-after-exec']);
    expect(await runner.cancel('job-after-exec')).toBe(true);
    const snap = runner.get('job-after-exec')!;
    expect(snap.state).toBe('cancelled');
    expect(snap.error?.code).toBe('JOB_INTERRUPTED');
    expect(snap.outcome?.message).not.toMatch(/nothing was installed/i);
    expect(h.audit.completed[0]).toMatchObject({ id: 'audit-y', outcomeCode: 'JOB_INTERRUPTED' });
  });
});
