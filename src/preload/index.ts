/**
 * The preload: puts the bridge on window.kiosk through contextBridge. One function per KioskApi
 * method (all through one validated IPC channel), an event subscription and the readiness
 * signal; nothing else of Electron or Node reaches the page. Bundled to one sandbox-compatible
 * CommonJS file (dist/preload/preload.cjs).
 */
import { contextBridge, ipcRenderer } from 'electron';
import {
  IPC_CHANNELS,
  createApiClient,
  fail,
  type KioskBridge,
  type KioskEventMessage,
  type Result,
} from '../shared/api';

const listeners = new Set<(message: KioskEventMessage) => void>();

ipcRenderer.on(IPC_CHANNELS.event, (_event, message: KioskEventMessage) => {
  for (const listener of listeners) listener(message);
});

const bridge: KioskBridge = {
  api: createApiClient((method, params) =>
    (ipcRenderer.invoke(IPC_CHANNELS.invoke, method, params) as Promise<Result<unknown>>).catch(() =>
      fail('HOST_DISCONNECTED'),
    ),
  ),
  subscribe(listener) {
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  },
  signalReady() {
    ipcRenderer.send(IPC_CHANNELS.ready);
  },
};

contextBridge.exposeInMainWorld('kiosk', bridge);
