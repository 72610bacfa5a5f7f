/**
 * The reference phone's cable when the phone speaks DM over HTTP as well: the phone end of a pty
 * pair (OBEX server, as on a serial cable) that only hears package 0. Each package 0 is handed
 * to the phone, which then calls the kiosk over HTTP as its DM account says; any other message
 * on this cable is logged and dropped.
 */
import { PACKAGE0_CONTENT_TYPE } from '../../core/dm/pkg0';
import { createObexDmLink } from '../../core/obex/dm-channel';
import { createPtyPair, type PtyPair } from './pty';
import { openPtyByteStream } from '../transports';

export interface NotificationCable {
  /** The host end the kiosk opens. */
  path: string;
  close(): Promise<void>;
}

export async function openNotificationCable(o: { devId: string; onPackage0(body: Uint8Array): void; log?: (line: string) => void; createPty?: () => Promise<PtyPair> }): Promise<NotificationCable> {
  const pty = await (o.createPty ?? createPtyPair)();
  const link = createObexDmLink(openPtyByteStream(pty.devicePath), { role: 'server', kind: 'serial', id: `sim-cable-${o.devId}` });
  let closed = false;
  const loop = (async () => {
    while (!closed) {
      let m;
      try {
        m = await link.receive();
      } catch (e) {
        if (!closed) o.log?.(`${o.devId}: notification cable ended: ${e instanceof Error ? e.message : String(e)}`);
        return;
      }
      if (m.contentType.split(';')[0]?.trim().toLowerCase() === PACKAGE0_CONTENT_TYPE) o.onPackage0(m.body);
      else o.log?.(`${o.devId}: a ${m.contentType} message on the notification cable, dropped`);
    }
  })();
  return {
    path: pty.hostPath,
    close: async () => {
      closed = true;
      await link.close().catch(() => undefined);
      await loop;
      await pty.close();
    },
  };
}
