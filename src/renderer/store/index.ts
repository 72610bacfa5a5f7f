import { create } from 'zustand';
import { reduceEvent, reduceSnapshot } from './reducers';
import { initialData, type KioskState } from './state';

export type * from './state';
export * from './selectors';
export { connectStore } from './sync';

/** The one store of the renderer. */
export const useKioskStore = create<KioskState>()((set) => ({
  ...initialData(),
  applySnapshot: (snapshot) => set((s) => reduceSnapshot(s, snapshot)),
  applyEvent: (message) => set((s) => reduceEvent(s, message)),
  setConnectionStatus: (status) => set((s) => ({ connection: { ...s.connection, status } })),
  setSnapshotError: (error) => set((s) => ({ connection: { ...s.connection, error } })),
  clearCustomer: () =>
    set((s) => ({ consent: { ...s.consent, customerRequestId: null, customerJobId: null } })),
  reset: () => set(initialData()),
}));

/** Back to the initial state (tests). */
export function resetKioskStore(): void {
  useKioskStore.getState().reset();
}
