/**
 * The reference phone's OMA push receiver for DM over HTTP: a UDP socket (WAP connectionless push,
 * port 2948 on a real phone) that takes WSP Push PDUs carrying a DM notification and hands the
 * package 0 inside to the phone. Anything else is logged and dropped; nothing is answered.
 */
import { createSocket, type Socket } from 'node:dgram';
import { decodeWspPush, isDmNotificationPush } from '../../core/dm/wsp-push';

export interface PushListener {
  port: number;
  close(): Promise<void>;
}

export function listenForPush(o: { host: string; port: number; onPackage0(body: Uint8Array): void; log?: (line: string) => void }): Promise<PushListener> {
  return new Promise((resolve, reject) => {
    const socket: Socket = createSocket('udp4');
    socket.on('message', (msg) => {
      try {
        const push = decodeWspPush(new Uint8Array(msg));
        if (isDmNotificationPush(push)) o.onPackage0(push.body);
        else o.log?.(`push: not a DM notification (content type ${String(push.contentType)}), dropped`);
      } catch (e) {
        o.log?.(`push: ${e instanceof Error ? e.message : String(e)}, dropped`);
      }
    });
    socket.once('error', reject);
    socket.bind(o.port, o.host, () => {
      socket.off('error', reject);
      socket.on('error', (e) => o.log?.(`push: ${e.message}`));
      resolve({ port: socket.address().port, close: () => new Promise<void>((r) => socket.close(() => r())) });
    });
  });
}
