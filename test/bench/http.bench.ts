/**
 * DM over HTTP, and how soon a phone's package 1 becomes a consent request on the bench.
 *
 *  http.largeobject_MBps  one phone over loopback HTTP, WBXML: the kiosk's HttpDmServer and
 *      server session (acceptHttpSession) send a Replace of <fumo>/Update/PkgData as a large
 *      object in messages of the reference-http profile's MaxMsgSize to the reference phone's
 *      client session engine POSTing to it (RespURI followed), its sink hashing every byte.
 *      MB = 10^6 payload bytes / wall time of replaceLarge. Both ends share this process.
 *  http.16.aggregate_MBps  16 phones at once on one HttpDmServer over loopback HTTP, WBXML:
 *      each its own client session engine and link, each sent its own large object as above;
 *      MB = 10^6 payload bytes of all 16 / wall time from the first replaceLarge started to the
 *      last one answered. Kiosk and phones share this process (and its one core).
 *  latency.pkg1_to_consent_ms.serial_115200 / .http  the kiosk service with the demo catalogue
 *      and one reference phone in this process, its job started in customer-consent mode: from
 *      the phone starting the job's session (its package 1 goes out next) to the service raising
 *      consent:requested, the event the screens receive. Serial: the phone on a pty pair with
 *      the simulator's throttle:115200 fault (bytes from kiosk to phone paced at 11.52 kB/s;
 *      the phone's own bytes are not paced). HTTP: the phone calling the service's DM endpoint.
 *      Median of RUNS jobs, each declined on the kiosk once measured. Budget 3000 ms at 115200.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runClientSession } from '../../src/core/session/client';
import type { CommandReply, LargeObjectSink } from '../../src/core/session/client-api';
import { importDemoCatalog } from '../../src/main/demo/demo-catalog';
import { SimulationDeviceSource } from '../../src/main/demo/demo-phones';
import { demoTrust } from '../../src/main/demo/demo-trust';
import { KioskService } from '../../src/main/services/kiosk-service';
import type { ConsentRequest } from '../../src/shared/schemas';
import { startSimulation, type SimulationHandle } from '../../src/simulator/simulation';
import { RespUriFollowingLink } from '../../src/simulator/transports';
import { HttpDmClientLink, HttpDmServer, acceptHttpSession } from '../../src/transport/http';
import { profileById } from '../../src/transport/profiles';
import { TreeHandler, DEV_INFO } from '../unit/session/fixtures';
import type { BenchResult, BenchSuite } from './types';

const RUNS = 3;

type KioskSide = Awaited<ReturnType<typeof acceptHttpSession>>;

/** A phone that hashes the large object it receives; `hashed()` tells how many bytes it took. */
function hashingPhone(): { handler: TreeHandler; hashed: () => number } {
  const handler = new TreeHandler();
  let hashed = 0;
  handler.beginLargeObject = (): Promise<LargeObjectSink | CommandReply> => {
    const h = createHash('sha256');
    return Promise.resolve({
      write: (c: Uint8Array) => {
        h.update(c);
        hashed += c.length;
        return Promise.resolve();
      },
      finish: () => {
        h.digest();
        return Promise.resolve({ status: 200 });
      },
      abort: () => Promise.resolve(),
    });
  };
  return { handler, hashed: () => hashed };
}

const block = new Uint8Array(1 << 20).map((_, i) => (i * 7 + (i >> 11)) & 0xff);
const sourceOf = (size: number) => ({ size, read: (o: number, n: number) => Promise.resolve(block.subarray(o % (1 << 19), (o % (1 << 19)) + n)) });

/** `phones` phones at once on one HttpDmServer, each sent a large object of `size` bytes; MB/s of them all. */
async function httpLargeObjects(phones: number, size: number, maxMsgSize: number): Promise<number> {
  const server = new HttpDmServer({ host: '127.0.0.1', port: 0 });
  const url = await server.start();
  try {
    const kioskSides = new Map<string, Promise<KioskSide>>();
    const accepted = new Promise<void>((resolve, reject) => {
      server.on('session', (link) => {
        const s = acceptHttpSession(link, { serverId: 'bench' });
        s.catch(reject);
        void s.then((k) => {
          kioskSides.set(k.hello.devId, s);
          if (kioskSides.size === phones) resolve();
        });
      });
    });
    const clients = Array.from({ length: phones }, (_, i) => {
      const devId = `${DEV_INFO.DevId}-${i}`;
      const phone = hashingPhone();
      const link = new RespUriFollowingLink(new HttpDmClientLink(url, { id: `bench-phone-${i}` }));
      const run = runClientSession(link, { devId, serverId: 'bench', initiator: 'client', sessionId: '1', devInfo: { ...DEV_INFO, DevId: devId }, encoding: 'wbxml', maxMsgSize }, phone.handler);
      return { devId, phone, link, run };
    });
    await accepted;
    const t0 = performance.now();
    const statuses = await Promise.all(clients.map(async (c) => (await kioskSides.get(c.devId)!).replaceLarge('./FwUpdate/Update/PkgData', sourceOf(size))));
    const wall = (performance.now() - t0) / 1000;
    for (const c of clients) {
      await (await kioskSides.get(c.devId)!).end();
      await c.run;
      await c.link.close();
    }
    clients.forEach((c, i) => {
      if (statuses[i] !== 200 || c.phone.hashed() !== size) throw new Error(`the HTTP transfer to ${c.devId} ended ${statuses[i]} with ${c.phone.hashed()} of ${size} bytes`);
    });
    return (phones * size) / 1e6 / wall;
  } finally {
    await server.close();
  }
}

