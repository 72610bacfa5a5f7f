/**
 * Boots the HIL guest once for one job: the rootfs, the checkout, node_modules and a per-run
 * bundle folder shared over virtio-9p, the console on the guest's ttyS0 (collected here), QMP on
 * a unix socket, and a virtio-serial port "hil.ctl" on which the job inside asks the rig for
 * actions (plug, unplug...). The job's exit status comes back through isa-debug-exit.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { release } from 'node:os';
import { join } from 'node:path';
import { cacheRoot, type Guest } from './build-guest';
import { QmpClient } from './qmp';

export type Accel = 'kvm' | 'tcg';

export interface ControlRequest {
  id: number;
  op: string;
  [key: string]: unknown;
}

/** Answers one request from the guest; a thrown error goes back as { ok: false, error }. */
export type ControlHandler = (request: ControlRequest, qmp: QmpClient) => Promise<Record<string, unknown> | void>;

export interface BootOptions {
  guest: Guest;
  /** The checkout shared as /hil/src (read-only). */
  checkout: string;
  /** Per-run folder shared read-write as /hil/bundle: init.sh, job.sh, setup.sh, test bundles. */
  bundleDir: string;
  /** Folder for the sockets of this boot. */
  runDir: string;
  accel: Accel;
  /** Extra QEMU arguments (the case's USB devices and their chardevs). */
  qemuArgs?: string[];
  onControl?: ControlHandler;
  /** Called once QMP is up (before the guest has booted far). */
  onQmp?: (qmp: QmpClient) => void | Promise<void>;
  /** Whole boot, job and power-off; default 600 s. */
  timeoutMs?: number;
  memoryMb?: number;
  onConsole?: (line: string) => void;
}

export interface BootResult {
  /** The job's exit status, or undefined when the guest ended without reporting one. */
  status: number | undefined;
  console: string;
  seconds: number;
  timedOut: boolean;
}

function waitForSocket(path: string, child: { exitCode: number | null }, timeoutMs = 30_000): Promise<Socket> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (child.exitCode !== null) return reject(new Error(`QEMU ended before ${path} was up`));
      if (!existsSync(path)) {
        if (Date.now() - start > timeoutMs) return reject(new Error(`${path} did not appear`));
        setTimeout(attempt, 50);
        return;
      }
      const s = connect(path);
      s.once('connect', () => resolve(s));
      s.once('error', () => setTimeout(attempt, 50));
    };
    attempt();
  });
}

export function qemuArgs(o: BootOptions): string[] {
  const share = (tag: string, path: string, readonly: boolean): string[] => [
    '-fsdev',
    `local,id=fs-${tag},path=${path},security_model=none${readonly ? ',readonly=on' : ''}`,
    '-device',
    `virtio-9p-pci,fsdev=fs-${tag},mount_tag=${tag}`,
  ];
  return [
    '-accel',
    o.accel,
    '-m',
    String(o.memoryMb ?? 1024),
    '-smp',
    '1',
    '-nodefaults',
    '-display',
    'none',
    '-no-reboot',
    '-kernel',
    o.guest.kernel,
    '-initrd',
    o.guest.initrd,
    '-append',
    'console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init',
    '-serial',
    'stdio',
    '-device',
    'isa-debug-exit,iobase=0xf4,iosize=0x04',
    '-qmp',
    `unix:${join(o.runDir, 'qmp.sock')},server=on,wait=off`,
    '-device',
    'virtio-serial-pci',
    '-chardev',
    `socket,id=ctl,path=${join(o.runDir, 'ctl.sock')},server=on,wait=off`,
    '-device',
    'virtserialport,chardev=ctl,name=hil.ctl',
    ...share('rootfs', o.guest.rootfs, true),
    ...share('src', o.checkout, true),
    ...share('nm', realpathSync(join(o.checkout, 'node_modules')), true),
    ...share('bundle', o.bundleDir, false),
    ...(o.qemuArgs ?? []),
  ];
}

