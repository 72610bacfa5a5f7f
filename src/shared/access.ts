/**
 * Who may call what, in one table: each KioskApi method with the access it needs. A connection
 * (an Electron window, a web host socket) has a capability given by how it was opened (the
 * bench's, or the customer display's own) and, on the bench, the role of whoever logged in on
 * it. Both hosts check every call against this table before the backend sees it.
 */
import type { KioskMethod } from './names';

/** How a screen was opened: the technician's bench, or the customer display (its own token or window). */
export type Capability = 'bench' | 'customer';
export type Role = 'technician' | 'admin';

/**
 * - public: any screen, logged in or not
 * - bench: the bench's screens, before login too (the PIN pad); never the customer display
 * - customer: the customer display for its own request and job, or a logged-in technician
 * - technician, admin: a bench screen with that login
 */
export type Access = 'public' | 'bench' | 'customer' | 'technician' | 'admin';

export const METHOD_ACCESS: Readonly<Record<KioskMethod, Access>> = {
  getSnapshot: 'public',
  'devices.list': 'technician',
  'jobs.list': 'technician',
  'jobs.start': 'technician',
  'jobs.cancel': 'technician',
  'jobs.retry': 'technician',
  'consent.pending': 'customer',
  'consent.handover': 'technician',
  'consent.answer': 'customer',
  'auth.login': 'bench',
  'auth.logout': 'public',
  'auth.session': 'public',
  'catalog.list': 'technician',
  'catalog.import': 'admin',
  'catalog.remove': 'admin',
  'trust.list': 'technician',
  'trust.add': 'admin',
  'trust.remove': 'admin',
  'people.list': 'admin',
  'people.setPin': 'admin',
  'people.remove': 'admin',
  'people.unlock': 'admin',
  'settings.get': 'public',
  'settings.set': 'admin',
  'settings.printers': 'admin',
  'ports.list': 'technician',
  'ports.assign': 'admin',
  'ports.unassign': 'admin',
  'history.list': 'technician',
  'history.get': 'technician',
  'history.export': 'admin',
  'history.receipt': 'technician',
  // The customer display: only the receipt of the update it showed (checked by the backend).
  'history.receiptCode': 'customer',
  'history.print': 'customer',
};

/** What an administrator's method does, in words for the refusal ("Only an administrator may ..."). */
const ADMIN_ACTS: Partial<Record<KioskMethod, string>> = {
  'catalog.import': 'import bundles into the catalogue',
  'catalog.remove': 'remove bundles from the catalogue',
  'trust.add': 'trust a signing key',
  'trust.remove': 'remove a trusted key',
  'people.list': 'see who has a PIN',
  'people.setPin': 'set PINs',
  'people.remove': 'remove people',
  'people.unlock': 'unlock logging in',
  'settings.set': 'change settings',
  'settings.printers': 'list the printers to choose the receipt printer',
  'ports.assign': 'assign ports to bench slots',
  'ports.unassign': 'assign ports to bench slots',
  'history.export': 'export the history with full device ids',
};

export function adminAct(method: KioskMethod): string {
  return ADMIN_ACTS[method] ?? 'do this';
}

/** Who is calling: the screen's capability and, on the bench, the logged-in role. */
export interface CallerAccess {
  capability: Capability;
  role: Role | null;
}

/** Undefined when the caller may call `method`; otherwise the error code and what was needed. */
export function refusal(method: KioskMethod, caller: CallerAccess): { code: 'UNAUTHORIZED' | 'ADMIN_REQUIRED' | 'NOT_ALLOWED'; needed: Access } | undefined {
  const needed = METHOD_ACCESS[method];
  switch (needed) {
    case 'public':
      return undefined;
    case 'bench':
      return caller.capability === 'bench' ? undefined : { code: 'NOT_ALLOWED', needed };
    case 'customer':
      return caller.capability === 'customer' || caller.role !== null ? undefined : { code: 'UNAUTHORIZED', needed };
    case 'technician':
      if (caller.capability !== 'bench') return { code: 'NOT_ALLOWED', needed };
      return caller.role !== null ? undefined : { code: 'UNAUTHORIZED', needed };
    case 'admin':
      if (caller.capability !== 'bench') return { code: 'NOT_ALLOWED', needed };
      if (caller.role === null) return { code: 'UNAUTHORIZED', needed };
      return caller.role === 'admin' ? undefined : { code: 'ADMIN_REQUIRED', needed };
  }
}
