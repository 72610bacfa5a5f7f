/**
 * The cable is pulled mid-update (issue 6): the demo kiosk with a fourth simulated phone whose
 * link is cut part-way through the package (fault disconnect-at) and which comes back on its own.
 * The service must say so at once (the job view, which the device card and the customer screen
 * show, carries CABLE_UNPLUGGED in plain words while the job waits for the phone), clear it when the phone is back and the job
 * resumes, and the update must complete. The reboot after the install is no problem and shows none.
 * Every wait is on an event of the service; timeouts are generous for a slow, loaded machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KioskService } from '../../../src/main/services/kiosk-service';
import { createDemoKiosk } from '../../../src/main/demo/demo-kiosk';
import { addDemoPhones, cablePulledPhoneSpec } from '../../../src/main/demo/demo-phones';
import type { ConsentRequest, DeviceView, HistoryRecord, JobView } from '../../../src/shared/schemas';
import type { SimulationHandle } from '../../../src/simulator/simulation';
import { simulatedDevId } from '../../../src/simulator/identity';
import { privateSimRegistry } from '../fumo/helpers';
import { nextEvent, unwrap } from './events';

const DEMO_PIN = '1234';
const FROM = '1.1.0';
const TARGET = '1.2.0';
const INDEX = 3;
const PORT = `sim:${simulatedDevId(INDEX)}`;
/** Well inside the demo package (about 200 kB), so the cut happens during the transfer. */
const CUT_AT = 60_000;
const PLAIN = 'The cable to the phone was disconnected. Plug it back in; the update continues where it stopped.';


const cableOn = (d: DeviceView): boolean => d.problems.some((p) => p.code === 'CABLE_UNPLUGGED');

describe('the cable is pulled mid-update', () => {
  let root: string;
  let service: KioskService;
  let extra: SimulationHandle;

  beforeAll(async () => {
    privateSimRegistry();
    root = mkdtempSync(path.join(tmpdir(), 'fumo-cable-it-'));
    service = await createDemoKiosk({
      dataDir: path.join(root, 'kiosk'),
      ...(process.env['FUMO_IT_LOG'] ? { log: (line: string) => console.error(`[kiosk] ${line}`) } : {}),
    });
    unwrap(await service.auth.login({ pin: DEMO_PIN }));
    const ready = nextEvent<DeviceView>(service, 'device:updated', (d) => d.portId === PORT && d.state === 'update-available', 150_000);
    extra = await addDemoPhones(service, path.join(root, 'extra'), [cablePulledPhoneSpec({ index: INDEX, atByte: CUT_AT, replugDelayMs: 3_000 })]);
    await ready;
  }, 200_000);

  afterAll(async () => {
    await extra?.stop();
    await service?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('shows the plain-language problem at once, clears it when the phone is back, and completes', async () => {
    const phone = extra.devices[0]!;
    expect(phone.device.faults.all().some((f) => f.kind === 'disconnect-at')).toBe(true);
    const jobs: JobView[] = [];
    const cards: DeviceView[] = [];
    const onJob = (j: JobView): void => {
      jobs.push(j);
      if (process.env['FUMO_IT_LOG']) console.error(`[job] ${j.phase} ${j.bytesSent}/${j.bytesTotal} ${j.error?.code ?? ''}`);
    };
    const onCard = (d: DeviceView): void => {
      if (d.portId === PORT) cards.push(d);
    };
    service.on('job:updated', onJob);
    service.on('device:updated', onCard);
    const disconnected = new Promise<void>((resolve) => phone.device.once('disconnected', () => resolve()));
    try {
      const asked = nextEvent<ConsentRequest>(service, 'consent:requested', (r) => r.portId === PORT);
      const job = unwrap(await service.jobs.start({ portId: PORT, schedule: 'now', consentMode: 'customer' }));
      const shown = nextEvent<JobView>(service, 'job:updated', (j) => j.jobId === job.jobId && j.error?.code === 'CABLE_UNPLUGGED');
      const ended = nextEvent<HistoryRecord>(service, 'history:added', (r) => r.jobId === job.jobId);
      const request = await asked;
      unwrap(await service.consent.handover({ requestId: request.requestId }));
      unwrap(
        await service.consent.answer({ requestId: request.requestId, decision: 'approve', schedule: 'now', language: 'en', privacyVersion: request.privacy.version, warrantyVersion: request.warranty.version }),
      );
      await disconnected;
      const problem = await shown;
      const cardWhileOut = service.listDevices().find((d) => d.portId === PORT);
      // While the job waits for the phone: still the transfer, not a failure; the plain words.
      expect(problem.phase).toBe('downloading');
      expect(problem.result).toBeNull();
      expect(problem.error?.message).toBe(PLAIN);
      expect(problem.bytesSent).toBeLessThanOrEqual(CUT_AT);
      const record = await ended;
      expect(record).toMatchObject({ result: 'success', fromVersion: FROM, finalVersion: TARGET });

      const mine = jobs.filter((j) => j.jobId === job.jobId);
      const firstShown = mine.findIndex((j) => j.error?.code === 'CABLE_UNPLUGGED');
      const cleared = mine.findIndex((j, i) => i > firstShown && j.error === null && j.phase !== 'completed');
      const done = mine.findIndex((j) => j.phase === 'completed');
      expect(firstShown).toBeGreaterThanOrEqual(0);
      expect(cleared).toBeGreaterThan(firstShown);
      expect(done).toBeGreaterThan(cleared);
      // Shown once, cleared once: the reboot after the install is not a cable problem.
      expect(mine.slice(cleared).some((j) => j.error !== null)).toBe(false);
      expect(mine[mine.length - 1]).toMatchObject({ phase: 'completed', result: 'success', targetVersion: TARGET, error: null });

      // The card renders the job's error (the device view names the job); never a second copy.
      expect(cards.some(cableOn)).toBe(false);
      expect(cardWhileOut).toMatchObject({ state: 'updating', jobId: job.jobId });
      expect(service.listDevices().find((d) => d.portId === PORT)).toMatchObject({ state: 'updated', fwVersion: TARGET, problems: [] });
      expect(phone.device.fwVersion).toBe(TARGET);
      expect(phone.device.faults.all().some((f) => f.kind === 'disconnect-at')).toBe(false);
    } finally {
      service.off('job:updated', onJob);
      service.off('device:updated', onCard);
    }
  }, 300_000);
});
