/**
 * The renderer's one store, made of typed slices that mirror the Node side: a snapshot at start,
 * then every event applied as it comes. Screens read it through selectors (./selectors) and
 * change the Node side only through the KioskApi; the store changes only from the bridge.
 */
import type {
  ApiError,
  AppInfo,
  BundleView,
  ConsentRequest,
  DeviceView,
  HistoryRecord,
  JobView,
  KioskEventMessage,
  SessionView,
  Settings,
  Snapshot,
  PeopleView,
  TrustedKey,
} from '../../shared/api';
import type { ConnectionStatus } from '../bridge/types';
import type { ProgressSample } from './progress';

export interface ConnectionSlice {
  connection: {
    status: ConnectionStatus;
    /** The snapshot has been loaded at least once. */
    ready: boolean;
    /** The last error from loading the snapshot, if it failed. */
    error: ApiError | null;
    app: AppInfo | null;
  };
}

export interface DevicesSlice {
  devices: {
    byPort: Record<string, DeviceView>;
    /** Stable display order: the order devices were attached. */
    order: string[];
  };
}

export interface JobsSlice {
  jobs: { byId: Record<string, JobView> };
}

export interface ConsentSlice {
  consent: {
    pending: Record<string, ConsentRequest>;
    /** The request handed to the customer display. */
    customerRequestId: string | null;
    /** The job the customer display follows (stays after the request is answered). */
    customerJobId: string | null;
  };
}

export interface ProgressSlice {
  /** Per job, the bytes sent as they arrived (see ./progress): the speed and time left come from them. */
  progress: { byJob: Record<string, ProgressSample[]> };
}

export interface SessionSlice {
  session: { current: SessionView | null };
}

export interface CatalogSlice {
  catalog: { bundles: BundleView[]; trust: TrustedKey[] };
}

export interface PeopleSlice {
  /** Who has a PIN, once an administrator's screen has loaded it (null: not loaded, or not an administrator). */
  people: { current: PeopleView | null };
}

export interface SettingsSlice {
  settings: { current: Settings | null };
}

export interface HistorySlice {
  /** The most recent records, newest first; full lists come from api.history.list. */
  history: { recent: HistoryRecord[] };
}

export type KioskData = ConnectionSlice &
  DevicesSlice &
  JobsSlice &
  ConsentSlice &
  ProgressSlice &
  SessionSlice &
  CatalogSlice &
  PeopleSlice &
  SettingsSlice &
  HistorySlice;

export interface KioskActions {
  applySnapshot(snapshot: Snapshot): void;
  applyEvent(message: KioskEventMessage): void;
  setConnectionStatus(status: ConnectionStatus): void;
  setSnapshotError(error: ApiError | null): void;
  /** The people list an administrator's screen loaded (people.list). */
  setPeople(view: PeopleView): void;
  /** The customer display goes back to its start (idle timeout, done). */
  clearCustomer(): void;
  /** Back to the initial state (tests). */
  reset(): void;
}

export type KioskState = KioskData & KioskActions;

export const HISTORY_RECENT_LIMIT = 50;

export function initialData(): KioskData {
  return {
    connection: { status: 'connecting', ready: false, error: null, app: null },
    devices: { byPort: {}, order: [] },
    jobs: { byId: {} },
    consent: { pending: {}, customerRequestId: null, customerJobId: null },
    progress: { byJob: {} },
    session: { current: null },
    catalog: { bundles: [], trust: [] },
    people: { current: null },
    settings: { current: null },
    history: { recent: [] },
  };
}
