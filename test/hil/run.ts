/**
 * `npm run test:hil`: the hardware-in-the-loop cases. Builds (or reuses) the cached Debian guest,
 * bundles each in-guest case with esbuild (node_modules stay external and come from the 9p
 * share), starts the reference phone on the host behind QEMU's FTDI usb-serial chardev, boots
 * the guest once per case and returns the cases' exit status. Where QEMU cannot run and CI is
 * not set it prints `SKIPPED — <reason>` and exits 0; under CI a missing tool fails with the
 * Debian package's name.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, copyFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { haveTools, underCi } from '../support/tools';
import { ensureGuest, GUEST_BUNDLE, GUEST_SRC } from './rig/build-guest';
import { bootGuest, chooseAccel, type ControlHandler } from './rig/qemu';
import { startCablePhone, type CablePhone } from './rig/phone';

const checkout = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const log = (line: string): void => console.log(`hil: ${line}`);
const CABLE_SERIAL = 'FUMOHIL0001';

function skip(reason: string): never {
  console.log(`SKIPPED — ${reason}`);
  process.exit(0);
}

/** The Debian package of the first tool the rig lacks, or undefined (under CI a missing tool throws, naming it). */
function missingPackage(): string | undefined {
  const who = 'test:hil';
  const tools: Array<[string, string, string[]]> = [
    ['qemu-system-x86_64', 'qemu-system-x86', ['--version']],
    ['mmdebstrap', 'mmdebstrap', ['--version']],
    ['busybox', 'busybox-static', ['--help']],
  ];
  return tools.find(([command, pkg, probe]) => !haveTools(who, [command], pkg, probe))?.[1];
}

/** One guest boot: the in-guest program (test/hil/cases) and its environment. */
interface HilCase {
  name: string;
  file: string;
  env: Record<string, string>;
  /**
   * 'ftdi': the phone runs here, behind QEMU's usb-serial device (FTDI) on a chardev socket;
   * 'acm': the phone runs in the guest behind a CDC ACM gadget (guest/acm-setup.sh, acm-phone.ts);
   * 'usb': the phone runs in the guest behind a FunctionFS vendor gadget (guest/usb-setup.sh, usb-phone.ts);
   * 'usbnet': the phone runs in the guest behind an NCM network gadget, DM over HTTP (guest/usbnet-setup.sh, usbnet-phone.ts).
   */
  cable: 'ftdi' | 'acm' | 'usb' | 'acm,usb' | 'usbnet';
  /** The MaxMsgSize the host's phone states ('ftdi'), where the case needs download chunks smaller than its profile's. */
  phoneMaxMsgSize?: number;
}

interface CaseResult {
  name: string;
  status: number | undefined;
  seconds: number;
}

const bundleOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  banner: { js: "import { createRequire as __hilRequire } from 'node:module'; const require = __hilRequire(import.meta.url);" },
  logLevel: 'warning',
} as const;

