/**
 * A WebUSB-shaped stand-in for a phone on USB: an object shaped like USBDevice whose bulk
 * endpoints are wired to an in-process ByteStream (`deviceStream`), which the reference device
 * serves. Used by tests and the simulator where no USB bus exists.
 */
import { ByteStreamEvents, type ByteStream } from '../../core/obex/byte-stream';
import type { WebUsbDeviceLike, WebUsbEndpointLike } from '../../transport/webusb';

export interface UsbStandInOptions {
  vendorId?: number;
  productId?: number;
  serialNumber?: string;
  interfaceNumber?: number;
  endpointIn?: number;
  endpointOut?: number;
  /** Max packet size of the bulk endpoints; 512 = USB 2.0 high speed. */
  packetSize?: number;
}

export interface UsbStandIn {
  device: WebUsbDeviceLike;
  /** The phone's end of the bulk pipes. */
  deviceStream: ByteStream;
  /** Every IN transfer length the host asked for (tests check packet multiples). */
  inTransferLengths: number[];
  /** Pull the cable: pending and later transfers fail, the phone's stream closes. */
  unplug(): void;
}

class StandInDeviceStream extends ByteStreamEvents implements ByteStream {
  constructor(private readonly toHost: (bytes: Uint8Array) => void, private readonly onClosed: () => void) {
    super();
  }
  async write(bytes: Uint8Array): Promise<void> {
    if (this.closed) throw new Error('stream closed');
    this.toHost(bytes.slice());
  }
  async close(): Promise<void> {
    if (this.closed) return;
    this.emitClose();
    this.onClosed();
  }
}

export function createUsbStandIn(options: UsbStandInOptions = {}): UsbStandIn {
  const packetSize = options.packetSize ?? 512;
  const ifaceNo = options.interfaceNumber ?? 1;
  const epInNo = options.endpointIn ?? 1;
  const epOutNo = options.endpointOut ?? 2;
  const endpoints: WebUsbEndpointLike[] = [
    { endpointNumber: epInNo, direction: 'in', type: 'bulk', packetSize },
    { endpointNumber: epOutNo, direction: 'out', type: 'bulk', packetSize },
  ];
  let opened = false;
  let configured = false;
  let claimed = false;
  let gone = false;
  const inQueue: Uint8Array[] = [];
  let inWaiter: { length: number; resolve: (v: { data: DataView; status: 'ok' }) => void; reject: (e: Error) => void } | undefined;
  const inTransferLengths: number[] = [];
  const noDevice = () => new Error('LIBUSB_ERROR_NO_DEVICE');

  const takeIn = (length: number): DataView => {
    const out = new Uint8Array(Math.min(length, inQueue.reduce((n, c) => n + c.length, 0)));
    let at = 0;
    while (at < out.length) {
      const c = inQueue[0]!;
      const n = Math.min(c.length, out.length - at);
      out.set(c.subarray(0, n), at);
      at += n;
      if (n === c.length) inQueue.shift();
      else inQueue[0] = c.subarray(n);
    }
    return new DataView(out.buffer);
  };

  const deviceStream = new StandInDeviceStream(
    (bytes) => {
      if (gone) return;
      inQueue.push(bytes);
      const w = inWaiter;
      if (w) {
        inWaiter = undefined;
        w.resolve({ data: takeIn(w.length), status: 'ok' });
      }
    },
    () => unplug(),
  );

  const unplug = () => {
    if (gone) return;
    gone = true;
    const w = inWaiter;
    inWaiter = undefined;
    w?.reject(noDevice());
    void deviceStream.close();
  };

  const check = (what: string) => {
    if (gone) throw noDevice();
    if (!opened) throw new Error(`InvalidStateError: ${what} before open()`);
  };

  const device: WebUsbDeviceLike = {
    vendorId: options.vendorId ?? 0x1209,
    productId: options.productId ?? 0x0002,
    serialNumber: options.serialNumber ?? 'STANDIN0001',
    get opened() {
      return opened;
    },
    get configuration() {
      return configured
        ? { configurationValue: 1, interfaces: [{ interfaceNumber: ifaceNo, alternates: [{ alternateSetting: 0, endpoints }] }] }
        : null;
    },
    async open() {
      if (gone) throw noDevice();
      opened = true;
    },
    async close() {
      opened = false;
      claimed = false;
      const w = inWaiter;
      inWaiter = undefined;
      w?.reject(new Error('AbortError: device closed'));
    },
    async selectConfiguration(v) {
      check('selectConfiguration');
      if (v !== 1) throw new Error('NotFoundError: no such configuration');
      configured = true;
    },
    async claimInterface(n) {
      check('claimInterface');
      if (!configured || n !== ifaceNo) throw new Error('NotFoundError: no such interface');
      claimed = true;
    },
    async releaseInterface() {
      claimed = false;
    },
    async selectAlternateInterface(n, alt) {
      check('selectAlternateInterface');
      if (n !== ifaceNo || alt !== 0) throw new Error('NotFoundError: no such alternate');
    },
    async clearHalt() {
      check('clearHalt');
    },
    transferIn(ep, length) {
      try {
        check('transferIn');
      } catch (e) {
        return Promise.reject(e);
      }
      if (!claimed || ep !== epInNo) return Promise.reject(new Error('InvalidAccessError: endpoint not claimed'));
      inTransferLengths.push(length);
      if (inQueue.length > 0) return Promise.resolve({ data: takeIn(length), status: 'ok' as const });
      if (inWaiter) return Promise.reject(new Error('InvalidStateError: transfer already pending'));
      return new Promise((resolve, reject) => {
        inWaiter = { length, resolve, reject };
      });
    },
    async transferOut(ep, data) {
      check('transferOut');
      if (!claimed || ep !== epOutNo) throw new Error('InvalidAccessError: endpoint not claimed');
      const copy = data.slice();
      queueMicrotask(() => deviceStream.emitData(copy));
      return { bytesWritten: data.length, status: 'ok' };
    },
  };

  return { device, deviceStream, inTransferLengths, unplug };
}
