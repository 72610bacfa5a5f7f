/**
 * How a job reaches a phone on the DM endpoint (DM over HTTP). Where its device profile names a
 * notification channel, the kiosk sends package 0 there and takes the session the phone opens:
 * OMA push over UDP to the phone's address on the interface it called from, or the phone's own
 * OBEX cable when that is plugged in too. Otherwise (or when the push cannot be sent) the bench card says the kiosk is waiting for
 * the phone to connect, with the profile's instruction for the technician, until the phone calls.
 */
import { RESYNC_NONCE } from '../../core/dm/auth';
import { encodePackage0 } from '../../core/dm/pkg0';
import { encodeWspPush } from '../../core/dm/wsp-push';
import type { RandomSource } from '../../core/clock';
import type { FumoSession } from '../../core/fumo/ports';
import { newSessionId } from '../../core/session/admission';
import { sendUdpPush } from '../links/udp-push';
import type { DeviceEntry, DeviceRegistry } from './device-registry';
import type { HttpSessionWaiters } from './http-session-waiters';

export interface HttpPhoneCallerOptions {
  registry: DeviceRegistry;
  waiters: HttpSessionWaiters;
  random: RandomSource;
  serverId: string;
  package0Password(devId: string): Promise<string>;
  /** Default: a UDP datagram (tests may watch it). */
  send?: (host: string, port: number, pdu: Uint8Array) => Promise<void>;
  log(line: string): void;
}

export class HttpPhoneCaller {
  private readonly addresses = new Map<string, string>();

  constructor(private readonly o: HttpPhoneCallerOptions) {}

  /** A session of this phone came in from this address. */
  seen(devId: string, address: string | undefined): void {
    if (address) this.addresses.set(devId, address);
  }

  /** The next session the phone opens: asked for by push where it can be, waited for otherwise. */
  async next(entry: DeviceEntry, devId: string, timeoutMs: number): Promise<FumoSession> {
    const wait = this.o.waiters.next(devId, timeoutMs);
    // Awaited below; this only keeps a timeout during the push from counting as unhandled.
    wait.catch(() => undefined);
    if (await this.push(entry, devId)) return wait;
    this.o.registry.update(entry, { waitingForConnect: { instruction: entry.profile.connectInstruction ?? null } });
    try {
      return await wait;
    } finally {
      this.o.registry.update(entry, { waitingForConnect: null });
    }
  }

  private async push(entry: DeviceEntry, devId: string): Promise<boolean> {
    const channel = entry.profile.notification;
    if (!channel) return false;
    if (channel.channel === 'cable') return this.overCable(entry, devId);
    const host = this.addresses.get(devId);
    if (!host) return false;
    try {
      await (this.o.send ?? sendUdpPush)(host, channel.port, encodeWspPush(await this.package0(devId)));
      this.o.log(`${entry.d.portId}: package 0 pushed to ${host}:${channel.port}`);
      return true;
    } catch (e) {
      this.o.log(`${entry.d.portId}: the push to ${host}:${channel.port} could not be sent (${e instanceof Error ? e.message : String(e)})`);
      return false;
    }
  }

  /** Package 0 on the OBEX cable of the same phone (found by its DevId), when one is plugged in. */
  private async overCable(entry: DeviceEntry, devId: string): Promise<boolean> {
    const cable = this.o.registry.cableOf(devId);
    if (!cable) {
      this.o.log(`${entry.d.portId}: no cable of ${devId} is plugged in to send package 0 on`);
      return false;
    }
    try {
      await this.o.registry.sendPackage0(cable, await this.package0(devId));
      this.o.log(`${entry.d.portId}: package 0 sent over ${cable.d.portId}`);
      return true;
    } catch (e) {
      this.o.log(`${entry.d.portId}: package 0 could not be sent over ${cable.d.portId} (${e instanceof Error ? e.message : String(e)})`);
      return false;
    }
  }

  private async package0(devId: string): Promise<Uint8Array> {
    return encodePackage0(
      { uiMode: 'background', initiator: 'server', sessionId: newSessionId(this.o.random), serverId: this.o.serverId },
      { password: await this.o.package0Password(devId), nonce: RESYNC_NONCE },
    );
  }
}
