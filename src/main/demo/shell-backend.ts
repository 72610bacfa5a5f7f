/**
 * A small in-memory KioskBackend for the shell's end-to-end tests (and `fumo-kiosk web
 * --demo-shell`): it fakes the Node side, not the app. Tests attach devices, which emits
 * device:attached, and read back the requests the renderer sent.
 */
import { sharedLoginConnection } from '../hosts/shared-login';
import type { Capability, KioskConnection } from '../../shared/api';
import { EventEmitter } from 'node:events';
import {
  KIOSK_EVENTS,
  fail,
  maskDevId,
  ok,
  type KioskBackend,
  type KioskEventName,
  type KioskEvents,
  type KioskMethod,
  type Result,
} from '../../shared/api';
import {
  DEFAULT_SETTINGS,
  type DeviceView,
  type HistoryRecord,
  type JobView,
  type SessionView,
  type Settings,
  type Snapshot,
} from '../../shared/schemas';

export const TECHNICIAN_PIN = '1234';

export interface RecordedCall {
  method: KioskMethod;
  params: unknown;
}

export function sampleDevice(n: number, overrides: Partial<DeviceView> = {}): DeviceView {
  return {
    portId: `sim-${n}`,
    linkKind: 'serial',
    simulated: true,
    devId: maskDevId(`IMEI:49300510059280${n}`),
    manufacturer: 'Fumo Devices',
    model: `FD-${100 + n}`,
    fwVersion: '1.0.0',
    targetVersion: '1.1.0',
    bundleId: 'demo-fd-1.1.0',
    battery: 80,
    externalPower: true,
    supportsSchedule: false,
    state: 'update-available',
    phase: null,
    jobId: null,
    problems: [],
    attachedAt: 1_700_000_000_000 + n,
    slot: `Slot ${n}`,
    portLabel: `/dev/ttyACM${n - 1}`,
    ...overrides,
  };
}

export class TestBackend extends EventEmitter implements KioskBackend {
  readonly calls: RecordedCall[] = [];
  private readonly devicesByPort = new Map<string, DeviceView>();
  private readonly jobsById = new Map<string, JobView>();
  private readonly records: HistoryRecord[] = [];
  private session: SessionView | null = null;

  /** Every screen shares this backend's one login; the access table is still checked per call. */
  connect(capability: Capability): KioskConnection {
    return sharedLoginConnection(this, capability, () => this.session?.user.role ?? null);
  }
  private settingsValue: Settings = { ...DEFAULT_SETTINGS };
  private jobCounter = 0;

  constructor(private readonly now: () => number = () => Date.now()) {
    super();
  }

  private record(method: KioskMethod, params?: unknown): void {
    this.calls.push({ method, params });
    this.emit('call', method, params);
  }

  private send<E extends KioskEventName>(event: E, payload: KioskEvents[E]): void {
    this.emit(event, payload);
  }

  /** Resolves with the params of the next call of `method` (or the one already recorded). */
  waitForCall(method: KioskMethod): Promise<unknown> {
    const seen = this.calls.find((c) => c.method === method);
    if (seen) return Promise.resolve(seen.params);
    return new Promise((resolve) => {
      const onCall = (m: KioskMethod, params: unknown) => {
        if (m !== method) return;
        this.off('call', onCall);
        resolve(params);
      };
      this.on('call', onCall);
    });
  }

  attach(device: DeviceView): void {
    this.devicesByPort.set(device.portId, device);
    this.send(KIOSK_EVENTS.deviceAttached, device);
  }

  detach(portId: string): void {
    this.devicesByPort.delete(portId);
    this.send(KIOSK_EVENTS.deviceDetached, { portId });
  }

  // --- KioskApi ---------------------------------------------------------------------------

  getSnapshot = async (): Promise<Result<Snapshot>> => {
    this.record('getSnapshot');
    return ok({
      app: { name: 'fumo-kiosk', version: '0.1.0', demo: true },
      devices: [...this.devicesByPort.values()],
      jobs: [...this.jobsById.values()],
      consent: { pending: [], customerRequestId: null },
      session: this.session,
      catalog: [],
      trust: [],
      settings: this.settingsValue,
      recentHistory: this.records.slice(0, 20),
    });
  };

  devices = {
    list: async () => {
      this.record('devices.list');
      return ok([...this.devicesByPort.values()]);
    },
  };

