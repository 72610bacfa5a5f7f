/**
 * The screens' one door to the renderer store and the KioskApi: every selector and action the
 * screens use goes through here, so the screens do not depend on how the store is laid out.
 */
import { useShallow } from 'zustand/react/shallow';
import type {
  ApiError,
  ConsentAnswer,
  ConsentRequest,
  DeviceView,
  HistoryFilter,
  JobView,
  PeopleView,
  Role,
  Result,
  SettingsPatch,
} from '../../shared/api';
import { kioskApi } from '../bridge';
import {
  useCatalog as useCatalogSlice,
  useCustomerRequest as useCustomerRequestSlice,
  useDeviceList,
  useKioskStore,
  usePendingConsent as usePendingSlice,
  useSession as useSessionSlice,
  useSettings as useSettingsSlice,
  usePeopleStore,
  useTrustStore,
} from '../store';

export const useDevices = (): DeviceView[] => useDeviceList();
/** Jobs by id (the store's own record; stable between unrelated updates). */
export const useJobs = (): Record<string, JobView> => useKioskStore((s) => s.jobs.byId);
export const usePendingConsent = (): ConsentRequest[] => usePendingSlice();
export const useCustomerRequest = (): ConsentRequest | null => useCustomerRequestSlice() ?? null;
/** The job the customer display belongs to (handed over, answered, or running when it opened). */
export const useCustomerJobId = (): string | null => useKioskStore((s) => s.consent.customerJobId);
export const useSession = useSessionSlice;
export const useSettings = useSettingsSlice;
export const useCatalog = useCatalogSlice;
export const useTrust = useTrustStore;
/** Who has a PIN (administrators; null until loadPeople has answered). */
export const usePeople = (): PeopleView | null => usePeopleStore();
/** Changes whenever a history record is added (the history screen reloads its page then). */
export const useHistoryVersion = (): string => useKioskStore(useShallow((s) => s.history.recent.map((r) => `${r.id}:${r.result ?? ''}`).join('|')));

type Outcome<T> = Result<T>;
const okVoid = <T>(r: Result<T>): { ok: true } | { ok: false; error: ApiError } => (r.ok ? { ok: true } : { ok: false, error: r.error });

/** Every change the screens ask of the Node side. */
export const kioskActions = {
  login: (pin: string): Promise<Outcome<unknown>> => kioskApi().auth.login({ pin }),
  logout: () => kioskApi().auth.logout(),
  startJob: async (portId: string) => okVoid(await kioskApi().jobs.start({ portId, schedule: 'now', consentMode: 'customer' })),
  handover: async (requestId: string) => okVoid(await kioskApi().consent.handover({ requestId })),
  cancelJob: async (jobId: string) => okVoid(await kioskApi().jobs.cancel({ jobId })),
  retryJob: async (jobId: string) => okVoid(await kioskApi().jobs.retry({ jobId })),
  answerConsent: (answer: ConsentAnswer) => kioskApi().consent.answer(answer),
  importBundle: (path: string) => kioskApi().catalog.import({ path }),
  removeBundle: (bundleId: string) => kioskApi().catalog.remove({ bundleId }),
  addKey: (name: string, publicKey: string) => kioskApi().trust.add({ name, publicKey }),
  removeKey: (keyId: string) => kioskApi().trust.remove({ keyId }),
  /** Load who has a PIN into the store; later changes arrive as people:changed. */
  loadPeople: async () => {
    const r = await kioskApi().people.list();
    if (r.ok) useKioskStore.getState().setPeople(r.value);
    return okVoid(r);
  },
  setPin: (name: string, role: Role, pin: string) => kioskApi().people.setPin({ name, role, pin }),
  removePerson: (name: string) => kioskApi().people.remove({ name }),
  /** End a lockout: `name`'s, or without a name logging in on the bench. */
  unlock: async (name?: string) => okVoid(await kioskApi().people.unlock(name === undefined ? {} : { name })),
  saveSettings: (patch: SettingsPatch) => kioskApi().settings.set(patch),
  /** The print queues of the kiosk computer, to choose the receipt printer from. */
  listPrinters: () => kioskApi().settings.printers(),
  listPorts: () => kioskApi().ports.list(),
  /** Name a port's bench slot and choose its device profile (null: none, the VID:PID decides). */
  assignPort: (port: string, profileId: string | null, slot: string | null) => kioskApi().ports.assign({ port, profileId, slot }),
  unassignPort: (port: string) => kioskApi().ports.unassign({ port }),
  listHistory: (filter: HistoryFilter) => kioskApi().history.list(filter),
  exportHistory: (format: 'csv' | 'json', filter: HistoryFilter) => {
    const { limit: _l, offset: _o, ...rest } = filter;
    return kioskApi().history.export({ format, filter: rest });
  },
  receipt: (id: string, language: string) => kioskApi().history.receipt({ id, language }),
  /** Print a record's receipt on the kiosk's printer; without a language, in the customer's. */
  printReceipt: (id: string, language?: string) => kioskApi().history.print(language ? { id, language } : { id }),
  receiptCode: (id: string) => kioskApi().history.receiptCode({ id }),
  /** The customer display goes back to its start. */
  clearCustomer: () => useKioskStore.getState().clearCustomer(),
};
