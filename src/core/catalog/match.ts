/**
 * Which bundle of the catalogue a device gets: the highest approved compatible upgrade,
 * "up to date" when it already runs the newest version the catalogue has for its model, or the
 * reason it gets none. Pure: the store hands in its entries.
 */
import type { BundleManifest } from './bundle';
import { checkApproval, checkCompatibility, checkRollback, compareVersions, pickBundle, versionMatches } from './rules';
import type { CatalogMatch, DeviceFacts, UpdateOffer } from '../fumo/ports';
import type { ErrorCode, ErrorDetails } from '../../shared/errors';

/** What matching needs of a catalogue entry. */
export interface MatchableBundle {
  id: string;
  manifest: BundleManifest;
  /** Size of the whole bundle file in bytes (what is sent to the device as PkgData). */
  fileSize: number;
  /** An administrator imported it knowing it installs an older version. */
  downgradeAllowed: boolean;
}

export function offerOf(entry: MatchableBundle): UpdateOffer {
  const m = entry.manifest;
  return {
    bundleId: entry.id,
    manufacturer: m.manufacturer,
    models: [...m.models],
    fromVersions: [...m.fromVersions],
    targetVersion: m.targetVersion,
    // The whole bundle file is sent as PkgData; the device verifies hash and signature itself.
    sizeBytes: entry.fileSize,
    sha256: m.sha256,
    severity: m.severity,
    releaseNotes: { ...m.releaseNotes },
    ...(m.approval ? { approvalRef: `${m.approval.regulator} ${m.approval.reference}` } : {}),
  };
}

export function refused(e: { code: ErrorCode; details: ErrorDetails }): CatalogMatch {
  return { kind: 'refused', refusal: { code: e.code, details: e.details } };
}

export function sameModel(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * Find the update for a device: the highest approved compatible upgrade; 'up-to-date' when the
 * device already runs the newest version the catalogue has for its model; otherwise the reason.
 * With a bundle id, that bundle is checked against the device (compatibility, rollback, approval).
 */
export function matchCatalog(entries: readonly MatchableBundle[], facts: Pick<DeviceFacts, 'model' | 'fwVersion'>, bundleId?: string, allowDowngrade = false): CatalogMatch {
  const device = { model: facts.model, firmwareVersion: facts.fwVersion };
  if (bundleId !== undefined) {
    const entry = entries.find((e) => e.id === bundleId);
    if (!entry) return refused({ code: 'BUNDLE_NOT_FOUND', details: { detail: bundleId } });
    const compat = checkCompatibility(entry.manifest, device);
    if (compat?.code === 'UP_TO_DATE') return { kind: 'up-to-date' };
    const problem = compat ?? checkRollback(entry.manifest, facts.fwVersion, { allowDowngrade: allowDowngrade || entry.downgradeAllowed }) ?? checkApproval(entry.manifest);
    if (problem?.code === 'UP_TO_DATE') return { kind: 'up-to-date' };
    return problem ? refused(problem) : { kind: 'offer', offer: offerOf(entry) };
  }
  const best = pickBundle(entries, device);
  if (best) return { kind: 'offer', offer: offerOf(best) };
  const forModel = entries.filter((e) => e.manifest.models.some((m) => sameModel(m, facts.model)));
  if (forModel.length === 0) return refused({ code: 'MODEL_MISMATCH', details: { required: 'a model in the catalogue', measured: facts.model } });
  const applicable = forModel.filter((e) => e.manifest.fromVersions.some((p) => versionMatches(p, facts.fwVersion)) && compareVersions(e.manifest.targetVersion, facts.fwVersion) > 0);
  if (applicable.length > 0) return refused(checkApproval(applicable[0]!.manifest)!);
  const newest = forModel.reduce((a, b) => (compareVersions(b.manifest.targetVersion, a.manifest.targetVersion) > 0 ? b : a));
  if (compareVersions(facts.fwVersion, newest.manifest.targetVersion) >= 0) return { kind: 'up-to-date' };
  const froms = [...new Set(forModel.flatMap((e) => e.manifest.fromVersions))];
  return refused({ code: 'VERSION_MISMATCH', details: { required: froms.join(', '), measured: facts.fwVersion } });
}

