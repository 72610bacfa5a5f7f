/** The renderer's one zustand store: state from the pure reducers of snapshots and events. */
import { create } from 'zustand';
import { reduceEvent, reduceSnapshot } from './reducers';
import { initialData, type KioskState } from './state';

/** The one store of the renderer. */
export const useKioskStore = create<KioskState>()((set) => ({
  ...initialData(),
  // The arrival time is what the progress samples need; the reducers themselves stay pure.
  applySnapshot: (snapshot) => set((s) => reduceSnapshot(s, snapshot, Date.now())),
  applyEvent: (message) => set((s) => reduceEvent(s, message, Date.now())),
  setConnectionStatus: (status) => set((s) => ({ connection: { ...s.connection, status } })),
  setPeople: (view) => set({ people: { current: view } }),
  setSnapshotError: (error) => set((s) => ({ connection: { ...s.connection, error } })),
  clearCustomer: () =>
    set((s) => ({ consent: { ...s.consent, customerRequestId: null, customerJobId: null } })),
  reset: () => set(initialData()),
}));

/** Back to the initial state (tests). */
export function resetKioskStore(): void {
  useKioskStore.getState().reset();
}
