/**
 * A service counter on the test machine: reference phones (src/simulator) on pty pairs, and the
 * kiosk service (real store, sessions, serial links) finding them through a device source. The
 * sim registry goes to a private folder so no other kiosk on the machine sees these phones.
 */
import { demoTrust } from '../../../src/main/demo/demo-trust';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FumoSettings, JobSnapshot } from '../../../src/core/fumo/ports';
import { KioskService } from '../../../src/main/services/kiosk-service';
import { SimulationDeviceSource } from '../../../src/main/demo/demo-phones';
import { importDemoCatalog } from '../../../src/main/demo/demo-catalog';
import { startSimulation, type DeviceSpec, type SimulationHandle } from '../../../src/simulator/simulation';

export const MODEL = 'FK-Demo Phone';
export const FROM = '1.0.0';
export const TO = '1.1.0';
export const LATEST = '1.2.0';

export interface Counter {
  root: string;
  dataDir: string;
  service: KioskService;
  sim: SimulationHandle;
  portOf(index: number): string;
  /** Start a job on phone `index` with the given consent answer and wait for it to end (or park). */
  update(index: number, options?: { consent?: 'approve' | 'decline'; mode?: 'customer' | 'operator'; schedule?: 'now' | 'later'; allowBatteryOverride?: boolean }): Promise<JobSnapshot>;
  consentAsked: string[];
  close(): Promise<void>;
}

export function privateSimRegistry(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fumo-it-reg-'));
  process.env['FUMO_SIM_REGISTRY'] = dir;
  return dir;
}

export async function openCounter(
  specs: DeviceSpec[],
  options: { fumo?: Partial<FumoSettings>; rebootDelayMs?: number; replugDelayMs?: number; dataDir?: string } = {},
): Promise<Counter> {
  const root = mkdtempSync(path.join(tmpdir(), 'fumo-it-'));
  const dataDir = options.dataDir ?? path.join(root, 'kiosk');
  const sim = await startSimulation({
    devices: specs.map((s) => ({ model: MODEL, fwVersion: FROM, ...s })),
    link: 'serial',
    stateDir: path.join(root, 'phones'),
    profile: { rebootDelayMs: options.rebootDelayMs ?? 300, replugDelayMs: options.replugDelayMs ?? 300 },
  });
  const service = new KioskService({ trust: demoTrust(), dataDir, sources: [], fumo: { installTimeoutMs: 120_000, reconnectTimeoutMs: 60_000, ...options.fumo } });
  await importDemoCatalog(service.store);
  for (const h of sim.devices) service.trustSimulatedDevice(h.devId, true);
  service.addDeviceSource(new SimulationDeviceSource(sim.devices));
  await service.start();
  await service.settled();
  const consentAsked: string[] = [];
  let nextAnswer: { consent: 'approve' | 'decline'; schedule: 'now' | 'later'; mode: 'customer' | 'operator' } = { consent: 'approve', schedule: 'now', mode: 'customer' };
  service.setConsentResponder(async (r) => {
    consentAsked.push(r.devId);
    return { accepted: nextAnswer.consent === 'approve', by: nextAnswer.mode, schedule: nextAnswer.schedule, language: 'en' };
  });
  const portOf = (i: number): string => `sim:${sim.devices[i]!.devId}`;
  return {
    root,
    dataDir,
    service,
    sim,
    portOf,
    consentAsked,
    async update(i, o = {}) {
      nextAnswer = { consent: o.consent ?? 'approve', schedule: o.schedule ?? 'now', mode: o.mode ?? 'customer' };
      const jobId = await service.startUpdate({
        portId: portOf(i),
        consentMode: nextAnswer.mode,
        technician: 'test-bench',
        ...(o.schedule ? { schedule: o.schedule } : {}),
        ...(o.allowBatteryOverride ? { allowBatteryOverride: true } : {}),
      });
      return service.waitForJob(jobId);
    },
    async close() {
      await service.close();
      await sim.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
