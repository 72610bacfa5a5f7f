/**
 * The KioskApi the hosts serve, over the service's parts: each method checks who may call it,
 * does one thing through the part that owns it, and returns a Result (never throws).
 */
import { KioskError } from '../../core/errors';
import { isTerminal, type JobSnapshot } from '../../core/fumo/ports';
import type { JobRunner } from '../../core/fumo/runner';
import type { Clock } from '../../core/clock';
import {
  KIOSK_METHODS,
  adminAct,
  fail,
  ok,
  refusal,
  toApiError,
  toResult,
  type Capability,
  type CallerAccess,
  type KioskMethod as KioskMethodName,
  type KioskConnection,
  type KioskEventMessage,
  type KioskEventName,
  type KioskEvents,
  type Result,
} from '../../shared/api';
import type {
  ConsentAnswer,
  ConsentRequest,
  HistoryFilter,
  HistoryRecord,
  PortAssignParams,
  PortRef,
  PersonPinParams,
  SessionView,
  Settings,
  SettingsPatch,
  StartJobParams,
} from '../../shared/schemas';
import { SettingsSchema } from '../../shared/schemas';
import { type Actor, type KioskStore } from '../store';
import { toBundleView, toHistoryRecord, toTrustedKey } from './store-views';
import { printReceipt, receiptCode, receiptErrorForScreens, receiptHtml, type Printer } from '../receipts';
import type { BenchPorts } from './bench-ports';
import type { ConsentBroker } from './consent-broker';
import { changeSettings } from './settings-change';
import type { DeviceRegistry } from './device-registry';
import type { JobViews } from './job-views';
import type { People } from './people';

/** What the API needs of the service around it. */
export interface KioskApiParts {
  store: KioskStore;
  runner: JobRunner;
  devices: DeviceRegistry;
  views: JobViews;
  consents: ConsentBroker;
  /** The bench's ports: profile and slot name per port. */
  ports: BenchPorts;
  demo: boolean;
  emit<E extends KioskEventName>(event: E, payload: KioskEvents[E]): void;
  startUpdate(params: StartJobParams & { technician?: string | undefined }): Promise<string>;
  retry(jobId: string): string;
  /** Check a PIN behind the store's guard (growing delay, lockout). */
  checkPin(pin: string): Promise<{ ok: true; name: string; role: 'technician' | 'admin' } | { ok: false; code: 'PIN_WRONG' | 'PIN_LOCKED'; retryAfterMs: number }>;
  clock: Clock;
  /** The kiosk's printer (the operating system's print system) for the customer's receipt. */
  printer: Printer;
  /** Resolves once the history record is complete (the job's end is announced before its record is). */
  recordSettled(id: string): Promise<void>;
  /** A login ends after this long without a call from its screen. */
  sessionIdleMs(): number;
  /** Who logs in with a PIN (administrators manage them). */
  people: People;
  /** The catalogue changed: the attached phones' cards are worked out again. */
  catalogChanged?(): Promise<void>;
}

