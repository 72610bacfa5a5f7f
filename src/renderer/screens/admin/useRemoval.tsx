import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiError, Result } from '../../../shared/api';
import { dueRemovals, NO_REMOVAL, UNDO_WINDOW_MS, removalReducer, secondsToUndo, type HeldRemoval, type RemovalState } from './removal';

export interface Removal {
  state: RemovalState;
  ask: (id: string) => void;
  keep: () => void;
  confirm: (id: string, name: string) => void;
  undo: (id: string) => void;
  /** The last remove the kiosk refused (the item is back in its list). */
  error: ApiError | null;
}

/**
 * Ask, hold, then send: `remove` is called only when an item's undo window ends, or when the
 * screen closes with removals still held (the administrator confirmed them).
 */
export function useRemoval(remove: (id: string) => Promise<Result<unknown>>, onRemoved?: (h: HeldRemoval) => void): Removal {
  const [state, dispatch] = useReducer(removalReducer, NO_REMOVAL);
  const [error, setError] = useState<ApiError | null>(null);
  const latest = useRef(state);
  const callbacks = useRef({ remove, onRemoved });
  useEffect(() => {
    latest.current = state;
    callbacks.current = { remove, onRemoved };
  });

  const send = useCallback((items: HeldRemoval[]) => {
    if (items.length === 0) return;
    dispatch({ type: 'sent', ids: items.map((h) => h.id) });
    for (const h of items)
      void callbacks.current.remove(h.id).then((r) => {
        if (r.ok) callbacks.current.onRemoved?.(h);
        else setError(r.error);
      });
  }, []);

  // One timer for the earliest window to end.
  useEffect(() => {
    if (state.held.length === 0) return;
    const next = Math.min(...state.held.map((h) => h.until));
    const timer = window.setTimeout(() => send(dueRemovals(latest.current, Date.now())), Math.max(0, next - Date.now()));
    return () => window.clearTimeout(timer);
  }, [state.held, send]);

  // Closing the screen sends what was confirmed.
  useEffect(() => () => send(latest.current.held), [send]);

  return {
    state,
    ask: (id) => dispatch({ type: 'ask', id }),
    keep: () => dispatch({ type: 'keep' }),
    confirm: (id, name) => {
      setError(null);
      dispatch({ type: 'confirm', id, name, now: Date.now() });
    },
    undo: (id) => dispatch({ type: 'undo', id }),
    error,
  };
}

/** The toasts of held removals: what was removed and an Undo button with the seconds left. */
export function UndoToasts({ removal, message }: { removal: Removal; message: (h: HeldRemoval) => string }) {
  const { t } = useTranslation();
  const [now, setNow] = useState(() => Date.now());
  const held = removal.state.held;
  useEffect(() => {
    if (held.length === 0) return;
    const timer = window.setInterval(() => setNow(Date.now()), 250);
    return () => window.clearInterval(timer);
  }, [held.length]);
  if (held.length === 0) return null;
  return (
    <div className="toasts" aria-live="polite">
      {held.map((h) => (
        <div key={h.id} className="toast" role="status" data-testid="undo-toast" data-item-id={h.id}>
          <span>{message(h)}</span>
          <button type="button" className="btn btn-secondary" onClick={() => removal.undo(h.id)} data-testid="undo">
            {t('common.undoIn', { seconds: secondsToUndo(h, Math.max(now, h.until - UNDO_WINDOW_MS)) })}
          </button>
        </div>
      ))}
    </div>
  );
}
