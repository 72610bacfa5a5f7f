/**
 * The renderer's only way to the Node side. Under Electron the preload has put the bridge on
 * window.kiosk; in a browser (the web host) there is no window.kiosk and the bridge speaks to
 * the host's WebSocket with the token from the page URL. Nothing else in the renderer reads
 * window.kiosk, so screens cannot tell which host they run under.
 */
import type { KioskApi, KioskBridge } from '../../shared/api';
import type { ConnectionStatus, RendererBridge } from './types';
import { apiUrlFromLocation, createWebSocketBridge, tokenFromLocation } from './ws-client';

export type { ConnectionStatus, RendererBridge } from './types';

declare global {
  interface Window {
    /** Set by the Electron preload (src/preload). */
    kiosk?: KioskBridge;
  }
}

function fromPreload(kiosk: KioskBridge): RendererBridge {
  return {
    api: kiosk.api,
    subscribe: (listener) => kiosk.subscribe(listener),
    signalReady: () => kiosk.signalReady(),
    status: () => 'connected',
    onStatus: () => () => undefined,
  };
}

let current: RendererBridge | null = null;

/** The bridge of this page (made on first use). */
export function getBridge(): RendererBridge {
  if (!current) {
    current = window.kiosk
      ? fromPreload(window.kiosk)
      : createWebSocketBridge({
          url: apiUrlFromLocation(window.location),
          token: tokenFromLocation(window.location),
        });
  }
  return current;
}

/** Shorthand for screens: the KioskApi. */
export function kioskApi(): KioskApi {
  return getBridge().api;
}

/** Tests: use this bridge instead (null: make a new one on next use). */
export function setBridgeForTests(bridge: RendererBridge | null): void {
  current = bridge;
}

export function isConnected(status: ConnectionStatus): boolean {
  return status === 'connected';
}
