/**
 * The KioskApi contract: what the renderer may ask of the Node side and what the Node side tells
 * the renderer. Both hosts carry exactly this API: the Electron host over IPC (preload ->
 * ipcMain), the web host over a loopback WebSocket. The renderer cannot tell which.
 *
 * Rules of the contract:
 * - every method takes at most ONE argument (a params object) and returns Promise<Result<T>>;
 *   nothing is thrown across the boundary;
 * - method names on the wire are "group.method" (KIOSK_METHODS); argument and value schemas
 *   are in ./schemas (METHOD_SCHEMAS); event names are KIOSK_EVENTS, payload schemas EVENT_SCHEMAS;
 * - error codes are those of ./errors.
 *
 * This module holds types and plain constants only (no zod at runtime), so the preload bundle
 * that imports it stays small.
 */
import { describeError, ERROR_MESSAGES, type ErrorCode, type ErrorDetails } from './errors';
import type {
  ApiError,
  BundleRef,
  BundleView,
  CatalogImportParams,
  ConsentAnswer,
  ConsentHandover,
  ConsentRef,
  ConsentRequest,
  ConsentResolved,
  DeviceDetached,
  DeviceView,
  ExportFile,
  HistoryExportParams,
  HistoryFilter,
  HistoryPage,
  HistoryRecord,
  HistoryRef,
  ImportReport,
  JobProgress,
  JobRef,
  JobView,
  KeyRef,
  LoginParams,
  PortAssignParams,
  PortList,
  PortRef,
  PeopleView,
  PersonPinParams,
  PersonRef,
  PersonView,
  Receipt,
  ReceiptCode,
  ReceiptParams,
  ReceiptPrinted,
  SessionView,
  Settings,
  SettingsPatch,
  PrinterQueue,
  Snapshot,
  StartJobParams,
  TrustAddParams,
  TrustedKey,
  UnlockParams,
} from './schemas';

import { KIOSK_EVENT_NAMES, KIOSK_EVENTS, KIOSK_METHODS, type KioskEventName, type KioskMethod } from './names';
import type { Capability, CallerAccess } from './access';

export { METHOD_ACCESS, adminAct, refusal, type Access, type Capability, type CallerAccess } from './access';

export { KIOSK_EVENT_NAMES, KIOSK_EVENTS, KIOSK_METHODS, type KioskEventName, type KioskMethod };
export type * from './schemas';

// ---------------------------------------------------------------------------------------------
// Result

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: ErrorCode, details: ErrorDetails = {}): Result<T> {
  const clean: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(details)) if (v !== undefined) clean[k] = v;
  return { ok: false, error: { code, message: describeError(code, details), details: clean } };
}

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_MESSAGES, code);
}

/** Turn anything thrown into an ApiError: a KioskError keeps its code, anything else is INTERNAL. */
export function toApiError(e: unknown): ApiError {
  if (e && typeof e === 'object' && 'code' in e && isErrorCode(e.code)) {
    const details =
      'details' in e && e.details && typeof e.details === 'object' ? (e.details as ErrorDetails) : {};
    const clean: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(details))
      if (typeof v === 'string' || typeof v === 'number') clean[k] = v;
    const message =
      'message' in e && typeof e.message === 'string' && e.message
        ? e.message
        : describeError(e.code, details);
    return { code: e.code, message, details: clean };
  }
  const detail = e instanceof Error ? e.message : String(e);
  return { code: 'INTERNAL', message: describeError('INTERNAL', { detail }), details: { detail } };
}

/** Run `fn` and wrap its value or its thrown error as a Result. */
export async function toResult<T>(fn: () => T | Promise<T>): Promise<Result<T>> {
  try {
    return ok(await fn());
  } catch (e) {
    return { ok: false, error: toApiError(e) };
  }
}

// ---------------------------------------------------------------------------------------------
// The API

type Call<P, T> = (params: P) => Promise<Result<T>>;
type Call0<T> = () => Promise<Result<T>>;

