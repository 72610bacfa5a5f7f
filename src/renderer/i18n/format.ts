/**
 * Formatting for people: speeds, durations, percentages, sizes, dates and masked device ids.
 * Pure functions over Intl with the chosen language, so they are unit tested without a browser.
 * MB = 10^6 bytes throughout.
 */

export const MB = 1_000_000;

/** Placeholder shown where a figure is not known yet; same width class as a short figure. */
export const UNKNOWN = '–';

function nf(lng: string, fraction: number): Intl.NumberFormat {
  return new Intl.NumberFormat(lng, { minimumFractionDigits: fraction, maximumFractionDigits: fraction });
}

export const KB = 1_000;

/**
 * Speed for people: MB/s with one decimal from 1 MB/s ("12.3 MB/s", "12,3 MB/s" in German), kB/s
 * below ("11.5 kB/s", "640 kB/s"), so a serial link does not read "0.01 MB/s". kB = 10^3 bytes,
 * MB = 10^6. Unknown or negative -> "–".
 */
export function formatSpeed(bytesPerSecond: number | null | undefined, lng: string): string {
  if (bytesPerSecond === null || bytesPerSecond === undefined || !Number.isFinite(bytesPerSecond) || bytesPerSecond < 0) {
    return UNKNOWN;
  }
  const kbps = bytesPerSecond / KB;
  // Decide the unit on the rounded figure, so 999,960 B/s reads "1.0 MB/s", not "1,000 kB/s".
  if (Math.round(kbps) >= 1000) return `${nf(lng, 1).format(bytesPerSecond / MB)} MB/s`;
  return `${nf(lng, kbps < 99.95 ? 1 : 0).format(kbps)} kB/s`;
}

/**
 * Time left in words for customers: under a minute "less than a minute" (as the caller words
 * it), else whole minutes rounded up, else hours and minutes. Returns null under a minute.
 */
export function timeLeftWords(seconds: number, lng: string): string | null {
  if (!Number.isFinite(seconds) || seconds < 60) return null;
  return formatDurationWords(seconds, lng);
}

/** Size in MB with one decimal below 100 MB, none above ("48.2 MB", "1,234 MB"). */
export function formatMegabytes(bytes: number | null | undefined, lng: string): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return UNKNOWN;
  const mb = bytes / MB;
  return `${nf(lng, mb < 100 ? 1 : 0).format(mb)} MB`;
}

/**
 * Whole percent done, rounded down so 100 % appears only when every byte is there; clamped 0..100.
 * Returns the number; `formatPercent` renders it in the language.
 */
export function percentDone(done: number, total: number): number {
  if (!Number.isFinite(done) || !Number.isFinite(total) || total <= 0) return 0;
  const p = Math.floor((done / total) * 100);
  return Math.min(100, Math.max(0, p));
}

export function formatPercent(percent: number, lng: string): string {
  return new Intl.NumberFormat(lng, { style: 'percent', maximumFractionDigits: 0 }).format(percent / 100);
}

/** Seconds remaining = remaining bytes / speed; undefined when speed is not known. */
export function etaSeconds(remainingBytes: number, bytesPerSecond: number | null | undefined): number | undefined {
  if (!bytesPerSecond || bytesPerSecond <= 0 || !Number.isFinite(bytesPerSecond) || remainingBytes < 0) return undefined;
  return Math.ceil(remainingBytes / bytesPerSecond);
}

/**
 * ETA as a clock for the bench: "0:45", "4:05", "1:02:03". Fixed shape so it does not jump.
 * Unknown -> "–".
 */
export function formatEtaClock(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return UNKNOWN;
  const s = Math.ceil(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(sec).padStart(2, '0')}`;
}

function unit(lng: string, u: 'second' | 'minute' | 'hour', value: number): string {
  return new Intl.NumberFormat(lng, { style: 'unit', unit: u, unitDisplay: 'long' }).format(value);
}

/**
 * A duration in words for customers, rounded up generously: under a minute -> "1 minute";
 * under an hour -> whole minutes; otherwise hours and minutes ("1 hour 5 minutes" in the language).
 */
export function formatDurationWords(seconds: number, lng: string): string {
  const s = Math.max(0, Math.ceil(seconds));
  const minutes = Math.max(1, Math.ceil(s / 60));
  if (minutes < 60) return unit(lng, 'minute', minutes);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (m === 0) return unit(lng, 'hour', h);
  return `${unit(lng, 'hour', h)} ${unit(lng, 'minute', m)}`;
}

/**
 * The low end of a duration range in words: under a minute it is seconds rounded up to ten
 * ("20 seconds"), so a quick update is not shown as "1 minute"; otherwise as formatDurationWords.
 */
export function formatLowDurationWords(seconds: number, lng: string): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return unit(lng, 'second', Math.max(10, Math.ceil(s / 10) * 10));
  return formatDurationWords(s, lng);
}

/**
 * Estimated seconds for an update of `sizeBytes` over a link measured at `bytesPerSecond`, plus a
 * fixed allowance for the phone to install and restart. Undefined when the speed is not known.
 */
export function estimateUpdateSeconds(
  sizeBytes: number,
  bytesPerSecond: number | null | undefined,
  installAllowanceSeconds = 120,
): number | undefined {
  const transfer = etaSeconds(sizeBytes, bytesPerSecond);
  return transfer === undefined ? undefined : transfer + installAllowanceSeconds;
}

/**
 * Masks a DM DevId for display. IMEI (and MEID/ESN) show only the last 4 digits:
 * "IMEI:356938035643809" -> "IMEI ••••3809". Other ids keep their last 4 characters. The number
 * of bullets is fixed, so the mask does not reveal the id's length.
 */
export function maskDevId(devId: string | null | undefined): string {
  if (!devId) return UNKNOWN;
  const m = /^([A-Za-z]+):(.*)$/.exec(devId.trim());
  const prefix = m ? m[1]!.toUpperCase() : '';
  const body = (m ? m[2]! : devId.trim()).replace(/\s+/g, '');
  const last4 = body.slice(-4);
  const masked = `••••${last4}`;
  return prefix ? `${prefix} ${masked}` : masked;
}

/** Last four characters of a DevId, for spoken labels ("IMEI ending in 3809"). */
export function devIdTail(devId: string | null | undefined): string {
  if (!devId) return '';
  const body = devId.includes(':') ? devId.slice(devId.indexOf(':') + 1) : devId;
  return body.replace(/\s+/g, '').slice(-4);
}

export function formatDateTime(value: string | number | Date, lng: string): string {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return UNKNOWN;
  return new Intl.DateTimeFormat(lng, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

export function formatDate(value: string | number | Date, lng: string): string {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return UNKNOWN;
  return new Intl.DateTimeFormat(lng, { dateStyle: 'long' }).format(d);
}

export function formatInteger(n: number, lng: string): string {
  return new Intl.NumberFormat(lng, { maximumFractionDigits: 0 }).format(n);
}
