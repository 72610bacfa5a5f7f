/**
 * The reference phone inside the guest, behind its own USB network interface (an NCM gadget on
 * dummy_hcd, set up by usbnet-setup.sh) and in a network namespace of its own: its DM client is
 * the simulator's HTTP link, calling the kiosk's DM endpoint at HIL_DM_URL (the kiosk's address
 * on the cable's interface) and fetching its PkgURL there, as a phone that speaks DM over HTTP
 * does. Its reboot unbinds the gadget from the UDC and binds it again, so the kiosk's end of the
 * link goes away and comes back as a real phone's USB function does. Its DM account is one of its
 * own (fresh secrets each boot of the guest), written to /tmp/phone-account-usbnet.json for the
 * case to give the kiosk, as an operator imports the accounts of phones provisioned elsewhere.
 * Runs as root; logs to standard output (the console); writes its firmware version to
 * /tmp/phone-version-usbnet after each reboot, its process id to /tmp/phone-usbnet.pid (its
 * namespace's interface counters are in /proc/<pid>/net/dev), and both ends' byte counters as they
 * were when it went down for the reboot to /tmp/usbnet-at-reboot.json (the kiosk's end is a new
 * interface afterwards, its counters from zero).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { defaultServerAccount, startSimulation } from '../../../src/simulator/simulation';
import { simulatedDevId } from '../../../src/simulator/identity';

const url = process.env['HIL_DM_URL'] ?? '';
const gadget = process.env['HIL_GADGET'] ?? '';
const udc = process.env['HIL_UDC'] ?? '';
const phoneIf = process.env['HIL_PHONE_IF'] ?? '';
const log = (line: string): void => console.log(`usbnet-phone ${new Date().toISOString()} ${line}`);

/** rx and tx bytes of an interface in a /proc/<pid>/net/dev table (undefined when it is not there). */
function counters(table: string, name: string): { rx: number; tx: number } | undefined {
  const line = table.split('\n').find((l) => l.trim().startsWith(`${name}:`));
  if (!line) return undefined;
  const f = line.split(':')[1]!.trim().split(/\s+/).map(Number);
  return { rx: f[0]!, tx: f[8]! };
}

function bind(on: boolean): void {
  writeFileSync(`${gadget}/UDC`, on ? `${udc}\n` : '\n');
  log(on ? `bound to ${udc}` : 'unbound');
}

async function main(): Promise<void> {
  if (!url || !gadget || !udc || !phoneIf) throw new Error('usbnet-phone: needs HIL_DM_URL, HIL_GADGET, HIL_UDC and HIL_PHONE_IF');
  const kioskIf = /^KIOSK_IF=(.*)$/m.exec(readFileSync('/tmp/usbnet.env', 'utf8'))?.[1] ?? '';
  const devId = process.env['HIL_DEVID'] ?? simulatedDevId(0);
  const account = { ...defaultServerAccount(devId), clientSecret: randomBytes(16).toString('hex'), serverSecret: randomBytes(16).toString('hex') };
  writeFileSync('/tmp/phone-account-usbnet.json', JSON.stringify({ devId, ...account }), { mode: 0o644 });
  writeFileSync('/tmp/phone-usbnet.pid', `${process.pid}\n`, { mode: 0o644 });
  const sim = await startSimulation({
    devices: [{ devId, serverAccount: account, profile: { rebootDelayMs: 500, pollIntervalMs: 1000 } }],
    link: 'http',
    serverUrl: url,
    stateDir: '/tmp/phone-state-usbnet',
    log,
  });
  const device = sim.devices[0]!.device;
  writeFileSync('/tmp/phone-version-usbnet', device.fwVersion);
  device.on('rebooting', () => {
    // PID 1's table is the kiosk's namespace, this process's own the phone's.
    const at = { kiosk: counters(readFileSync('/proc/1/net/dev', 'utf8'), kioskIf), phone: counters(readFileSync('/proc/self/net/dev', 'utf8'), phoneIf) };
    writeFileSync('/tmp/usbnet-at-reboot.json', JSON.stringify(at), { mode: 0o644 });
    bind(false);
  });
  device.on('rebooted', (e: { fwVersion: string }) => {
    writeFileSync('/tmp/phone-version-usbnet', e.fwVersion);
    bind(true);
    log(`rebooted into ${e.fwVersion}; ${phoneIf} ${existsSync(`/sys/class/net/${phoneIf}`) ? 'still in the phone\'s namespace' : 'gone from the phone\'s namespace'}`);
  });
  device.on('exec', (e: unknown) => log(`exec ${JSON.stringify(e)}`));
}

main().catch((e: unknown) => {
  log(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
