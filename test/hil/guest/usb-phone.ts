/**
 * The reference phone inside the guest as a vendor-class USB device: a FunctionFS function of a
 * configfs gadget on dummy_hcd (set up by usb-setup.sh), 1209:0002 like the reference-usb
 * profile. The phone writes its descriptors to ep0 (interface 0 without endpoints, interface 1
 * with one bulk IN and one bulk OUT endpoint, full and high speed), then serves OBEX on ep1 (IN:
 * phone to kiosk) and ep2 (OUT). Powering on binds the gadget to the UDC; a reboot unbinds it, so
 * the kiosk sees the device leave and enumerate again. Runs as root; writes its firmware version
 * to /tmp/phone-version-usb after each reboot.
 */
import { closeSync, openSync, read, write, writeFileSync } from 'node:fs';
import { ByteStreamEvents, type ByteStream } from '../../../src/core/obex/byte-stream';
import { createObexDmLink } from '../../../src/core/obex/dm-channel';
import type { DeviceConnection, LinkFactory } from '../../../src/simulator/device';
import { startSimulation } from '../../../src/simulator/simulation';

const gadget = process.env['HIL_GADGET'] ?? '';
const udc = process.env['HIL_UDC'] ?? '';
const FFS = '/dev/ffs-phone';
const log = (line: string): void => console.log(`usb-phone ${new Date().toISOString()} ${line}`);

// FunctionFS (linux/usb/functionfs.h): descriptor and string blocks, and ep0's event types.
const DESCRIPTORS_MAGIC_V2 = 3;
const STRINGS_MAGIC = 2;
const HAS_FS_DESC = 1;
const HAS_HS_DESC = 2;
const EVENT_ENABLE = 2;
const EVENT_SIZE = 12;

function le32(...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32LE(v, 4 * i));
  return b;
}

/** Interface 0 (no endpoints, so the OBEX interface is number 1 as the profile says) and interface 1 with bulk IN 1 and OUT 2. */
function descriptors(packetSize: number): Buffer {
  const iface = (n: number, endpoints: number) => Buffer.from([9, 4, n, 0, endpoints, 0xff, 0, 0, 1]);
  const bulk = (address: number) => Buffer.from([7, 5, address, 2, packetSize & 0xff, packetSize >> 8, 0]);
  return Buffer.concat([iface(0, 0), iface(1, 2), bulk(0x81), bulk(0x02)]);
}

function descriptorBlock(): Buffer {
  const body = Buffer.concat([le32(4, 4), descriptors(64), descriptors(512)]);
  return Buffer.concat([le32(DESCRIPTORS_MAGIC_V2, 12 + body.length, HAS_FS_DESC | HAS_HS_DESC), body]);
}

function stringBlock(): Buffer {
  const body = Buffer.concat([le32(1, 1), Buffer.from([0x09, 0x04]), Buffer.from('OBEX DM\0', 'latin1')]);
  return Buffer.concat([le32(STRINGS_MAGIC, 8 + body.length), body]);
}

const readAsync = (fd: number, buffer: Buffer): Promise<number> => new Promise((res, rej) => read(fd, buffer, 0, buffer.length, null, (e, n) => (e ? rej(e) : res(n))));
const writeAsync = (fd: number, buffer: Uint8Array): Promise<number> => new Promise((res, rej) => write(fd, buffer, (e, n) => (e ? rej(e) : res(n))));

/** OBEX bytes over the two bulk endpoint files; reads one packet's worth at a time. */
class FunctionFsStream extends ByteStreamEvents implements ByteStream {
  private open = true;
  constructor(
    private readonly epIn: number,
    private readonly epOut: number,
  ) {
    super();
    void this.pump();
  }
  private async pump(): Promise<void> {
    const buffer = Buffer.alloc(512);
    while (this.open) {
      try {
        const n = await readAsync(this.epOut, buffer);
        if (n > 0) this.emitData(Uint8Array.from(buffer.subarray(0, n)));
      } catch (e) {
        if (this.open) this.emitClose(e instanceof Error ? e : new Error(String(e)));
        return;
      }
    }
  }
  async write(bytes: Uint8Array): Promise<void> {
    await writeAsync(this.epIn, bytes);
    // A transfer that ends on a packet boundary needs a zero-length packet to end it on the host.
    if (bytes.length % 512 === 0) await writeAsync(this.epIn, new Uint8Array(0));
  }
  async close(): Promise<void> {
    this.open = false;
    this.emitClose();
  }
}

async function main(): Promise<void> {
  if (!gadget || !udc) throw new Error('usb-phone: needs HIL_GADGET and HIL_UDC');
  const ep0 = openSync(`${FFS}/ep0`, 'r+');
  await writeAsync(ep0, descriptorBlock());
  await writeAsync(ep0, stringBlock());
  log('descriptors written');
  // ep0's events, read for as long as the phone runs: ENABLE says the host configured the device.
  let enabled: (() => void) | undefined;
  void (async () => {
    const ev = Buffer.alloc(EVENT_SIZE * 4);
    for (;;) {
      const n = await readAsync(ep0, ev).catch(() => 0);
      for (let i = 0; i + EVENT_SIZE <= n; i += EVENT_SIZE) {
        const type = ev[i + 8];
        log(`ep0 event ${String(type)}`);
        if (type === EVENT_ENABLE) enabled?.();
      }
      if (n === 0) await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const factory: LinkFactory = async (device) => {
    const up = new Promise<void>((r) => (enabled = r));
    writeFileSync(`${gadget}/UDC`, `${udc}\n`);
    log(`bound to ${udc}`);
    await up;
    const epIn = openSync(`${FFS}/ep1`, 'r+');
    const epOut = openSync(`${FFS}/ep2`, 'r+');
    const stream = new FunctionFsStream(epIn, epOut);
    // Waiting for a package 0 as OBEX client is a GET that may wait as long as the phone is plugged in.
    const link = createObexDmLink(stream, { role: device.profile.obexRole, kind: 'usb', id: `ffs-${device.devId}-${device.boots}`, responseTimeoutMs: 24 * 3600_000 });
    const conn: DeviceConnection = {
      link,
      address: 'ffs',
      acceptsNotifications: true,
      dispose: async () => {
        await link.close().catch(() => undefined);
        writeFileSync(`${gadget}/UDC`, '\n');
        log('unbound');
        closeSync(epIn);
        closeSync(epOut);
      },
    };
    return conn;
  };
  const sim = await startSimulation({
    devices: [{ ...(process.env['HIL_DEVID'] ? { devId: process.env['HIL_DEVID'] } : {}), serverAccount: null, profile: { cableBootstrap: 'allow', rebootDelayMs: 500, replugDelayMs: 500 } }],
    // The USB reference profile (reference-usb: the phone is the OBEX client), over this factory's link.
    link: 'usb-standin',
    stateDir: '/tmp/phone-state-usb',
    linkFactory: () => factory,
    log,
  });
  const device = sim.devices[0]!.device;
  writeFileSync('/tmp/phone-version-usb', device.fwVersion);
  device.on('rebooted', (e: { fwVersion: string }) => {
    writeFileSync('/tmp/phone-version-usb', e.fwVersion);
    log(`rebooted into ${e.fwVersion}`);
  });
}

main().catch((e: unknown) => {
  log(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