  jobs = {
    list: async () => {
      this.record('jobs.list');
      return ok([...this.jobsById.values()]);
    },
    start: async (params: {
      portId?: string;
      devId?: string;
      bundleId?: string;
      schedule: 'now' | 'later';
      consentMode: 'customer' | 'operator';
    }) => {
      this.record('jobs.start', params);
      const device = params.portId ? this.devicesByPort.get(params.portId) : undefined;
      if (!device) return fail<JobView>('DEVICE_NOT_FOUND', { detail: params.portId ?? params.devId });
      const t = this.now();
      const job: JobView = {
        jobId: `job-${++this.jobCounter}`,
        portId: device.portId,
        devId: device.devId,
        model: device.model,
        bundleId: params.bundleId ?? device.bundleId,
        fromVersion: device.fwVersion,
        targetVersion: device.targetVersion,
        schedule: params.schedule,
        consentMode: params.consentMode,
        phase: 'queued',
        bytesSent: 0,
        bytesTotal: 0,
        speedBps: null,
        etaSeconds: null,
        result: null,
        error: null,
        retryOf: null,
        historyId: null,
        startedAt: t,
        updatedAt: t,
        finishedAt: null,
      };
      this.jobsById.set(job.jobId, job);
      const updated: DeviceView = { ...device, state: 'updating', phase: 'queued', jobId: job.jobId };
      this.devicesByPort.set(device.portId, updated);
      this.send(KIOSK_EVENTS.jobUpdated, job);
      this.send(KIOSK_EVENTS.deviceUpdated, updated);
      return ok(job);
    },
    cancel: async (params: { jobId: string }) => {
      this.record('jobs.cancel', params);
      const job = this.jobsById.get(params.jobId);
      if (!job) return fail<JobView>('INVALID_REQUEST', { detail: `no job ${params.jobId}` });
      const t = this.now();
      const cancelled: JobView = {
        ...job,
        phase: 'cancelled',
        result: 'cancelled',
        updatedAt: t,
        finishedAt: t,
      };
      this.jobsById.set(job.jobId, cancelled);
      this.send(KIOSK_EVENTS.jobUpdated, cancelled);
      return ok(cancelled);
    },
    retry: async (params: { jobId: string }) => {
      this.record('jobs.retry', params);
      return fail<JobView>('INVALID_REQUEST', { detail: 'retry is not available in the shell backend' });
    },
  };

  consent = {
    pending: async () => {
      this.record('consent.pending');
      return ok([]);
    },
    handover: async (params: { requestId: string }) => {
      this.record('consent.handover', params);
      return fail<never>('INVALID_REQUEST', { detail: `no consent request ${params.requestId}` });
    },
    answer: async (params: { requestId: string }) => {
      this.record('consent.answer', params);
      return fail<never>('INVALID_REQUEST', { detail: `no consent request ${params.requestId}` });
    },
  };

  auth = {
    login: async (params: { pin: string }) => {
      this.record('auth.login', params);
      // The sample-data shell has a technician and no administrator.
      const role = params.pin === TECHNICIAN_PIN ? 'technician' : null;
      if (!role) return fail<SessionView>('UNAUTHORIZED');
      this.session = {
        user: { id: role, name: 'Technician', role },
        expiresAt: null,
      };
      this.send(KIOSK_EVENTS.authChanged, this.session);
      return ok(this.session);
    },
    logout: async () => {
      this.record('auth.logout');
      this.session = null;
      this.send(KIOSK_EVENTS.authChanged, null);
      return ok(null);
    },
    session: async () => {
      this.record('auth.session');
      return ok(this.session);
    },
  };

  catalog = {
    list: async () => ok([]),
    import: async (params: { path: string }) => {
      this.record('catalog.import', params);
      return fail<never>('BUNDLE_INVALID', { detail: 'the shell backend has no catalogue' });
    },
    remove: async (params: { bundleId: string }) => {
      this.record('catalog.remove', params);
      return ok(null);
    },
  };

  trust = {
    list: async () => ok([]),
    add: async (params: { name: string; publicKey: string }) => {
      this.record('trust.add', params);
      return fail<never>('INVALID_REQUEST', { detail: 'the shell backend has no trust store' });
    },
    remove: async (params: { keyId: string }) => {
      this.record('trust.remove', params);
      return ok(null);
    },
  };

  settings = {
    get: async () => ok(this.settingsValue),
    set: async (patch: Partial<Settings>) => {
      this.record('settings.set', patch);
      this.settingsValue = { ...this.settingsValue, ...patch };
      this.send(KIOSK_EVENTS.settingsChanged, this.settingsValue);
      return ok(this.settingsValue);
    },
  };

  history = {
    list: async () => ok({ records: this.records, total: this.records.length }),
    get: async (params: { id: string }) => {
      const found = this.records.find((h) => h.id === params.id);
      return found ? ok(found) : fail<HistoryRecord>('INVALID_REQUEST', { detail: `no record ${params.id}` });
    },
    export: async (params: { format: 'csv' | 'json' }) =>
      ok({
        filename: `history.${params.format}`,
        mimeType: params.format === 'csv' ? 'text/csv' : 'application/json',
        content: params.format === 'csv' ? 'id\n' : '[]',
      }),
    receipt: async (params: { id: string }) =>
      fail<never>('INVALID_REQUEST', { detail: `no record ${params.id}` }),
    receiptCode: async (params: { id: string }) =>
      fail<never>('INVALID_REQUEST', { detail: `no record ${params.id}` }),
    print: async (params: { id: string }) =>
      fail<never>('INVALID_REQUEST', { detail: `no record ${params.id}` }),
  };

  async close(): Promise<void> {
    this.removeAllListeners();
  }
}

/** The backend `fumo-kiosk web --demo-shell` serves: the test backend with three sample devices. */
export function createShellBackend(): TestBackend {
  const backend = new TestBackend();
  backend.attach(sampleDevice(1));
  backend.attach(
    sampleDevice(2, { fwVersion: '1.1.0', state: 'up-to-date', targetVersion: null, bundleId: null }),
  );
  backend.attach(
    sampleDevice(3, {
      battery: 12,
      externalPower: false,
      state: 'blocked',
      problems: [
        {
          code: 'BATTERY_LOW',
          message: 'Battery at 12%, needs 30%: charge the phone or connect power.',
          required: 30,
          measured: 12,
          blocking: true,
        },
      ],
    }),
  );
  return backend;
}
