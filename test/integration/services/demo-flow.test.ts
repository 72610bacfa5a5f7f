/**
 * The kiosk service exactly as the screens use it in demo mode: createDemoKiosk()
 * starts the three demo phones (simulated, on ptys), the technician logs in through the KioskApi,
 * starts a job, the customer answers the consent request raised as an event, the phone confirms
 * by itself, downloads, installs, reboots and reports with Generic Alert 1226 from a new session.
 * Every wait is on an event of the service; timeouts are generous for a slow, loaded machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KioskService } from '../../../src/main/services/kiosk-service';
import { createDemoKiosk } from '../../../src/main/demo/demo-kiosk';
import { demoTrust } from '../../../src/main/demo/demo-trust';
import { listSimulatedDevices, simRegistryDir } from '../../../src/transport/sim-registry';
import type { ConsentRequest, DeviceView, HistoryRecord, JobView } from '../../../src/shared/schemas';
import { startSimulation, type SimulatedDeviceHandle } from '../../../src/simulator/simulation';
import { privateSimRegistry } from '../fumo/helpers';
import { nextEvent, unwrap } from './events';

const DEMO_PIN = '1234';
const FROM = '1.1.0';
const TARGET = '1.2.0';


/** Resolves when the device on `portId` is identified (or reports a problem instead). */
async function identified(service: KioskService, portId: string): Promise<DeviceView> {
  const settledState = (d: DeviceView | undefined): boolean => d !== undefined && ((d.state !== 'connecting' && d.fwVersion !== null) || d.problems.length > 0);
  const waiting = nextEvent<DeviceView>(service, 'device:updated', (d) => d.portId === portId && settledState(d), 100_000);
  const now = service.listDevices().find((d) => d.portId === portId);
  if (settledState(now)) {
    waiting.catch(() => undefined);
    return now!;
  }
  return waiting;
}

/**
 * Resolves once the job has ended: its history record is announced (complete) and the job view
 * carries a result.
 */
async function jobEnd(service: KioskService, jobId: string): Promise<{ job: JobView; record: HistoryRecord }> {
  const record = await nextEvent<HistoryRecord>(service, 'history:added', (r) => r.jobId === jobId);
  const job = unwrap(await service.jobs.list()).find((j) => j.jobId === jobId);
  if (!job) throw new Error(`job ${jobId} vanished`);
  return { job, record };
}

