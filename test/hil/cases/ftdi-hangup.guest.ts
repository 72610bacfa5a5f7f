/**
 * In the guest, as the kiosk user: the FTDI cable pulled while the kiosk's serial stream has it
 * open, with nothing else watching (no scanner, no udev remove handling). A real tty then reads
 * 0 bytes on every read; serialport's own reader retries those for ever at 100 % CPU and never
 * closes. The kiosk's stream must see the hang-up by itself: it closes with an error within a
 * second, the descriptor is released, and the process is idle afterwards.
 */
import { openSerialByteStream } from '../../../src/main/links/serial';
import { loadProfiles } from '../../../src/transport/profiles';
import { check, HostControl, report } from '../guest/control';
import { cpuTicks, heldOpen } from '../guest/proc-self';

const host = new HostControl();

const heldTtyUsb = (): string[] => heldOpen('/dev/ttyUSB');

async function main(): Promise<void> {
  const profile = loadProfiles().find((p) => p.id === 'reference-ftdi');
  check(profile, 'the reference-ftdi profile');
  const stream = await openSerialByteStream('/dev/ttyUSB0', profile);
  check(heldTtyUsb().length === 1, `the port is open (held: ${heldTtyUsb().join(', ')})`);
  const closed = new Promise<Error | undefined>((resolve) => stream.onClose((e) => resolve(e)));
  let t = Date.now();
  await host.ask('unplug');
  // Bounded: without the hang-up rule no close ever comes.
  const outcome = await Promise.race([closed.then((e) => ({ e })), new Promise<'none'>((r) => setTimeout(() => r('none'), 5000))]);
  const closeMs = Date.now() - t;
  check(outcome !== 'none', 'the stream closes after the cable is pulled (no close within 5 s)');
  report('closed', { closeMs, error: outcome.e?.message ?? null });
  check(closeMs <= 1000, `the stream closed within 1 s of the pull (took ${closeMs} ms)`);
  const cpu0 = cpuTicks();
  t = Date.now();
  await new Promise((r) => setTimeout(r, 2000));
  const cpuShare = (cpuTicks() - cpu0) / 100 / ((Date.now() - t) / 1000);
  report('idle', { cpuShare: Number(cpuShare.toFixed(3)), held: heldTtyUsb() });
  check(cpuShare < 0.2, `CPU use after the pull below 20 % (was ${(cpuShare * 100).toFixed(0)} %)`);
  check(heldTtyUsb().length === 0, `the port's descriptor is released (held: ${heldTtyUsb().join(', ')})`);
}

main().then(
  async () => {
    await host.close();
    process.exit(0);
  },
  async (e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    await host.close();
    process.exit(1);
  },
);
