/**
 * The reference phone (the project's simulator) on the host, behind the chardev of a QEMU USB
 * serial device: the phone connects to the chardev's unix socket, and QEMU attaches the USB device
 * to the guest while that connection is up. A cable pulled (`unplug`) drops the phone's end too,
 * as a real phone sees its USB cable go; `plug` lets it connect again.
 */
import { connect, type Socket } from 'node:net';
import { createObexDmLink } from '../../../src/core/obex/dm-channel';
import type { DeviceConnection, LinkFactory, SimulatedDevice } from '../../../src/simulator/device';
import { startSimulation, type SimulationHandle } from '../../../src/simulator/simulation';
import { nodeByteStream } from '../../../src/transport/node-byte-stream';

export interface CablePhone {
  simulation: SimulationHandle;
  device: SimulatedDevice;
  /** Drop the phone's end of the cable (the rig deletes the USB device first). */
  unplug(): Promise<void>;
  /** Let the phone connect again; resolves once it has. */
  plug(): Promise<void>;
  stop(): Promise<void>;
}

function connectSocket(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

export interface CablePhoneOptions {
  stateDir: string;
  fwVersion?: string;
  /** The MaxMsgSize the phone states (default: its profile's): it bounds each download chunk the kiosk sends. */
  maxMsgSize?: number;
  log?: (line: string) => void;
}

export async function startCablePhone(socketPath: string, options: CablePhoneOptions): Promise<CablePhone> {
  let plugged = true;
  let stopped = false;
  let socket: Socket | undefined;
  let onPlugged: (() => void) | undefined;
  let onConnected: (() => void) | undefined;
  const factory: LinkFactory = async (device) => {
    while (!plugged && !stopped) await new Promise<void>((r) => (onPlugged = r));
    if (stopped) throw new Error('the phone is switched off');
    // QEMU listens from its start; the socket may not be there the first moment.
    let s: Socket | undefined;
    for (let attempt = 0; !s; attempt++) {
      try {
        s = await connectSocket(socketPath);
      } catch (e) {
        if (attempt > 200) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    socket = s;
    const stream = nodeByteStream(s, s, { onClose: () => void s.destroy() });
    const link = createObexDmLink(stream, { role: device.profile.obexRole, kind: 'serial', id: `hil-${device.devId}-${device.boots}` });
    options.log?.(`phone ${device.devId}: on the cable ${socketPath}`);
    onConnected?.();
    const conn: DeviceConnection = {
      link,
      address: socketPath,
      acceptsNotifications: true,
      dispose: async () => {
        await link.close().catch(() => undefined);
        s.destroy();
      },
    };
    return conn;
  };
  // A phone fresh from the factory for this kiosk: no DM account yet, so the kiosk provisions one
  // over the cable (bootstrap) before it may manage the phone, as for a customer's phone.
  const simulation = await startSimulation({
    devices: [{ serverAccount: null, profile: { cableBootstrap: 'allow', ...(options.maxMsgSize ? { maxMsgSize: options.maxMsgSize } : {}) }, ...(options.fwVersion ? { fwVersion: options.fwVersion } : {}) }],
    link: 'serial',
    stateDir: options.stateDir,
    linkFactory: () => factory,
    ...(options.log ? { log: options.log } : {}),
  });
  const device = simulation.devices[0]!.device;
  for (const ev of ['notification', 'rebooting', 'rebooted', 'install-failed', 'disconnected'] as const) {
    device.on(ev, (payload: unknown) => options.log?.(`phone ${ev} ${JSON.stringify(payload ?? null)}`));
  }
  return {
    simulation,
    device,
    async unplug() {
      plugged = false;
      socket?.destroy();
    },
    async plug() {
      const connected = new Promise<void>((r) => (onConnected = r));
      plugged = true;
      onPlugged?.();
      await connected;
    },
    async stop() {
      // A phone waiting to be plugged in again is switched off instead.
      stopped = true;
      onPlugged?.();
      await simulation.stop();
    },
  };
}
