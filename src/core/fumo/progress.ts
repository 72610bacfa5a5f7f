/**
 * Transfer speed as a sliding average over the last few seconds, and the ETA it implies.
 * MB = 10^6 bytes. Time comes from the injected clock so tests drive it.
 */
import type { Clock } from '../clock';

export const BYTES_PER_MB = 1_000_000;
export const DEFAULT_WINDOW_MS = 5_000;

export interface ProgressReading {
  bytes: number;
  totalBytes: number;
  /** Bytes per second over the window; 0 until two samples span some time. */
  speedBps: number;
  /** remaining / speed, in seconds; undefined while the speed is 0. */
  etaSeconds?: number;
}

export class ProgressMeter {
  private readonly samples: Array<{ t: number; bytes: number }> = [];

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    readonly totalBytes: number,
    private readonly windowMs: number = DEFAULT_WINDOW_MS,
  ) {}

  /** Record the running byte count (monotonic within one transfer). */
  update(bytes: number): ProgressReading {
    const t = this.clock.now();
    this.samples.push({ t, bytes });
    // Keep one sample at or before the window start so the window is always fully covered.
    while (this.samples.length > 2 && (this.samples[1]?.t ?? t) <= t - this.windowMs) this.samples.shift();
    return this.reading();
  }

  /** Start a new transfer leg (e.g. after a resume) from `bytes` without counting the jump as speed. */
  restartAt(bytes: number): void {
    this.samples.length = 0;
    this.samples.push({ t: this.clock.now(), bytes });
  }

  reading(): ProgressReading {
    const last = this.samples[this.samples.length - 1];
    const first = this.samples[0];
    const bytes = last?.bytes ?? 0;
    let speedBps = 0;
    if (first && last && last.t > first.t) {
      const span = Math.min(last.t - first.t, Math.max(this.windowMs, 1));
      const startT = last.t - span;
      // Interpolate the byte count at the window start when the first sample lies before it.
      let startBytes = first.bytes;
      if (first.t < startT) {
        const second = this.samples[1] ?? last;
        const frac = second.t > first.t ? (startT - first.t) / (second.t - first.t) : 1;
        startBytes = first.bytes + (second.bytes - first.bytes) * frac;
      }
      speedBps = ((bytes - startBytes) * 1000) / span;
    }
    const remaining = Math.max(0, this.totalBytes - bytes);
    return {
      bytes,
      totalBytes: this.totalBytes,
      speedBps,
      etaSeconds: speedBps > 0 ? remaining / speedBps : remaining === 0 ? 0 : undefined,
    };
  }
}

/** A chunk carries at most what the link moved in this long, so progress moves about once a second. */
export const CHUNK_SECONDS = 0.9;
/** The first chunk of a transfer leg, before its speed is known. */
export const FIRST_CHUNK_BYTES = 4096;
export const MIN_CHUNK_BYTES = 1024;

/**
 * Object bytes for the next chunk of a download at the measured speed: each acknowledged chunk
 * is a progress step, so a slow line gets small chunks (115 200 baud: about 10 kB) and a fast
 * one is limited only by the phone's MaxMsgSize.
 */
export function chunkBytesForSpeed(speedBps: number): number {
  if (!(speedBps > 0)) return FIRST_CHUNK_BYTES;
  return Math.max(MIN_CHUNK_BYTES, Math.floor(speedBps * CHUNK_SECONDS));
}

/** "12.3 MB" with MB = 10^6 bytes. */
export function formatMB(bytes: number, digits = 1): string {
  return `${(bytes / BYTES_PER_MB).toFixed(digits)} MB`;
}

/** "0.09 MB/s" */
export function formatSpeed(bps: number): string {
  const mbps = bps / BYTES_PER_MB;
  return `${mbps >= 10 ? mbps.toFixed(1) : mbps.toFixed(2)} MB/s`;
}

/** "1:05" or "1:02:03"; "--:--" when unknown. */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(sec).padStart(2, '0')}`;
}
