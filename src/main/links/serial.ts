/**
 * OBEX over a serial port (a USB serial adapter, a CDC ACM phone port, or a pty for simulated
 * phones). Baud rate and flow control come from the device profile. Opening retries transient
 * EIO / EBUSY a few times (a phone re-enumerating holds its port briefly) before giving up with
 * CABLE_UNPLUGGED; EACCES becomes PERMISSION_DENIED naming the fix.
 *
 * Bytes move in one of two ways, both opened, locked and configured (raw, baud, flow control)
 * through serialport:
 *  - a pseudo-terminal (no baud rate, no modem lines) moves its bytes through node's own tty
 *    stream on a second descriptor of the same pty: one libuv stream handle watches both
 *    directions. The serialport handle stays open only to hold the lock.
 *  - a real port moves its bytes through serialport, with its unix poller corrected: the native
 *    poller restarts its watch with only the direction just asked for, so a read that re-arms
 *    "readable" while a write waits for "writable" cancels the write's wait, and under two-way
 *    load the write never completes (see `keepBothPollDirections`), and its reader taught that a
 *    real tty's zero-byte read is a hang-up (see `endReadsOnHangup`).
 */
import { constants as fsConstants, openSync, read as fsRead, realpathSync, statSync } from 'node:fs';
import { ReadStream as TtyStream } from 'node:tty';
import { SerialPort } from 'serialport';
import type { Clock } from '../../core/clock';
import { KioskError } from '../../core/errors';
import type { Link } from '../../core/link';
import { createObexDmLink, type ObexRole } from '../../core/obex/dm-channel';
import type { ByteStream } from '../../core/obex/byte-stream';
import { nodeByteStream } from '../../transport/node-byte-stream';
import type { DeviceProfile } from '../../transport/profiles';

export interface SerialLinkOptions {
  id?: string;
  /** Overrides the profile's OBEX role for the kiosk. */
  role?: ObexRole;
  /** Overrides the profile's baud rate. */
  baudRate?: number;
  /** Attempts after the first for EIO / EBUSY; default 3. */
  retries?: number;
  /** First backoff, doubled each retry; default 150 ms. */
  backoffMs?: number;
  clock?: Clock;
  /** Longest wait for one answer or one write of the peer; default 60 s (LINK_TIMEOUT after). */
  responseTimeoutMs?: number;
  /**
   * How bytes move once the port is open: 'auto' (default) uses node's tty stream for a
   * pseudo-terminal and serialport for a real port; the others force one way (tests).
   */
  io?: 'auto' | 'tty' | 'serialport';
  /** Largest DM message accepted from the phone (the kiosk's MaxMsgSize); default the codecs' 64 MiB. */
  maxMessageBytes?: number;
}

export const UDEV_RULE_FILE = 'resources/udev/70-fumo-kiosk.rules';

export function permissionFix(path: string): string {
  return (
    `Install the kiosk's udev rule (sudo cp ${UDEV_RULE_FILE} /etc/udev/rules.d/ && sudo udevadm control --reload && sudo udevadm trigger), ` +
    `and for a kiosk account without a desktop seat add it to the fumo-kiosk group (sudo groupadd --system fumo-kiosk; sudo usermod -aG fumo-kiosk $USER, then log in again), then plug ${path} in again. ` +
    `The rule opens the phones' cables only; the dialout group would open every serial device on this computer.`
  );
}

function errorText(e: unknown): string {
  if (e instanceof Error) return `${(e as NodeJS.ErrnoException).code ?? ''} ${e.message}`;
  return String(e);
}

/** Map an open error to a KioskError; `transient` when worth another try. */
export function classifyOpenError(path: string, e: unknown): { error: KioskError; transient: boolean } {
  const text = errorText(e);
  if (/EACCES|EPERM|Permission denied|Operation not permitted/i.test(text)) {
    return { error: new KioskError('PERMISSION_DENIED', { port: path, fix: permissionFix(path) }, { cause: e }), transient: false };
  }
  if (/EBUSY|Resource busy|EIO|Input\/output error|EAGAIN|temporarily unavailable/i.test(text)) {
    return { error: new KioskError('CABLE_UNPLUGGED', { port: path }, { cause: e }), transient: true };
  }
  return { error: new KioskError('CABLE_UNPLUGGED', { port: path }, { cause: e }), transient: false };
}

function delay(ms: number, clock?: Clock): Promise<void> {
  return new Promise((resolve) => (clock ? clock.setTimeout(resolve, ms) : setTimeout(resolve, ms)));
}

/** Linux's Unix98 pseudo-terminal slaves: /dev/pts/N, character majors 136..143. */
export function isPseudoTerminal(path: string): boolean {
  try {
    if (realpathSync(path).startsWith('/dev/pts/')) return true;
    const st = statSync(path);
    if (!st.isCharacterDevice()) return false;
    const major = Number((BigInt(st.rdev) >> 8n) & 0xfffn);
    return major >= 136 && major <= 143;
  } catch {
    return false;
  }
}

/** The part of @serialport/bindings-cpp's unix Poller used here. */
interface UnixPoller {
  poll(flags: number): void;
  listenerCount(event: string): number;
}

const UV_READABLE = 1;
const UV_WRITABLE = 2;

/**
 * serialport's unix poller calls uv_poll_start with only the direction just asked for, which
 * replaces the watch of the other direction: a reader re-arming "readable" while a writer waits
 * for "writable" leaves the writer waiting until data happens to arrive. Ask for every direction
 * someone is waiting on each time. (The Poller registers its listener right after poll().)
 */
