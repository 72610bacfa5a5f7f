/**
 * The store seen through the FUMO job's ports (src/core/fumo/ports.ts): catalogue matching and
 * payload reading, the job journal and the audit history. The service wires these into FumoPorts.
 */
import { createBundleVerifier } from '../../core/catalog/bundle';
import { matchCatalog } from '../../core/catalog/match';
import { isTerminal, JOB_STATES, outcomeOfState } from '../../core/fumo/ports';
import type {
  AuditBegin,
  AuditCompletion,
  AuditPort,
  CatalogPort,
  JobSnapshot,
  JobState,
  JournalPort,
  PayloadVerifier,
} from '../../core/fumo/ports';
import type { AttemptResult, AuditConsent } from './audit';
import type { KioskStore } from './index';
import type { JsonObject } from './journal';

export function storeCatalogPort(store: KioskStore): CatalogPort {
  return {
    match: async (facts, bundleId) => matchCatalog(store.catalog.list(), facts, bundleId),
    openPayload: (bundleId) => store.catalog.openPayload(bundleId),
    createVerifier(bundleId: string): PayloadVerifier {
      // The sent bytes are the bundle file: check its structure, hash and signature as they go.
      const v = createBundleVerifier({ resolveKey: (keyId) => store.trust.publicKeyFor(keyId) });
      const entry = store.catalog.get(bundleId);
      return {
        update: (chunk) => v.update(chunk),
        get failed() {
          return v.failed;
        },
        finish() {
          const verdict = v.finish();
          if (!verdict.ok) return verdict.error.message;
          if (entry && verdict.manifest.sha256 !== entry.sha256) return `the bytes sent are not bundle ${bundleId}`;
          return undefined;
        },
      };
    },
  };
}

const KNOWN_STATES: ReadonlySet<string> = new Set<string>(JOB_STATES);

/** Why a journal row's snapshot cannot be resumed, or undefined when it has the shape of one. */
export function snapshotProblem(jobId: string, v: unknown): string | undefined {
  if (v === undefined) return 'its saved state has no job snapshot';
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'its job snapshot is not an object';
  const s = v as Record<string, unknown>;
  if (s.jobId !== jobId) return 'its job snapshot names another job';
  if (typeof s.state !== 'string' || !KNOWN_STATES.has(s.state)) return 'its job snapshot has no known state';
  if (!Array.isArray(s.history)) return 'its job snapshot has no state history';
  if (typeof s.createdAt !== 'number' || typeof s.updatedAt !== 'number') return 'its job snapshot has no times';
  if (s.download !== undefined && (s.download === null || typeof s.download !== 'object' || typeof (s.download as Record<string, unknown>).acknowledgedBytes !== 'number')) {
    return 'its download checkpoint is not readable';
  }
  return undefined;
}

export function storeJournalPort(store: KioskStore): JournalPort {
  return {
    async record(snapshot: JobSnapshot): Promise<void> {
      const data = { snapshot: snapshot as unknown as JsonObject };
      const final = isTerminal(snapshot.state);
      const existing = store.journal.getJob(snapshot.jobId);
      if (!existing) {
        store.journal.createJob({
          jobId: snapshot.jobId,
          devId: snapshot.devId ?? '',
          bundleId: snapshot.offer?.bundleId ?? snapshot.requestedBundleId ?? null,
          portId: snapshot.portId ?? null,
          state: snapshot.state,
          data,
        });
        if (final) store.journal.recordTransition(snapshot.jobId, snapshot.state, {}, { final: true });
      } else {
        store.journal.recordTransition(snapshot.jobId, snapshot.state, data, { final });
      }
      const acked = snapshot.download?.acknowledgedBytes;
      if (acked !== undefined) store.journal.checkpoint(snapshot.jobId, { ackedBytes: acked });
    },
    async unfinished(): Promise<JobSnapshot[]> {
      const out: JobSnapshot[] = [];
      for (const j of store.journal.listUnfinished()) {
        const problem = snapshotProblem(j.jobId, j.data.snapshot);
        if (problem) {
          // A damaged row must not stop the kiosk: set it aside, listed as needing attention.
          store.journal.setAside(j.jobId, problem);
          store.audit.recordEvent('journal-set-aside', { jobId: j.jobId, problem });
          continue;
        }
        const s = j.data.snapshot as unknown as JobSnapshot;
        if (!isTerminal(s.state)) out.push(s);
      }
      return out;
    },
  };
}

