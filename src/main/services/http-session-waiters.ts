/**
 * Jobs waiting for a phone that speaks DM over HTTP: such a phone cannot be called, so a job waits
 * for the next session it opens on the DM endpoint (its polling interval), at most a timeout.
 */
import type { Clock } from '../../core/clock';
import { KioskError } from '../../core/errors';
import type { FumoSession } from '../../core/fumo/ports';

export class HttpSessionWaiters {
  private readonly waiters = new Map<string, (s: FumoSession) => void>();

  constructor(private readonly clock: Clock) {}

  /** The next session the phone `devId` opens; rejects with LINK_TIMEOUT after `timeoutMs`. */
  next(devId: string, timeoutMs: number): Promise<FumoSession> {
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        if (this.waiters.get(devId) === take) this.waiters.delete(devId);
        reject(new KioskError('LINK_TIMEOUT', { detail: `${devId} did not call the kiosk` }));
      }, timeoutMs);
      const take = (s: FumoSession): void => {
        this.clock.clearTimeout(timer);
        resolve(s);
      };
      this.waiters.set(devId, take);
    });
  }

  /** Hands a new session to the job waiting for its phone; false when none waits. */
  offer(devId: string, session: FumoSession): boolean {
    const waiting = this.waiters.get(devId);
    if (!waiting) return false;
    this.waiters.delete(devId);
    waiting(session);
    return true;
  }
}