export function keepBothPollDirections(poller: UnixPoller): void {
  const poll = poller.poll.bind(poller);
  poller.poll = (flags: number) => {
    let all = flags;
    if (poller.listenerCount('readable') > 0) all |= UV_READABLE;
    if (poller.listenerCount('writable') > 0) all |= UV_WRITABLE;
    poll(all);
  };
}

/** The part of @serialport/bindings-cpp's unix binding the hang-up reader uses. */
interface UnixBinding {
  isOpen: boolean;
  fd: number | null;
  poller?: { once(event: 'readable', cb: (err?: Error | null) => void): unknown };
  read(buffer: Buffer, offset: number, length: number): Promise<{ bytesRead: number; buffer: Buffer }>;
}

type FdRead = (fd: number, buffer: Buffer, offset: number, length: number) => Promise<number>;

const readFd: FdRead = (fd, buffer, offset, length) =>
  new Promise((resolve, reject) => fsRead(fd, buffer, offset, length, null, (err, n) => (err ? reject(err) : resolve(n))));

/** The error a pulled cable gives: serialport's stream closes the port on `disconnect` and says so in 'close'. */
function hangupError(): Error {
  return Object.assign(new Error('the device hung up (zero-byte read: the cable was pulled)'), { code: 'ENXIO', disconnect: true });
}

/**
 * A real tty whose device is unplugged while open (an FTDI cable, a CDC ACM phone) reads 0 bytes
 * on every read, at once and for ever; serialport's reader takes 0 as "try again" and spins a core
 * without ever closing the port. In non-blocking mode a tty with nothing to read answers EAGAIN,
 * so 0 bytes can only mean hang-up: the read ends with a disconnect error instead, serialport's
 * stream then closes the port and emits 'close' with `disconnected`, and the link reports the
 * pulled cable.
 */
export function endReadsOnHangup(binding: UnixBinding, read: FdRead = readFd): void {
  binding.read = async (buffer, offset, length) => {
    for (;;) {
      if (!binding.isOpen || binding.fd === null) throw Object.assign(new Error('Port is not open'), { canceled: true });
      let n: number;
      try {
        n = await read(binding.fd, buffer, offset, length);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR') {
          const poller = binding.poller;
          if (!poller) throw e;
          await new Promise<void>((resolve, reject) => poller.once('readable', (err) => (err ? reject(err) : resolve())));
          continue;
        }
        if (code === 'EBADF' || code === 'ENXIO' || code === 'EIO' || code === 'UNKNOWN') Object.assign(e as object, { disconnect: true });
        throw e;
      }
      if (n === 0) throw hangupError();
      return { bytesRead: n, buffer };
    }
  };
}

function closePort(port: SerialPort): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!port.isOpen) return resolve();
    port.close(() => resolve());
  });
}

/** Bytes of an open pty through node's tty stream on a second descriptor; `port` holds the lock. */
function ptyByteStream(path: string, port: SerialPort): ByteStream {
  const tty = new TtyStream(openSync(path, fsConstants.O_RDWR | fsConstants.O_NOCTTY));
  return nodeByteStream(tty, tty, {
    onClose: async () => {
      if (!tty.destroyed) {
        const closed = new Promise<void>((resolve) => tty.once('close', () => resolve()));
        tty.destroy();
        await closed;
      }
      await closePort(port);
    },
  });
}

function serialportByteStream(port: SerialPort): ByteStream {
  const binding = port.port as unknown as (UnixBinding & { poller?: UnixPoller }) | undefined;
  if (binding?.poller && typeof binding.poller.poll === 'function') {
    keepBothPollDirections(binding.poller);
    endReadsOnHangup(binding);
  }
  return nodeByteStream(port, port, { onClose: () => closePort(port) });
}

/** Open a serial port as a ByteStream (no OBEX), with the retry and error rules above. */
export async function openSerialByteStream(path: string, profile: DeviceProfile, options: SerialLinkOptions = {}): Promise<ByteStream> {
  const baudRate = options.baudRate ?? profile.serial?.baudRate ?? 115200;
  const flow = profile.serial?.flowControl ?? 'none';
  const retries = options.retries ?? 3;
  const io = options.io ?? 'auto';
  let backoff = options.backoffMs ?? 150;
  for (let attempt = 0; ; attempt++) {
    const port = new SerialPort({
      path,
      baudRate,
      rtscts: flow === 'rtscts',
      xon: flow === 'xonxoff',
      xoff: flow === 'xonxoff',
      autoOpen: false,
    });
    try {
      await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
      // A pulled cable surfaces as a read error (EIO) and a 'close' with `disconnected`.
      port.on('error', () => undefined);
      const useTty = io === 'tty' || (io === 'auto' && isPseudoTerminal(path));
      if (!useTty) return serialportByteStream(port);
      try {
        return ptyByteStream(path, port);
      } catch (e) {
        await closePort(port);
        throw e;
      }
    } catch (e) {
      const { error, transient } = classifyOpenError(path, e);
      if (!transient || attempt >= retries) throw error;
      await delay(backoff, options.clock);
      backoff *= 2;
    }
  }
}

/** A DM Link to the phone on `path`: OBEX in the kiosk role the profile names. */
export async function openSerialLink(path: string, profile: DeviceProfile, options: SerialLinkOptions = {}): Promise<Link> {
  const stream = await openSerialByteStream(path, profile, options);
  return createObexDmLink(stream, {
    role: options.role ?? profile.obex?.kioskRole ?? 'client',
    id: options.id ?? `serial:${path}`,
    kind: 'serial',
    maxPacketLength: profile.obex?.maxPacketLength,
    srm: profile.obex?.srm,
    clock: options.clock,
    responseTimeoutMs: options.responseTimeoutMs,
    maxMessageBytes: options.maxMessageBytes,
  });
}