/** The settings the KioskApi shows: every key of SettingsSchema, none of the store's own (PIN guard). */
export function settingsView(store: KioskStore): Settings {
  const all = store.settings.getAll();
  const view: Record<string, unknown> = {};
  for (const key of Object.keys(SettingsSchema.shape)) view[key] = all[key as keyof Settings];
  return view as Settings;
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

/**
 * One screen's KioskApi over `parts`: its own login (ended by logout or after an idle time),
 * every method checked against the contract's access table, and what a screen below the
 * technician's login sees cut down to what is its own.
 */
export function createKioskApi(p: KioskApiParts, capability: Capability = 'bench'): KioskConnection & { session(): SessionView | null } {
  let authSession: SessionView | null = null;
  let idleTimer: unknown;
  /** The auth:changed payload this screen caused: that event is this screen's alone. */
  let ownAuthEvent: SessionView | null | undefined;
  const role = () => authSession?.user.role ?? null;

  const stopIdleTimer = (): void => {
    if (idleTimer !== undefined) p.clock.clearTimeout(idleTimer);
    idleTimer = undefined;
  };
  /** (Re)start the idle timer of the login now in place. */
  const touch = (): void => {
    const s = authSession;
    if (!s) return;
    stopIdleTimer();
    idleTimer = p.clock.setTimeout(() => {
      if (authSession === s) setSession(null);
    }, p.sessionIdleMs());
  };
  const setSession = (next: SessionView | null): void => {
    authSession = next;
    stopIdleTimer();
    touch();
    ownAuthEvent = next;
    p.emit('auth:changed', next);
  };

  /** A login whose person lost their PIN or role since ends here: they log in again. */
  const dropStaleLogin = (): void => {
    const s = authSession;
    if (s && !p.people.holds(s.user.name, s.user.role)) setSession(null);
  };

  const requireTechnician = (): SessionView => {
    if (!authSession) throw new KioskError('UNAUTHORIZED');
    return authSession;
  };
  const actor = (): Actor => {
    const s = requireTechnician();
    return { name: s.user.name, role: s.user.role };
  };
  const jobView = (s: JobSnapshot) => p.views.view(s);
  const existingJob = (jobId: string): JobSnapshot => {
    const s = p.runner.get(jobId);
    if (!s) throw new KioskError('RECORD_NOT_FOUND', { detail: jobId });
    return s;
  };
  const catalogList = () => p.store.catalog.list().map(toBundleView);
  const trustList = () => p.store.trust.list().map(toTrustedKey);
  const technician = () => role() !== null;
  /** The customer display's own request and job. */
  const customerRequest = (): ConsentRequest | undefined => p.consents.list().find((r) => r.requestId === p.consents.handedOver);
  /**
   * The last job this customer display was given: it stays the display's own after the job
   * ends (the done screen prints its receipt) until another request is handed over.
   */
  let lastCustomerJob: string | null = null;
  const customerJobId = (): string | null => {
    const now = customerRequest()?.jobId ?? p.consents.customerJobId;
    if (now) lastCustomerJob = now;
    return now;
  };
  const ownJobId = (): string | null => customerJobId() ?? lastCustomerJob;
  /** A screen below a technician's login may reach only the record of its own job. */
  const requireOwnRecord = (id: string, method: string): void => {
    if (technician()) return;
    const own = capability === 'customer' ? ownJobId() : null;
    const job = own ? p.runner.get(own) : undefined;
    if (!job || job.auditId !== id) throw new KioskError('NOT_ALLOWED', { detail: method });
  };
  const settledRecord = async (id: string): Promise<void> => {
    if (!p.store.audit.get(id)) throw new KioskError('RECORD_NOT_FOUND', { detail: id });
    await p.recordSettled(id);
  };

  const api = {
    session: () => authSession,
    access: (): CallerAccess => ({ capability, role: capability === 'bench' ? role() : null }),
    sees: (m: KioskEventMessage): boolean => {
      if (m.event === 'auth:changed') return m.payload === ownAuthEvent;
      if (m.event === 'settings:changed') return true;
      // Who has a PIN is an administrator's to see, as people.list is.
      if (m.event === 'people:changed') return role() === 'admin';
      if (technician()) return true;
      if (capability !== 'customer') return false;
      if (m.event === 'consent:requested' || m.event === 'consent:handover' || m.event === 'consent:resolved') return true;
      if (m.event === 'job:updated' || m.event === 'job:progress') return m.payload.jobId === ownJobId();
      return false;
    },
    close: () => {
      stopIdleTimer();
      authSession = null;
    },


    getSnapshot: () =>
      toResult(() => {
        const app = { name: 'fumo-kiosk', version: '0.1.0', demo: p.demo };
        if (technician())
          return {
            app,
            devices: p.devices.views(),
            jobs: p.runner.list().map(jobView),
            consent: { pending: p.consents.list(), customerRequestId: p.consents.handedOver, customerJobId: p.consents.customerJobId },
            session: authSession,
            catalog: catalogList(),
            trust: trustList(),
            settings: settingsView(p.store),
            recentHistory: historyRecords(p.store, { limit: 20 }).records,
          };
        // Below a technician's login: no devices, ids, catalogue or history; the customer
        // display gets its own request and job only.
        const request = capability === 'customer' ? customerRequest() : undefined;
        const jobId = capability === 'customer' ? customerJobId() : null;
        const job = jobId ? p.runner.get(jobId) : undefined;
        return {
          app,
          devices: [],
          jobs: job ? [jobView(job)] : [],
          consent: { pending: request ? [request] : [], customerRequestId: request?.requestId ?? null, customerJobId: jobId },
          session: null,
          catalog: [],
          trust: [],
          settings: settingsView(p.store),
          recentHistory: [],
        };
      }),

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
      pending: () => toResult(() => (technician() ? p.consents.list() : p.consents.list().filter((r) => r.requestId === p.consents.handedOver))),
      handover: (params: { requestId: string }) =>
        toResult(() => {
          requireTechnician();
          return p.consents.handover(params.requestId);
        }),
      answer: (a: ConsentAnswer) =>
        toResult(() => {
          // The customer display answers only the request handed to it.
          if (!technician() && a.requestId !== p.consents.handedOver) throw new KioskError('NOT_ALLOWED', { detail: 'consent.answer' });
          const jobId = p.consents.answer(a);
          // The display that answered keeps this job as its own (its done screen prints the receipt).
          if (capability === 'customer') lastCustomerJob = jobId;
          return jobView(existingJob(jobId));
        }),
    },

    auth: {
      login: async (params: { pin: string }): Promise<Result<SessionView>> => {
        const who = await p.checkPin(params.pin);
        if (!who.ok) return fail(who.code, { detail: `${Math.ceil(who.retryAfterMs / 1000)} s`, measured: who.retryAfterMs });
        const session: SessionView = { user: { id: who.name, name: who.name, role: who.role }, expiresAt: null };
        setSession(session);
        return ok(session);
      },
      logout: async (): Promise<Result<null>> => {
        setSession(null);
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
          await p.catalogChanged?.();
          return { bundle: toBundleView(r.entry), accepted: true };
        }),
      remove: (params: { bundleId: string }) =>
        toResult(async () => {
          await p.store.catalog.remove(params.bundleId, actor());
          p.emit('catalog:changed', catalogList());
          await p.catalogChanged?.();
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

    people: {
      list: () => toResult(() => p.people.list()),
      setPin: (params: PersonPinParams) => toResult(() => p.people.setPin(actor(), params)),
      remove: (params: { name: string }) =>
        toResult(async () => {
          await p.people.remove(actor(), params.name);
          return null;
        }),
      unlock: (params: { name?: string }) => toResult(() => p.people.unlock(actor(), params.name)),
    },

    settings: {
      get: () => toResult(() => settingsView(p.store)),
      set: (patch: SettingsPatch) =>
        toResult(() => {
          changeSettings(p.store.settings, patch);
          if (patch.concurrency !== undefined) p.runner.setConcurrency(patch.concurrency);
          const s = settingsView(p.store);
          p.emit('settings:changed', s);
          return s;
        }),
      printers: () =>
        toResult(async () => {
          try {
            return await p.printer.listQueues();
          } catch (e) {
            throw receiptErrorForScreens(e);
          }
        }),
    },

    ports: {
      list: () => toResult(() => p.ports.list()),
      assign: (params: PortAssignParams) => toResult(() => p.ports.assign(params, actor())),
      unassign: (params: PortRef) => toResult(() => p.ports.unassign(params.port, actor())),
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
        toResult(() => ({ id: params.id, html: receiptHtml(p.store, params.id, params.language ? { language: params.language } : {}) })),
      receiptCode: (params: { id: string }) =>
        toResult(async () => {
          requireOwnRecord(params.id, 'history.receiptCode');
          await settledRecord(params.id);
          return receiptCode(p.store, params.id);
        }),
      print: (params: { id: string; language?: string }) =>
        toResult(async () => {
          requireOwnRecord(params.id, 'history.print');
          await settledRecord(params.id);
          try {
            const r = await printReceipt(p.store, params.id, p.printer, params.language ? { language: params.language } : {});
            return { id: params.id, queue: r.job.queue, printJobId: r.job.jobId };
          } catch (e) {
            throw receiptErrorForScreens(e);
          }
        }),
    },
  };
  return guarded(api, () => api.access(), touch, dropStaleLogin);
}

/**
 * Every method checked against the contract's access table before it runs (the hosts check
 * too; this holds for callers in the same process), a login whose person was removed or given
 * another role meanwhile ends first, and a call from a logged-in screen keeps its login alive.
 */
function guarded<T extends KioskConnection & { session(): SessionView | null }>(api: T, access: () => CallerAccess, touch: () => void, dropStaleLogin: () => void): T {
  const wrap = (method: KioskMethodName, fn: (params: never) => Promise<Result<unknown>>) => async (params: never): Promise<Result<unknown>> => {
    try {
      dropStaleLogin();
    } catch (e) {
      return { ok: false, error: toApiError(e) };
    }
    const who = access();
    const refused = refusal(method, who);
    if (refused) return fail(refused.code, { detail: refused.code === 'ADMIN_REQUIRED' ? adminAct(method) : method, required: refused.needed, measured: who.role ?? who.capability });
    touch();
    return fn(params);
  };
  const out = { ...api } as Record<string, unknown>;
  for (const method of KIOSK_METHODS) {
    if (method.includes('.')) {
      const [group, name] = method.split('.') as [string, string];
      const g = { ...(out[group] as Record<string, (p: never) => Promise<Result<unknown>>>) };
      g[name] = wrap(method, g[name]!);
      out[group] = g;
    } else {
      out[method] = wrap(method, out[method] as (p: never) => Promise<Result<unknown>>);
    }
  }
  return out as T;
}
