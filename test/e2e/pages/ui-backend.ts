/**
 * A scripted in-memory KioskBackend for the screen tests (test/e2e/web/ui-*.spec.ts). It plays
 * the Node side of one update as the kiosk service does (start -> consent request -> handover ->
 * answer -> the phone's own prompt -> transfer -> install -> verify -> history), and the test
 * decides when each step happens, so every assertion waits on what the screen shows.
 */
import { sharedLoginConnection } from '../../../src/main/hosts/shared-login';
import type { Capability, KioskConnection } from '../../../src/shared/api';
import { EventEmitter } from 'node:events';
import {
  KIOSK_EVENTS,
  fail,
  maskDevId,
  ok,
  type ApiError,
  type BundleView,
  type ConsentAnswer,
  type ConsentRequest,
  type DeviceView,
  type HistoryFilter,
  type HistoryRecord,
  type JobView,
  type KioskBackend,
  type KioskEventName,
  type KioskEvents,
  type KioskMethod,
  type SessionView,
  type Settings,
  type StartJobParams,
  type TrustedKey,
} from '../../../src/shared/api';
import { DEFAULT_SETTINGS } from '../../../src/shared/schemas';
import { describeError, type ErrorCode } from '../../../src/shared/errors';
import { qrMatrix } from '../../../src/main/receipts/qr';

export const TECH_PIN = '1234';
export const ADMIN_PIN = '9999';
const T0 = Date.UTC(2026, 10, 26, 9, 30);

export function uiDevice(n: number, overrides: Partial<DeviceView> = {}): DeviceView {
  return {
    portId: `port-${n}`,
    linkKind: 'serial',
    simulated: true,
    devId: maskDevId(`IMEI:35693803564380${n}`),
    manufacturer: 'Fumo Devices',
    model: `Fumo FD-${200 + n}`,
    fwVersion: '2.3.0',
    targetVersion: '2.4.1',
    bundleId: 'fd-2.4.1',
    battery: 84,
    externalPower: true,
    supportsSchedule: false,
    state: 'update-available',
    phase: null,
    jobId: null,
    problems: [],
    attachedAt: T0 + n,
    slot: `Slot ${n}`,
    portLabel: `/dev/ttyACM${n - 1}`,
    ...overrides,
  };
}

export const LOW_BATTERY: Partial<DeviceView> = {
  battery: 12,
  externalPower: false,
  state: 'blocked',
  problems: [{ code: 'BATTERY_LOW', message: describeError('BATTERY_LOW', { measured: 12, required: 30 }), required: 30, measured: 12, blocking: true }],
};

export const UP_TO_DATE: Partial<DeviceView> = { fwVersion: '2.4.1', targetVersion: null, bundleId: null, state: 'up-to-date' };

const BUNDLES: BundleView[] = [
  {
    bundleId: 'fd-2.4.1',
    manufacturer: 'Fumo Devices',
    models: ['Fumo FD-201', 'Fumo FD-202', 'Fumo FD-203'],
    fromVersions: ['2.3.0'],
    targetVersion: '2.4.1',
    sizeBytes: 48_200_000,
    sha256: 'a'.repeat(64),
    signedBy: 'fumo-devices-2026',
    releaseNotes: { en: 'Fixes dropped calls.' },
    importedAt: T0 - 86_400_000,
    verdicts: {
      signature: { status: 'pass', code: null, message: 'Signed by Fumo Devices' },
      approval: { status: 'pass', code: null, message: 'Approved' },
      compatibility: { status: 'pass', code: null, message: 'Compatible' },
    },
  },
  {
    bundleId: 'fd-1.9.0',
    manufacturer: 'Fumo Devices',
    models: ['Fumo FD-100'],
    fromVersions: [],
    targetVersion: '1.9.0',
    sizeBytes: 22_000_000,
    sha256: 'b'.repeat(64),
    signedBy: 'fumo-devices-2026',
    releaseNotes: { en: 'Security fixes.' },
    importedAt: T0 - 2 * 86_400_000,
    verdicts: {
      signature: { status: 'pass', code: null, message: 'Signed by Fumo Devices' },
      approval: { status: 'fail', code: 'NOT_APPROVED', message: describeError('NOT_APPROVED') },
      compatibility: { status: 'warning', code: null, message: 'No attached phone matches this model' },
    },
  },
];

const KEYS: TrustedKey[] = [
  {
    keyId: 'fumo-devices-2026',
    name: 'Fumo Devices',
    algorithm: 'ed25519',
    fingerprint: '3f9a6c1e0b7d4a2e9c5f8b1d6e3a7c0f2b9d4e1a6c8f3b5d7e0a2c4f6b8d1e3a',
    publicKey: 'MCowBQYDK2VwAyEA',
    addedAt: T0 - 10 * 86_400_000,
  },
];

