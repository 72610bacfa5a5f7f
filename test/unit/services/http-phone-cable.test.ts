/**
 * A job for a phone on the DM endpoint whose profile names its OBEX cable as the notification
 * channel: package 0 goes on the attached cable of that DevId and the bench does not show the
 * wait; with no such cable (or a failed send) the card shows "waiting for the phone to connect"
 * with the profile's instruction until the phone calls.
 */
import { describe, expect, it } from 'vitest';
import { decodePackage0 } from '../../../src/core/dm/pkg0';
import type { FumoSession } from '../../../src/core/fumo/ports';
import { KioskError } from '../../../src/core/errors';
import type { DeviceEntry, DeviceRegistry } from '../../../src/main/services/device-registry';
import { HttpPhoneCaller } from '../../../src/main/services/http-phone-wait';
import { HttpSessionWaiters } from '../../../src/main/services/http-session-waiters';
import { deviceProfileSchema, loadProfiles, profileById } from '../../../src/transport/profiles';
import { FakeClock, counterRandom } from '../../support/clock';

const DEV = 'IMEI:356938035643858';

function setup(cable: DeviceEntry | undefined, sendFails = false) {
  const clock = new FakeClock();
  const waiters = new HttpSessionWaiters(clock);
  const base = profileById('reference-http', loadProfiles())!;
  const entry = { d: { portId: `http:${DEV}` }, profile: { ...base, notification: { channel: 'cable' } } } as unknown as DeviceEntry;
  const cards: Array<Record<string, unknown>> = [];
  const sent: Array<{ to: DeviceEntry; body: Uint8Array }> = [];
  const registry = {
    cableOf: (devId: string) => (devId === DEV ? cable : undefined),
    sendPackage0: (to: DeviceEntry, body: Uint8Array) => {
      if (sendFails) return Promise.reject(new KioskError('CABLE_UNPLUGGED'));
      sent.push({ to, body });
      return Promise.resolve();
    },
    update: (_e: DeviceEntry, patch: Record<string, unknown>) => void cards.push(patch),
  } as unknown as DeviceRegistry;
  const log: string[] = [];
  const caller = new HttpPhoneCaller({ registry, waiters, random: counterRandom(), serverId: 'fumo-kiosk', package0Password: () => Promise.resolve('server-secret'), log: (l) => log.push(l) });
  const session = { hello: { devId: DEV } } as unknown as FumoSession;
  return { caller, waiters, entry, cards, sent, log, session, base };
}

describe('package 0 over the cable of a phone on the DM endpoint', () => {
  it('a device profile may name the cable as the notification channel; an unknown channel is refused', () => {
    const base = profileById('reference-http', loadProfiles())!;
    expect(deviceProfileSchema.parse({ ...base, notification: { channel: 'cable' } }).notification).toEqual({ channel: 'cable' });
    expect(deviceProfileSchema.parse({ ...base, notification: { channel: 'udp-push' } }).notification).toEqual({ channel: 'udp-push', port: 2948 });
    expect(deviceProfileSchema.safeParse({ ...base, notification: { channel: 'carrier-pigeon' } }).success).toBe(false);
  });

  it('goes on the attached cable of the same DevId; no waiting card', async () => {
    const cable = { d: { portId: 'serial:/dev/ttyACM0' } } as unknown as DeviceEntry;
    const s = setup(cable);
    const next = s.caller.next(s.entry, DEV, 60_000);
    await expect.poll(() => s.sent.length).toBe(1);
    expect(s.sent[0]!.to).toBe(cable);
    const pkg0 = decodePackage0(s.sent[0]!.body);
    expect([pkg0.serverId, pkg0.initiator]).toEqual(['fumo-kiosk', 'server']);
    expect(s.waiters.offer(DEV, s.session)).toBe(true);
    expect(await next).toBe(s.session);
    expect(s.cards).toEqual([]);
    expect(s.log).toContain(`http:${DEV}: package 0 sent over serial:/dev/ttyACM0`);
  });

  for (const [what, cable, fails] of [
    ['no cable of that DevId is plugged in', undefined, false],
    ['the send on the cable fails', { d: { portId: 'serial:/dev/ttyACM0' } } as unknown as DeviceEntry, true],
  ] as const) {
    it(`${what}: the card waits for the phone to connect, with the instruction, until it calls`, async () => {
      const s = setup(cable, fails);
      const next = s.caller.next(s.entry, DEV, 60_000);
      await expect.poll(() => s.cards.length).toBe(1);
      expect(s.cards[0]).toEqual({ waitingForConnect: { instruction: s.base.connectInstruction ?? null } });
      expect(s.waiters.offer(DEV, s.session)).toBe(true);
      expect(await next).toBe(s.session);
      expect(s.cards[1]).toEqual({ waitingForConnect: null });
    });
  }
});
