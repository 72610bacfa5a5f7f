/**
 * The scripted in-memory KioskBackend: it plays the Node side (not the app) for `fumo-kiosk web
 * --demo-shell` and for the shell and screen tests. The caller attaches devices and drives one
 * update step by step (start -> consent request, when consent texts are given -> handover ->
 * answer -> the phone's own prompt -> transfer -> install -> verify -> history), and reads back
 * the requests the renderer sent. Users, catalogue, trust store, consent texts and the import
 * verdict are options, so each caller brings its own sample data.
 */
import { sharedLoginConnection } from '../hosts/shared-login';
import { EventEmitter } from 'node:events';
import {
  KIOSK_EVENTS,
  fail,
  maskDevId,
  ok,
  type ApiError,
  type BundleView,
  type Capability,
  type ConsentAnswer,
  type ConsentRequest,
  type DeviceView,
  type HistoryFilter,
  type HistoryRecord,
  type JobView,
  type KioskBackend,
  type KioskConnection,
  type KioskEventName,
  type KioskEvents,
  type KioskMethod,
  type PortAssignParams,
  type PortList,
  type PersonPinParams,
  type Result,
  type SessionView,
  type Settings,
  type Snapshot,
  type StartJobParams,
  type TrustedKey,
  toResult,
} from '../../shared/api';
import { DEFAULT_SETTINGS } from '../../shared/schemas';
import { describeError, type ErrorCode } from '../../shared/errors';
import { KioskError } from '../../core/errors';
import { qrMatrix } from '../receipts/qr';
import { People } from '../services/people';
import { MemoryPins } from './memory-pins';

export const TECHNICIAN_PIN = '1234';

export interface RecordedCall {
  method: KioskMethod;
  params: unknown;
}

export interface ScriptedUser {
  role: 'technician' | 'admin';
  name: string;
}

/** What a consent request carries besides the job's own facts. */
export type ConsentScript = Pick<ConsentRequest, 'privacy' | 'warranty' | 'releaseNotes' | 'imageBytes' | 'estimatedSeconds'>;

export interface ScriptedBackendOptions {
  now?: () => number;
  /** PIN -> user. The sample-data shell has a technician and no administrator. */
  users?: Record<string, ScriptedUser>;
  catalog?: BundleView[];
  trust?: TrustedKey[];
  /** With texts, a started job waits for the customer's consent; without, it is queued at once. */
  consent?: ConsentScript | null;
  /** The verdict on a catalogue import (default: the shell has no catalogue to import into). */
  importBundle?: (path: string) => Result<{ bundle: BundleView; accepted: boolean }>;
}

const SHELL_USERS: Record<string, ScriptedUser> = { [TECHNICIAN_PIN]: { role: 'technician', name: 'Technician' } };

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

export class ScriptedBackend extends EventEmitter implements KioskBackend {
  readonly calls: RecordedCall[] = [];
  private readonly devs = new Map<string, DeviceView>();
  private readonly jobMap = new Map<string, JobView>();
  private readonly pendingMap = new Map<string, ConsentRequest>();
  private customerRequestId: string | null = null;
  /** The job the customer display belongs to (set at handover, kept until another handover). */
  private customerJobId: string | null = null;
  /** When true, jobs.cancel only asks the phone to stop; the caller ends the job with cancelled(). */
  holdCancel = false;
  /** The error history.print answers with (none: it prints). */
  printError: ErrorCode | null = null;
  private records: HistoryRecord[] = [];
  private session: SessionView | null = null;
  private settingsValue: Settings = { ...DEFAULT_SETTINGS };
  private counter = 0;
  private readonly now: () => number;
  /** Who logs in with which PIN; administrators change it through people.*. */
  readonly pins: MemoryPins;
  private readonly peopleDesk: People;
  private readonly bundles: BundleView[];
  private readonly keys: TrustedKey[];
  private readonly consentScript: ConsentScript | null;
  private readonly importBundle: NonNullable<ScriptedBackendOptions['importBundle']>;

  constructor(options: ScriptedBackendOptions = {}) {
    super();
    this.now = options.now ?? (() => Date.now());
    this.pins = new MemoryPins(this.now, options.users ?? SHELL_USERS);
    this.peopleDesk = new People(this.pins, (view) => this.send(KIOSK_EVENTS.peopleChanged, view));
    this.bundles = options.catalog ?? [];
    this.keys = options.trust ?? [];
    this.consentScript = options.consent ?? null;
    this.importBundle = options.importBundle ?? (() => fail('BUNDLE_INVALID', { detail: 'the shell backend has no catalogue' }));
  }

