/**
 * What the bench's card says about a phone after a quick look (model, version, battery, the
 * update that applies and what stands in its way), from the same capability reads and the same
 * pre-flight verdict the update job uses, so the card never offers what the job then refuses.
 */
import type { CatalogMatch, DeviceFacts, DeviceNodeMap, FumoSession } from '../../core/fumo/ports';
import { readDeviceFacts } from '../../core/fumo/capabilities';
import { preflight } from '../../core/fumo/preflight';
import { describeError, type ErrorCode, type ErrorDetails } from '../../shared/errors';
import type { DeviceState, DeviceView, Problem } from '../../shared/schemas';

export interface BenchLookOptions {
  nodes: DeviceNodeMap;
  match(facts: DeviceFacts): Promise<CatalogMatch>;
  batteryThresholdPercent: number;
  /** The catalogue holds no bundle at all (the card says so instead of "no update for this model"). */
  catalogueEmpty: boolean;
}

export function problemOf(code: ErrorCode, details: ErrorDetails, blocking = true, overridable?: boolean): Problem {
  const required = details['required'];
  const measured = details['measured'];
  return {
    code,
    message: describeError(code, details),
    required: required ?? null,
    measured: measured ?? null,
    blocking,
    ...(overridable !== undefined ? { overridable } : {}),
  };
}

/** The card's fields from one look at the phone in a session nobody is prompted in. */
export async function lookAtPhone(session: FumoSession, o: BenchLookOptions): Promise<Partial<DeviceView>> {
  return cardFromFacts(await readBenchFacts(session, o.nodes), o);
}

/** The facts the bench reads (it trusts the profile's FUMO location; the job checks it before it writes there). */
export function readBenchFacts(session: FumoSession, nodes: DeviceNodeMap): Promise<DeviceFacts> {
  return readDeviceFacts(session, nodes, { locateFumo: false });
}

/**
 * The card's fields from facts already read: what the catalogue offers the phone and what stands
 * in its way. Run again without a session when the catalogue or the battery threshold changes.
 */
export async function cardFromFacts(facts: DeviceFacts, o: Omit<BenchLookOptions, 'nodes'>): Promise<Partial<DeviceView>> {
  const problems: Problem[] = [];
  let state: DeviceState = 'no-update';
  let targetVersion: string | null = null;
  let bundleId: string | null = null;
  const match = await o.match(facts);
  if (match.kind === 'up-to-date') state = 'up-to-date';
  else if (match.kind === 'offer') {
    state = 'update-available';
    targetVersion = match.offer.targetVersion;
    bundleId = match.offer.bundleId;
    for (const p of preflight({ facts, offer: match.offer, batteryThresholdPercent: o.batteryThresholdPercent })) {
      problems.push(problemOf(p.code, p.details, p.blocking, p.overridable));
      if (p.blocking && !p.overridable) state = 'blocked';
    }
  } else if (o.catalogueEmpty) {
    problems.push(problemOf('CATALOG_EMPTY', {}, true));
  } else if (match.refusal.code !== 'MODEL_MISMATCH' && match.refusal.code !== 'VERSION_MISMATCH') {
    problems.push(problemOf(match.refusal.code, match.refusal.details));
  }
  const battery = facts.batteryPercent;
  return {
    fwVersion: facts.fwVersion,
    model: facts.model || null,
    battery: battery !== undefined ? Math.max(0, Math.min(100, battery)) : null,
    externalPower: facts.externalPower ?? null,
    targetVersion,
    bundleId,
    problems,
    state,
  };
}
