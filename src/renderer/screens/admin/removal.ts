/**
 * Removing a bundle or a trusted key: asked first, then held for a few seconds in which it can be
 * undone; only when that window ends is the remove sent to the kiosk. Pure (the caller passes the
 * time), so the rules are unit tested without React or timers.
 */

/** How long a confirmed removal can be undone. */
export const UNDO_WINDOW_MS = 6000;

export interface HeldRemoval {
  id: string;
  /** What people call it ("Fumo Devices FD-201 2.4.1"). */
  name: string;
  /** Until when it can be undone (epoch ms). */
  until: number;
}

export interface RemovalState {
  /** The item whose removal is being asked about. */
  asking: string | null;
  /** Confirmed, not yet sent. */
  held: HeldRemoval[];
}

export type RemovalEvent =
  | { type: 'ask'; id: string }
  | { type: 'keep' }
  | { type: 'confirm'; id: string; name: string; now: number; windowMs?: number }
  | { type: 'undo'; id: string }
  /** These were sent to the kiosk (their window ended, or the screen closed). */
  | { type: 'sent'; ids: readonly string[] };

export const NO_REMOVAL: RemovalState = { asking: null, held: [] };

export function removalReducer(state: RemovalState, e: RemovalEvent): RemovalState {
  switch (e.type) {
    case 'ask':
      return { ...state, asking: e.id };
    case 'keep':
      return { ...state, asking: null };
    case 'confirm':
      if (state.held.some((h) => h.id === e.id)) return { ...state, asking: null };
      return {
        asking: null,
        held: [...state.held, { id: e.id, name: e.name, until: e.now + (e.windowMs ?? UNDO_WINDOW_MS) }],
      };
    case 'undo':
      return { ...state, held: state.held.filter((h) => h.id !== e.id) };
    case 'sent':
      return { ...state, held: state.held.filter((h) => !e.ids.includes(h.id)) };
  }
}

/** The held removals whose undo window has ended at `now`: to be sent. */
export function dueRemovals(state: RemovalState, now: number): HeldRemoval[] {
  return state.held.filter((h) => h.until <= now);
}

/** Whether an item is hidden from its list (its removal is held). */
export function isHeld(state: RemovalState, id: string): boolean {
  return state.held.some((h) => h.id === id);
}

/** Whole seconds left to undo, for the button's label. */
export function secondsToUndo(h: HeldRemoval, now: number): number {
  return Math.max(0, Math.ceil((h.until - now) / 1000));
}
