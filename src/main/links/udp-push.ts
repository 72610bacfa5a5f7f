/**
 * Sends one OMA push datagram (a WSP Push PDU, see core/dm/wsp-push) to a phone's address on
 * the interface its DM session came from. UDP gives no answer: the phone's session on the DM
 * endpoint is what tells the kiosk it was heard.
 */
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { KioskError } from '../../core/errors';

export function sendUdpPush(host: string, port: number, pdu: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    const done = (e?: Error | null): void => {
      socket.close();
      if (e) reject(new KioskError('CABLE_UNPLUGGED', { detail: `push to ${host}:${port}: ${e.message}` }, { cause: e }));
      else resolve();
    };
    socket.once('error', done);
    socket.send(pdu, port, host, done);
  });
}
