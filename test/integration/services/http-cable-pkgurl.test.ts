/**
 * A phone that speaks DM over HTTP on a USB network cable reaches the kiosk only at the kiosk's
 * address on that cable's interface, not at the kiosk's loopback. Here the DM endpoint listens on
 * loopback and on a second address marked as a cable's interface (127.0.0.2, which the phone
 * calls); the phone's PkgURL must point at the address it called, and the bundle's bytes must be
 * served there, while a phone on 127.0.0.1 keeps its URL on the download server's own address.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KioskService } from '../../../src/main/services/kiosk-service';
import { demoTrust } from '../../../src/main/demo/demo-trust';
import { importDemoCatalog } from '../../../src/main/demo/demo-catalog';
import { startSimulation, type SimulationHandle } from '../../../src/simulator/simulation';
import type { DeviceView } from '../../../src/shared/schemas';
import { nextEvent } from './events';

describe('a phone on a cable interface of the DM endpoint', () => {
  let root: string;
  let service: KioskService;
  const sims: SimulationHandle[] = [];
  const offered: Array<{ devId: string; url: string; token: string }> = [];

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'fumo-http-cable-'));
    service = new KioskService({
      dataDir: path.join(root, 'kiosk'),
      sources: [],
      trust: demoTrust(),
      dmListen: [
        { host: '127.0.0.1', port: 0 },
        { host: '127.0.0.2', port: 0, cable: true },
      ],
      fumo: { installTimeoutMs: 120_000, reconnectTimeoutMs: 60_000 },
    });
    await importDemoCatalog(service.store);
    await service.start();
    const offer = service.payloads.offer.bind(service.payloads);
    service.payloads.offer = async (bundleId, devId) => {
      const o = await offer(bundleId, devId);
      offered.push({ devId, url: o.url, token: o.token });
      return o;
    };
    service.setConsentResponder(async () => ({ accepted: true, by: 'operator', schedule: 'now' }));
  }, 60_000);

  afterAll(async () => {
    for (const s of sims) await s.stop();
    await service?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  async function updateOver(url: string, devId: string): Promise<string> {
    const ready = nextEvent<DeviceView>(service, 'device:updated', (d) => d.portId === `http:${devId}` && d.state === 'update-available', 120_000);
    sims.push(
      await startSimulation({
        devices: [{ devId, model: 'FK-Demo Phone', fwVersion: '1.1.0' }],
        link: 'http',
        serverUrl: url,
        stateDir: path.join(root, `phones-${devId.replace(/\D/g, '')}`),
        profile: { rebootDelayMs: 100, pollIntervalMs: 500 },
      }),
    );
    await ready;
    const end = await service.waitForJob(await service.startUpdate({ portId: `http:${devId}`, consentMode: 'operator' }));
    expect([end.state, end.error?.code, end.download?.method, end.finalVersion]).toEqual(['done', undefined, 'pkg-url', '1.2.0']);
    return end.offer!.bundleId;
  }

  it('gets its PkgURL on the address it called, and the bundle is served there', async () => {
    const cableUrl = service.dmEndpointUrls.find((u) => u.startsWith('http://127.0.0.2:'));
    expect(cableUrl).toBeDefined();
    const devId = 'IMEI:356938035643825';
    const bundleId = await updateOver(cableUrl!, devId);
    const mine = offered.filter((o) => o.devId === devId);
    expect(mine).toHaveLength(1);
    expect(new URL(mine[0]!.url).hostname).toBe('127.0.0.2');
    const served = service.payloads.withdrawn.find((o) => o.token === mine[0]!.token);
    expect(served?.bytesServed).toBe(statSync(service.store.catalog.get(bundleId)!.filePath).size);
  }, 300_000);

  it("a phone on loopback keeps its URL on the download server's own address", async () => {
    const loopUrl = service.dmEndpointUrls.find((u) => u.startsWith('http://127.0.0.1:'));
    const devId = 'IMEI:356938035643833';
    await updateOver(loopUrl!, devId);
    const mine = offered.filter((o) => o.devId === devId);
    expect(mine).toHaveLength(1);
    expect(new URL(mine[0]!.url).hostname).toBe('127.0.0.1');
    expect(Number(new URL(mine[0]!.url).port)).toBe(service.payloads.port);
  }, 300_000);
});
