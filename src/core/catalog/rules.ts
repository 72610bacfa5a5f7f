/**
 * Whether a bundle may be installed on a device: compatibility, anti-rollback, approval and
 * pre-flight checks. Each refusal is a KioskError with a stable code and the required and
 * measured values, so people see exactly what blocks the update.
 */
import { KioskError } from '../errors';
import type { BundleManifest } from './bundle';

export type RefusalCode =
  | 'MODEL_MISMATCH'
  | 'VERSION_MISMATCH'
  | 'BATTERY_LOW'
  | 'NO_SPACE'
  | 'NOT_APPROVED'
  | 'DOWNGRADE_REFUSED'
  | 'SIGNATURE_INVALID'
  | 'BUNDLE_INVALID'
  | 'UP_TO_DATE';

/** A reason an update cannot go ahead, with what was required and what was measured. */
export class Refusal extends KioskError {
  declare readonly code: RefusalCode;
  readonly required: string;
  readonly measured: string;

  constructor(code: RefusalCode, required: string, measured: string, detail?: string) {
    super(code, { required, measured, ...(detail !== undefined ? { detail } : {}) });
    this.name = 'Refusal';
    this.required = required;
    this.measured = measured;
  }
}

export function isRefusal(e: unknown): e is Refusal {
  return e instanceof Refusal;
}

// ---------------------------------------------------------------------------------------------
// Versions

type VersionToken = { n: bigint } | { s: string };

function tokens(v: string): VersionToken[] {
  const out: VersionToken[] = [];
  for (const m of v.trim().matchAll(/\d+|[A-Za-z]+/g)) {
    const t = m[0];
    out.push(/^\d/.test(t) ? { n: BigInt(t) } : { s: t.toLowerCase() });
  }
  return out;
}

/** True for plain dotted numeric versions such as "1", "1.2", "10.0.3". */
export function isDottedNumeric(v: string): boolean {
  return /^\d+(\.\d+)*$/.test(v.trim());
}

/**
 * Compare two firmware versions: -1 when a < b, 0 when equal, 1 when a > b.
 *
 * Dotted numeric versions compare field by field as numbers, missing fields count as 0
 * ("1.2" == "1.2.0" < "1.10"). Vendor strings ("V1.2b3", "FW_2024.01-r7") fall back to a token
 * comparison: the string is split into runs of digits and runs of letters (everything else is a
 * separator); digit runs compare as numbers, letter runs case-insensitively; at a position
 * where one side has a number and the other letters, the number is greater ("1.0.1" > "1.0rc").
 * When one token list is a prefix of the other, a
 * trailing number makes it greater and trailing letters make it smaller ("1.0-beta" < "1.0").
 * Strings equal ignoring case and separators compare as equal.
 */