/** Boot, run the job in /hil/bundle, power off. */
export async function bootGuest(o: BootOptions): Promise<BootResult> {
  mkdirSync(o.runDir, { recursive: true });
  const t0 = Date.now();
  const child = spawn('qemu-system-x86_64', qemuArgs(o), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let partial = '';
  const onText = (d: Buffer): void => {
    const text = d.toString('utf8');
    output += text;
    partial += text;
    for (let nl = partial.indexOf('\n'); nl >= 0; nl = partial.indexOf('\n')) {
      o.onConsole?.(partial.slice(0, nl).replace(/\r$/, ''));
      partial = partial.slice(nl + 1);
    }
  };
  child.stdout.on('data', onText);
  child.stderr.on('data', onText);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, o.timeoutMs ?? 600_000);
  let qmp: QmpClient | undefined;
  let ctl: Socket | undefined;
  try {
    await waitForSocket(join(o.runDir, 'qmp.sock'), child).then((s) => s.destroy());
    qmp = await QmpClient.open(join(o.runDir, 'qmp.sock'));
    await o.onQmp?.(qmp);
    ctl = await waitForSocket(join(o.runDir, 'ctl.sock'), child);
    serveControl(ctl, qmp, o.onControl);
  } catch (e) {
    if (child.exitCode === null) child.kill('SIGKILL');
    output += `\nrig: ${e instanceof Error ? e.message : String(e)}\n`;
  }
  const code = await exited;
  clearTimeout(timer);
  qmp?.close();
  ctl?.destroy();
  // isa-debug-exit: QEMU exits with (value << 1) | 1; a plain power-off exits 0.
  const status = code !== null && code % 2 === 1 ? (code - 1) / 2 : undefined;
  return { status, console: output, seconds: (Date.now() - t0) / 1000, timedOut };
}

function serveControl(socket: Socket, qmp: QmpClient, handler: ControlHandler | undefined): void {
  let buffer = '';
  socket.setEncoding('utf8');
  socket.on('error', () => undefined);
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (!line) continue;
      let request: ControlRequest;
      try {
        request = JSON.parse(line) as ControlRequest;
      } catch {
        continue;
      }
      const reply = (body: Record<string, unknown>): void => {
        socket.write(JSON.stringify({ id: request.id, ...body }) + '\n');
      };
      if (!handler) {
        reply({ ok: false, error: `no handler for ${request.op}` });
        continue;
      }
      handler(request, qmp).then(
        (r) => reply({ ok: true, ...(r ?? {}) }),
        (e: unknown) => reply({ ok: false, error: e instanceof Error ? e.message : String(e) }),
      );
    }
  });
}

/**
 * KVM only where a test boot proves it: /dev/kvm may belong to a module Debian's kernel hangs
 * under. The verdict is kept per host kernel and guest, so the probe runs once.
 */
export async function chooseAccel(guest: Guest, checkout: string, log: (line: string) => void): Promise<Accel> {
  if (process.env['FUMO_HIL_ACCEL'] === 'tcg' || process.env['FUMO_HIL_ACCEL'] === 'kvm') return process.env['FUMO_HIL_ACCEL'];
  if (!existsSync('/dev/kvm')) return 'tcg';
  const verdictFile = join(cacheRoot(), `kvm-${release()}-${guest.dir.split('/').pop() ?? ''}.json`);
  if (existsSync(verdictFile)) return (JSON.parse(readFileSync(verdictFile, 'utf8')) as { accel: Accel }).accel;
  const dir = join(cacheRoot(), 'kvm-probe');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'init.sh'), readFileSync(join(checkout, 'test', 'hil', 'guest', 'init.sh')));
  writeFileSync(join(dir, 'job.sh'), 'exit 7\n');
  const r = await bootGuest({ guest, checkout, bundleDir: dir, runDir: join(dir, 'run'), accel: 'kvm', timeoutMs: 40_000 });
  const accel: Accel = r.status === 7 ? 'kvm' : 'tcg';
  log(`KVM test boot: ${accel === 'kvm' ? `works (${r.seconds.toFixed(1)} s)` : 'did not finish; using TCG'}`);
  writeFileSync(verdictFile, JSON.stringify({ accel }) + '\n');
  return accel;
}
