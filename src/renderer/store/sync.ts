/**
 * Keeps the store in step with the Node side: subscribe to events first, then load the snapshot,
 * then apply the events that arrived meanwhile (they are upserts, so applying one the snapshot
 * already contains does no harm). On every reconnection the snapshot is loaded again.
 */
import type { KioskEventMessage } from '../../shared/api';
import type { RendererBridge } from '../bridge/types';
import type { KioskState } from './state';

interface StoreLike {
  getState(): KioskState;
}

export function connectStore(bridge: RendererBridge, store: StoreLike): () => void {
  let buffer: KioskEventMessage[] | null = null;
  let generation = 0;
  let stopped = false;

  const load = async () => {
    const mine = ++generation;
    buffer = [];
    const result = await bridge.api.getSnapshot();
    if (stopped || mine !== generation) return;
    const held = buffer;
    buffer = null;
    const state = store.getState();
    if (result.ok) {
      state.applySnapshot(result.value);
      for (const m of held) state.applyEvent(m);
    } else {
      state.setSnapshotError(result.error);
    }
  };

  const offEvents = bridge.subscribe((m) => {
    if (buffer) buffer.push(m);
    else store.getState().applyEvent(m);
    // A login or logout changes what this screen may see: load the snapshot it may see now.
    if (m.event === 'auth:changed') void load();
  });
  const offStatus = bridge.onStatus((status) => {
    store.getState().setConnectionStatus(status);
    if (status === 'connected') void load();
  });
  store.getState().setConnectionStatus(bridge.status());
  if (bridge.status() === 'connected') void load();

  return () => {
    stopped = true;
    offEvents();
    offStatus();
  };
}