export interface KioskApi {
  /** Everything the renderer store needs at start. */
  getSnapshot: Call0<Snapshot>;
  devices: {
    list: Call0<DeviceView[]>;
  };
  jobs: {
    list: Call0<JobView[]>;
    /** Start an update on one device (by portId or devId). Needs a technician session. */
    start: Call<StartJobParams, JobView>;
    cancel: Call<JobRef, JobView>;
    /** Start a new job for the same device and bundle as a failed/cancelled one. */
    retry: Call<JobRef, JobView>;
  };
  consent: {
    pending: Call0<ConsentRequest[]>;
    /** The technician hands the request to the customer display (emits consent:handover). */
    handover: Call<ConsentRef, ConsentRequest>;
    /** The customer's (or, in operator mode, the technician's) answer and chosen schedule. */
    answer: Call<ConsentAnswer, JobView>;
  };
  auth: {
    login: Call<LoginParams, SessionView>;
    logout: Call0<null>;
    session: Call0<SessionView | null>;
  };
  catalog: {
    list: Call0<BundleView[]>;
    /** Import a bundle file from a path on the kiosk machine; the report carries the verdicts. */
    import: Call<CatalogImportParams, ImportReport>;
    remove: Call<BundleRef, null>;
  };
  trust: {
    list: Call0<TrustedKey[]>;
    add: Call<TrustAddParams, TrustedKey>;
    remove: Call<KeyRef, null>;
  };
  /** Who logs in with a PIN (administrators only): list, set a PIN, remove, unlock after wrong PINs. */
  people: {
    list: Call0<PeopleView>;
    /** Add a person or replace their PIN (and role). */
    setPin: Call<PersonPinParams, PersonView>;
    remove: Call<PersonRef, null>;
    /** End a lockout: one person's (name) or, without a name, the bench's login. */
    unlock: Call<UnlockParams, PeopleView>;
  };
  settings: {
    get: Call0<Settings>;
    set: Call<SettingsPatch, Settings>;
    /** The print queues of the kiosk computer's print system, to choose the receipt printer from. */
    printers: Call0<PrinterQueue[]>;
  };
  ports: {
    /** The bench's ports: those attached now (what the scanner sees) and those assigned but not attached. */
    list: Call0<PortList>;
    /** Give a port a device profile and a slot name (administrator); the cards show the name at once. */
    assign: Call<PortAssignParams, PortList>;
    unassign: Call<PortRef, PortList>;
  };
  history: {
    list: (filter?: HistoryFilter) => Promise<Result<HistoryPage>>;
    get: Call<HistoryRef, HistoryRecord>;
    export: Call<HistoryExportParams, ExportFile>;
    receipt: Call<ReceiptParams, Receipt>;
    /** The record's receipt QR code (the signed summary). The customer display gets only its own update's. */
    receiptCode: Call<HistoryRef, ReceiptCode>;
    /** Print the record's receipt on the kiosk's printer, through the kiosk computer's print system. */
    print: Call<ReceiptParams, ReceiptPrinted>;
  };
}

/** The function behind a wire name, e.g. MethodFn<'jobs.start'> = KioskApi['jobs']['start']. */
export type MethodFn<M extends KioskMethod> = M extends `${infer G}.${infer N}`
  ? G extends keyof KioskApi
    ? N extends keyof KioskApi[G]
      ? KioskApi[G][N]
      : never
    : never
  : M extends keyof KioskApi
    ? KioskApi[M]
    : never;

export type MethodParams<M extends KioskMethod> = Parameters<MethodFn<M>>[0];
export type MethodValue<M extends KioskMethod> =
  Awaited<ReturnType<MethodFn<M>>> extends Result<infer T> ? T : never;

export function isKioskMethod(name: unknown): name is KioskMethod {
  return typeof name === 'string' && (KIOSK_METHODS as readonly string[]).includes(name);
}

/**
 * Call a method of an API object by its wire name. The params must already be validated.
 * Never throws: a throwing or missing implementation becomes an error Result.
 */
export async function invokeMethod(
  api: KioskApi,
  method: KioskMethod,
  params: unknown,
): Promise<Result<unknown>> {
  try {
    const [group, name] = method.includes('.') ? method.split('.') : [undefined, method];
    const owner: unknown = group === undefined ? api : (api as unknown as Record<string, unknown>)[group];
    const fn =
      owner && typeof owner === 'object' ? (owner as Record<string, unknown>)[name as string] : undefined;
    if (typeof fn !== 'function') return fail('INTERNAL', { detail: `${method} is not implemented` });
    const out: unknown = await (fn as (p: unknown) => unknown).call(owner, params);
    if (out && typeof out === 'object' && 'ok' in out && typeof out.ok === 'boolean')
      return out as Result<unknown>;
    return fail('INTERNAL', { detail: `${method} did not return a Result` });
  } catch (e) {
    return { ok: false, error: toApiError(e) };
  }
}

/**
 * Build a KioskApi whose every method forwards to `invoke(method, params)`: used by the preload
 * (over ipcRenderer) and by the renderer's WebSocket client. Parameterless methods pass undefined.
 */
