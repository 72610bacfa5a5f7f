/**
 * OBEX over a serial port (a USB serial adapter, a CDC ACM phone port, or a pty for simulated
 * phones). Baud rate and flow control come from the device profile. Opening retries transient
 * EIO / EBUSY a few times (a phone re-enumerating holds its port briefly) before giving up with
 * CABLE_UNPLUGGED; EACCES becomes PERMISSION_DENIED naming the fix.
 */
import { SerialPort } from 'serialport';
import type { Clock } from '../../core/clock';
import { KioskError } from '../../core/errors';
import type { Link } from '../../core/link';
import { ObexDmLink, type ObexRole } from '../../core/obex/dm-channel';
import type { ByteStream } from '../../core/obex/byte-stream';
import { nodeByteStream } from './node-byte-stream';
import type { DeviceProfile } from './profiles';

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
  responseTimeoutMs?: number;
}

export const UDEV_RULE_FILE = 'resources/udev/70-fumo-kiosk.rules';

export function permissionFix(path: string): string {
  return (
    `Install the kiosk's udev rule (sudo cp ${UDEV_RULE_FILE} /etc/udev/rules.d/ && sudo udevadm control --reload && sudo udevadm trigger), ` +
    `or add the kiosk user to the dialout group (sudo usermod -aG dialout $USER, then log in again), then plug ${path} in again.`
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

/** Open a serial port as a ByteStream (no OBEX), with the retry and error rules above. */
export async function openSerialByteStream(path: string, profile: DeviceProfile, options: SerialLinkOptions = {}): Promise<ByteStream> {
  const baudRate = options.baudRate ?? profile.serial?.baudRate ?? 115200;
  const flow = profile.serial?.flowControl ?? 'none';
  const retries = options.retries ?? 3;
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
      return nodeByteStream(port, port, {
        onClose: () =>
          new Promise<void>((resolve) => {
            if (!port.isOpen) return resolve();
            port.close(() => resolve());
          }),
      });
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
  return new ObexDmLink(stream, {
    role: options.role ?? profile.obex?.kioskRole ?? 'client',
    id: options.id ?? `serial:${path}`,
    kind: 'serial',
    maxPacketLength: profile.obex?.maxPacketLength,
    srm: profile.obex?.srm,
    clock: options.clock,
    responseTimeoutMs: options.responseTimeoutMs,
  });
}
