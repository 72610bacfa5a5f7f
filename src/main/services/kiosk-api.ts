/**
 * The KioskApi the hosts serve, over the service's parts: each method checks who may call it,
 * does one thing through the part that owns it, and returns a Result (never throws).
 */
import { KioskError } from '../../core/errors';
import { isTerminal, type JobSnapshot } from '../../core/fumo/ports';
import type { JobRunner } from '../../core/fumo/runner';
import { fail, ok, toResult, type KioskApi, type KioskEventName, type KioskEvents, type Result } from '../../shared/api';
import type {
  ConsentAnswer,
  HistoryFilter,
  HistoryRecord,
  SessionView,
  Settings,
  SettingsPatch,
  StartJobParams,
} from '../../shared/schemas';
import { toBundleView, toHistoryRecord, toTrustedKey, type Actor, type KioskStore } from '../store';
import type { ConsentBroker } from './consent-broker';
import type { DeviceRegistry } from './device-registry';
import type { JobViews } from './job-views';

/** What the API needs of the service around it. */
export interface KioskApiParts {
  store: KioskStore;
  runner: JobRunner;
  devices: DeviceRegistry;
  views: JobViews;
  consents: ConsentBroker;
  demo: boolean;
  emit<E extends KioskEventName>(event: E, payload: KioskEvents[E]): void;
  startUpdate(params: StartJobParams & { technician?: string | undefined }): Promise<string>;
  retry(jobId: string): string;
  /** Check a PIN; the user it belongs to, or undefined. */
  checkPin(pin: string): Promise<{ name: string; role: 'technician' | 'admin' } | undefined>;
}

export function settingsView(store: KioskStore): Settings {
  const all = store.settings.getAll();
  return {
    concurrency: all.concurrency,
    batteryThresholdPercent: all.batteryThresholdPercent,
    kioskMode: all.kioskMode,
    languages: all.languages,
    idleTimeoutSeconds: all.idleTimeoutSeconds,
    allowNonLoopback: all.allowNonLoopback,
  };
}

export function historyRecords(store: KioskStore, filter: HistoryFilter = {}): { records: HistoryRecord[]; total: number } {
  const f = {
    ...(filter.from !== undefined ? { from: filter.from } : {}),
    ...(filter.to !== undefined ? { to: filter.to } : {}),
    ...(filter.result ? { result: filter.result } : {}),
    ...(filter.model ? { model: filter.model } : {}),
    ...(filter.search ? { search: filter.search } : {}),
  };
  const records = store.audit.list({ ...f, limit: filter.limit ?? 100, offset: filter.offset ?? 0 }).map(toHistoryRecord);
  return { records, total: store.audit.count(f) };
}

