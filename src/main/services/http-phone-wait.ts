/**
 * A job's wait for a phone the kiosk cannot call (DM over HTTP, no notification channel): while
 * it lasts, the bench card says the kiosk is waiting for the phone to connect, with the device
 * profile's instruction for the technician; the card is cleared as soon as the wait ends.
 */
import type { FumoSession } from '../../core/fumo/ports';
import type { DeviceEntry, DeviceRegistry } from './device-registry';
import type { HttpSessionWaiters } from './http-session-waiters';

export async function waitForHttpPhone(registry: DeviceRegistry, waiters: HttpSessionWaiters, entry: DeviceEntry, devId: string, timeoutMs: number): Promise<FumoSession> {
  const wait = waiters.next(devId, timeoutMs);
  registry.update(entry, { waitingForConnect: { instruction: entry.profile.connectInstruction ?? null } });
  try {
    return await wait;
  } finally {
    registry.update(entry, { waitingForConnect: null });
  }
}