/** A job completed in a state without an outcome of its own (interrupted on the way) failed. */
function resultOf(state: JobState): AttemptResult {
  return outcomeOfState(state) ?? 'failed';
}

export interface AuditPortOptions {
  /** Port and link kind of a job, when the service knows them. */
  describeJob?(jobId: string): { portId?: string; linkKind?: string; slot?: string | null; portLabel?: string | null };
  /** Consent text version recorded when the job reports none. */
  consentTextVersion?(): string;
}

export function storeAuditPort(store: KioskStore, options: AuditPortOptions = {}): AuditPort {
  return {
    async begin(b: AuditBegin): Promise<string> {
      const where = options.describeJob?.(b.jobId) ?? {};
      const consent: AuditConsent = {
        mode: 'customer',
        customer: null,
        customerAt: null,
        device: null,
        deviceAt: null,
        schedule: null,
        language: null,
        textVersion: options.consentTextVersion?.() ?? null,
        privacyVersion: null,
        warrantyVersion: null,
      };
      const r = store.audit.begin({
        jobId: b.jobId,
        portId: where.portId ?? '',
        slot: where.slot ?? null,
        portLabel: where.portLabel ?? null,
        devId: b.devId,
        manufacturer: b.manufacturer,
        model: b.model,
        fromVersion: b.fromVersion,
        targetVersion: b.toVersion ?? null,
        bundleId: b.bundleId ?? null,
        bundleSha256: b.bundleSha256 ?? null,
        technician: b.technician ?? null,
        linkKind: where.linkKind ?? 'unknown',
        consent,
        startedAt: b.startedAt,
      });
      return r.id;
    },
    async complete(auditId: string, c: AuditCompletion): Promise<void> {
      const consent: Partial<AuditConsent> = {};
      if (c.customerConsent) {
        consent.mode = c.customerConsent.by;
        consent.customer = c.customerConsent.accepted ? 'approved' : 'declined';
        consent.customerAt = c.customerConsent.answeredAt;
        consent.textVersion = c.customerConsent.textVersion;
        consent.schedule = c.customerConsent.schedule;
        consent.language = c.customerConsent.language ?? null;
        consent.privacyVersion = c.customerConsent.privacyVersion ?? null;
        consent.warrantyVersion = c.customerConsent.warrantyVersion ?? null;
      }
      if (c.deviceConsent) {
        const a = c.deviceConsent.answer;
        consent.device = a === 'yes' ? 'approved' : a === 'no' ? 'declined' : a;
        consent.deviceAt = c.deviceConsent.answeredAt;
      }
      store.audit.complete(auditId, {
        result: resultOf(c.state),
        outcomeCode: c.outcomeCode,
        outcomeText: c.outcome,
        fumoResultCode: c.fumoResultCode ?? null,
        finalVersion: c.finalVersion ?? null,
        phases: c.phaseTimings,
        ...(c.bytesSent !== undefined ? { bytesSent: c.bytesSent } : {}),
        consent,
        finishedAt: c.finishedAt,
      });
    },
  };
}

/** The three store-backed ports of FumoPorts. */
export function createStorePorts(store: KioskStore, options: AuditPortOptions = {}): { catalog: CatalogPort; journal: JournalPort; audit: AuditPort } {
  return { catalog: storeCatalogPort(store), journal: storeJournalPort(store), audit: storeAuditPort(store, options) };
}