async function runCase(guest: ReturnType<typeof ensureGuest>, accel: 'kvm' | 'tcg', c: HilCase): Promise<CaseResult> {
  const { name, env, file, cable, phoneMaxMsgSize } = c;
  const work = mkdtempSync(join(tmpdir(), 'fumo-hil-'));
  const bundleDir = join(work, 'bundle');
  const runDir = join(work, 'run');
  mkdirSync(bundleDir, { recursive: true });
  mkdirSync(runDir, { recursive: true });
  try {
    await build({ ...bundleOptions, entryPoints: [join(checkout, 'test', 'hil', 'cases', file)], outfile: join(bundleDir, 'case.mjs') });
    copyFileSync(join(checkout, 'test', 'hil', 'guest', 'init.sh'), join(bundleDir, 'init.sh'));
    if (cable !== 'ftdi') {
      // The phones run in the guest behind gadgets: their programs and the root setup that makes the gadgets.
      const gadgets = cable.split(',');
      for (const g of gadgets) {
        await build({ ...bundleOptions, entryPoints: [join(checkout, 'test', 'hil', 'guest', `${g}-phone.ts`)], outfile: join(bundleDir, `${g}-phone.mjs`) });
        copyFileSync(join(checkout, 'test', 'hil', 'guest', `${g}-setup.sh`), join(bundleDir, `${g}-setup.sh`));
      }
      copyFileSync(join(checkout, 'test', 'hil', 'guest', gadgets.length > 1 ? 'two-setup.sh' : `${cable}-setup.sh`), join(bundleDir, 'setup.sh'));
      chmodSync(join(bundleDir, 'setup.sh'), 0o755);
    }
    const vars = { HIL_CABLE: cable, HIL_SERIAL: CABLE_SERIAL, FUMO_RESOURCES_DIR: `${GUEST_SRC}/resources`, FUMO_KIOSK_RESOURCES: `${GUEST_SRC}/resources`, ...env };
    const exports = Object.entries(vars)
      .map(([k, v]) => `export ${k}='${v}'`)
      .join('\n');
    writeFileSync(join(bundleDir, 'job.sh'), `${exports}\nexec node ${GUEST_BUNDLE}/case.mjs\n`);
    chmodSync(join(bundleDir, 'job.sh'), 0o755);

    const phoneSocket = join(runDir, 'phone.sock');
    const usbSerial = { driver: 'usb-serial', id: 'cable', chardev: 'phone', serial: CABLE_SERIAL };
    // The phone starts after QEMU (it connects to QEMU's chardev socket); the handler finds it here.
    const rig: { phone?: CablePhone } = {};
    const onControl: ControlHandler = async (request, qmp) => {
      const phone = rig.phone;
      if (!phone) throw new Error('the phone is not up');
      switch (request.op) {
        case 'unplug':
          await qmp.deviceDel('cable');
          await phone.unplug();
          return {};
        case 'unplug-mid-download': {
          // Pulled by what the phone has stored, not by the kiosk's progress (which may move in
          // steps as large as the package): the first chunk that takes it past `from` of the
          // package, which must still be below `to`.
          const from = Number(request['from']);
          const to = Number(request['to']);
          const at = await new Promise<{ stored: number; size: number }>((resolveAt) => {
            const onBytes = (e: { offset: number; bytes: number; size: number }): void => {
              if (e.offset + e.bytes < from * e.size) return;
              phone.device.off('package-bytes', onBytes);
              resolveAt({ stored: e.offset + e.bytes, size: e.size });
            };
            phone.device.on('package-bytes', onBytes);
          });
          if (at.stored >= to * at.size) throw new Error(`the phone went from below ${from * 100} % to ${((at.stored / at.size) * 100).toFixed(0)} % in one chunk`);
          await qmp.deviceDel('cable');
          await phone.unplug();
          return at;
        }
        case 'plug': {
          const connected = phone.plug();
          await qmp.deviceAdd(usbSerial);
          await connected;
          return {};
        }
        case 'bye':
          return {};
        case 'phone-version':
          return { fwVersion: phone.device.fwVersion };
        default:
          throw new Error(`unknown request ${request.op}`);
      }
    };
    const booted = bootGuest({
      guest,
      checkout,
      bundleDir,
      runDir,
      accel,
      qemuArgs:
        cable === 'ftdi'
          ? ['-device', 'qemu-xhci,id=xhci', '-chardev', `socket,id=phone,path=${phoneSocket},server=on,wait=off`, '-device', `usb-serial,id=cable,chardev=phone,serial=${CABLE_SERIAL}`]
          : [],
      onControl,
      // A case takes 1-3 min here; the bound leaves room for a loaded machine.
      timeoutMs: 480_000,
      onConsole: (line) => console.log(`  ${name} | ${line}`),
    });
    const phone = cable === 'ftdi' ? await startCablePhone(phoneSocket, { stateDir: join(work, 'phone'), ...(phoneMaxMsgSize ? { maxMsgSize: phoneMaxMsgSize } : {}), log: (line) => log(`${name} phone: ${line}`) }) : undefined;
    if (phone) rig.phone = phone;
    const r = await booted;
    await phone?.stop().catch(() => undefined);
    if (r.timedOut) log(`${name}: the guest did not finish in time`);
    return { name, status: r.status, seconds: r.seconds };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  // Until the summary says otherwise this run has failed: a promise that never settles must not
  // let node drain its loop and exit 0.
  process.exitCode = 1;
  const t0 = Date.now();
  const missing = missingPackage();
  if (missing) skip(`the Debian package ${missing} is not installed`);
  let guest: ReturnType<typeof ensureGuest>;
  try {
    guest = ensureGuest(log);
  } catch (e) {
    const reason = `the guest could not be built: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
    if (underCi()) throw new Error(reason);
    skip(reason);
  }
  const accel = await chooseAccel(guest, checkout, log);
  log(`guest ${guest.dir} (kernel ${guest.kernelVersion}), accel ${accel}`);
  // Opt-in (named on the command line only): ftdi-unplug. No chunk jumps past its pull point any
  // more (32 KiB messages, pulled near half the package), but the guest's kiosk process failed
  // twice in eight runs on a 2-core machine at load 10-14: once killed by SIGSEGV the moment the
  // cable was pulled (job status 139), once with no kiosk line at all after the replug (no detach
  // or attach, no job step) until the rig's 480 s limit. Cause not yet found; init.sh prints the
  // kernel's fault lines when a job dies of a signal.
  const OPT_IN = new Set(['ftdi-unplug']);
  const all: HilCase[] = [
    { name: 'ftdi-update', file: 'phone-update.guest.ts', env: {}, cable: 'ftdi' },
    // A phone that takes 32 KiB messages: no download chunk is more than 11 % of the 300 kB package,
    // so the first one past 45 % stops short of 57 % (the profile's 256 KiB let one chunk jump from below 30 % to 75 %).
    { name: 'ftdi-unplug', file: 'phone-update.guest.ts', env: { HIL_UNPLUG: '1' }, cable: 'ftdi', phoneMaxMsgSize: 32_768 },
    { name: 'ftdi-hangup', file: 'ftdi-hangup.guest.ts', env: {}, cable: 'ftdi' },
    { name: 'acm-update', file: 'phone-update.guest.ts', env: {}, cable: 'acm' },
    { name: 'usb-update', file: 'phone-update.guest.ts', env: {}, cable: 'usb' },
    { name: 'two-phones', file: 'phone-update.guest.ts', env: {}, cable: 'acm,usb' },
    { name: 'usbnet-update', file: 'usbnet-update.guest.ts', env: {}, cable: 'usbnet' },
  ];
  // `npm run test:hil -- ftdi-unplug`: only the cases named.
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !all.some((c) => c.name === w));
  if (unknown.length > 0) throw new Error(`no HIL case ${unknown.join(', ')} (cases: ${all.map((c) => c.name).join(', ')})`);
  const cases = wanted.length > 0 ? all.filter((c) => wanted.includes(c.name)) : all.filter((c) => !OPT_IN.has(c.name));
  const left = all.filter((c) => !cases.includes(c)).map((c) => c.name);
  if (wanted.length === 0 && left.length > 0) log(`opt-in cases not run (name them to run them): ${left.join(', ')}`);
  const results: CaseResult[] = [];
  for (const c of cases) results.push(await runCase(guest, accel, c));
  for (const r of results) log(`${r.name}: ${r.status === 0 ? 'passed' : `FAILED (status ${String(r.status)})`} in ${r.seconds.toFixed(1)} s`);
  log(`tier wall time ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  process.exit(results.every((r) => r.status === 0) ? 0 : 1);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
