import { beforeEach, describe, expect, it } from 'vitest';
import { fail, ok, type KioskEventMessage, type Result, type Snapshot } from '../../../src/shared/api';
import { DEFAULT_SETTINGS, type JobView } from '../../../src/shared/schemas';
import { reduceEvent, reduceSnapshot } from '../../../src/renderer/store/reducers';
import { initialData } from '../../../src/renderer/store/state';
import { resetKioskStore, useKioskStore } from '../../../src/renderer/store';
import { connectStore } from '../../../src/renderer/store/sync';
import {
  selectDeviceList,
  selectOverallProgress,
  selectCustomerRequest,
} from '../../../src/renderer/store/selectors';
import type { ConnectionStatus, RendererBridge } from '../../../src/renderer/bridge/types';
import { sampleDevice } from '../../../src/main/demo/shell-backend';

function job(id: string, over: Partial<JobView> = {}): JobView {
  return {
    jobId: id,
    portId: 'sim-1',
    devId: null,
    model: null,
    bundleId: null,
    fromVersion: null,
    targetVersion: null,
    schedule: 'now',
    consentMode: 'customer',
    phase: 'downloading',
    bytesSent: 0,
    bytesTotal: 1000,
    speedBps: null,
    etaSeconds: null,
    result: null,
    error: null,
    retryOf: null,
    historyId: null,
    startedAt: 1,
    updatedAt: 1,
    finishedAt: null,
    ...over,
  };
}

function snapshot(over: Partial<Snapshot> = {}): Snapshot {
  return {
    app: { name: 'fumo-kiosk', version: '0', demo: false },
    devices: [],
    jobs: [],
    consent: { pending: [], customerRequestId: null },
    session: null,
    catalog: [],
    trust: [],
    settings: DEFAULT_SETTINGS,
    recentHistory: [],
    ...over,
  };
}

describe('store reducers', () => {
  it('orders devices by attach time from a snapshot, then by arrival', () => {
    let d = reduceSnapshot(initialData(), snapshot({ devices: [sampleDevice(2), sampleDevice(1)] }));
    expect(selectDeviceList(d).map((x) => x.portId)).toEqual(['sim-1', 'sim-2']);
    d = reduceEvent(d, { event: 'device:attached', payload: sampleDevice(0) });
    // An update does not move a card.
    d = reduceEvent(d, { event: 'device:updated', payload: sampleDevice(1, { battery: 5 }) });
    expect(selectDeviceList(d).map((x) => [x.portId, x.battery])).toEqual([
      ['sim-1', 5],
      ['sim-2', 80],
      ['sim-0', 80],
    ]);
    d = reduceEvent(d, { event: 'device:detached', payload: { portId: 'sim-2' } });
    expect(selectDeviceList(d).map((x) => x.portId)).toEqual(['sim-1', 'sim-0']);
  });

  it('merges progress ticks into known jobs only and computes overall progress', () => {
    let d = reduceEvent(initialData(), { event: 'job:updated', payload: job('a', { bytesTotal: 1000 }) });
    d = reduceEvent(d, { event: 'job:updated', payload: job('b', { bytesTotal: 3000 }) });
    d = reduceEvent(d, {
      event: 'job:progress',
      payload: {
        jobId: 'a',
        portId: 'sim-1',
        bytesSent: 1000,
        bytesTotal: 1000,
        speedBps: 10,
        etaSeconds: 0,
      },
    });
    d = reduceEvent(d, {
      event: 'job:progress',
      payload: { jobId: 'zz', portId: 'x', bytesSent: 1, bytesTotal: 1, speedBps: 1, etaSeconds: 0 },
    });
    expect(d.jobs.byId.a?.speedBps).toBe(10);
    expect(d.jobs.byId.zz).toBeUndefined();
    expect(selectOverallProgress(d)).toBeCloseTo(1000 / 4000);
  });

  it('keeps the people list an administrator loaded, replaces it on people:changed and forgets it on a login change', () => {
    const people = { people: [{ name: 'ada', role: 'admin' as const, pinSetAt: 1, pinSetBy: null, lockedUntil: null }], loginLockedUntil: null };
    let d = reduceEvent(initialData(), { event: 'people:changed', payload: people });
    expect(d.people.current).toEqual(people);
    const more = { ...people, loginLockedUntil: 99 };
    d = reduceEvent(d, { event: 'people:changed', payload: more });
    expect(d.people.current?.loginLockedUntil).toBe(99);
    d = reduceEvent(d, { event: 'auth:changed', payload: null });
    expect(d.people.current).toBeNull();
  });

  it('follows a consent request from handover to answer', () => {
    const req = {
      requestId: 'r1',
      jobId: 'j1',
      portId: 'sim-1',
      model: 'FD',
      fromVersion: '1',
      targetVersion: '2',
      releaseNotes: { en: 'x' },
      imageBytes: 10,
      estimatedSeconds: 3,
      privacy: { version: 'p1', text: { en: 'p' } },
      warranty: { version: 'w1', text: { en: 'w' } },
      supportsSchedule: false,
      consentMode: 'customer' as const,
      createdAt: 5,
    };
    let d = reduceEvent(initialData(), { event: 'consent:requested', payload: req });
    expect(selectCustomerRequest(d)).toBeUndefined();
    d = reduceEvent(d, {
      event: 'consent:handover',
      payload: { requestId: 'r1', jobId: 'j1', portId: 'sim-1' },
    });
    expect(selectCustomerRequest(d)?.requestId).toBe('r1');
    d = reduceEvent(d, {
      event: 'consent:resolved',
      payload: { requestId: 'r1', jobId: 'j1', decision: 'approve' },
    });
    expect(selectCustomerRequest(d)).toBeUndefined();
    expect(d.consent.customerJobId).toBe('j1');
  });
});