const httpLargeObject = (size: number, maxMsgSize: number): Promise<number> => httpLargeObjects(1, size, maxMsgSize);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** One kiosk service and one phone on `link`; the delay of RUNS jobs from the job's session start to consent:requested. */
async function pkg1ToConsent(link: 'serial' | 'http'): Promise<number[]> {
  const root = mkdtempSync(path.join(tmpdir(), `fumo-bench-latency-${link}-`));
  const previousRegistry = process.env['FUMO_SIM_REGISTRY'];
  process.env['FUMO_SIM_REGISTRY'] = path.join(root, 'registry');
  const service = new KioskService({ dataDir: path.join(root, 'kiosk'), sources: [], trust: demoTrust() });
  let sim: SimulationHandle | undefined;
  try {
    await importDemoCatalog(service.store);
    await service.ensurePin('bench', 'technician', '4711');
    await service.start();
    const login = await service.auth.login({ pin: '4711' });
    if (!login.ok) throw new Error(`login failed: ${login.error.message}`);
    const ready = new Promise<string>((resolve) => {
      const seen = (d: { portId: string; state: string }): void => {
        if (d.state === 'update-available') {
          service.off('device:updated', seen);
          resolve(d.portId);
        }
      };
      service.on('device:updated', seen);
    });
    sim = await startSimulation({
      devices: 1,
      link,
      stateDir: path.join(root, 'phones'),
      ...(link === 'serial' ? { faults: [{ kind: 'throttle', baud: 115_200 }] } : { serverUrl: service.dmEndpointUrls[0]!, profile: { pollIntervalMs: 500 } }),
    });
    const h = sim.devices[0]!;
    if (link === 'serial') {
      service.trustSimulatedDevice(h.devId, true);
      const source = new SimulationDeviceSource(sim.devices);
      service.addDeviceSource(source);
      source.start();
    }
    const portId = await ready;
    await service.settled();
    const out: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      let sessionStart: number | undefined;
      const armed = (): void => {
        sessionStart ??= performance.now();
      };
      const consent = new Promise<{ at: number; request: ConsentRequest }>((resolve) => {
        const raised = (request: ConsentRequest): void => {
          service.off('consent:requested', raised);
          resolve({ at: performance.now(), request });
        };
        service.on('consent:requested', raised);
      });
      h.device.once('session-start', armed);
      const jobId = await service.startUpdate({ portId, consentMode: 'customer', technician: 'bench' });
      const { at, request } = await consent;
      h.device.off('session-start', armed);
      if (sessionStart === undefined) throw new Error('consent was requested before the phone opened a session');
      out.push(at - sessionStart);
      const answered = await service.consent.answer({ requestId: request.requestId, decision: 'decline', schedule: 'now', language: 'en', privacyVersion: request.privacy.version, warrantyVersion: request.warranty.version });
      if (!answered.ok) throw new Error(`declining failed: ${answered.error.message}`);
      const end = await service.waitForJob(jobId);
      if (end.state !== 'declined') throw new Error(`the job ended ${end.state}, not declined`);
      await service.settled();
    }
    return out;
  } finally {
    await sim?.stop();
    await service.close();
    if (previousRegistry === undefined) delete process.env['FUMO_SIM_REGISTRY'];
    else process.env['FUMO_SIM_REGISTRY'] = previousRegistry;
    rmSync(root, { recursive: true, force: true });
  }
}

const suite: BenchSuite = {
  name: 'http',
  async run(): Promise<BenchResult[]> {
    const maxMsgSize = profileById('reference-http')?.maxMsgSize ?? 262_144;
    await httpLargeObject(5e6, maxMsgSize); // warm up
    const mbps = await httpLargeObject(50e6, maxMsgSize);
    const aggregate = await httpLargeObjects(16, 5e6, maxMsgSize);
    const serial = await pkg1ToConsent('serial');
    const http = await pkg1ToConsent('http');
    const runs = (xs: number[]) => `median of ${xs.length}: ${xs.map((x) => x.toFixed(0)).join(', ')} ms`;
    return [
      { name: 'http.largeobject_MBps', value: mbps, unit: 'MB/s', note: `loopback HTTP, WBXML, MaxMsgSize ${maxMsgSize}, kiosk + phone in one process` },
      { name: 'http.16.aggregate_MBps', value: aggregate, unit: 'MB/s', note: `16 phones at once, 5 MB each, loopback HTTP, WBXML, MaxMsgSize ${maxMsgSize}, kiosk + phones in one process` },
      { name: 'latency.pkg1_to_consent_ms.serial_115200', value: median(serial), unit: 'ms', target: '< 3000', note: runs(serial) },
      { name: 'latency.pkg1_to_consent_ms.http', value: median(http), unit: 'ms', note: runs(http) },
    ];
  },
};

export default suite;
