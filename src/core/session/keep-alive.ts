/**
 * Keeping a DM session alive while the kiosk waits (for a result alert, for a consent).
 *
 * A DM server may not send an empty package without ending the session, and over HTTP the
 * device's last POST stays unanswered until the server sends something. So while it waits the
 * kiosk sends, every `intervalMs`, one package with a harmless Get of a node every DM client has
 * (./DevInfo/DevId); the device answers, and anything it has to report rides along in that
 * answer. Each pause ends at once when the wait is over.
 */
import type { Clock } from '../clock';

/** The node read to keep a session alive: one every DM client has (DM standard objects, DevInfo). */
export const KEEP_ALIVE_URI = './DevInfo/DevId';

export interface KeepAliveOptions {
  clock: Clock;
  /** Pause between keep-alive packages. */
  intervalMs: number;
  /** One harmless exchange with the device (a package with one Get). */
  ping: () => Promise<unknown>;
}

export interface KeepAliveWait extends KeepAliveOptions {
  /** The wait is over as soon as this holds (checked before each pause and after each ping). */
  done: () => boolean;
  /** Settles when `done` may have become true: a pause under way ends at once. */
  wake?: Promise<unknown>;
  /** Clock time at which the wait gives up; without one it lasts until `done`. */
  deadline?: number;
}

/** Ping every `intervalMs` until `done()` holds ('done') or the deadline passes ('timeout'). A ping's failure rejects. */
export async function keepAlive(o: KeepAliveWait): Promise<'done' | 'timeout'> {
  for (;;) {
    if (o.done()) return 'done';
    const left = o.deadline === undefined ? o.intervalMs : o.deadline - o.clock.now();
    if (left <= 0) return 'timeout';
    await pause(o.clock, Math.min(left, o.intervalMs), o.wake);
    if (o.done()) return 'done';
    await o.ping();
  }
}

/**
 * Keep the session alive until `work` settles, then settle as it did. When a ping fails (the
 * link broke), pinging stops and `work` is still awaited: its answer is not lost, and the
 * session's next command reports the broken link.
 */
export async function keepAliveWhile<T>(work: Promise<T>, o: KeepAliveOptions): Promise<T> {
  let settled = false;
  const watched = work.then(
    () => (settled = true),
    () => (settled = true),
  );
  try {
    await keepAlive({ ...o, done: () => settled, wake: watched });
  } catch {
    // The link is gone: nothing more to keep alive. The work's outcome still counts.
  }
  return work;
}

function pause(clock: Clock, ms: number, wake: Promise<unknown> | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = clock.setTimeout(resolve, ms);
    const stop = (): void => {
      clock.clearTimeout(timer);
      resolve();
    };
    void wake?.then(stop, stop);
  });
}