describe('connectStore', () => {
  beforeEach(() => resetKioskStore());

  function fakeBridge(snap: Result<Snapshot>) {
    const listeners = new Set<(m: KioskEventMessage) => void>();
    const statusListeners = new Set<(s: ConnectionStatus) => void>();
    let resolveSnapshot: (r: Result<Snapshot>) => void = () => undefined;
    let status: ConnectionStatus = 'connecting';
    let snapshotCalls = 0;
    const bridge = {
      api: {
        getSnapshot: () => {
          snapshotCalls++;
          return new Promise<Result<Snapshot>>((r) => (resolveSnapshot = r));
        },
      },
      subscribe: (l: (m: KioskEventMessage) => void) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      signalReady: () => undefined,
      status: () => status,
      onStatus: (l: (s: ConnectionStatus) => void) => {
        statusListeners.add(l);
        return () => statusListeners.delete(l);
      },
    } as unknown as RendererBridge;
    return {
      bridge,
      emit: (m: KioskEventMessage) => listeners.forEach((l) => l(m)),
      setStatus: (s: ConnectionStatus) => {
        status = s;
        statusListeners.forEach((l) => l(s));
      },
      answer: () => resolveSnapshot(snap),
      snapshotCalls: () => snapshotCalls,
    };
  }

  it('loads the snapshot once connected and applies events that arrived meanwhile', async () => {
    const f = fakeBridge(ok(snapshot({ devices: [sampleDevice(1)] })));
    const stop = connectStore(f.bridge, useKioskStore);
    expect(f.snapshotCalls()).toBe(0);
    f.setStatus('connected');
    expect(f.snapshotCalls()).toBe(1);
    f.emit({ event: 'device:attached', payload: sampleDevice(2) });
    expect(useKioskStore.getState().devices.order).toEqual([]);
    f.answer();
    await Promise.resolve();
    await Promise.resolve();
    const s = useKioskStore.getState();
    expect(s.connection).toMatchObject({ status: 'connected', ready: true });
    expect(s.devices.order).toEqual(['sim-1', 'sim-2']);
    f.emit({ event: 'device:detached', payload: { portId: 'sim-1' } });
    expect(useKioskStore.getState().devices.order).toEqual(['sim-2']);
    stop();
    f.emit({ event: 'device:detached', payload: { portId: 'sim-2' } });
    expect(useKioskStore.getState().devices.order).toEqual(['sim-2']);
  });

  it('records a failed snapshot as the connection error', async () => {
    const f = fakeBridge(fail('STORE_ERROR', { detail: 'disk full' }));
    connectStore(f.bridge, useKioskStore);
    f.setStatus('connected');
    f.answer();
    await Promise.resolve();
    await Promise.resolve();
    expect(useKioskStore.getState().connection.ready).toBe(false);
    expect(useKioskStore.getState().connection.error?.code).toBe('STORE_ERROR');
  });
});