/** The KioskApi over `parts`, with one login shared by the process's screens. */
export function createKioskApi(p: KioskApiParts): KioskApi & { session(): SessionView | null } {
  let authSession: SessionView | null = null;

  const requireTechnician = (): SessionView => {
    if (!authSession) throw new KioskError('UNAUTHORIZED');
    return authSession;
  };
  const actor = (): Actor => {
    const s = requireTechnician();
    return { name: s.user.name, role: s.user.role };
  };
  const requireAdmin = (what: string): Actor => {
    const a = actor();
    if (a.role !== 'admin') throw new KioskError('ADMIN_REQUIRED', { detail: what, required: 'admin', measured: a.role });
    return a;
  };
  const jobView = (s: JobSnapshot) => p.views.view(s);
  const existingJob = (jobId: string): JobSnapshot => {
    const s = p.runner.get(jobId);
    if (!s) throw new KioskError('RECORD_NOT_FOUND', { detail: jobId });
    return s;
  };
  const catalogList = () => p.store.catalog.list().map(toBundleView);
  const trustList = () => p.store.trust.list().map(toTrustedKey);

  return {
    session: () => authSession,

    getSnapshot: () =>
      toResult(() => ({
        app: { name: 'fumo-kiosk', version: '0.1.0', demo: p.demo },
        devices: p.devices.views(),
        jobs: p.runner.list().map(jobView),
        consent: { pending: p.consents.list(), customerRequestId: p.consents.handedOver, customerJobId: p.consents.customerJobId },
        session: authSession,
        catalog: catalogList(),
        trust: trustList(),
        settings: settingsView(p.store),
        recentHistory: historyRecords(p.store, { limit: 20 }).records,
      })),

    devices: {
      list: () => toResult(() => p.devices.views()),
    },

    jobs: {
      list: () => toResult(() => p.runner.list().map(jobView)),
      start: (params: StartJobParams) =>
        toResult(async () => {
          const session = requireTechnician();
          const jobId = await p.startUpdate({ ...params, technician: session.user.name });
          return jobView(existingJob(jobId));
        }),
      cancel: (params: { jobId: string }) =>
        toResult(async () => {
          requireTechnician();
          existingJob(params.jobId);
          await p.runner.cancel(params.jobId);
          return jobView(existingJob(params.jobId));
        }),
      retry: (params: { jobId: string }) =>
        toResult(() => {
          requireTechnician();
          if (!isTerminal(existingJob(params.jobId).state)) throw new KioskError('BUSY');
          return jobView(existingJob(p.retry(params.jobId)));
        }),
    },

    consent: {
      pending: () => toResult(() => p.consents.list()),
      handover: (params: { requestId: string }) =>
        toResult(() => {
          requireTechnician();
          return p.consents.handover(params.requestId);
        }),
      answer: (a: ConsentAnswer) => toResult(() => jobView(existingJob(p.consents.answer(a)))),
    },

    auth: {
      login: async (params: { pin: string }): Promise<Result<SessionView>> => {
        const who = await p.checkPin(params.pin);
        if (!who) return fail('UNAUTHORIZED');
        authSession = { user: { id: who.name, name: who.name, role: who.role }, expiresAt: null };
        p.emit('auth:changed', authSession);
        return ok(authSession);
      },
      logout: async (): Promise<Result<null>> => {
        authSession = null;
        p.emit('auth:changed', null);
        return ok(null);
      },
      session: async (): Promise<Result<SessionView | null>> => ok(authSession),
    },

    catalog: {
      list: () => toResult(() => catalogList()),
      import: (params: { path: string }) =>
        toResult(async () => {
          const r = await p.store.catalog.import(params.path, { actor: actor() });
          p.emit('catalog:changed', catalogList());
          return { bundle: toBundleView(r.entry), accepted: true };
        }),
      remove: (params: { bundleId: string }) =>
        toResult(async () => {
          await p.store.catalog.remove(params.bundleId, actor());
          p.emit('catalog:changed', catalogList());
          return null;
        }),
    },

    trust: {
      list: () => toResult(() => trustList()),
      add: (params: { name: string; publicKey: string }) =>
        toResult(() => {
          const k = toTrustedKey(p.store.trust.add(params.name, params.publicKey, actor()));
          p.emit('trust:changed', trustList());
          return k;
        }),
      remove: (params: { keyId: string }) =>
        toResult(() => {
          p.store.trust.remove(params.keyId, actor());
          p.emit('trust:changed', trustList());
          return null;
        }),
    },

    settings: {
      get: () => toResult(() => settingsView(p.store)),
      set: (patch: SettingsPatch) =>
        toResult(() => {
          requireAdmin('change settings');
          p.store.settings.patch(patch);
          if (patch.concurrency !== undefined) p.runner.setConcurrency(patch.concurrency);
          const s = settingsView(p.store);
          p.emit('settings:changed', s);
          return s;
        }),
    },

    history: {
      list: (filter?: HistoryFilter) => toResult(() => historyRecords(p.store, filter)),
      get: (params: { id: string }) =>
        toResult(() => {
          const r = p.store.audit.get(params.id);
          if (!r) throw new KioskError('RECORD_NOT_FOUND', { detail: params.id });
          return toHistoryRecord(r);
        }),
      export: (params: { format: 'csv' | 'json'; filter?: HistoryFilter }) =>
        toResult(() => {
          const f = params.filter ?? {};
          const content = params.format === 'csv' ? p.store.audit.exportCsv(f) : p.store.audit.exportJson(f);
          return { filename: `fumo-history.${params.format}`, mimeType: params.format === 'csv' ? 'text/csv' : 'application/json', content };
        }),
      receipt: (params: { id: string; language?: string }) =>
        toResult(() => ({ id: params.id, html: p.store.audit.receiptHtml(params.id, params.language ? { language: params.language } : {}) })),
    },
  };
}