export function createApiClient(
  invoke: (method: KioskMethod, params: unknown) => Promise<Result<unknown>>,
): KioskApi {
  const api: Record<string, unknown> = {};
  for (const method of KIOSK_METHODS) {
    const call = (params?: unknown) => invoke(method, params);
    if (method.includes('.')) {
      const [group, name] = method.split('.') as [string, string];
      const g = (api[group] ??= {}) as Record<string, unknown>;
      g[name] = call;
    } else {
      api[method] = call;
    }
  }
  return api as unknown as KioskApi;
}

// ---------------------------------------------------------------------------------------------
// Events

/** Payload type of every event. */
export interface KioskEvents {
  'device:attached': DeviceView;
  'device:updated': DeviceView;
  'device:detached': DeviceDetached;
  'job:updated': JobView;
  'job:progress': JobProgress;
  'consent:requested': ConsentRequest;
  'consent:handover': ConsentHandover;
  'consent:resolved': ConsentResolved;
  'auth:changed': SessionView | null;
  'catalog:changed': BundleView[];
  'trust:changed': TrustedKey[];
  'people:changed': PeopleView;
  'settings:changed': Settings;
  'history:added': HistoryRecord;
}

/** One event as it travels: its name and payload. */
export type KioskEventMessage = {
  [E in KioskEventName]: { event: E; payload: KioskEvents[E] };
}[KioskEventName];

export type KioskEventListener<E extends KioskEventName = KioskEventName> = (payload: KioskEvents[E]) => void;

/**
 * What the hosts serve: the KioskApi plus its events. Node's EventEmitter satisfies on/off, so a
 * service class may simply extend EventEmitter and emit(KIOSK_EVENTS.x, payload).
 */
export interface KioskBackend extends KioskApi {
  on<E extends KioskEventName>(event: E, listener: KioskEventListener<E>): unknown;
  off<E extends KioskEventName>(event: E, listener: KioskEventListener<E>): unknown;
  /** Release ports, timers and the database (called once when the host shuts down). */
  close?(): Promise<void>;
  /** A screen connects (a window, a socket): its own login, its own view of the events. */
  connect(capability: Capability): KioskConnection;
}

/**
 * One screen's session with the backend: the KioskApi as that screen may use it. Its login is
 * its own (another screen is not logged in by it) and ends on logout or after an idle time.
 */
export interface KioskConnection extends KioskApi {
  /** Who is calling now: the screen's capability and its logged-in role (checked against METHOD_ACCESS). */
  access(): CallerAccess;
  /** Whether this screen is shown an event (the customer display sees only what is its own). */
  sees(message: KioskEventMessage): boolean;
  /** The screen went away. */
  close(): void;
}

/** The renderer's view of the bridge: the API, plus a firehose of events. */
export interface KioskBridge {
  api: KioskApi;
  /** Subscribe to every event; returns the unsubscribe function. */
  subscribe(listener: (message: KioskEventMessage) => void): () => void;
  /** Tell the host the renderer has rendered its first screen (readiness flag for tests). */
  signalReady(): void;
}

// ---------------------------------------------------------------------------------------------
// Transport constants

/** Electron IPC channels. */
export const IPC_CHANNELS = {
  invoke: 'kiosk:invoke',
  event: 'kiosk:event',
  ready: 'kiosk:ready',
} as const;

/** Web host: the WebSocket path, the query/fragment parameter carrying the token, close codes. */
export const WEB_API_PATH = '/api';
export const WEB_TOKEN_PARAM = 'token';
export const WS_CLOSE_UNAUTHORIZED = 4401;

/** Web host wire messages. */
export type WireRequest = { id: number; method: KioskMethod; params?: unknown };
export type WireResponse = { id: number; result: Result<unknown> };
export type WireEvent = KioskEventMessage;
/** The first message a client sends when it did not put the token in the URL. */
export type WireHello = { hello: { token: string } };
/** The host's answer to an accepted hello; requests are served from then on. */
export type WireWelcome = { welcome: true };

// ---------------------------------------------------------------------------------------------
// Display helpers shared by every side

/**
 * Mask a DevId for display: keep a scheme prefix ("IMEI:") and the last 4 characters,
 * e.g. IMEI:493005100592800 -> IMEI:•••••••••••2800.
 */
export function maskDevId(devId: string): string {
  const colon = devId.indexOf(':');
  const prefix = colon >= 0 ? devId.slice(0, colon + 1) : '';
  const body = devId.slice(prefix.length);
  if (body.length <= 4) return prefix + '•'.repeat(body.length);
  return prefix + '•'.repeat(body.length - 4) + body.slice(-4);
}
