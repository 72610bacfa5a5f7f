/**
 * Bootstrap against the reference phone over a pty: a phone that holds no DM account for the
 * kiosk is given one over the cable (DMAcc with per-device credentials the kiosk generates and
 * keeps), after its user says yes; the next session authenticates with those credentials and
 * the update runs. A phone whose user says no is reported (BOOTSTRAP_REFUSED), nothing changed.
 */
import { demoTrust, SIMULATED_ACCOUNT } from '../../../src/main/demo/demo-trust';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KioskService } from '../../../src/main/services/kiosk-service';
import { SimulationDeviceSource } from '../../../src/main/demo/demo-phones';
import { importDemoCatalog } from '../../../src/main/demo/demo-catalog';
import { startSimulation, type SimulationHandle } from '../../../src/simulator/simulation';
import { FROM, MODEL, TO, privateSimRegistry } from './helpers';

describe('bootstrap over the cable against the reference phone', () => {
  let root: string;
  let sim: SimulationHandle;
  let service: KioskService;

  beforeAll(async () => {
    privateSimRegistry();
    root = mkdtempSync(path.join(tmpdir(), 'fumo-it-boot-'));
    sim = await startSimulation({
      devices: [
        { model: MODEL, fwVersion: FROM, serverAccount: null, profile: { cableBootstrap: 'confirm' } },
        { model: MODEL, fwVersion: FROM, serverAccount: null, profile: { cableBootstrap: 'confirm' }, faults: [{ kind: 'decline' }] },
      ],
      link: 'serial',
      stateDir: path.join(root, 'phones'),
      profile: { rebootDelayMs: 300, replugDelayMs: 300 },
    });
    service = new KioskService({ trust: demoTrust(), dataDir: path.join(root, 'kiosk'), sources: [], fumo: { installTimeoutMs: 120_000, reconnectTimeoutMs: 60_000 } });
    await importDemoCatalog(service.store);
    for (const h of sim.devices) service.trustSimulatedDevice(h.devId, true);
    service.addDeviceSource(new SimulationDeviceSource(sim.devices));
    service.setConsentResponder(async () => ({ accepted: true, by: 'operator', schedule: 'now', language: 'en' }));
    await service.start();
    await service.settled();
  }, 120_000);

  afterAll(async () => {
    await service?.close();
    await sim?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('a phone with no account gets per-device credentials, then authenticates with them and updates', async () => {
    const h = sim.devices[0]!;
    const phone = h.device;
    expect(phone.accounts).toHaveLength(1);
    const onPhone = phone.accounts[0]!;
    const kept = service.store.accounts.getSync(h.devId, service.serverId);
    expect(kept).toBeDefined();
    // Per-device credentials: the same on both sides, not the simulator's shared demo secrets.
    expect(onPhone.serverId).toBe(service.serverId);
    expect(onPhone.clientName).toBe(h.devId);
    expect(onPhone.clientSecret).toBe(kept!.clientSecret);
    expect(onPhone.serverSecret).toBe(kept!.serverSecret);
    expect(onPhone.clientSecret).not.toBe(SIMULATED_ACCOUNT.clientSecret);
    expect(onPhone.serverSecret).not.toBe(SIMULATED_ACCOUNT.serverSecret);
    expect(onPhone.clientSecret).toMatch(/^[0-9a-f]{32}$/);
    // The phone asked its user once, before storing anything.
    const asked = phone.userAgent.prompts.filter((p) => p.origin === 'device' && /set up device management/.test(p.text ?? ''));
    expect(asked).toHaveLength(1);

    const jobId = await service.startUpdate({ portId: `sim:${h.devId}`, consentMode: 'operator', technician: 'test-bench' });
    const s = await service.waitForJob(jobId);
    // The job has ended once the runner is idle: its audit record is complete by then.
    await service.runner.idle();
    expect(s.error).toBeUndefined();
    expect(s.state).toBe('done');
    expect(phone.fwVersion).toBe(TO);
    const r = service.store.audit.get(s.auditId!)!;
    expect(r).toMatchObject({ status: 'complete', result: 'success', fromVersion: FROM, finalVersion: TO, fumoResultCode: 200 });
    // Later sessions went with the per-device credentials: no second bootstrap, one account.
    expect(phone.accounts).toHaveLength(1);
    expect(phone.accounts[0]!.clientSecret).toBe(kept!.clientSecret);
    expect(phone.userAgent.prompts.filter((p) => /set up device management/.test(p.text ?? ''))).toHaveLength(1);
    expect(phone.sessions.filter((x) => x.ok).length).toBeGreaterThanOrEqual(3);

    // Authentication stays required: with the kiosk's copy of the secret changed, the phone's
    // credentials no longer verify and the kiosk refuses the session (no second bootstrap).
    service.store.accounts.putSync({ ...kept!, clientSecret: 'not-the-phones-secret' });
    const again = await service.waitForJob(await service.startUpdate({ portId: `sim:${h.devId}`, consentMode: 'operator', technician: 'test-bench', bundleId: s.offer!.bundleId }));
    expect(again.state).toBe('failed');
    expect(again.error?.code).toBe('AUTH_FAILED');
    expect(phone.accounts).toHaveLength(1);
    expect(phone.accounts[0]!.clientSecret).toBe(kept!.clientSecret);
    expect(phone.userAgent.prompts.filter((p) => /set up device management/.test(p.text ?? ''))).toHaveLength(1);
    service.store.accounts.putSync(kept!);
  }, 180_000);

  it('a phone whose user refuses is reported, nothing changed', async () => {
    const h = sim.devices[1]!;
    const phone = h.device;
    const jobId = await service.startUpdate({ portId: `sim:${h.devId}`, consentMode: 'operator', technician: 'test-bench' });
    const s = await service.waitForJob(jobId);
    // The job has ended once the runner is idle: its audit record is complete by then.
    await service.runner.idle();
    expect(s.state).toBe('failed');
    expect(s.error?.code).toBe('BOOTSTRAP_REFUSED');
    expect(phone.accounts).toHaveLength(0);
    expect(phone.fwVersion).toBe(FROM);
    expect(phone.fumoState).toBe(10);
    const kept = service.store.accounts.getSync(h.devId, service.serverId);
    // No per-device credentials were kept for it.
    expect(kept === undefined || kept.clientSecret === SIMULATED_ACCOUNT.clientSecret).toBe(true);
    expect(phone.userAgent.prompts.some((p) => /set up device management/.test(p.text ?? '') && p.answer === 'no')).toBe(true);
  }, 180_000);
});
