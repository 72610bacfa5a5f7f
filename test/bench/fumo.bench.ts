/**
 * Update engine benchmarks: the kiosk's real service and job runner against reference phones.
 *
 *  concurrency.<N>.aggregate_MBps  N simulated phones (src/simulator) on unthrottled pty pairs,
 *      in a process of their own (as real phones are), found by the kiosk's scanner through the
 *      simulator registry as `fumo-kiosk update --all` finds them, and updated at once by the
 *      kiosk service (operator consent, runner concurrency N) with a bundle of BUNDLE_BYTES made
 *      and signed here with a throwaway Ed25519 key. Aggregate = payload bytes every phone
 *      acknowledged / wall time from the first job entering `downloading` to the last one leaving
 *      it (MB = 10^6 bytes). Every job must end `done` on the target version.
 *  concurrency.16.cpu_utilisation  CPU time of the kiosk's process, the phones' process and the
 *      socat relays (from /proc) / wall time / cores over that same window; the note splits it
 *      and adds the whole machine's figure (/proc/stat, other users included), so a reader can
 *      tell whether the CPU is what limits.
 *  concurrency.16.api_latency_max_ms  KioskApi.getSnapshot asked every 50 ms while the 16 phones
 *      update, timed from when each ask was due (event-loop delay included): the UI's budget.
 *  concurrency.shared_process.*  the same with the phones in the kiosk's process (one event loop
 *      for all), through the service's device source as the demo mode runs them.
 *  memory.2GB.peak_rss_MB  in a child process: a 2 GB bundle generated and signed streaming to a
 *      temp file, imported into a store, sent to one simulated phone over the real session (a
 *      memory link pair), installed and verified; peak RSS (VmHWM, in MB) of that child.
 *      memory.200MB.peak_rss_MB is the same for a bundle ten times smaller: flat means equal.
 *
 * Run: npx tsx test/bench/run.ts --only fumo
 * (FUMO_BENCH_QUICK=1: only the concurrency.<N> figures with the phones in their own process.)
 */
import { spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBundleFrame, ed25519KeyId, type BundleManifest } from '../../src/core/catalog/bundle';
import { signBundle, type BundleFields } from '../../src/core/catalog/sign';
import type { JobSnapshot } from '../../src/core/fumo/ports';
import { createMemoryLinkPair } from '../../src/core/session/memory-link';
import { SimulationDeviceSource } from '../../src/main/demo/demo-phones';
import { demoTrust } from '../../src/main/demo/demo-trust';
import { createKioskService, type KioskService } from '../../src/main/services/kiosk-service';
import type { KioskStore } from '../../src/main/store';
import type { DeviceConnection } from '../../src/simulator/device';
import { startSimulation, type SimulationHandle } from '../../src/simulator/simulation';
import type { BenchResult, BenchSuite } from './types';

const MODEL = 'BENCH-PHONE';
const FROM = '1.0.0';
const TO = '1.1.0';
const BUNDLE_BYTES = 16_000_000;
const SMALL_BYTES = 200_000_000;
const TWO_GB = 2_000_000_000;
const ADMIN = { name: 'bench-admin', role: 'admin' as const };
const CHILD_FLAG = '--fumo-bench-2gb-child';
const PHONES_FLAG = '--fumo-bench-phones-child';

function fields(bundleId: string): BundleFields {
  return {
    bundleId,
    manufacturer: 'Bench Devices',
    models: [MODEL],
    fromVersions: [FROM],
    targetVersion: TO,
    releaseNotes: { en: 'Benchmark package.' },
    severity: 'optional',
    approval: { regulator: 'Bench Regulator', reference: 'BR-1', date: '2026-01-01' },
    createdAt: '2026-01-01T00:00:00Z',
  };
}

/** Payload bytes that do not repeat within a chunk: xorshift32 from a seed per chunk. */
function fillChunk(out: Uint8Array, seed: number): void {
  const words = new Uint32Array(out.buffer, out.byteOffset, out.byteLength >>> 2);
  let x = (seed * 0x9e3779b1) >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  for (let i = words.length * 4; i < out.length; i++) out[i] = i & 0xff;
}

function throwawayKey(): { privateKey: KeyObject; publicKey: KeyObject; pem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey, pem: publicKey.export({ format: 'pem', type: 'spki' }).toString() };
}

async function trustAndImport(store: KioskStore, pem: string, file: string): Promise<void> {
  store.trust.add('Bench Devices', pem, ADMIN);
  await store.catalog.import(file, { actor: ADMIN });
}

