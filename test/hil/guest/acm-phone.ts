/**
 * The reference phone inside the guest, behind its own USB CDC ACM interface (a configfs gadget
 * on dummy_hcd, set up by acm-setup.sh): the phone's side of the link is /dev/ttyGS0, the
 * kiosk's side the /dev/ttyACM* the host stack makes of it. Powering on binds the gadget to the
 * UDC (the USB device appears), a reboot unbinds it (the device goes away and re-enumerates),
 * as a real phone's USB interface does. Runs as root; logs to standard output (the console); writes its
 * firmware version to /tmp/phone-version-acm after each reboot for the case to read.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { createObexDmLink } from '../../../src/core/obex/dm-channel';
import { openSerialByteStream } from '../../../src/main/links/serial';
import type { DeviceConnection, LinkFactory } from '../../../src/simulator/device';
import { startSimulation } from '../../../src/simulator/simulation';
import { loadProfiles } from '../../../src/transport/profiles';

const gadget = process.env['HIL_GADGET'] ?? '';
const udc = process.env['HIL_UDC'] ?? '';
const TTY = '/dev/ttyGS0';
const log = (line: string): void => console.log(`acm-phone ${new Date().toISOString()} ${line}`);

function bind(on: boolean): void {
  writeFileSync(`${gadget}/UDC`, on ? `${udc}\n` : '\n');
  log(on ? `bound to ${udc}` : 'unbound');
}

async function main(): Promise<void> {
  const profile = loadProfiles().find((p) => p.id === 'reference-acm');
  if (!profile || !gadget || !udc) throw new Error('acm-phone: needs the reference-acm profile, HIL_GADGET and HIL_UDC');
  const factory: LinkFactory = async (device) => {
    // The function's tty exists from the gadget's making. It is opened before the gadget is bound,
    // as a phone's serial function is up before it shows on the bus: opening configures the tty
    // and throws away what it holds (serialport's tcflush), and opened after the bind, a CONNECT
    // the kiosk sent the moment the device appeared (the gadget starts taking host data at open)
    // could be thrown away with it, leaving the kiosk waiting for an answer to it.
    while (!existsSync(TTY)) await new Promise((r) => setTimeout(r, 50));
    // Raw mode, no echo: serialport configures the gadget tty as it does the kiosk's port.
    const stream = await openSerialByteStream(TTY, profile, { io: 'serialport' });
    bind(true);
    const link = createObexDmLink(stream, { role: device.profile.obexRole, kind: 'serial', id: `acm-${device.devId}-${device.boots}` });
    const conn: DeviceConnection = {
      link,
      address: TTY,
      acceptsNotifications: true,
      dispose: async () => {
        await link.close().catch(() => undefined);
        bind(false);
      },
    };
    return conn;
  };
  const sim = await startSimulation({
    // Fresh from the factory: the kiosk gives it its DM account over the cable.
    devices: [{ ...(process.env['HIL_DEVID'] ? { devId: process.env['HIL_DEVID'] } : {}), serverAccount: null, profile: { cableBootstrap: 'allow', rebootDelayMs: 500, replugDelayMs: 500 } }],
    link: 'serial',
    stateDir: '/tmp/phone-state-acm',
    linkFactory: () => factory,
    log,
  });
  const device = sim.devices[0]!.device;
  writeFileSync('/tmp/phone-version-acm', device.fwVersion);
  device.on('rebooted', (e: { fwVersion: string }) => {
    writeFileSync('/tmp/phone-version-acm', e.fwVersion);
    log(`rebooted into ${e.fwVersion}`);
  });
  device.on('notification', (n: unknown) => log(`notification ${JSON.stringify(n)}`));
}

main().catch((e: unknown) => {
  log(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
