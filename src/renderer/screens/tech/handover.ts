/**
 * One-screen handover: the bench hands its own screen to the customer for one request, and only
 * a technician PIN (checked by the service with auth.login) brings the bench back. The login is
 * held by the service and shared by every window, so the bench must never reappear on a plain
 * "back": this state machine has exactly one way to 'bench', the 'pinAccepted' event.
 *
 * Pure, so the rules are unit tested without a browser (test/unit/renderer/handover.test.ts).
 */

export type HandoverMode = 'bench' | 'customer' | 'handBack';

export interface HandoverState {
  mode: HandoverMode;
  /** The request handed over on this screen (null on the bench). */
  requestId: string | null;
}

export type HandoverEvent =
  /** The technician handed a request over and no second screen shows the customer area. */
  | { type: 'handedOver'; requestId: string }
  /** The customer pressed finish (done, declined, failed) or the customer area timed out. */
  | { type: 'customerFinished' }
  /** auth.login succeeded with the PIN typed at the Staff control. */
  | { type: 'pinAccepted' };

export const BENCH: HandoverState = { mode: 'bench', requestId: null };

export function handoverReducer(state: HandoverState, event: HandoverEvent): HandoverState {
  switch (event.type) {
    case 'handedOver':
      // Only the bench hands over; a second hand-over while the customer has the screen is ignored.
      return state.mode === 'bench' ? { mode: 'customer', requestId: event.requestId } : state;
    case 'customerFinished':
      return state.mode === 'customer' ? { mode: 'handBack', requestId: state.requestId } : state;
    case 'pinAccepted':
      return BENCH;
  }
}

/**
 * Whether handing over takes this screen. Rule: the customer area already open in another window
 * (Electron's second display, or a second browser tab/window on the same kiosk address) means two
 * screens, and the request simply appears there; otherwise this screen is the only one and it
 * switches to the customer area. See ./displays for how the other window is noticed.
 */
export function takesThisScreen(customerDisplayElsewhere: boolean): boolean {
  return !customerDisplayElsewhere;
}

/** Where the state is kept across a reload of the page (a reload must not unlock the bench). */
export const HANDOVER_STORAGE_KEY = 'fumo-kiosk.handover';

export function serializeHandover(state: HandoverState): string | null {
  return state.mode === 'bench' ? null : JSON.stringify(state);
}

/**
 * Read back what serializeHandover wrote. Nothing stored: the bench. Anything stored but not
 * understood: fail closed, the PIN-guarded hand-back screen.
 */
export function parseHandover(raw: string | null): HandoverState {
  if (raw === null) return BENCH;
  try {
    const v: unknown = JSON.parse(raw);
    if (typeof v === 'object' && v !== null) {
      const { mode, requestId } = v as Record<string, unknown>;
      const id = typeof requestId === 'string' ? requestId : null;
      if (mode === 'customer' && id) return { mode: 'customer', requestId: id };
      if (mode === 'handBack') return { mode: 'handBack', requestId: id };
    }
  } catch {
    // fall through
  }
  return { mode: 'handBack', requestId: null };
}