  /** Every screen shares this backend's one login; the access table is still checked per call. */
  connect(capability: Capability): KioskConnection {
    return sharedLoginConnection(this, capability, () => this.session?.user.role ?? null);
  }

  private rec(method: KioskMethod, params?: unknown): void {
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

  // --- what the caller drives -------------------------------------------------------------

  attach(device: DeviceView): void {
    this.devs.set(device.portId, device);
    this.send(KIOSK_EVENTS.deviceAttached, device);
  }

  detach(portId: string): void {
    this.devs.delete(portId);
    this.send(KIOSK_EVENTS.deviceDetached, { portId });
  }

  setSettings(patch: Partial<Settings>): void {
    this.settingsValue = { ...this.settingsValue, ...patch };
    this.send(KIOSK_EVENTS.settingsChanged, this.settingsValue);
  }

  jobFor(portId: string): JobView | undefined {
    const id = this.devs.get(portId)?.jobId;
    return id ? this.jobMap.get(id) : undefined;
  }

  /** The phone's own prompt was accepted: the transfer starts. */
  deviceAccepts(portId: string, bytesTotal = this.consentScript?.imageBytes ?? 0): void {
    this.updateJob(portId, { phase: 'downloading', bytesTotal, bytesSent: 0 });
  }

  deviceDeclines(portId: string): void {
    this.finishJob(portId, 'declined', 'declined', apiError('DEVICE_DECLINED'));
  }

  /** A progress tick, as the service sends many per second. */
  progress(portId: string, bytesSent: number, speedBps: number): void {
    const job = this.jobFor(portId);
    if (!job) throw new Error(`no job on ${portId}`);
    const etaSeconds = Math.ceil((job.bytesTotal - bytesSent) / speedBps);
    this.jobMap.set(job.jobId, { ...job, bytesSent, speedBps, etaSeconds });
    this.send(KIOSK_EVENTS.jobProgress, { jobId: job.jobId, portId, bytesSent, bytesTotal: job.bytesTotal, speedBps, etaSeconds });
  }

  installing(portId: string): void {
    const job = this.jobFor(portId);
    this.updateJob(portId, { phase: 'installing', bytesSent: job?.bytesTotal ?? 0, speedBps: null, etaSeconds: null });
  }

  /** Verified: the phone reports the target version. */
  complete(portId: string): void {
    const job = this.jobFor(portId);
    if (!job) throw new Error(`no job on ${portId}`);
    this.updateJob(portId, { phase: 'verifying' });
    const dev = this.devs.get(portId)!;
    this.devs.set(portId, { ...dev, fwVersion: job.targetVersion, targetVersion: null, state: 'updated', phase: 'completed' });
    this.finishJob(portId, 'completed', 'success', null);
  }

  /** The phone stopped after a held cancel: the job ends as cancelled. */
  cancelled(portId: string): void {
    this.finishJob(portId, 'cancelled', 'cancelled', apiError('CANCELLED'));
  }

  fail(portId: string, code: ErrorCode, details: Record<string, string | number> = {}): void {
    this.finishJob(portId, 'failed', 'failed', apiError(code, details));
  }

  private updateJob(portId: string, patch: Partial<JobView>): JobView {
    const job = this.jobFor(portId);
    if (!job) throw new Error(`no job on ${portId}`);
    const next: JobView = { ...job, ...patch, updatedAt: this.now() };
    this.jobMap.set(job.jobId, next);
    this.send(KIOSK_EVENTS.jobUpdated, next);
    const dev = this.devs.get(portId);
    if (dev) {
      const d: DeviceView = { ...dev, phase: next.phase };
      this.devs.set(portId, d);
      this.send(KIOSK_EVENTS.deviceUpdated, d);
    }
    return next;
  }

  private finishJob(portId: string, phase: JobView['phase'], result: JobView['result'], error: ApiError | null): void {
    const t = this.now();
    const job = this.updateJob(portId, { phase, result, error, finishedAt: t });
    const dev = this.devs.get(portId);
    if (dev && phase !== 'completed') {
      const d: DeviceView = { ...dev, state: phase === 'failed' ? 'failed' : 'update-available' };
      this.devs.set(portId, d);
      this.send(KIOSK_EVENTS.deviceUpdated, d);
    } else if (dev) this.send(KIOSK_EVENTS.deviceUpdated, dev);
    this.writeHistory(job, { finishedAt: t });
  }

  private writeHistory(job: JobView, patch: Partial<HistoryRecord>): void {
    const existing = this.records.find((r) => r.jobId === job.jobId);
    const base: HistoryRecord = existing ?? {
      id: `H-${String(this.records.length + 1001)}`,
      jobId: job.jobId,
      portId: job.portId,
      devId: job.devId,
      model: job.model,
      bundleId: job.bundleId,
      fromVersion: job.fromVersion,
      targetVersion: job.targetVersion,
      finalVersion: null,
      result: null,
      error: null,
      consent: { mode: job.consentMode, customer: null, device: null, schedule: null, language: null, privacyVersion: null, warrantyVersion: null, answeredAt: null },
      technician: this.session?.user.name ?? null,
      bytesSent: 0,
      startedAt: job.startedAt,
      finishedAt: null,
    };
    const next: HistoryRecord = {
      ...base,
      result: job.result,
      error: job.error,
      bytesSent: job.bytesSent,
      finalVersion: job.phase === 'completed' ? job.targetVersion : base.finalVersion,
      consent: {
        ...base.consent,
        device: job.phase === 'completed' || job.phase === 'downloading' ? 'approved' : job.error?.code === 'DEVICE_DECLINED' ? 'declined' : base.consent.device,
      },
      ...patch,
    };
    this.records = [next, ...this.records.filter((r) => r.id !== next.id)];
    if (job.historyId !== next.id) this.jobMap.set(job.jobId, { ...this.jobMap.get(job.jobId)!, historyId: next.id });
    this.send(KIOSK_EVENTS.historyAdded, next);
  }

  private requestConsent(job: JobView, device: DeviceView, script: ConsentScript): void {
    const request: ConsentRequest = {
      ...script,
      requestId: `req-${this.counter}`,
      jobId: job.jobId,
      portId: device.portId,
      model: device.model,
      fromVersion: device.fwVersion,
      targetVersion: device.targetVersion ?? '',
      supportsSchedule: device.supportsSchedule,
      consentMode: job.consentMode,
      createdAt: job.startedAt,
    };
    this.pendingMap.set(request.requestId, request);
    this.send(KIOSK_EVENTS.consentRequested, request);
  }

  // --- KioskApi ---------------------------------------------------------------------------

  getSnapshot = async (): Promise<Result<Snapshot>> => {
    this.rec('getSnapshot');
    return ok({
      app: { name: 'fumo-kiosk', version: '0.1.0', demo: true },
      devices: [...this.devs.values()],
      jobs: [...this.jobMap.values()],
      consent: { pending: [...this.pendingMap.values()], customerRequestId: this.customerRequestId, customerJobId: this.customerJobId },
      session: this.session,
      catalog: this.bundles,
      trust: this.keys,
      settings: this.settingsValue,
      recentHistory: this.records.slice(0, 20),
    });
  };

  devices = {
    list: async () => {
      this.rec('devices.list');
      return ok([...this.devs.values()]);
    },
  };

  jobs = {
    list: async () => {
      this.rec('jobs.list');
      return ok([...this.jobMap.values()]);
    },
    start: async (params: StartJobParams) => {
      this.rec('jobs.start', params);
      if (!this.session) return fail<JobView>('UNAUTHORIZED');
      const device = params.portId ? this.devs.get(params.portId) : undefined;
      if (!device) return fail<JobView>('DEVICE_NOT_FOUND', { detail: params.portId ?? params.devId });
      const t = this.now();
      const script = this.consentScript;
      const job: JobView = {
        jobId: `job-${++this.counter}`,
        portId: device.portId,
        devId: device.devId,
        model: device.model,
        bundleId: params.bundleId ?? device.bundleId,
        fromVersion: device.fwVersion,
        targetVersion: device.targetVersion,
        schedule: params.schedule,
        consentMode: params.consentMode,
        phase: script ? 'awaiting-consent' : 'queued',
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
      this.jobMap.set(job.jobId, job);
      const d: DeviceView = { ...device, state: 'updating', phase: job.phase, jobId: job.jobId };
      this.devs.set(d.portId, d);
      this.send(KIOSK_EVENTS.jobUpdated, job);
      this.send(KIOSK_EVENTS.deviceUpdated, d);
      if (script) this.requestConsent(job, d, script);
      return ok(job);
    },
    cancel: async (params: { jobId: string }) => {
      this.rec('jobs.cancel', params);
      const job = this.jobMap.get(params.jobId);
      if (!job) return fail<JobView>('INVALID_REQUEST', { detail: `no job ${params.jobId}` });
      if (this.holdCancel) return ok(job); // the phone is told to stop; the job ends later
      this.finishJob(job.portId, 'cancelled', 'cancelled', apiError('CANCELLED'));
      return ok(this.jobMap.get(job.jobId)!);
    },
    retry: async (params: { jobId: string }) => {
      this.rec('jobs.retry', params);
      const job = this.jobMap.get(params.jobId);
      if (!job) return fail<JobView>('INVALID_REQUEST', { detail: `no job ${params.jobId}` });
      return this.jobs.start({ portId: job.portId, schedule: job.schedule, consentMode: job.consentMode });
    },
  };

  consent = {
    pending: async () => {
      this.rec('consent.pending');
      return ok([...this.pendingMap.values()]);
    },
    handover: async (params: { requestId: string }) => {
      this.rec('consent.handover', params);
      const r = this.pendingMap.get(params.requestId);
      if (!r) return fail<ConsentRequest>('INVALID_REQUEST', { detail: `no consent request ${params.requestId}` });
      this.customerRequestId = r.requestId;
      this.customerJobId = r.jobId;
      this.send(KIOSK_EVENTS.consentHandover, { requestId: r.requestId, jobId: r.jobId, portId: r.portId });
      return ok(r);
    },
    answer: async (params: ConsentAnswer) => {
      this.rec('consent.answer', params);
      const r = this.pendingMap.get(params.requestId);
      if (!r) return fail<JobView>('INVALID_REQUEST', { detail: `no consent request ${params.requestId}` });
      this.pendingMap.delete(r.requestId);
      if (this.customerRequestId === r.requestId) this.customerRequestId = null;
      this.send(KIOSK_EVENTS.consentResolved, { requestId: r.requestId, jobId: r.jobId, decision: params.decision });
      const job = this.jobMap.get(r.jobId)!;
      this.writeHistory(job, {
        consent: {
          mode: 'customer',
          customer: params.decision === 'approve' ? 'approved' : 'declined',
          device: null,
          schedule: params.schedule,
          language: params.language,
          privacyVersion: params.privacyVersion,
          warrantyVersion: params.warrantyVersion,
          answeredAt: this.now(),
        },
      });
      if (params.decision === 'decline') this.finishJob(r.portId, 'declined', 'declined', apiError('CONSENT_DECLINED'));
      else this.updateJob(r.portId, { phase: 'awaiting-device-consent', schedule: params.schedule });
      return ok(this.jobMap.get(r.jobId)!);
    },
  };

  auth = {
    login: async (params: { pin: string }) => {
      this.rec('auth.login', { pin: '****' });
      const locked = this.pins.lockedUntil();
      if (locked !== null) return fail<SessionView>('PIN_LOCKED', { detail: `${Math.ceil((locked - this.now()) / 1000)} s` });
      const user = this.pins.find(params.pin);
      if (!user) return fail<SessionView>('UNAUTHORIZED');
      this.session = { user: { id: user.role, name: user.name, role: user.role }, expiresAt: null };
      this.send(KIOSK_EVENTS.authChanged, this.session);
      return ok(this.session);
    },
    logout: async () => {
      this.rec('auth.logout');
      this.session = null;
      this.send(KIOSK_EVENTS.authChanged, null);
      return ok(null);
    },
    session: async () => {
      this.rec('auth.session');
      return ok(this.session);
    },
  };

  catalog = {
    list: async () => ok(this.bundles),
    import: async (params: { path: string }) => {
      this.rec('catalog.import', params);
      return this.importBundle(params.path);
    },
    remove: async (params: { bundleId: string }) => {
      this.rec('catalog.remove', params);
      return ok(null);
    },
  };

  trust = {
    list: async () => ok(this.keys),
    add: async (params: { name: string; publicKey: string }) => {
      this.rec('trust.add', params);
      return fail<TrustedKey>('INVALID_REQUEST', { detail: 'not a valid Ed25519 public key' });
    },
    remove: async (params: { keyId: string }) => {
      this.rec('trust.remove', params);
      return ok(null);
    },
  };

  /** The administrator who is logged in: people.* acts in their name. */
  private actor(): { name: string; role: 'admin' | 'technician' } {
    if (!this.session) throw new KioskError('UNAUTHORIZED');
    return { name: this.session.user.name, role: this.session.user.role };
  }

  people = {
    list: async () => {
      this.rec('people.list');
      return toResult(() => this.peopleDesk.list());
    },
    setPin: async (params: PersonPinParams) => {
      // The PIN itself is never recorded, as the kiosk never records it.
      this.rec('people.setPin', { ...params, pin: '****' });
      return toResult(() => this.peopleDesk.setPin(this.actor(), params));
    },
    remove: async (params: { name: string }) => {
      this.rec('people.remove', params);
      return toResult(async () => {
        await this.peopleDesk.remove(this.actor(), params.name);
        return null;
      });
    },
    unlock: async (params: { name?: string }) => {
      this.rec('people.unlock', params);
      return toResult(() => this.peopleDesk.unlock(this.actor(), params.name));
    },
  };

  settings = {
    get: async () => ok(this.settingsValue),
    set: async (patch: Partial<Settings>) => {
      this.rec('settings.set', patch);
      this.setSettings(patch);
      return ok(this.settingsValue);
    },
    printers: async () => {
      this.rec('settings.printers', undefined);
      return ok([
        { name: 'receipts', isDefault: true },
        { name: 'office-a4', isDefault: false },
      ]);
    },
  };

  /** The sample phones' ports, named by their labels; a slot name given here shows on the card at once. */
  private portList(): PortList {
    const ports = [...this.devs.values()].map((d) => ({
      port: d.portLabel ?? d.portId,
      portId: d.portId,
      linkKind: d.linkKind,
      path: d.portLabel ?? null,
      vidPid: null,
      serialNumber: null,
      attached: true,
      onBench: true,
      profileId: 'generic-serial',
      profileSource: 'vid-pid' as const,
      assignedProfileId: null,
      slot: d.slot ?? null,
      model: d.model,
    }));
    return { ports, profiles: [{ id: 'generic-serial', name: 'Unknown phone on a USB serial cable', linkKind: 'serial' }] };
  }

  private renamePort(port: string, slot: string | null): void {
    for (const d of this.devs.values()) {
      if ((d.portLabel ?? d.portId) !== port && d.portId !== port) continue;
      const next = { ...d, slot };
      this.devs.set(d.portId, next);
      this.send('device:updated', next);
    }
  }

  ports = {
    list: async () => ok(this.portList()),
    assign: async (params: PortAssignParams) => {
      this.rec('ports.assign', params);
      this.renamePort(params.port, params.slot?.trim() || null);
      return ok(this.portList());
    },
    unassign: async (params: { port: string }) => {
      this.rec('ports.unassign', params);
      this.renamePort(params.port, null);
      return ok(this.portList());
    },
  };

  history = {
    list: async (filter?: HistoryFilter) => {
      this.rec('history.list', filter);
      const q = filter?.search?.toLowerCase();
      const records = this.records.filter(
        (r) => (!q || `${r.model ?? ''} ${r.devId ?? ''} ${r.fromVersion ?? ''} ${r.targetVersion ?? ''}`.toLowerCase().includes(q)) && (!filter?.result || r.result === filter.result),
      );
      return ok({ records, total: records.length });
    },
    get: async (params: { id: string }) => {
      const found = this.records.find((h) => h.id === params.id);
      return found ? ok(found) : fail<HistoryRecord>('RECORD_NOT_FOUND', { detail: params.id });
    },
    export: async (params: { format: 'csv' | 'json' }) => {
      this.rec('history.export', params);
      return ok({
        filename: `history.${params.format}`,
        mimeType: params.format === 'csv' ? 'text/csv' : 'application/json',
        content: params.format === 'csv' ? 'id,result\n' + this.records.map((r) => `${r.id},${r.result ?? ''}`).join('\n') : JSON.stringify(this.records),
      });
    },
    receipt: async (params: { id: string }) => {
      this.rec('history.receipt', params);
      return ok({ id: params.id, html: `<!doctype html><title>Receipt ${params.id}</title><p>Receipt ${params.id}</p>` });
    },
    receiptCode: async (params: { id: string }) => {
      this.rec('history.receiptCode', params);
      const payload = `receipt ${params.id}`;
      return ok({ id: params.id, payload, ...qrMatrix(payload) });
    },
    print: async (params: { id: string; language?: string }) => {
      this.rec('history.print', params);
      return this.printError ? fail<never>(this.printError) : ok({ id: params.id, queue: 'receipts', printJobId: 'receipts-1' });
    },
  };

  async close(): Promise<void> {
    this.removeAllListeners();
  }
}

function apiError(code: ErrorCode, details: Record<string, string | number> = {}): ApiError {
  return { code, message: describeError(code, details), details };
}

/** The backend `fumo-kiosk web --demo-shell` serves: three sample devices, a technician login. */
export function createShellBackend(): ScriptedBackend {
  const backend = new ScriptedBackend();
  backend.attach(sampleDevice(1));
  backend.attach(sampleDevice(2, { fwVersion: '1.1.0', state: 'up-to-date', targetVersion: null, bundleId: null }));
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
