/**
 * OBEX over a USB bulk pipe pair, through the WebUSB API (the `usb` package's WebUSB, or the
 * in-process stand-in). The profile names the interface (and optionally the endpoints); the
 * transfer sizes are whole multiples of the endpoint's max packet size, so a read never ends
 * in the middle of a USB packet.
 */
import { KioskError } from '../../core/errors';
import type { Link } from '../../core/link';
import { ByteStreamEvents, type ByteStream } from '../../core/obex/byte-stream';
import { createObexDmLink, type ObexRole } from '../../core/obex/dm-channel';
import type { Clock } from '../../core/clock';
import type { DeviceProfile } from '../../transport/profiles';
import type { WebUsbDeviceLike, WebUsbEndpointLike } from '../../transport/webusb';

export type { WebUsbDeviceLike, WebUsbEndpointLike } from '../../transport/webusb';

export interface UsbLinkOptions {
  id?: string;
  role?: ObexRole;
  clock?: Clock;
  responseTimeoutMs?: number;
  /** Bytes per IN transfer, rounded up to a multiple of the endpoint's packet size; default 64 KiB. */
  readSize?: number;
  /** Largest DM message accepted from the phone (the kiosk's MaxMsgSize); default the codecs' 64 MiB. */
  maxMessageBytes?: number;
}

/** Round `n` up to a whole number of packets. */
export function packetMultiple(n: number, packetSize: number): number {
  return Math.max(packetSize, Math.ceil(n / packetSize) * packetSize);
}

function usbError(e: unknown): KioskError {
  const text = e instanceof Error ? e.message : String(e);
  if (/LIBUSB_ERROR_ACCESS|Access denied|EACCES/i.test(text)) {
    return new KioskError(
      'PERMISSION_DENIED',
      {
        port: 'the USB device',
        fix: 'Install the kiosk udev rule (sudo cp resources/udev/70-fumo-kiosk.rules /etc/udev/rules.d/ && sudo udevadm control --reload && sudo udevadm trigger), then plug the phone in again.',
      },
      { cause: e },
    );
  }
  return new KioskError('CABLE_UNPLUGGED', {}, { cause: e });
}

class UsbByteStream extends ByteStreamEvents implements ByteStream {
  private reading = true;

  constructor(
    private readonly device: WebUsbDeviceLike,
    private readonly iface: number,
    private readonly epIn: WebUsbEndpointLike,
    private readonly epOut: WebUsbEndpointLike,
    private readonly readSize: number,
  ) {
    super();
    void this.readLoop();
  }

  private async readLoop(): Promise<void> {
    while (this.reading) {
      try {
        const r = await this.device.transferIn(this.epIn.endpointNumber, this.readSize);
        if (!this.reading) return;
        if (r.status === 'stall') {
          await this.device.clearHalt('in', this.epIn.endpointNumber);
          continue;
        }
        if (r.data && r.data.byteLength > 0) this.emitData(new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength));
      } catch (e) {
        this.reading = false;
        this.emitClose(e instanceof Error ? e : new Error(String(e)));
        return;
      }
    }
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (this.closed) throw new Error('stream closed');
    // One OBEX packet (<= 64 KiB) per OUT transfer; the host controller splits it into packets.
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    let r = await this.device.transferOut(this.epOut.endpointNumber, copy);
    if (r.status === 'stall') {
      await this.device.clearHalt('out', this.epOut.endpointNumber);
      r = await this.device.transferOut(this.epOut.endpointNumber, copy);
    }
    if (r.status !== undefined && r.status !== 'ok') throw new Error(`USB OUT transfer ${r.status}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.reading = false;
    this.emitClose();
    await this.device.releaseInterface(this.iface).catch(() => undefined);
    await this.device.close().catch(() => undefined);
  }
}

/** Open, configure and claim the profile's interface; a ByteStream over its bulk endpoints. */
export async function openUsbByteStream(device: WebUsbDeviceLike, profile: DeviceProfile, options: UsbLinkOptions = {}): Promise<ByteStream> {
  const cfg = profile.usb;
  if (!cfg) throw new KioskError('INVALID_REQUEST', { detail: `profile ${profile.id} has no USB interface` });
  try {
    if (!device.opened) await device.open();
    if (!device.configuration) await device.selectConfiguration(1);
    await device.claimInterface(cfg.interface);
    if (cfg.alternate > 0) await device.selectAlternateInterface(cfg.interface, cfg.alternate);
  } catch (e) {
    throw usbError(e);
  }
  const iface = device.configuration?.interfaces.find((i) => i.interfaceNumber === cfg.interface);
  const alt = iface?.alternates.find((a) => a.alternateSetting === cfg.alternate) ?? iface?.alternates[0];
  const bulk = (alt?.endpoints ?? []).filter((e) => e.type === 'bulk');
  const epIn = bulk.find((e) => e.direction === 'in' && (cfg.endpointIn === undefined || e.endpointNumber === cfg.endpointIn));
  const epOut = bulk.find((e) => e.direction === 'out' && (cfg.endpointOut === undefined || e.endpointNumber === cfg.endpointOut));
  if (!epIn || !epOut) {
    await device.releaseInterface(cfg.interface).catch(() => undefined);
    throw new KioskError('PROTOCOL_ERROR', { detail: `USB interface ${cfg.interface} has no bulk IN and OUT endpoints` });
  }
  return new UsbByteStream(device, cfg.interface, epIn, epOut, packetMultiple(options.readSize ?? 65536, epIn.packetSize));
}

/** A DM Link to a phone on USB: OBEX over the profile's bulk endpoints. */
export async function openUsbLink(device: WebUsbDeviceLike, profile: DeviceProfile, options: UsbLinkOptions = {}): Promise<Link> {
  const stream = await openUsbByteStream(device, profile, options);
  return createObexDmLink(stream, {
    role: options.role ?? profile.obex?.kioskRole ?? 'server',
    id: options.id ?? `usb:${device.vendorId.toString(16).padStart(4, '0')}:${device.productId.toString(16).padStart(4, '0')}:${device.serialNumber ?? ''}`,
    kind: 'usb',
    maxPacketLength: profile.obex?.maxPacketLength,
    srm: profile.obex?.srm,
    clock: options.clock,
    responseTimeoutMs: options.responseTimeoutMs,
    maxMessageBytes: options.maxMessageBytes,
  });
}

/** Find a connected device by VID/PID with the `usb` package's WebUSB (undefined without a USB bus). */
export async function findWebUsbDevice(vid: number, pid: number): Promise<WebUsbDeviceLike | undefined> {
  try {
    const { WebUSB } = await import('usb');
    const webusb = new WebUSB({ allowAllDevices: true });
    return (await webusb.findDeviceByIds(vid, pid)) as unknown as WebUsbDeviceLike | undefined;
  } catch {
    return undefined;
  }
}
