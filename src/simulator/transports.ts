/**
 * How a simulated phone reaches the kiosk: a pty pair (the phone holds one end and serves OBEX
 * over it; the kiosk opens the other end like a serial port), HTTP (the phone POSTs its DM
 * messages to the kiosk's URL) or memory (tests).
 */
import { constants as fsConstants, openSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import { ByteStreamEvents, type ByteStream } from '../core/obex/byte-stream';
import { createObexDmLink } from '../core/obex/dm-channel';
import type { DeviceConnection, LinkFactory, SimulatedDevice } from './device';
import { ByteThrottle } from './faults';
import { nodeByteStream } from '../transport/node-byte-stream';
import type { DmPayload, Link, ReceiveOptions } from '../core/link';
import { decodeMessage } from '../core/dm/codec';
import { createPtyPair, type PtyPair } from './links/pty';
import { announceSimulatedDevice, withdrawSimulatedDevice } from '../transport/sim-registry';
import { HttpDmClientLink } from '../transport/http';
import { createUsbStandIn, type UsbStandIn } from './links/usb-standin';

export type SimulatedLinkKind = 'serial' | 'http' | 'usb-standin';

export interface TransportOptions {
  serverUrl?: string | undefined;
  log?: (line: string) => void;
  /** Registry hooks (the kiosk's scanner watches the sim registry); default: the shared registry when present. */
  registry?: SimRegistry;
  /** Makes a pty pair (default: socat through createPtyPair); tests count pairs opened and closed with it. */
  createPty?: () => Promise<PtyPair>;
}

export interface SimRegistry {
  announce(entry: SimRegistryEntry): Promise<void> | void;
  withdraw(entry: SimRegistryEntry): Promise<void> | void;
}

export interface SimRegistryEntry {
  /** File-name safe id of the entry (one per phone). */
  id: string;
  devId: string;
  /** What the kiosk opens: the host end of the pty, or the USB stand-in's name. */
  path?: string;
  /** DM endpoint, for http. */
  url?: string;
  linkKind: 'serial' | 'usb' | 'http';
  profileId: string;
}

/** The shared registry folder the kiosk's scanner watches (src/main/links/sim-registry). */
export const sharedSimRegistry: SimRegistry = {
  announce: (e) => {
    announceSimulatedDevice({
      id: e.id,
      linkKind: e.linkKind,
      profileId: e.profileId,
      devIdHint: e.devId,
      ...(e.path !== undefined ? { path: e.path } : {}),
      ...(e.url !== undefined ? { url: e.url } : {}),
    });
  },
  withdraw: (e) => withdrawSimulatedDevice(e.id),
};

/** A registry entry id for a phone: stable, file-name safe. */
export function registryIdFor(devId: string): string {
  return `sim-${devId.replace(/[^A-Za-z0-9]/g, '')}`;
}

const usbStandIns = new Map<string, UsbStandIn>();

/**
 * The USB stand-in a simulated phone is plugged into, by the name in its registry entry: the
 * stand-in lives in this process, so only an in-process kiosk (demo mode, tests) can open it.
 */
export function getUsbStandIn(name: string): UsbStandIn | undefined {
  return usbStandIns.get(name);
}

/** Reads paced to a line rate (10 bits a byte): ptys have no baud of their own. Order is kept. */
export function throttledByteStream(inner: ByteStream, baud: number): ByteStream {
  const throttle = new ByteThrottle(baud);
  const events = new ByteStreamEvents();
  let chain: Promise<void> = Promise.resolve();
  inner.onData((bytes) => {
    const copy = bytes.slice();
    chain = chain.then(async () => {
      await throttle.take(copy.length);
      events.emitData(copy);
    });
  });
  inner.onClose((e) => {
    // Bytes already on the line are still delivered before the close.
    void chain.then(() => events.emitClose(e));
  });
  return {
    write: (b) => inner.write(b),
    onData: (cb) => events.onData(cb),
    onClose: (cb) => events.onClose(cb),
    close: () => inner.close(),
  };
}

/**
 * A ByteStream over one end of a pty pair, with node's own non-blocking tty I/O. The pty is
 * already raw (socat's `rawer`), so no line discipline touches the bytes. Used for the phone's
 * end: serialport's write path was seen to stall on a pty under bidirectional load.
 */
export function openPtyByteStream(path: string, throttleBaud?: number): ByteStream {
  const fd = openSync(path, fsConstants.O_RDWR | fsConstants.O_NOCTTY);
  const tty = new ReadStream(fd);
  const stream = nodeByteStream(tty, tty, {
    onClose: () =>
      new Promise<void>((resolve) => {
        if (tty.destroyed) resolve();
        else {
          tty.once('close', () => resolve());
          tty.destroy();
        }
      }),
  });
  return throttleBaud ? throttledByteStream(stream, throttleBaud) : stream;
}

/** How long the phone waits for the rest of a packet begun before it drops what it has. */
export const PARTIAL_PACKET_TIMEOUT_MS = 3000;

/** Serial over a fresh pty pair per connection (so a reboot re-enumerates under a new path). */
export function serialLinkFactory(options: TransportOptions = {}): LinkFactory {
  const registry = options.registry ?? sharedSimRegistry;
  const newPty = options.createPty ?? (() => createPtyPair());
  // The next pair is made before the current one closes, so a re-plugged or rebooted phone
  // shows up under a new path (the kernel hands a freed pty number straight out again). The
  // spare belongs to this factory: release() (the phone stopped for good) closes it, so no
  // socat outlives the phone.
  let spare: PtyPair | undefined;
  const releaseSpare = async (): Promise<void> => {
    const s = spare;
    spare = undefined;
    await s?.close().catch(() => undefined);
  };
  const connect = async (device: SimulatedDevice): Promise<DeviceConnection> => {
    const pty = spare ?? (await newPty());
    spare = undefined;
    let stream: ByteStream;
    try {
      stream = openPtyByteStream(pty.devicePath, device.faults.get('throttle')?.baud);
    } catch (e) {
      await pty.close();
      throw e;
    }
    const link = createObexDmLink(stream, {
      role: device.profile.obexRole,
      kind: 'serial',
      id: `sim-${device.devId}-${device.boots}`,
      // A kiosk killed mid-packet never sends the rest: drop it, so the next kiosk's CONNECT is heard.
      partialPacketTimeoutMs: PARTIAL_PACKET_TIMEOUT_MS,
      onPartialPacketDropped: (bytes) => void device.emit('partial-packet-dropped', { bytes }),
    });
    const entry: SimRegistryEntry = { id: registryIdFor(device.devId), devId: device.devId, path: pty.hostPath, linkKind: 'serial', profileId: device.profile.id };
    await registry.announce(entry);
    options.log?.(`${device.devId}: serial ${pty.hostPath}`);
    let disposed = false;
    return {
      link,
      address: pty.hostPath,
      acceptsNotifications: true,
      dispose: async () => {
        if (disposed) return;
        disposed = true;
        await registry.withdraw(entry);
        if (!device.isStopped) {
          await releaseSpare();
          spare = await newPty().catch(() => undefined);
          // Stopped while the spare was being made: nobody will plug in again.
          if (device.isStopped) await releaseSpare();
        }
        await link.close().catch(() => undefined);
        await pty.close();
      },
    };
  };
  return Object.assign(connect, { release: releaseSpare });
}

/**
 * HttpDmClientLink that follows the server's RespURI (DM protocol: the client sends its next
 * messages to the RespURI of the server's last SyncHdr), so a kiosk can route a session by URL.
 */
export class RespUriFollowingLink implements Link {
  readonly kind = 'http' as const;

  private readonly base: string;

  constructor(readonly inner: HttpDmClientLink) {
    this.base = inner.target;
  }

  get id(): string {
    return this.inner.id;
  }

  send(message: DmPayload): Promise<void> {
    // A new session (its first message, MsgID 1) starts at the server's base URL again: the
    // last session's RespURI ended with it.
    try {
      if (decodeMessage(message.body, message.contentType).message.header.msgID === '1') this.inner.setTarget(this.base);
    } catch {
      // Not decodable here: it goes where the last one went.
    }
    return this.inner.send(message);
  }

  async receive(options?: ReceiveOptions): Promise<DmPayload> {
    const p = await this.inner.receive(options);
    try {
      const resp = decodeMessage(p.body, p.contentType).message.header.respURI;
      if (resp) this.inner.setTarget(new URL(resp, this.inner.target).toString());
    } catch {
      // Not decodable here: the session engine reports it; the target stays.
    }
    return p;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export function httpLinkFactory(options: TransportOptions): LinkFactory {
  const url = options.serverUrl;
  if (!url) throw new Error('--link http needs the kiosk URL (--server http://127.0.0.1:PORT/dm)');
  return (device: SimulatedDevice): Promise<DeviceConnection> => {
    const link = new RespUriFollowingLink(new HttpDmClientLink(url, { id: `sim-http-${device.devId}-${device.boots}` }));
    options.log?.(`${device.devId}: http ${url}`);
    // An HTTP phone calls the kiosk itself; it is not announced (the kiosk learns it from package 1).
    return Promise.resolve({ link, address: url, acceptsNotifications: false, dispose: () => link.close() });
  };
}

/**
 * The phone's end of a stand-in, holding its first write until the kiosk has the device open and
 * reading (plus one turn of the event loop, so the kiosk's OBEX layer is listening): bytes a
 * phone sends before the host reads would otherwise be delivered to nobody.
 */
function gateUntilHostReads(standIn: UsbStandIn): ByteStream {
  const inner = standIn.deviceStream;
  let ready: Promise<void> | undefined;
  let closed = false;
  inner.onClose(() => {
    closed = true;
  });
  const hostReading = (): Promise<void> =>
    (ready ??= new Promise<void>((resolve) => {
      const poll = (): void => {
        if (closed || standIn.inTransferLengths.length > 0) setTimeout(resolve, 0);
        else setTimeout(poll, 20);
      };
      poll();
    }));
  return {
    write: async (b) => {
      await hostReading();
      await inner.write(b);
    },
    onData: (cb) => inner.onData(cb),
    onClose: (cb) => inner.onClose(cb),
    close: () => inner.close(),
  };
}

/**
 * USB through the WebUSB-shaped stand-in: the phone serves OBEX on the stand-in's bulk pipes,
 * the kiosk opens `getUsbStandIn(name).device` like a USBDevice. A new stand-in (new serial
 * number) after every reboot.
 */
export function usbStandInLinkFactory(options: TransportOptions = {}): LinkFactory {
  const registry = options.registry ?? sharedSimRegistry;
  let plugs = 0;
  return (device: SimulatedDevice): Promise<DeviceConnection> => {
    plugs++;
    const serialNumber = `SIM${device.devId.replace(/\D/g, '').slice(-8)}${String(plugs).padStart(3, '0')}`;
    const standIn = createUsbStandIn({ serialNumber });
    const name = `usb-standin:${serialNumber}`;
    usbStandIns.set(name, standIn);
    // Waiting for a package 0 as OBEX client is a GET that may wait as long as the phone is
    // plugged in: a day, not the default minute (a finite value keeps DISCONNECT's own bound).
    const link = createObexDmLink(gateUntilHostReads(standIn), {
      role: device.profile.obexRole,
      kind: 'usb',
      id: `sim-usb-${serialNumber}`,
      ...(device.profile.obexRole === 'client' ? { responseTimeoutMs: 24 * 3600_000 } : {}),
    });
    const entry: SimRegistryEntry = { id: registryIdFor(device.devId), devId: device.devId, path: name, linkKind: 'usb', profileId: device.profile.id };
    void registry.announce(entry);
    options.log?.(`${device.devId}: usb ${name}`);
    let disposed = false;
    return Promise.resolve({
      link,
      address: name,
      acceptsNotifications: true,
      dispose: async () => {
        if (disposed) return;
        disposed = true;
        await registry.withdraw(entry);
        await link.close().catch(() => undefined);
        standIn.unplug();
        usbStandIns.delete(name);
      },
    });
  };
}

export function makeLinkFactory(kind: SimulatedLinkKind, options: TransportOptions): LinkFactory {
  switch (kind) {
    case 'serial':
      return serialLinkFactory(options);
    case 'http':
      return httpLinkFactory(options);
    case 'usb-standin':
      return usbStandInLinkFactory(options);
  }
}
