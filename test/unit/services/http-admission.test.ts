/**
 * HttpAdmission: a session on the DM endpoint goes to the job waiting for its phone; a phone not
 * let in is ended; a phone that only polls is let go; any other is put on the bench and routed.
 */
import { describe, expect, it } from 'vitest';
import type { FumoSession } from '../../../src/core/fumo/ports';
import type { SessionRouting } from '../../../src/core/fumo/runner';
import type { DmSession } from '../../../src/core/session/api';
import type { DiscoveredDevice } from '../../../src/main/links/scanner';
import type { DeviceEntry } from '../../../src/main/services/device-registry';
import { HttpAdmission, HTTP_PROFILE_ID } from '../../../src/main/services/http-admission';

const DEV = 'IMEI:352099000000022';

function setup(o: { waiting?: boolean; admits?: boolean; known?: { fwVersion: string | null }; awaited?: boolean; simulated?: boolean; routing?: SessionRouting } = {}) {
  let ended = 0;
  const alerts: Array<{ type: string }> = [];
  const dm = { hello: { devId: DEV, genericAlerts: alerts, initiator: 'client' }, genericAlerts: [], end: async () => void ended++ } as unknown as DmSession;
  const attached: DiscoveredDevice[] = [];
  const routed: Array<{ entry: DeviceEntry; session: FumoSession }> = [];
  const offered: FumoSession[] = [];
  const seen: DiscoveredDevice[] = [];
  const knownEntry = o.known ? ({ attached: true, view: { fwVersion: o.known.fwVersion }, d: { portId: `http:${DEV}` } } as unknown as DeviceEntry) : undefined;
  const admission = new HttpAdmission({
    waiters: { offer: () => o.waiting === true },
    trust: {
      admits: (d) => {
        seen.push(d);
        return o.admits !== false;
      },
    },
    accounts: { isSimulated: () => o.simulated === true },
    registry: {
      get: (portId) => (portId === `http:${DEV}` ? knownEntry : undefined),
      attach: async (d) => {
        attached.push(d);
        return { attached: true, d, view: { fwVersion: null } } as unknown as DeviceEntry;
      },
      profileFor: (d) => ({ id: d.profileId }) as never,
    },
    endpointUrl: () => 'http://127.0.0.1:4000/dm',
    awaited: () => o.awaited === true,
    offerToRunner: (s) => {
      offered.push(s);
      return o.routing ?? 'unclaimed';
    },
    route: (entry, session) => routed.push({ entry, session }),
    log: () => undefined,
  });
  return { admission, dm, alerts, attached, routed, offered, seen, ended: () => ended };
}

describe('HttpAdmission', () => {
  it('a job waiting for the phone takes its session and nothing else happens', async () => {
    const t = setup({ waiting: true });
    await t.admission.admit(t.dm);
    expect(t.seen).toEqual([]);
    expect(t.routed).toEqual([]);
    expect(t.ended()).toBe(0);
  });

  it('a phone the trust policy refuses is ended, never attached', async () => {
    const t = setup({ admits: false, simulated: true });
    await t.admission.admit(t.dm);
    expect(t.seen[0]).toMatchObject({ portId: `http:${DEV}`, linkKind: 'http', simulated: true, profileId: HTTP_PROFILE_ID });
    expect(t.attached).toEqual([]);
    expect(t.ended()).toBe(1);
  });

  it('a new phone is attached with the HTTP profile and routed', async () => {
    const t = setup();
    await t.admission.admit(t.dm);
    expect(t.attached).toHaveLength(1);
    expect(t.attached[0]).toMatchObject({ path: 'http://127.0.0.1:4000/dm', devIdHint: DEV });
    expect(t.attached[0]?.simulated).toBeUndefined();
    expect(t.routed).toHaveLength(1);
    await expect(t.routed[0]?.entry.identified).resolves.toBeUndefined();
  });

  it('a phone that only polls is offered to the runner and, unclaimed, let go', async () => {
    const t = setup({ known: { fwVersion: '1.0' } });
    await t.admission.admit(t.dm);
    expect(t.offered).toHaveLength(1);
    expect(t.routed).toEqual([]);
    expect(t.ended()).toBe(1);
  });

  it('a polling phone the runner holds for its job is not ended', async () => {
    const t = setup({ known: { fwVersion: '1.0' }, routing: 'held-for-running-job' });
    await t.admission.admit(t.dm);
    expect(t.offered).toHaveLength(1);
    expect(t.ended()).toBe(0);
  });

  it('a known phone that asks for an update, or that a job awaits, or not yet identified, is routed', async () => {
    const asking = setup({ known: { fwVersion: '1.0' } });
    asking.alerts.push({ type: 'org.openmobilealliance.dm.firmwareupdate.userrequest' });
    await asking.admission.admit(asking.dm);
    const awaited = setup({ known: { fwVersion: '1.0' }, awaited: true });
    await awaited.admission.admit(awaited.dm);
    const unidentified = setup({ known: { fwVersion: null } });
    await unidentified.admission.admit(unidentified.dm);
    for (const t of [asking, awaited, unidentified]) {
      expect(t.routed).toHaveLength(1);
      expect(t.attached).toEqual([]);
      expect(t.offered).toEqual([]);
    }
  });
});