describe('demo mode: the full update flow through the service', () => {
  let root: string;
  let service: KioskService;
  let phones: SimulatedDeviceHandle[];
  const byLabel = (label: string): SimulatedDeviceHandle => {
    const h = phones.find((p) => p.label === label);
    if (!h) throw new Error(`no demo phone labelled ${label}`);
    return h;
  };
  const consentsRaised: ConsentRequest[] = [];
  /** Another kiosk on the same machine in the two-terminal demo's mode (its own scanner on the same sim registry). */
  let neighbour: KioskService;
  const neighbourSaw: string[] = [];

  beforeAll(async () => {
    privateSimRegistry();
    root = mkdtempSync(path.join(tmpdir(), 'fumo-demo-it-'));
    neighbour = new KioskService({ dataDir: path.join(root, 'neighbour'), trust: demoTrust(), watchSimRegistry: true });
    neighbour.on('device:attached', (d: DeviceView) => neighbourSaw.push(d.portId));
    await neighbour.start();
    service = await createDemoKiosk({
      dataDir: path.join(root, 'kiosk'),
      ...(process.env['FUMO_IT_LOG'] ? { log: (line: string) => console.error(`[kiosk] ${line}`) } : {}),
    });
    service.on('consent:requested', (r: ConsentRequest) => consentsRaised.push(r));
    const sim = (service.demoSimulation as { devices: SimulatedDeviceHandle[] } | undefined)?.devices;
    if (!sim) throw new Error('demo mode started no simulated phones');
    phones = sim;
    expect(phones).toHaveLength(3);
    unwrap(await service.auth.login({ pin: DEMO_PIN }));
    await Promise.all(phones.map((p) => identified(service, `sim:${p.devId}`)));
  }, 200_000);

  afterAll(async () => {
    await neighbour?.close();
    await service?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("keeps the demo phones to itself: not in the machine's sim registry, never opened by another kiosk", () => {
    const own = new Set(phones.map((p) => p.devId));
    expect(listSimulatedDevices(simRegistryDir()).filter((e) => e.devIdHint !== undefined && own.has(e.devIdHint))).toEqual([]);
    expect(neighbour.listDevices()).toEqual([]);
    expect(neighbourSaw).toEqual([]);
  });

  it('identifies the three phones without a cable problem', () => {
    const views = service.listDevices();
    expect(views).toHaveLength(3);
    for (const v of views) expect(v.problems.filter((p) => p.code !== 'BATTERY_LOW')).toEqual([]);
    expect(views.find((v) => v.portId === `sim:${byLabel('up to date').devId}`)?.state).toBe('up-to-date');
    expect(views.find((v) => v.portId === `sim:${byLabel('ready to update').devId}`)).toMatchObject({ state: 'update-available', fwVersion: FROM, targetVersion: TARGET });
    expect(views.find((v) => v.portId === `sim:${byLabel('low battery').devId}`)?.state).toBe('blocked');
  });

  it('the customer declines: the job ends declined and the phone is unchanged', async () => {
    const phone = byLabel('ready to update');
    const portId = `sim:${phone.devId}`;
    const asked = nextEvent<ConsentRequest>(service, 'consent:requested', (r) => r.portId === portId);
    const job = unwrap(await service.jobs.start({ portId, schedule: 'now', consentMode: 'customer' }));
    const ended = jobEnd(service, job.jobId);
    const request = await asked;
    expect(request).toMatchObject({ fromVersion: FROM, targetVersion: TARGET, jobId: job.jobId });
    unwrap(await service.consent.handover({ requestId: request.requestId }));
    unwrap(await service.consent.answer({ requestId: request.requestId, decision: 'decline', schedule: 'now', language: 'en', privacyVersion: request.privacy.version, warrantyVersion: request.warranty.version }));
    const { job: end, record } = await ended;
    expect(end.result).toBe('declined');
    expect(phone.device.fwVersion).toBe(FROM);
    expect(phone.device.userAgent.prompts).toEqual([]);
    expect(record.id).toBe(end.historyId);
    expect(record).toMatchObject({ result: 'declined', fromVersion: FROM, finalVersion: null });
    expect(record.consent.customer).toBe('declined');
    expect(service.store.audit.verify().ok).toBe(true);
  });

  it('the customer approves: download, install, reboot, 1226, version check, done', async () => {
    const phone = byLabel('ready to update');
    const portId = `sim:${phone.devId}`;
    const asked = nextEvent<ConsentRequest>(service, 'consent:requested', (r) => r.portId === portId);
    const job = unwrap(await service.jobs.start({ portId, schedule: 'now', consentMode: 'customer' }));
    const phases: string[] = [];
    const onJob = (j: JobView): void => {
      if (j.jobId === job.jobId && phases[phases.length - 1] !== j.phase) phases.push(j.phase);
    };
    service.on('job:updated', onJob);
    const ended = jobEnd(service, job.jobId);
    const rebooted = new Promise<void>((resolve) => phone.device.once('rebooted', () => resolve()));
    const request = await asked;
    unwrap(await service.consent.handover({ requestId: request.requestId }));
    unwrap(await service.consent.answer({ requestId: request.requestId, decision: 'approve', schedule: 'now', language: 'en', privacyVersion: request.privacy.version, warrantyVersion: request.warranty.version }));
    const { job: end, record } = await ended;
    service.off('job:updated', onJob);
    await rebooted;
    expect(end).toMatchObject({ result: 'success', phase: 'completed', targetVersion: TARGET, fromVersion: FROM });
    expect(phases).toEqual(expect.arrayContaining(['downloading', 'installing', 'verifying', 'completed']));
    expect(phone.device.fwVersion).toBe(TARGET);
    expect(service.runner.get(job.jobId)?.state).toBe('done');
    expect(record.id).toBe(end.historyId);
    expect(record).toMatchObject({ result: 'success', fromVersion: FROM, targetVersion: TARGET, finalVersion: TARGET });
    expect(unwrap(await service.history.list({})).records.map((r) => r.id)).toContain(record.id);
    const raw = service.store.audit.get(end.historyId!);
    expect(raw).toMatchObject({ status: 'complete', fumoResultCode: 200 });
    expect(raw!.consent.customer).toBe('approved');
    expect(raw!.consent.device).toBe('approved');
    expect(raw!.bytesSent).toBeGreaterThan(0);
    expect(service.store.audit.verify().ok).toBe(true);
    const view = service.listDevices().find((d) => d.portId === portId);
    expect(view).toMatchObject({ state: 'updated', fwVersion: TARGET });
    // The phone re-enumerated under a new path: still nobody else's.
    expect(neighbourSaw).toEqual([]);
  });

  it('the up-to-date phone: the job ends up to date and no consent request is ever raised', async () => {
    const phone = byLabel('up to date');
    const portId = `sim:${phone.devId}`;
    const before = consentsRaised.filter((r) => r.portId === portId).length;
    const job = unwrap(await service.jobs.start({ portId, schedule: 'now', consentMode: 'customer' }));
    const { job: end, record } = await jobEnd(service, job.jobId);
    expect(end.result).toBe('up-to-date');
    expect(consentsRaised.filter((r) => r.portId === portId).length).toBe(before);
    expect(before).toBe(0);
    expect(phone.device.userAgent.prompts).toEqual([]);
    expect(phone.device.fwVersion).toBe(TARGET);
    expect(record).toMatchObject({ result: 'up-to-date', fromVersion: TARGET });
    expect(service.store.audit.verify().ok).toBe(true);
  });

  it("leaves other processes' simulated phones to their own kiosk", async () => {
    // A phone of someone else's `fumo-kiosk simulate`, announced in the machine's sim registry.
    const strangerId = 'IMEI:490154203237518';
    const seen = nextEvent<DeviceView>(neighbour, 'device:updated', (d) => d.fwVersion !== null && d.devId !== null && d.devId.endsWith(strangerId.slice(-4)));
    const stranger = await startSimulation({ devices: [{ devId: strangerId, model: 'FK-Demo Phone', fwVersion: FROM }], link: 'serial', stateDir: path.join(root, 'stranger') });
    try {
      // Its kiosk identifies it (its port was free for it) ...
      const view = await seen;
      expect(view.fwVersion).toBe(FROM);
      // ... and the demo kiosk never took it in.
      expect(service.listDevices().map((d) => d.portId).sort()).toEqual(phones.map((p) => `sim:${p.devId}`).sort());
    } finally {
      await stranger.stop();
    }
  });
});
