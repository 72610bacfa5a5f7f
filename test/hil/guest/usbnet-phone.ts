/**
 * The reference phone inside the guest, behind its own USB network interface (an NCM gadget on
 * dummy_hcd, set up by usbnet-setup.sh) and in a network namespace of its own: its DM client is
 * the simulator's HTTP link, calling the kiosk's DM endpoint at HIL_DM_URL (the kiosk's address
 * on the cable's interface) and fetching its PkgURL there, as a phone that speaks DM over HTTP
 * does. Its DM account is one of its own (fresh secrets each boot of the guest), written to
 * /tmp/phone-account-usbnet.json for the case to give the kiosk, as an operator imports the
 * accounts of phones provisioned elsewhere. Runs as root; logs to standard output (the console);
 * writes its firmware version to /tmp/phone-version-usbnet after each reboot and its process id to
 * /tmp/phone-usbnet.pid (its namespace's interface counters are in /proc/<pid>/net/dev).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { defaultServerAccount, startSimulation } from '../../../src/simulator/simulation';
import { simulatedDevId } from '../../../src/simulator/identity';

const url = process.env['HIL_DM_URL'] ?? '';
const log = (line: string): void => console.log(`usbnet-phone ${new Date().toISOString()} ${line}`);

async function main(): Promise<void> {
  if (!url) throw new Error('usbnet-phone: needs HIL_DM_URL');
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
  device.on('rebooted', (e: { fwVersion: string }) => {
    writeFileSync('/tmp/phone-version-usbnet', e.fwVersion);
    log(`rebooted into ${e.fwVersion}`);
  });
  device.on('exec', (e: unknown) => log(`exec ${JSON.stringify(e)}`));
}

main().catch((e: unknown) => {
  log(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
