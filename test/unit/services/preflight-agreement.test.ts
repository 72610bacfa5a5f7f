/**
 * The bench's card and the update job decide pre-flight with one module (core/fumo/preflight):
 * whatever the phone reports, the card offers Start exactly when the job then goes ahead, and
 * the operator's override on external power reaches the job through the API.
 */
import { describe, expect, it } from 'vitest';
import { FumoJob } from '../../../src/core/fumo/job';
import { StartJobParamsSchema } from '../../../src/shared/schemas';
import { lookAtPhone } from '../../../src/main/services/bench-card';
import { PROFILE_NODES, harness, type Harness } from '../fumo/fakes';
import type { JobSnapshot } from '../../../src/core/fumo/ports';
import { createKioskApi, type KioskApiParts } from '../../../src/main/services/kiosk-api';
import { JobViews } from '../../../src/main/services/job-views';
import { FakeClock } from '../../support/clock';

const THRESHOLD = 30;

/** A phone whose external-power node reads `power` as the phone writes it. */
function phone(battery: number, power: string): Harness {
  const h = harness({ battery });
  const value = h.phone.value.bind(h.phone);
  h.phone.value = (uri) => (uri === PROFILE_NODES.externalPowerUri ? power : value(uri));
  h.ports.settings = { batteryThresholdPercent: THRESHOLD };
  return h;
}

async function benchSays(h: Harness) {
  const session = h.phone.session();
  return lookAtPhone(session, {
    nodes: PROFILE_NODES,
    match: (facts) => h.catalog.match(facts),
    batteryThresholdPercent: THRESHOLD,
    catalogueEmpty: false,
  });
}

async function jobEnds(h: Harness, allowBatteryOverride: boolean) {
  const job = new FumoJob(h.ports, { jobId: 'job-1', trigger: 'technician', nodes: PROFILE_NODES, allowBatteryOverride });
  return job.run(h.phone.session());
}

const cases: Array<[label: string, battery: number, power: string]> = [
  ['charged', 80, 'false'],
  ['low, on battery', 12, 'false'],
  ['low, power node says "charging"', 12, 'charging'],
  ['low, power node says "external"', 12, 'external'],
  ['low, power node says "AC"', 12, 'AC'],
  ['low, power unknown', 12, 'maybe'],
];

describe('bench and job agree on pre-flight', () => {
  it.each(cases)('%s', async (_label, battery, power) => {
    const card = await benchSays(phone(battery, power));
    const blocking = (card.problems ?? []).filter((p) => p.blocking);
    const overridable = blocking.length > 0 && blocking.every((p) => p.overridable === true);

    const plain = await jobEnds(phone(battery, power), false);
    // Start without override: offered exactly when the job then runs to the end.
    expect(blocking.length === 0).toBe(plain.state === 'done');
    if (plain.state !== 'done') expect(blocking.map((p) => p.code)).toContain(plain.error?.code);

    const overridden = await jobEnds(phone(battery, power), true);
    // "Start on external power": offered exactly when the override lets the job through.
    expect(blocking.length === 0 || overridable).toBe(overridden.state === 'done');
  });

  it('the override is part of the API: jobs.start takes allowBatteryOverride', () => {
    const parsed = StartJobParamsSchema.safeParse({ portId: 'sim:1', schedule: 'now', consentMode: 'customer', allowBatteryOverride: true });
    expect(parsed.success).toBe(true);
    expect(parsed.success && parsed.data.allowBatteryOverride).toBe(true);
  });
});

describe('the override through the API', () => {
  it('jobs.start hands allowBatteryOverride and the technician to the service, which starts the job with it', async () => {
    const started: Array<Parameters<KioskApiParts['startUpdate']>[0]> = [];
    const views = new JobViews();
    const snapshot = { jobId: 'j1', portId: 'sim:1', state: 'discovered', parked: false, createdAt: 0, updatedAt: 0 } as unknown as JobSnapshot;
    const parts = {
      clock: new FakeClock(),
      sessionIdleMs: () => 60_000,
      emit: () => undefined,
      checkPin: async () => ({ ok: true as const, name: 'tom', role: 'technician' as const }),
      people: { holds: () => true },
      runner: { get: (jobId: string) => (jobId === 'j1' ? snapshot : undefined) },
      views,
      startUpdate: async (p: Parameters<KioskApiParts['startUpdate']>[0]) => {
        started.push(p);
        return 'j1';
      },
    } as unknown as KioskApiParts;
    const api = createKioskApi(parts, 'bench');
    expect((await api.auth.login({ pin: '4711' })).ok).toBe(true);
    const r = await api.jobs.start({ portId: 'sim:1', schedule: 'now', consentMode: 'operator', allowBatteryOverride: true });
    expect(r.ok).toBe(true);
    expect(started).toEqual([{ portId: 'sim:1', schedule: 'now', consentMode: 'operator', allowBatteryOverride: true, technician: 'tom' }]);
  });
});