export function compareVersions(a: string, b: string): -1 | 0 | 1 {
  if (isDottedNumeric(a) && isDottedNumeric(b)) {
    const pa = a.trim().split('.').map(BigInt);
    const pb = b.trim().split('.').map(BigInt);
    const n = Math.max(pa.length, pb.length);
    for (let i = 0; i < n; i++) {
      const x = pa[i] ?? 0n;
      const y = pb[i] ?? 0n;
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  }
  const ta = tokens(a);
  const tb = tokens(b);
  const n = Math.min(ta.length, tb.length);
  for (let i = 0; i < n; i++) {
    const x = ta[i]!;
    const y = tb[i]!;
    if ('n' in x && 'n' in y) {
      if (x.n !== y.n) return x.n < y.n ? -1 : 1;
    } else if ('s' in x && 's' in y) {
      if (x.s !== y.s) return x.s < y.s ? -1 : 1;
    } else {
      return 'n' in x ? 1 : -1;
    }
  }
  if (ta.length === tb.length) return 0;
  const longer = ta.length > tb.length ? ta : tb;
  const next = longer[n]!;
  const longerIsA = longer === ta;
  const longerWins = 'n' in next;
  return longerIsA === longerWins ? 1 : -1;
}

/** Does `version` match a fromVersions entry: "*" (any), "1.0.*" (prefix), or exact (case-insensitive, numerically equal). */
export function versionMatches(pattern: string, version: string): boolean {
  const p = pattern.trim();
  if (p === '*') return true;
  if (p.endsWith('*')) {
    const prefix = p.slice(0, -1);
    return version.trim().toLowerCase().startsWith(prefix.toLowerCase());
  }
  if (p.toLowerCase() === version.trim().toLowerCase()) return true;
  return isDottedNumeric(p) && isDottedNumeric(version) && compareVersions(p, version) === 0;
}

function sameModel(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// Checks

export interface DeviceFacts {
  /** DevInfo Mod */
  model: string;
  /** DevDetail FwV */
  firmwareVersion: string;
  /** Battery charge in percent, when the device reports it. */
  batteryPercent?: number;
  /** True when the device reports it runs on external power (charger or powered cable). */
  externalPower?: boolean;
  /** Free space in bytes where the update is stored, when the device reports it. */
  freeBytes?: number;
}

export interface RuleOptions {
  /** An administrator allowed installing an older version. */
  allowDowngrade?: boolean;
  /** Minimum battery in percent (default 30). */
  batteryThreshold?: number;
  /** Ignore a low battery when the device runs on external power (technician override). */
  allowLowBatteryOnExternalPower?: boolean;
  /** Extra free space needed beyond the package, in bytes (default 0). */
  spaceMarginBytes?: number;
}

export const DEFAULT_BATTERY_THRESHOLD = 30;

export function checkCompatibility(manifest: BundleManifest, device: Pick<DeviceFacts, 'model' | 'firmwareVersion'>): Refusal | undefined {
  if (!manifest.models.some((m) => sameModel(m, device.model))) {
    return new Refusal('MODEL_MISMATCH', manifest.models.join(', '), device.model);
  }
  if (!manifest.fromVersions.some((p) => versionMatches(p, device.firmwareVersion))) {
    // Already on the target: say "up to date", not "wrong version".
    if (versionMatches(manifest.targetVersion, device.firmwareVersion)) {
      return new Refusal('UP_TO_DATE', manifest.targetVersion, device.firmwareVersion);
    }
    return new Refusal('VERSION_MISMATCH', manifest.fromVersions.join(', '), device.firmwareVersion);
  }
  return undefined;
}

/** Refuse re-installing the current version, and installing an older one unless an admin allowed it. */
export function checkRollback(manifest: BundleManifest, currentVersion: string, options: Pick<RuleOptions, 'allowDowngrade'> = {}): Refusal | undefined {
  const c = compareVersions(manifest.targetVersion, currentVersion);
  if (c === 0) return new Refusal('UP_TO_DATE', manifest.targetVersion, currentVersion);
  if (c < 0 && !options.allowDowngrade) return new Refusal('DOWNGRADE_REFUSED', currentVersion, manifest.targetVersion);
  return undefined;
}

/**
 * A bundle that moves a device backwards: its target is older than one of its exact
 * fromVersions. Patterns ("*", "1.*") say nothing here and are skipped.
 */
export function downgradeFrom(manifest: BundleManifest): string | undefined {
  return manifest.fromVersions.find((v) => !v.includes('*') && compareVersions(manifest.targetVersion, v) < 0);
}

export function checkApproval(manifest: BundleManifest): Refusal | undefined {
  const a = manifest.approval;
  if (!a || !a.regulator.trim() || !a.reference.trim() || !a.date.trim()) {
    return new Refusal('NOT_APPROVED', 'a regulator approval (regulator, reference, date)', 'none');
  }
  return undefined;
}

const MB = 1_000_000;

function mb(bytes: number): string {
  return (Math.ceil((bytes / MB) * 10) / 10).toFixed(1);
}

/** Battery and free space, checked only where the device reports them. */
export function checkPreflight(manifest: BundleManifest, device: DeviceFacts, options: RuleOptions = {}): Refusal[] {
  const out: Refusal[] = [];
  const threshold = options.batteryThreshold ?? DEFAULT_BATTERY_THRESHOLD;
  if (device.batteryPercent !== undefined && device.batteryPercent < threshold) {
    const overridden = options.allowLowBatteryOnExternalPower === true && device.externalPower === true;
    if (!overridden) out.push(new Refusal('BATTERY_LOW', String(threshold), String(device.batteryPercent)));
  }
  if (device.freeBytes !== undefined) {
    const need = manifest.size + (options.spaceMarginBytes ?? 0);
    if (device.freeBytes < need) {
      // Round "needed" up and "free" down so the message never shows free >= needed.
      const freeMb = (Math.floor((device.freeBytes / MB) * 10) / 10).toFixed(1);
      out.push(new Refusal('NO_SPACE', mb(need), freeMb, `${need} bytes needed, ${device.freeBytes} bytes free`));
    }
  }
  return out;
}

/** Every check in order: compatibility, rollback, approval, pre-flight. Empty when the update may go ahead. */
export function evaluateUpdate(manifest: BundleManifest, device: DeviceFacts, options: RuleOptions = {}): Refusal[] {
  const out: Refusal[] = [];
  const compat = checkCompatibility(manifest, device);
  if (compat) out.push(compat);
  if (compat?.code !== 'MODEL_MISMATCH' && compat?.code !== 'UP_TO_DATE') {
    const rollback = checkRollback(manifest, device.firmwareVersion, options);
    if (rollback) out.push(rollback);
  }
  const approval = checkApproval(manifest);
  if (approval) out.push(approval);
  out.push(...checkPreflight(manifest, device, options));
  return out;
}

/**
 * Pick the best bundle for a device among candidates: compatible, approved and newer than the
 * device's version (downgrades are never picked automatically); the highest target wins, then
 * the newest createdAt.
 */
export function pickBundle<T extends { manifest: BundleManifest }>(
  candidates: readonly T[],
  device: Pick<DeviceFacts, 'model' | 'firmwareVersion'>,
): T | undefined {
  let best: T | undefined;
  for (const c of candidates) {
    if (checkCompatibility(c.manifest, device)) continue;
    if (checkApproval(c.manifest)) continue;
    if (compareVersions(c.manifest.targetVersion, device.firmwareVersion) <= 0) continue;
    if (!best) {
      best = c;
      continue;
    }
    const byTarget = compareVersions(c.manifest.targetVersion, best.manifest.targetVersion);
    if (byTarget > 0 || (byTarget === 0 && Date.parse(c.manifest.createdAt) > Date.parse(best.manifest.createdAt))) best = c;
  }
  return best;
}