/** Machine-wide busy and total jiffies (all cores) from /proc/stat. */
function procStat(): { busy: number; total: number } | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = cpu.reduce((a, b) => a + b, 0);
    const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** CPU seconds of every descendant of this process (phones' process, socat relays), from /proc. */
function descendantCpuSeconds(): { socat: number; other: number } {
  const procs: Array<{ pid: number; ppid: number; ticks: number; socat: boolean }> = [];
  try {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        procs.push({ pid: Number(name), ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), socat: comm === 'socat' });
      } catch {
        // The process ended while we looked.
      }
    }
  } catch {
    return { socat: 0, other: 0 };
  }
  const ours = new Set([process.pid]);
  const out = { socat: 0, other: 0 };
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) {
      if (!ours.has(p.pid) && ours.has(p.ppid)) {
        ours.add(p.pid);
        out[p.socat ? 'socat' : 'other'] += p.ticks / 100; // USER_HZ
        grew = true;
      }
    }
  }
  return out;
}

// -------------------------------------------------------------------------------------------
// N phones at once over ptys

/** Where the phones run: in a process of their own (as real phones are), or in the kiosk's. */
type PhonesIn = 'own-process' | 'kiosk-process';

interface ConcurrencyRun {
  n: number;
  bytes: number;
  seconds: number;
  /** CPU seconds of the kiosk's process over the download window. */
  kioskCpuSeconds: number;
  /** CPU seconds of its descendants over the same window: the phones' process, the socat relays. */
  phonesCpuSeconds: number;
  socatCpuSeconds: number;
  machineUtilisation: number | undefined;
  retransmitted: number;
  /** Most jobs the runner had running at once. */
  maxRunning: number;
  /** Answer times of KioskApi.getSnapshot (what a screen calls) asked every 50 ms during the jobs, from when each ask was due. */
  apiLatencyMs: number[];
}

interface PhonesHandle {
  devIds: string[];
  /** Is the phone with this DevId on the new version (in-process phones only)? */
  fwVersion?(devId: string): string | undefined;
  /** Put them on the kiosk (in-process phones), once the bundle is in the catalogue. */
  attach?(service: KioskService): void;
  stop(): Promise<void>;
}

async function startPhones(n: number, root: string, where: PhonesIn, key: ReturnType<typeof throwawayKey>): Promise<PhonesHandle> {
  if (where === 'kiosk-process') {
    const sim = await startPhonesHere(n, root, key.publicKey);
    return {
      devIds: sim.devices.map((h) => h.devId),
      fwVersion: (devId) => sim.devices.find((h) => h.devId === devId)?.device.fwVersion,
      attach: (service) => {
        for (const h of sim.devices) service.trustSimulatedDevice(h.devId, true);
        const source = new SimulationDeviceSource(sim.devices);
        service.addDeviceSource(source);
        source.start();
      },
      stop: () => sim.stop(),
    };
  }
  const pemFile = path.join(root, 'manufacturer.pub.pem');
  writeFileSync(pemFile, key.pem);
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), PHONES_FLAG, root, String(n), pemFile], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: process.env,
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const ready = await new Promise<string[]>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => {
      out += c;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { devIds: string[] }).devIds);
    });
    void exited.then((code) => reject(new Error(`the phones' process ended (exit ${code}) before it was ready: ${out.slice(-300)}`)));
  });
  return {
    devIds: ready,
    stop: async () => {
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function startPhonesHere(n: number, root: string, publicKey: KeyObject | string): Promise<SimulationHandle> {
  return startSimulation({
    devices: n,
    link: 'serial',
    model: MODEL,
    fwVersion: FROM,
    stateDir: path.join(root, 'phones'),
    profile: { rebootDelayMs: 200, replugDelayMs: 200 },
    manufacturerPublicKey: publicKey,
  });
}

/** Resolves once `n` devices are attached and identified. */
async function attached(service: KioskService, n: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (service.listDevices().length < n) {
    if (Date.now() > deadline) throw new Error(`only ${service.listDevices().length} of ${n} phones appeared within 60 s`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, 1000);
      function done(): void {
        clearTimeout(timer);
        service.off('device:attached', done);
        resolve();
      }
      service.on('device:attached', done);
    });
  }
  await service.settled();
}