const PRIVACY = {
  version: 'privacy-2026-1',
  text: {
    en: 'The kiosk reads your phone’s model, device id, software version, battery level and free space. For the shop’s service history it keeps the model, the last 4 digits of the device id, the versions, the date, the result and your answer. It does not read or copy your contacts, messages, photos or apps.',
    de: 'Der Kiosk liest Modell, Gerätekennung, Softwareversion, Akkustand und freien Speicher Ihres Telefons. Für den Serviceverlauf des Geschäfts speichert er das Modell, die letzten 4 Ziffern der Gerätekennung, die Versionen, das Datum, das Ergebnis und Ihre Antwort. Kontakte, Nachrichten, Fotos oder Apps liest und kopiert er nicht.',
    es: 'El quiosco lee el modelo, el identificador, la versión de software, el nivel de batería y el espacio libre de su teléfono. Para el historial de servicio de la tienda guarda el modelo, los 4 últimos dígitos del identificador, las versiones, la fecha, el resultado y su respuesta. No lee ni copia sus contactos, mensajes, fotos ni aplicaciones.',
  },
};
const WARRANTY = {
  version: 'warranty-2026-1',
  text: {
    en: 'This is the manufacturer’s own software for your model, signed by the manufacturer and approved for use. Installing it here does not affect your warranty.',
    de: 'Dies ist die eigene Software des Herstellers für Ihr Modell, vom Hersteller signiert und zugelassen. Die Installation hier hat keinen Einfluss auf Ihre Garantie.',
    es: 'Este es el software del propio fabricante para su modelo, firmado por el fabricante y homologado. Instalarlo aquí no afecta a su garantía.',
  },
};
const NOTES = {
  en: 'Fixes calls that could drop when switching between mobile networks.\nImproves battery life on standby.\nIncludes the latest security fixes.',
  de: 'Behebt Gesprächsabbrüche beim Wechsel zwischen Mobilfunknetzen.\nVerlängert die Akkulaufzeit im Standby.\nEnthält die neuesten Sicherheitskorrekturen.',
  es: 'Corrige las llamadas que podían cortarse al cambiar de red móvil.\nMejora la duración de la batería en reposo.\nIncluye las últimas correcciones de seguridad.',
};

export class UiBackend extends EventEmitter implements KioskBackend {
  readonly calls: { method: KioskMethod; params: unknown }[] = [];
  private devs = new Map<string, DeviceView>();
  private jobMap = new Map<string, JobView>();
  private pendingMap = new Map<string, ConsentRequest>();
  private customerRequestId: string | null = null;
  /** The job the customer display belongs to (set at handover, kept until another handover). */
  private customerJobId: string | null = null;
  /** When true, jobs.cancel only asks the phone to stop; the test ends the job with cancelled(). */
  holdCancel = false;
  private records: HistoryRecord[] = [];
  private session: SessionView | null = null;

  /** Every screen shares this backend's one login; the access table is still checked per call. */
  connect(capability: Capability): KioskConnection {
    return sharedLoginConnection(this, capability, () => this.session?.user.role ?? null);
  }
  private settingsValue: Settings = { ...DEFAULT_SETTINGS };
  private counter = 0;
  private clock = T0 + 60_000;

  private now(): number {
    this.clock += 1000;
    return this.clock;
  }
  private rec(method: KioskMethod, params?: unknown): void {
    this.calls.push({ method, params });
  }
  private send<E extends KioskEventName>(event: E, payload: KioskEvents[E]): void {
    this.emit(event, payload);
  }

  // --- what the test does -----------------------------------------------------------------

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
  deviceAccepts(portId: string, bytesTotal = 48_200_000): void {
    this.updateJob(portId, { phase: 'downloading', bytesTotal, bytesSent: 0 });
  }

  deviceDeclines(portId: string): void {
    this.finishJob(portId, 'declined', 'declined', { code: 'DEVICE_DECLINED', message: describeError('DEVICE_DECLINED'), details: {} });
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
    this.finishJob(portId, 'cancelled', 'cancelled', { code: 'CANCELLED', message: describeError('CANCELLED'), details: {} });
  }

