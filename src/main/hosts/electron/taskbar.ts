/**
 * Overall progress of the running downloads for the taskbar / dock: a fraction 0..1, or -1 when
 * nothing is downloading (which removes the bar). Pure, so it is unit tested without Electron.
 */
import type { JobView, KioskEventMessage } from '../../../shared/api';

const RUNNING: ReadonlySet<JobView['phase']> = new Set(['downloading', 'installing', 'verifying']);

export class TaskbarProgress {
  private readonly jobs = new Map<string, { sent: number; total: number; running: boolean }>();

  /** Feed an event; returns the new value when it changed the picture, otherwise undefined. */
  apply(message: KioskEventMessage): number | undefined {
    if (message.event === 'job:updated') {
      const j = message.payload;
      this.jobs.set(j.jobId, { sent: j.bytesSent, total: j.bytesTotal, running: RUNNING.has(j.phase) });
      return this.value();
    }
    if (message.event === 'job:progress') {
      const j = this.jobs.get(message.payload.jobId);
      if (!j) return undefined;
      j.sent = message.payload.bytesSent;
      j.total = message.payload.bytesTotal;
      return this.value();
    }
    return undefined;
  }

  value(): number {
    let sent = 0;
    let total = 0;
    for (const j of this.jobs.values()) {
      if (!j.running || j.total <= 0) continue;
      sent += Math.min(j.sent, j.total);
      total += j.total;
    }
    return total > 0 ? sent / total : -1;
  }
}
