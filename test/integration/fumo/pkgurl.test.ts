/**
 * DownloadAndUpdate with a PkgURL the kiosk serves itself: a reference phone on a pty whose
 * profile says the phone can also reach the kiosk over HTTP (the network path beside the cable).
 * The kiosk replaces <fumo>/DownloadAndUpdate/PkgURL with a per-job URL of its payload server,
 * sends Exec, the phone fetches the bundle over HTTP, verifies, installs, reboots and reports
 * 1226 with the Correlator; the kiosk checks FwV.
 */
import { demoTrust } from '../../../src/main/demo/demo-trust';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KioskService } from '../../../src/main/services/kiosk-service';
import { SimulationDeviceSource } from '../../../src/main/demo/demo-phones';
import { SIMULATED_SERIAL_PROFILE } from '../../../src/main/demo/sim-profile';
import { importDemoCatalog } from '../../../src/main/demo/demo-catalog';
import { startSimulation, type SimulationHandle } from '../../../src/simulator/simulation';
import { FROM, MODEL, TO, privateSimRegistry } from './helpers';

function httpGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('DownloadAndUpdate with a PkgURL served by the kiosk', () => {
  let root: string;
  let sim: SimulationHandle;
  let service: KioskService;
  const urlsSent: string[] = [];

  beforeAll(async () => {
    privateSimRegistry();
    root = mkdtempSync(path.join(tmpdir(), 'fumo-it-pkgurl-'));
    sim = await startSimulation({
      devices: [{ model: MODEL, fwVersion: FROM }],
      link: 'serial',
      stateDir: path.join(root, 'phones'),
      profile: { rebootDelayMs: 300, replugDelayMs: 300 },
    });
    service = new KioskService({ trust: demoTrust(), dataDir: path.join(root, 'kiosk'), sources: [], fumo: { installTimeoutMs: 120_000, reconnectTimeoutMs: 60_000 } });
    // This phone's link reaches the kiosk's HTTP server as well as the cable.
    service.addProfile({ ...SIMULATED_SERIAL_PROFILE, httpPayload: true });
    await importDemoCatalog(service.store);
    for (const h of sim.devices) service.trustSimulatedDevice(h.devId, true);
    service.addDeviceSource(new SimulationDeviceSource(sim.devices));
    await service.start();
    await service.settled();
    service.setConsentResponder(async () => ({ accepted: true, by: 'operator', schedule: 'now', language: 'en' }));
    // Note each URL as it is offered (the offer is withdrawn when the job ends).
    const offer = service.payloads.offer.bind(service.payloads);
    service.payloads.offer = async (bundleId, devId) => {
      const o = await offer(bundleId, devId);
      urlsSent.push(o.url);
      return o;
    };
  }, 120_000);

  afterAll(async () => {
    await service?.close();
    await sim?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('updates the phone by PkgURL: bytes over HTTP, FwV, audit, URL closed afterwards, wrong token 404', async () => {
    const phone = sim.devices[0]!;
    const jobId = await service.startUpdate({ portId: `sim:${phone.devId}`, consentMode: 'operator', technician: 'test-bench' });
    const s = await service.waitForJob(jobId);
    // The job has ended once the runner is idle: its audit record is complete by then.
    await service.runner.idle();
    expect(s.error).toBeUndefined();
    expect(s.state).toBe('done');
    expect(s.download?.method).toBe('pkg-url');
    expect(phone.device.fwVersion).toBe(TO);
    expect(s.finalVersion).toBe(TO);

    // The whole stored bundle went over HTTP, once, from the payload server.
    const bundle = service.store.catalog.get(s.offer!.bundleId)!;
    const fileSize = statSync(bundle.filePath).size;
    expect(urlsSent).toHaveLength(1);
    const url = new URL(urlsSent[0]!);
    expect(url.hostname).toBe('127.0.0.1');
    const token = url.pathname.split('/')[2]!;
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    const served = service.payloads.withdrawn.find((o) => o.token === token);
    expect(served).toBeDefined();
    expect(served!.bytesServed).toBe(fileSize);
    expect(served!.requests).toBe(1);

    const r = service.store.audit.get(s.auditId!)!;
    expect(r).toMatchObject({ status: 'complete', result: 'success', fromVersion: FROM, targetVersion: TO, finalVersion: TO, fumoResultCode: 200 });
    expect(service.store.audit.verify().ok).toBe(true);

    // The job's URL closed with the job; a guessed token never served anything.
    expect((await httpGet(url.href)).status).toBe(404);
    const wrong = token.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    expect((await httpGet(`${url.origin}/p/${wrong}/x.fkb`)).status).toBe(404);
  }, 180_000);

  it('a live URL serves ranges; a wrong token gets 404 while it is live', async () => {
    const bundleId = service.store.catalog.list()[0]!.id;
    const o = await service.payloads.offer(bundleId, 'test-range');
    const entry = service.store.catalog.get(bundleId)!;
    const size = statSync(entry.filePath).size;
    const whole = await httpGet(o.url);
    expect(whole.status).toBe(200);
    expect(whole.body.length).toBe(size);
    expect(Number(whole.headers['content-length'])).toBe(size);
    const part = await httpGet(o.url, { range: 'bytes=10-19' });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 10-19/${size}`);
    expect(part.body.equals(whole.body.subarray(10, 20))).toBe(true);
    expect((await httpGet(o.url, { range: `bytes=${size}-` })).status).toBe(416);
    const wrong = o.token.split('').reverse().join('');
    expect(wrong).not.toBe(o.token);
    expect((await httpGet(o.url.replace(o.token, wrong))).status).toBe(404);
    expect(service.payloads.get(o.token)!.bytesServed).toBe(size + 10);
    service.payloads.revoke(o.token);
    expect((await httpGet(o.url)).status).toBe(404);
  }, 60_000);
});
