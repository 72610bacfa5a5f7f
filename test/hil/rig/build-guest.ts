/**
 * Builds the HIL guest from Debian packages only: Debian's kernel (linux-image-amd64's current
 * image, unpacked with dpkg -x), a minbase bookworm rootfs (mmdebstrap) holding the kernel's
 * modules, udev and the host's own node binary, and a busybox-static initramfs that loads the
 * virtio and 9p modules and switches to the rootfs shared over 9p. The result is cached under
 * ~/.cache/fumo-kiosk/hil/<hash>, the hash taken over every input (this file, the initramfs
 * script, the package list, the kernel package's name and version, the node binary), so a change
 * to any of them builds a new guest and an unchanged one is reused.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Packages of the guest beyond minbase: udev (udevd, udevadm for SerialPort.list), kmod (modprobe),
 * iproute2 (`ip`: addresses and the network namespace of the USB network phone).
 */
export const ROOTFS_PACKAGES = ['udev', 'kmod', 'iproute2'];
/** Modules the initramfs loads before it can mount the rootfs (their dependencies come along). */
export const INITRAMFS_MODULES = ['virtio_pci', 'virtio_console', '9pnet_virtio', '9p'];
/** The user the kiosk runs as in the guest, and the group the udev rule gives the phones to. */
export const KIOSK_USER = 'kiosk';
export const KIOSK_GROUP = 'fumo-kiosk';
/** Mount points in the guest: the checkout, node_modules (found by node's parent-folder lookup), test bundles. */
export const GUEST_SRC = '/hil/src';
export const GUEST_NODE_MODULES = '/hil/node_modules';
export const GUEST_BUNDLE = '/hil/bundle';

export interface Guest {
  dir: string;
  kernel: string;
  initrd: string;
  rootfs: string;
  kernelVersion: string;
  /** True when this call built it. */
  built: boolean;
}

export function cacheRoot(): string {
  return join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'fumo-kiosk', 'hil');
}

function run(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
}

/** The versioned image package linux-image-amd64 points at, with its version (from the local apt cache). */
export function kernelPackage(): { name: string; version: string } {
  const deps = run('apt-cache', ['depends', 'linux-image-amd64']);
  const name = /Depends:\s*(linux-image-\S+-amd64)/.exec(deps)?.[1];
  if (!name) throw new Error('apt-cache knows no linux-image-amd64; run apt-get update');
  const policy = run('apt-cache', ['policy', name]);
  const version = /Candidate:\s*(\S+)/.exec(policy)?.[1] ?? 'unknown';
  return { name, version };
}

export function guestHash(kernel: { name: string; version: string }): string {
  const h = createHash('sha256');
  h.update(readFileSync(fileURLToPath(import.meta.url)));
  h.update(readFileSync(join(here, '..', 'guest', 'initramfs-init.sh')));
  h.update(JSON.stringify({ ROOTFS_PACKAGES, INITRAMFS_MODULES, KIOSK_USER, KIOSK_GROUP, kernel }));
  const node = statSync(process.execPath);
  h.update(`${process.execPath} ${process.version} ${node.size} ${node.mtimeMs}`);
  return h.digest('hex').slice(0, 16);
}

