/**
 * Bootstrap of a phone whose port says nothing about it: a real serial cable (an FTDI adapter,
 * a CDC ACM port) gives the kiosk no DevId before the phone's first package 1. After the
 * bootstrap session the kiosk must sign its next package 0 with the account it just gave that
 * phone, learned from the phone's own package 1, or the phone ignores the alert (its digest does
 * not verify) and identification ends in a timeout. Found on a guest's real ftdi_sio port.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoTrust } from '../../../src/main/demo/demo-trust';
import { importDemoCatalog } from '../../../src/main/demo/demo-catalog';
import { SIMULATED_SERIAL_PROFILE_ID } from '../../../src/main/demo/sim-profile';
import { KioskService } from '../../../src/main/services/kiosk-service';
import type { DeviceSource } from '../../../src/main/services/kiosk-service';
import { startSimulation, type SimulationHandle } from '../../../src/simulator/simulation';
import type { DeviceView } from '../../../src/shared/schemas';
import { FROM, MODEL, TO, privateSimRegistry } from './helpers';

/** The phone's pty as a scanner reports a real port: a path and a profile, no DevId hint. */
class UnhintedSource extends EventEmitter implements DeviceSource {
  constructor(private readonly sim: SimulationHandle) {
    super();
  }
  start(): void {
    const h = this.sim.devices[0]!;
    const report = (address: string): boolean =>
      this.emit('attach', { portId: 'serial:cable', linkKind: 'serial', path: address, profileId: SIMULATED_SERIAL_PROFILE_ID, simulated: true });
    h.device.on('connected', report);
    h.device.on('disconnected', () => this.emit('detach', { portId: 'serial:cable' }));
    if (h.address) report(h.address);
  }
}

describe('bootstrap over a cable that tells no DevId', () => {
  let root: string;
  let sim: SimulationHandle;
  let service: KioskService;

  beforeAll(async () => {
    privateSimRegistry();
    root = mkdtempSync(path.join(tmpdir(), 'fumo-it-boot-nohint-'));
    sim = await startSimulation({
      devices: [{ model: MODEL, fwVersion: FROM, serverAccount: null, profile: { cableBootstrap: 'allow' } }],
      link: 'serial',
      stateDir: path.join(root, 'phones'),
      profile: { rebootDelayMs: 300, replugDelayMs: 300 },
    });
    service = new KioskService({ trust: demoTrust(), dataDir: path.join(root, 'kiosk'), sources: [], fumo: { installTimeoutMs: 120_000, reconnectTimeoutMs: 60_000 } });
    await importDemoCatalog(service.store);
    service.addDeviceSource(new UnhintedSource(sim));
    service.setConsentResponder(async () => ({ accepted: true, by: 'operator', schedule: 'now', language: 'en' }));
    await service.start();
    await service.settled();
  }, 120_000);

  afterAll(async () => {
    await service?.close();
    await sim?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('identifies the phone after giving it an account, then updates it', async () => {
    const h = sim.devices[0]!;
    const card = (): DeviceView | undefined => service.listDevices().find((d) => d.portId === 'serial:cable');
    // Identified: the card shows the phone (its DevId masked to the last four) and its version.
    expect(card()).toMatchObject({ fwVersion: FROM, targetVersion: TO, problems: [] });
    expect(card()!.devId).toMatch(new RegExp(`${h.devId.slice(-4)}$`));
    // The phone took the kiosk's second package 0: it holds exactly the account the kiosk keeps.
    const kept = service.store.accounts.getSync(h.devId, service.serverId);
    expect(h.device.accounts).toHaveLength(1);
    expect(h.device.accounts[0]!.serverSecret).toBe(kept!.serverSecret);

    const jobId = await service.startUpdate({ portId: 'serial:cable', consentMode: 'operator', technician: 'test-bench' });
    const s = await service.waitForJob(jobId);
    expect(s.error).toBeUndefined();
    expect(s.state).toBe('done');
    expect(h.device.fwVersion).toBe(TO);
  }, 180_000);
});