async function concurrency(n: number, where: PhonesIn, bundleFile: string, key: ReturnType<typeof throwawayKey>): Promise<ConcurrencyRun> {
  const root = mkdtempSync(path.join(tmpdir(), `fumo-bench-c${n}-`));
  const previousRegistry = process.env['FUMO_SIM_REGISTRY'];
  // A private registry: no other kiosk on the machine sees these phones.
  process.env['FUMO_SIM_REGISTRY'] = path.join(root, 'registry');
  let phones: PhonesHandle | undefined;
  let service: KioskService | undefined;
  try {
    // Phones in their own process are found as `fumo-kiosk update --all` finds them: the scanner
    // watching the simulator registry. In-process phones come through their own device source.
    service = await createKioskService({
      dataDir: path.join(root, 'kiosk'),
      trust: demoTrust(),
      watchSimRegistry: true,
      ...(where === 'kiosk-process' ? { sources: [] } : {}),
      fumo: { installTimeoutMs: 120_000, reconnectTimeoutMs: 60_000 },
    });
    await trustAndImport(service.store, key.pem, bundleFile);
    phones = await startPhones(n, root, where, key);
    phones.attach?.(service);
    await attached(service, n);
    service.runner.setConcurrency(n);
    service.setConsentResponder(async () => ({ accepted: true, by: 'operator', schedule: 'now' }));

    // The download window: first job into `downloading` .. last job out of it.
    const inDownload = new Set<string>();
    type Mark = { t: number; cpu: NodeJS.CpuUsage; others: { socat: number; other: number }; stat: ReturnType<typeof procStat> };
    let first: Mark | undefined;
    let last: Mark | undefined;
    const mark = (): Mark => ({ t: performance.now(), cpu: process.cpuUsage(), others: descendantCpuSeconds(), stat: procStat() });
    let maxRunning = 0;
    service.runner.on((e) => {
      if (e.type === 'queue') maxRunning = Math.max(maxRunning, e.running);
      if (e.type !== 'job-state') return;
      const s = e.snapshot;
      if (s.state === 'downloading' && !inDownload.has(s.jobId)) {
        inDownload.add(s.jobId);
        first ??= mark();
      } else if (s.state !== 'downloading' && inDownload.has(s.jobId)) {
        inDownload.delete(s.jobId);
        last = mark();
      }
    });

    const svc = service;
    const ports = svc.listDevices().map((d) => d.portId);
    const apiLatencyMs: number[] = [];
    let finished = false;
    const probe = (async () => {
      while (!finished) {
        const due = performance.now() + 50;
        await new Promise((resolve) => setTimeout(resolve, 50));
        const r = await svc.getSnapshot();
        if (!r.ok) throw new Error(`getSnapshot failed: ${r.error.code}`);
        apiLatencyMs.push(performance.now() - due);
      }
    })();
    const jobs = await Promise.all(ports.map((portId) => svc.startUpdate({ portId, consentMode: 'operator', technician: 'bench' })));
    const done: JobSnapshot[] = await Promise.all(jobs.map((id) => svc.waitForJob(id)));
    finished = true;
    await probe;
    const failed = done.filter((s) => s.state !== 'done' || s.finalVersion !== TO);
    if (failed.length > 0) {
      throw new Error(`${failed.length} of ${n} updates did not end on ${TO}: ${failed.map((s) => `${s.state} ${s.finalVersion ?? ''} ${s.error?.code ?? ''} ${s.error?.message ?? ''}`).join('; ')}`);
    }
    const check = phones.fwVersion;
    if (check) {
      const notUpdated = phones.devIds.filter((id) => check(id) !== TO);
      if (notUpdated.length > 0) throw new Error(`${notUpdated.length} phones do not report ${TO} after the update`);
    }
    if (!first || !last) throw new Error('no download phase was seen');
    // Every phone acknowledged the whole payload (download.complete): that many bytes were delivered.
    const bytes = done.reduce((a, s) => a + (s.download?.complete ? s.download.totalBytes : 0), 0);
    const sent = done.reduce((a, s) => a + (s.download?.bytesSentTotal ?? 0), 0);
    const seconds = (last.t - first.t) / 1000;
    const cpu = (last.cpu.user - first.cpu.user + last.cpu.system - first.cpu.system) / 1e6;
    const machineUtilisation = first.stat && last.stat ? (last.stat.busy - first.stat.busy) / Math.max(1, last.stat.total - first.stat.total) : undefined;
    return { n, bytes, seconds, kioskCpuSeconds: cpu, phonesCpuSeconds: last.others.other - first.others.other, socatCpuSeconds: last.others.socat - first.others.socat, machineUtilisation, retransmitted: Math.max(0, sent - bytes), maxRunning, apiLatencyMs };
  } finally {
    await service?.close().catch(() => undefined);
    await phones?.stop().catch(() => undefined);
    if (previousRegistry === undefined) delete process.env['FUMO_SIM_REGISTRY'];
    else process.env['FUMO_SIM_REGISTRY'] = previousRegistry;
    rmSync(root, { recursive: true, force: true });
  }
}

