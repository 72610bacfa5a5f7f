/**
 * The contract's vocabulary: the wire name of every KioskApi method and of every event, in one
 * module that both the API's types (api.ts) and its schemas (schemas.ts) build on.
 */

/** Every method's wire name, "group.method" (or a top-level name). */
export const KIOSK_METHODS = [
  'getSnapshot',
  'devices.list',
  'jobs.list',
  'jobs.start',
  'jobs.cancel',
  'jobs.retry',
  'consent.pending',
  'consent.handover',
  'consent.answer',
  'auth.login',
  'auth.logout',
  'auth.session',
  'catalog.list',
  'catalog.import',
  'catalog.remove',
  'trust.list',
  'trust.add',
  'trust.remove',
  'people.list',
  'people.setPin',
  'people.remove',
  'people.unlock',
  'settings.get',
  'settings.set',
  'settings.printers',
  'ports.list',
  'ports.assign',
  'ports.unassign',
  'history.list',
  'history.get',
  'history.export',
  'history.receipt',
  'history.receiptCode',
  'history.print',
] as const;

export type KioskMethod = (typeof KIOSK_METHODS)[number];

/** Event names (Node side -> renderer), in one place. */
export const KIOSK_EVENTS = {
  deviceAttached: 'device:attached',
  deviceUpdated: 'device:updated',
  deviceDetached: 'device:detached',
  jobUpdated: 'job:updated',
  jobProgress: 'job:progress',
  consentRequested: 'consent:requested',
  consentHandover: 'consent:handover',
  consentResolved: 'consent:resolved',
  authChanged: 'auth:changed',
  catalogChanged: 'catalog:changed',
  trustChanged: 'trust:changed',
  peopleChanged: 'people:changed',
  settingsChanged: 'settings:changed',
  historyAdded: 'history:added',
} as const;

export type KioskEventName = (typeof KIOSK_EVENTS)[keyof typeof KIOSK_EVENTS];
export const KIOSK_EVENT_NAMES = Object.values(KIOSK_EVENTS) as KioskEventName[];
