/**
 * Store records as the shared contract's views (src/shared/schemas.ts), for the KioskApi service.
 */
import { maskDevId } from '../../shared/api';
import { ERROR_MESSAGES, type ErrorCode } from '../../shared/errors';
import type { ApiError, BundleView, HistoryRecord, TrustedKey } from '../../shared/schemas';
import type { AuditRecord } from '../store/audit';
import type { CatalogEntry } from '../store/catalog';
import type { TrustedKeyEntry } from '../store/trust';

function isErrorCode(code: string): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_MESSAGES, code);
}

/** A catalogue entry as shown: entries are only stored after their signature and approval verified. */
export function toBundleView(entry: CatalogEntry): BundleView {
  const m = entry.manifest;
  return {
    bundleId: entry.id,
    manufacturer: m.manufacturer,
    models: [...m.models],
    fromVersions: m.fromVersions.includes('*') ? [] : [...m.fromVersions],
    targetVersion: m.targetVersion,
    sizeBytes: entry.fileSize,
    sha256: m.sha256,
    signedBy: entry.keyId,
    releaseNotes: { ...m.releaseNotes },
    importedAt: entry.importedAt,
    verdicts: {
      signature: { status: 'pass', code: null, message: `Signed by trusted key ${entry.keyId}.` },
      approval: m.approval
        ? { status: 'pass', code: null, message: `Approved by ${m.approval.regulator}, ${m.approval.reference} (${m.approval.date}).` }
        : { status: 'fail', code: 'NOT_APPROVED', message: ERROR_MESSAGES.NOT_APPROVED },
      compatibility: entry.downgradeAllowed
        ? { status: 'warning', code: 'DOWNGRADE_REFUSED', message: `Installs ${m.targetVersion}, older than a version it applies to (allowed by ${entry.importedBy}).` }
        : { status: 'pass', code: null, message: `For ${m.models.join(', ')} from ${m.fromVersions.join(', ')}.` },
    },
  };
}

export function toTrustedKey(entry: TrustedKeyEntry): TrustedKey {
  return { keyId: entry.keyId, name: entry.name, algorithm: 'ed25519', fingerprint: entry.fingerprint, publicKey: entry.publicKey, addedAt: entry.addedAt };
}

function apiError(r: AuditRecord): ApiError | null {
  if (r.error) {
    const code = isErrorCode(r.error.code) ? r.error.code : 'INTERNAL';
    return { code, message: r.error.message, ...(r.error.details ? { details: r.error.details } : {}) };
  }
  if (r.outcomeCode && r.outcomeCode !== 'OK' && isErrorCode(r.outcomeCode) && r.result !== 'success' && r.result !== 'up-to-date') {
    return { code: r.outcomeCode, message: r.outcomeText ?? ERROR_MESSAGES[r.outcomeCode] };
  }
  return null;
}

/** A history record as shown to people: the device id is masked but for its last 4 characters. */
export function toHistoryRecord(r: AuditRecord): HistoryRecord {
  const device = r.consent.device === 'approved' || r.consent.device === 'declined' ? r.consent.device : null;
  return {
    id: r.id,
    jobId: r.jobId,
    portId: r.portId,
    slot: r.slot ?? null,
    portLabel: r.portLabel ?? null,
    devId: maskDevId(r.devId),
    model: r.model,
    bundleId: r.bundleId,
    fromVersion: r.fromVersion,
    targetVersion: r.targetVersion,
    finalVersion: r.finalVersion,
    result: r.result,
    error: apiError(r),
    consent: {
      mode: r.consent.mode,
      customer: r.consent.customer,
      device,
      schedule: r.consent.schedule,
      language: r.consent.language,
      privacyVersion: r.consent.privacyVersion,
      warrantyVersion: r.consent.warrantyVersion,
      answeredAt: r.consent.customerAt,
    },
    technician: r.technician,
    bytesSent: r.bytesSent,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
  };
}