/** The phones' own process: start them, say which, stop when stdin closes. */
async function phonesChild(root: string, n: number, pemFile: string): Promise<void> {
  const sim = await startPhonesHere(n, root, readFileSync(pemFile, 'utf8'));
  process.stdout.write(JSON.stringify({ devIds: sim.devices.map((h) => h.devId) }) + '\n');
  process.stdin.resume();
  await new Promise<void>((resolve) => process.stdin.on('end', resolve));
  await sim.stop();
}

// -------------------------------------------------------------------------------------------
// One 2 GB bundle, in a child process (its peak RSS is the figure)

/**
 * Write a signed bundle of `size` payload bytes without holding the payload: header and a
 * manifest with a placeholder hash go first (the manifest's length does not depend on the hash
 * value), the payload streams while being hashed, then the real head is written over the
 * placeholder and the signature block appended.
 */
async function writeLargeBundle(file: string, size: number, privateKey: KeyObject, publicKey: KeyObject): Promise<void> {
  const base: BundleManifest = { ...fields('bench-big'), size, sha256: '0'.repeat(64), keyId: ed25519KeyId(publicKey) };
  const placeholder = buildBundleFrame(base, () => new Uint8Array(64)).head;
  const fh = await openFile(file, 'w');
  try {
    await fh.write(placeholder, 0, placeholder.length, 0);
    const hash = createHash('sha256');
    const chunk = new Uint8Array(4 * 1024 * 1024);
    let at = 0;
    for (let i = 0; at < size; i++) {
      const n = Math.min(chunk.length, size - at);
      fillChunk(chunk, i + 1);
      const part = chunk.subarray(0, n);
      hash.update(part);
      await fh.write(part, 0, n, placeholder.length + at);
      at += n;
    }
    const { head, tail } = buildBundleFrame({ ...base, sha256: hash.digest('hex') }, (data) => new Uint8Array(sign(null, data, privateKey)));
    if (head.length !== placeholder.length) throw new Error('manifest length changed with the hash');
    await fh.write(head, 0, head.length, 0);
    await fh.write(tail, 0, tail.length, placeholder.length + size);
  } finally {
    await fh.close();
  }
}

/** Peak resident set of this process in MiB (VmHWM is in KiB). */
function vmHwmMiB(): number {
  const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}

interface ChildReport {
  peakMiB: number;
  baselineMiB: number;
  bytes: number;
  seconds: { generate: number; import: number; update: number };
  state: string;
}

