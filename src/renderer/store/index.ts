export type * from './state';
export * from './selectors';
export * from './progress';
export { connectStore } from './sync';
export { useKioskStore, resetKioskStore } from './kiosk-store';
