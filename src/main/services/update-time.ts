/**
 * How long an update takes on a given kind of link, for the consent screen (time is one of the
 * four things the customer agrees to): the download at the link's rate, plus the install and
 * reboot. Before this kiosk has finished an update on a profile, the rate is the profile's line
 * rate (serial: baud / 10 bits per byte, less framing) or a cautious figure for USB and HTTP;
 * after that it is what the kiosk measured on that profile (the median of recent updates).
 * While the install time on a profile is still a guess, the estimate is a range: from the fastest
 * plausible install to the cautious allowance; once one was measured it is a single figure.
 */
import type { JobSnapshot } from '../../core/fumo/ports';
import type { DeviceProfile } from '../../transport/profiles';

/** Share of a serial line's bytes that carry firmware (OBEX and DM framing, turnarounds). */
const SERIAL_PAYLOAD_SHARE = 0.9;
/** Cautious first guesses where no line rate is known (bytes per second). */
const FIRST_GUESS_BPS = { usb: 1_000_000, http: 2_000_000 } as const;
/** Install and reboot before any was measured. */
export const FIRST_GUESS_INSTALL_S = 60;
/** The quickest install and reboot assumed before any was measured (low end of the range). */
export const FASTEST_INSTALL_S = 10;
const KEEP = 5;

export interface UpdateTimeEstimate {
  /** Download, install and reboot, in whole seconds. */
  seconds: number;
  /** Present while the install time is a guess: the quickest the update may take. */
  lowSeconds?: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Milliseconds from entering `state` to entering the next state, summed over the history. */
function timeIn(s: JobSnapshot, state: string): number {
  let total = 0;
  s.history.forEach(([st, at], i) => {
    const next = s.history[i + 1];
    if (st === state && next) total += next[1] - at;
  });
  return total;
}

export class UpdateTimeEstimator {
  private readonly rates = new Map<string, number[]>();
  private readonly installs = new Map<string, number[]>();
  private readonly seen = new Set<string>();

  /** The line's own rate for firmware bytes, before anything was measured. */
  static priorRate(profile: DeviceProfile): number {
    if (profile.linkKind === 'serial' && profile.serial) return (profile.serial.baudRate / 10) * SERIAL_PAYLOAD_SHARE;
    return FIRST_GUESS_BPS[profile.linkKind === 'usb' ? 'usb' : 'http'];
  }

  /** Learn from a job that ended well: its download rate and its install time on this profile. */
  record(profileId: string, s: JobSnapshot): void {
    if (s.state !== 'done' || !s.download || this.seen.has(s.jobId)) return;
    this.seen.add(s.jobId);
    const downloadMs = timeIn(s, 'downloading');
    const sent = s.download.totalBytes;
    if (downloadMs > 0 && sent > 0) push(this.rates, profileId, sent / (downloadMs / 1000));
    const installMs = timeIn(s, 'installing');
    if (installMs > 0) push(this.installs, profileId, installMs / 1000);
  }

  /** Seconds for `bytes` on `profile`: download, install and reboot (the cautious end when unsure). */
  estimate(profile: DeviceProfile, bytes: number): number {
    return this.estimateRange(profile, bytes).seconds;
  }

  /**
   * The estimate with its low end while the install time on `profile` is not yet measured:
   * `lowSeconds` is then the download plus the fastest plausible install; it is absent once
   * this kiosk has measured an install on the profile.
   */
  estimateRange(profile: DeviceProfile, bytes: number): UpdateTimeEstimate {
    const rates = this.rates.get(profile.id);
    const rate = rates?.length ? median(rates) : UpdateTimeEstimator.priorRate(profile);
    const download = bytes / rate;
    const installs = this.installs.get(profile.id);
    if (installs?.length) return { seconds: Math.ceil(download + median(installs)) };
    return { seconds: Math.ceil(download + FIRST_GUESS_INSTALL_S), lowSeconds: Math.ceil(download + FASTEST_INSTALL_S) };
  }
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key) ?? [];
  list.push(value);
  if (list.length > KEEP) list.shift();
  map.set(key, list);
}

/** The estimate as the consent request carries it. */
export function consentEstimate(e: UpdateTimeEstimate): { estimatedSeconds: number; estimatedSecondsLow?: number } {
  return e.lowSeconds === undefined ? { estimatedSeconds: e.seconds } : { estimatedSeconds: e.seconds, estimatedSecondsLow: e.lowSeconds };
}