/** The measured part: generate, import, update one phone over a memory link pair. */
async function bigBundleChild(root: string, size: number): Promise<ChildReport> {
  const baselineMiB = vmHwmMiB();
  const key = throwawayKey();
  const bundleFile = path.join(root, 'bench-big.fumo');
  let t = performance.now();
  await writeLargeBundle(bundleFile, size, key.privateKey, key.publicKey);
  const generate = (performance.now() - t) / 1000;

  // Each (re)connection of the phone is a fresh memory link pair; the kiosk opens its end by address.
  const kioskEnds = new Map<string, ReturnType<typeof createMemoryLinkPair>[0]>();
  let connections = 0;
  process.env['FUMO_SIM_REGISTRY'] = path.join(root, 'registry');
  const sim = await startSimulation({
    devices: 1,
    link: 'serial',
    model: MODEL,
    fwVersion: FROM,
    stateDir: path.join(root, 'phone'),
    profile: { rebootDelayMs: 200, replugDelayMs: 200 },
    manufacturerPublicKey: key.publicKey,
    linkFactory: () => async (): Promise<DeviceConnection> => {
      const [kioskEnd, phoneEnd] = createMemoryLinkPair();
      const address = `memory-${++connections}`;
      kioskEnds.set(address, kioskEnd);
      return {
        link: phoneEnd,
        address,
        acceptsNotifications: true,
        dispose: async () => {
          kioskEnds.delete(address);
          await phoneEnd.close();
        },
      };
    },
  });
  const service = await createKioskService({
    dataDir: path.join(root, 'kiosk'),
    trust: demoTrust(),
    sources: [],
    openLink: async (d) => {
      const link = kioskEnds.get(d.path);
      if (!link) throw new Error(`no memory link at ${d.path}`);
      return link;
    },
    fumo: { installTimeoutMs: 300_000, reconnectTimeoutMs: 120_000 },
    sessionTimeoutMs: 300_000,
  });
  try {
    t = performance.now();
    await trustAndImport(service.store, key.pem, bundleFile);
    const importSeconds = (performance.now() - t) / 1000;
    rmSync(bundleFile, { force: true });
    const h = sim.devices[0]!;
    service.trustSimulatedDevice(h.devId, true);
    const source = new SimulationDeviceSource(sim.devices);
    service.addDeviceSource(source);
    source.start();
    await service.settled();
    service.setConsentResponder(async () => ({ accepted: true, by: 'operator', schedule: 'now' }));
    t = performance.now();
    const jobId = await service.startUpdate({ portId: `sim:${h.devId}`, consentMode: 'operator', technician: 'bench' });
    const s = await service.waitForJob(jobId);
    const update = (performance.now() - t) / 1000;
    if (s.state !== 'done' || h.device.fwVersion !== TO) throw new Error(`the ${size / 1e6} MB update ended ${s.state}: ${s.error?.code ?? ''} ${s.error?.message ?? ''}`);
    return {
      peakMiB: vmHwmMiB(),
      baselineMiB,
      bytes: s.download?.totalBytes ?? 0,
      seconds: { generate, import: importSeconds, update },
      state: s.state,
    };
  } finally {
    await service.close().catch(() => undefined);
    await sim.stop().catch(() => undefined);
  }
}

