import type { KioskBridge } from '../../shared/api';

/** 'unauthorized': the host refused the access token; the page must be opened with the printed URL. */
export type ConnectionStatus = 'connecting' | 'connected' | 'disconnected' | 'unauthorized';

/** The bridge as the renderer sees it, whichever host it runs under. */
export interface RendererBridge extends KioskBridge {
  status(): ConnectionStatus;
  /** Called on every status change; returns the unsubscribe function. */
  onStatus(listener: (status: ConnectionStatus) => void): () => void;
}