  fail(portId: string, code: ErrorCode, details: Record<string, string | number> = {}): void {
    this.finishJob(portId, 'failed', 'failed', { code, message: describeError(code, details), details });
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
      consent: { mode: 'customer', customer: null, device: null, schedule: null, language: null, privacyVersion: null, warrantyVersion: null, answeredAt: null },
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

  // --- KioskApi ---------------------------------------------------------------------------

  getSnapshot = async () => {
    this.rec('getSnapshot');
    return ok({
      app: { name: 'fumo-kiosk', version: '0.1.0', demo: true },
      devices: [...this.devs.values()],
      jobs: [...this.jobMap.values()],
      consent: { pending: [...this.pendingMap.values()], customerRequestId: this.customerRequestId, customerJobId: this.customerJobId },
      session: this.session,
      catalog: BUNDLES,
      trust: KEYS,
      settings: this.settingsValue,
      recentHistory: this.records.slice(0, 20),
    });
  };

  devices = { list: async () => ok([...this.devs.values()]) };

  jobs = {
    list: async () => ok([...this.jobMap.values()]),
    start: async (params: StartJobParams) => {
      this.rec('jobs.start', params);
      if (!this.session) return fail<JobView>('UNAUTHORIZED');
      const device = params.portId ? this.devs.get(params.portId) : undefined;
      if (!device) return fail<JobView>('DEVICE_NOT_FOUND', { detail: params.portId ?? params.devId });
      const t = this.now();
      const job: JobView = {
        jobId: `job-${++this.counter}`,
        portId: device.portId,
        devId: device.devId,
        model: device.model,
        bundleId: device.bundleId,
        fromVersion: device.fwVersion,
        targetVersion: device.targetVersion,
        schedule: params.schedule,
        consentMode: params.consentMode,
        phase: 'awaiting-consent',
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
      const request: ConsentRequest = {
        requestId: `req-${this.counter}`,
        jobId: job.jobId,
        portId: d.portId,
        model: d.model,
        fromVersion: d.fwVersion,
        targetVersion: d.targetVersion ?? '',
        releaseNotes: NOTES,
        imageBytes: 48_200_000,
        estimatedSeconds: 260,
        privacy: PRIVACY,
        warranty: WARRANTY,
        supportsSchedule: d.supportsSchedule,
        consentMode: params.consentMode,
        createdAt: t,
      };
      this.pendingMap.set(request.requestId, request);
      this.send(KIOSK_EVENTS.jobUpdated, job);
      this.send(KIOSK_EVENTS.deviceUpdated, d);
      this.send(KIOSK_EVENTS.consentRequested, request);
      return ok(job);
    },
    cancel: async (params: { jobId: string }) => {
      this.rec('jobs.cancel', params);
      const job = this.jobMap.get(params.jobId);
      if (!job) return fail<JobView>('INVALID_REQUEST', { detail: `no job ${params.jobId}` });
      if (this.holdCancel) return ok(job); // the phone is told to stop; the job ends later
      this.finishJob(job.portId, 'cancelled', 'cancelled', { code: 'CANCELLED', message: describeError('CANCELLED'), details: {} });
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
    pending: async () => ok([...this.pendingMap.values()]),
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
      if (params.decision === 'decline') {
        this.finishJob(r.portId, 'declined', 'declined', { code: 'CONSENT_DECLINED', message: describeError('CONSENT_DECLINED'), details: {} });
      } else {
        this.updateJob(r.portId, { phase: 'awaiting-device-consent', schedule: params.schedule });
      }
      return ok(this.jobMap.get(r.jobId)!);
    },
  };

  auth = {
    login: async (params: { pin: string }) => {
      this.rec('auth.login', { pin: '****' });
      const role = params.pin === TECH_PIN ? 'technician' : params.pin === ADMIN_PIN ? 'admin' : null;
      if (!role) return fail<SessionView>('UNAUTHORIZED');
      this.session = { user: { id: role, name: role === 'admin' ? 'Alex Admin' : 'Toni Tech', role }, expiresAt: null };
      this.send(KIOSK_EVENTS.authChanged, this.session);
      return ok(this.session);
    },
    logout: async () => {
      this.session = null;
      this.send(KIOSK_EVENTS.authChanged, null);
      return ok(null);
    },
    session: async () => ok(this.session),
  };

  catalog = {
    list: async () => ok(BUNDLES),
    import: async (params: { path: string }) => {
      this.rec('catalog.import', params);
      const bundle: BundleView = {
        ...BUNDLES[0]!,
        bundleId: 'imported',
        verdicts: {
          signature: { status: 'fail', code: 'SIGNATURE_INVALID', message: describeError('SIGNATURE_INVALID', { detail: 'unknown key' }) },
          approval: { status: 'pass', code: null, message: 'Approved' },
          compatibility: { status: 'pass', code: null, message: 'Compatible' },
        },
      };
      return ok({ bundle, accepted: false });
    },
    remove: async (params: { bundleId: string }) => {
      this.rec('catalog.remove', params);
      return ok(null);
    },
  };

  trust = {
    list: async () => ok(KEYS),
    add: async (params: { name: string; publicKey: string }) => {
      this.rec('trust.add', params);
      return fail<TrustedKey>('INVALID_REQUEST', { detail: 'not a valid Ed25519 public key' });
    },
    remove: async (params: { keyId: string }) => {
      this.rec('trust.remove', params);
      return ok(null);
    },
  };

  settings = {
    get: async () => ok(this.settingsValue),
    set: async (patch: Partial<Settings>) => {
      this.rec('settings.set', patch);
      this.setSettings(patch);
      return ok(this.settingsValue);
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
  /** The error history.print answers with (none: it prints). */
  printError: ErrorCode | null = null;

  async close(): Promise<void> {
    this.removeAllListeners();
  }
}