/** Run the measured part in a child process for a bundle of `size` payload bytes. */
async function bundleChild(size: number): Promise<ChildReport> {
  const root = mkdtempSync(path.join(tmpdir(), 'fumo-bench-big-'));
  try {
    const self = fileURLToPath(import.meta.url);
    const child = spawn(process.execPath, [...process.execArgv, self, CHILD_FLAG, root, String(size)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => (out += c));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const line = out.trim().split('\n').pop() ?? '';
    if (code !== 0 || !line.startsWith('{')) throw new Error(`the ${size / 1e6} MB child failed (exit ${code}): ${out.slice(-500)}`);
    return JSON.parse(line) as ChildReport;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const MIB_TO_MB = 1.048576;

async function memoryFlat(): Promise<BenchResult[]> {
  const small = await bundleChild(SMALL_BYTES);
  const big = await bundleChild(TWO_GB);
  const describe = (r: ChildReport): string =>
    `generate ${r.seconds.generate.toFixed(0)} s, import ${r.seconds.import.toFixed(0)} s, update ${r.seconds.update.toFixed(0)} s (${(r.bytes / 1e6 / r.seconds.update).toFixed(0)} MB/s incl. install)`;
  return [
    {
      name: 'memory.200MB.peak_rss_MB',
      value: Math.round(small.peakMiB * MIB_TO_MB * 10) / 10,
      unit: 'MB',
      note: `child VmHWM for a ${(small.bytes / 1e6).toFixed(0)} MB bundle, for comparison; ${describe(small)}`,
    },
    {
      name: 'memory.2GB.peak_rss_MB',
      value: Math.round(big.peakMiB * MIB_TO_MB * 10) / 10,
      unit: 'MB',
      target: '< 200',
      note: `child VmHWM; ${(big.bytes / 1e9).toFixed(3)} GB bundle over a memory link: ${describe(big)}; RSS after module load ${(big.baselineMiB * MIB_TO_MB).toFixed(0)} MB`,
    },
  ];
}

// -------------------------------------------------------------------------------------------

const suite: BenchSuite = {
  name: 'fumo',
  async run(): Promise<BenchResult[]> {
    const out: BenchResult[] = [];
    const key = throwawayKey();
    const dir = mkdtempSync(path.join(tmpdir(), 'fumo-bench-bundle-'));
    try {
      const payload = new Uint8Array(BUNDLE_BYTES);
      fillChunk(payload, 7);
      const bundleFile = path.join(dir, 'bench.fumo');
      writeFileSync(bundleFile, signBundle(fields('bench-4mb'), payload, key.privateKey));
      const cores = availableParallelism();
      // FUMO_BENCH_QUICK=1: only the phones-in-their-own-process figures (no shared-process, no memory runs).
      const quick = process.env['FUMO_BENCH_QUICK'] === '1';
      for (const where of quick ? (['own-process'] as const) : (['own-process', 'kiosk-process'] as const)) {
        const prefix = where === 'own-process' ? 'concurrency' : 'concurrency.shared_process';
        await concurrency(1, where, bundleFile, key); // warm-up: code paths compiled before anything is measured
        let base = 0;
        for (const n of [1, 4, 16]) {
          const r = await concurrency(n, where, bundleFile, key);
          const mbps = r.bytes / 1e6 / r.seconds;
          if (n === 1) base = mbps;
          const share = (cpuSeconds: number): string => `${((cpuSeconds / r.seconds / cores) * 100).toFixed(0)}%`;
          const kiosk = r.kioskCpuSeconds / r.seconds / cores;
          const all = (r.kioskCpuSeconds + r.phonesCpuSeconds + r.socatCpuSeconds) / r.seconds / cores;
          const split =
            where === 'own-process'
              ? `kiosk ${share(r.kioskCpuSeconds)} + phones ${share(r.phonesCpuSeconds)} + socat ${share(r.socatCpuSeconds)}`
              : `kiosk+phones ${share(r.kioskCpuSeconds)} + socat ${share(r.socatCpuSeconds)}`;
          // What the machine spent beyond our processes (other users, kernel threads): when the sum
          // nears 100% the CPU is the limit even though our own processes show far less.
          const rest = r.machineUtilisation !== undefined ? Math.max(0, r.machineUtilisation - all) : undefined;
          const machine = r.machineUtilisation !== undefined ? `, machine ${(r.machineUtilisation * 100).toFixed(0)}% (of which not ours ${((rest ?? 0) * 100).toFixed(0)}%)` : '';
          out.push({
            name: `${prefix}.${n}.aggregate_MBps`,
            value: Math.round(mbps * 100) / 100,
            unit: 'MB/s',
            note: `${n} x ${(r.bytes / n / 1e6).toFixed(2)} MB in ${r.seconds.toFixed(2)} s (${(mbps / base).toFixed(2)}x N=1), ${r.maxRunning} jobs at once; CPU of ${cores} cores: ${split}${machine}${r.retransmitted ? `; ${r.retransmitted} bytes resent` : ''}`,
          });
          if (n === 16 && where === 'own-process') {
            const sorted = [...r.apiLatencyMs].sort((x, y) => x - y);
            const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? NaN;
            out.push({
              name: 'concurrency.16.api_latency_max_ms',
              value: Math.round((sorted[sorted.length - 1] ?? NaN) * 10) / 10,
              unit: 'ms',
              target: '< 100',
              note: `KioskApi.getSnapshot every 50 ms through the whole update of 16 phones (${sorted.length} asks), measured from when each was due; p99 ${p99.toFixed(1)} ms, median ${(sorted[Math.floor(sorted.length / 2)] ?? NaN).toFixed(1)} ms`,
            });
          }
          if (n === 16) {
            out.push({
              name: `${prefix}.16.cpu_utilisation`,
              value: Math.round(all * 1000) / 1000,
              unit: 'ratio',
              note: `(kiosk ${r.kioskCpuSeconds.toFixed(2)} + phones ${r.phonesCpuSeconds.toFixed(2)} + socat ${r.socatCpuSeconds.toFixed(2)} CPU s) / ${r.seconds.toFixed(2)} s / ${cores} cores; kiosk process alone ${kiosk.toFixed(3)}${r.machineUtilisation !== undefined ? `; whole machine, other users included, ${r.machineUtilisation.toFixed(3)}` : ''}`,
            });
          }
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    if (process.env['FUMO_BENCH_QUICK'] !== '1') out.push(...(await memoryFlat()));
    return out;
  },
};

export default suite;

if (process.argv.includes(PHONES_FLAG)) {
  const at = process.argv.indexOf(PHONES_FLAG);
  phonesChild(process.argv[at + 1]!, Number(process.argv[at + 2]), process.argv[at + 3]!).then(
    () => process.exit(0),
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}

if (process.argv.includes(CHILD_FLAG)) {
  const at = process.argv.indexOf(CHILD_FLAG);
  bigBundleChild(process.argv[at + 1]!, Number(process.argv[at + 2])).then(
    (r) => {
      process.stdout.write(JSON.stringify(r) + '\n');
      process.exit(0);
    },
    (e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