/** Modules in load order (dependencies first) from a modules.dep; built-in ones are left out. */
export function moduleLoadOrder(modulesDep: string, wanted: string[]): string[] {
  const deps = new Map<string, string[]>();
  const byName = new Map<string, string>();
  for (const line of modulesDep.split('\n')) {
    const m = /^([^:]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const file = m[1]!;
    deps.set(file, m[2]!.split(/\s+/).filter(Boolean));
    byName.set(file.replace(/^.*\//, '').replace(/\.ko(\..*)?$/, '').replace(/-/g, '_'), file);
  }
  const order: string[] = [];
  const visit = (file: string): void => {
    if (order.includes(file)) return;
    for (const d of deps.get(file) ?? []) visit(d);
    order.push(file);
  };
  for (const w of wanted) {
    const file = byName.get(w.replace(/-/g, '_'));
    if (file) visit(file);
  }
  return order;
}

function buildInitramfs(rootfs: string, kver: string, out: string, work: string): void {
  const dir = join(work, 'initramfs');
  mkdirSync(join(dir, 'bin'), { recursive: true });
  for (const d of ['proc', 'sys', 'dev', 'newroot', 'modules']) mkdirSync(join(dir, d), { recursive: true });
  copyFileSync('/bin/busybox', join(dir, 'bin', 'busybox'));
  chmodSync(join(dir, 'bin', 'busybox'), 0o755);
  const modDir = join(rootfs, 'usr', 'lib', 'modules', kver);
  const order = moduleLoadOrder(readFileSync(join(modDir, 'modules.dep'), 'utf8'), INITRAMFS_MODULES);
  const list: string[] = [];
  order.forEach((file, i) => {
    const name = `${String(i).padStart(2, '0')}-${file.replace(/^.*\//, '')}`;
    copyFileSync(join(modDir, file), join(dir, 'modules', name));
    list.push(name);
  });
  writeFileSync(join(dir, 'modules', 'order'), list.join('\n') + '\n');
  copyFileSync(join(here, '..', 'guest', 'initramfs-init.sh'), join(dir, 'init'));
  chmodSync(join(dir, 'init'), 0o755);
  // busybox cpio -o reads the file list on stdin, newc format; gzip on top.
  execFileSync('sh', ['-c', 'find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 > "$1"', 'sh', out], { cwd: dir });
}

function buildRootfs(target: string, kernelDeb: string, work: string): string {
  run('mmdebstrap', ['--quiet', '--variant=minbase', `--include=${ROOTFS_PACKAGES.join(',')}`, 'bookworm', target]);
  const kdir = join(work, 'kernel');
  run('dpkg', ['-x', kernelDeb, kdir]);
  const kver = readdirSync(join(kdir, 'lib', 'modules'))[0];
  if (!kver) throw new Error(`${kernelDeb} holds no modules`);
  mkdirSync(join(target, 'usr', 'lib', 'modules'), { recursive: true });
  run('cp', ['-a', join(kdir, 'lib', 'modules', kver), join(target, 'usr', 'lib', 'modules', kver)]);
  // depmod -b of the rootfs's own kmod (the host may have none).
  run('chroot', [target, 'depmod', '-a', kver]);
  copyFileSync(join(kdir, 'boot', `vmlinuz-${kver}`), join(target, '..', 'vmlinuz'));
  copyFileSync(process.execPath, join(target, 'usr', 'local', 'bin', 'node'));
  chmodSync(join(target, 'usr', 'local', 'bin', 'node'), 0o755);
  run('chroot', [target, 'groupadd', '--system', KIOSK_GROUP]);
  run('chroot', [target, 'useradd', '--no-create-home', '--home-dir', `/tmp/${KIOSK_USER}`, '--shell', '/bin/sh', '--groups', KIOSK_GROUP, KIOSK_USER]);
  for (const d of [GUEST_SRC, GUEST_NODE_MODULES, GUEST_BUNDLE, '/hil/work']) mkdirSync(join(target, d), { recursive: true });
  return kver;
}

/** The cached guest for the current inputs, built first when missing. */
export function ensureGuest(log: (line: string) => void = () => undefined): Guest {
  const kernel = kernelPackage();
  const hash = guestHash(kernel);
  const dir = join(cacheRoot(), hash);
  const done = join(dir, 'ready.json');
  if (existsSync(done)) {
    const meta = JSON.parse(readFileSync(done, 'utf8')) as { kernelVersion: string };
    return { dir, kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img'), rootfs: join(dir, 'rootfs'), kernelVersion: meta.kernelVersion, built: false };
  }
  const t0 = Date.now();
  log(`building the guest ${hash} (kernel ${kernel.name} ${kernel.version}) in ${dir}`);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const work = join(tmp, 'work');
  mkdirSync(work, { recursive: true });
  run('apt-get', ['download', '-q', `${kernel.name}=${kernel.version}`], work);
  const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download ${kernel.name} produced no package`);
  const kver = buildRootfs(join(tmp, 'rootfs'), join(work, deb), work);
  buildInitramfs(join(tmp, 'rootfs'), kver, join(tmp, 'initrd.img'), work);
  rmSync(work, { recursive: true, force: true });
  writeFileSync(join(tmp, 'ready.json'), JSON.stringify({ kernelVersion: kver, kernel, builtAt: new Date().toISOString() }) + '\n');
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  // Older guests (other hashes) are left to the owner of the cache: another checkout may use them.
  log(`guest built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { dir, kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img'), rootfs: join(dir, 'rootfs'), kernelVersion: kver, built: true };
}
