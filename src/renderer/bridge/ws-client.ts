/**
 * The KioskApi over the web host's WebSocket (wire format in src/main/hosts/web/server.ts). Requests made while (re)connecting wait for the
 * connection; requests in flight when it drops resolve as HOST_DISCONNECTED (never throw). The
 * client reconnects by itself, except when the host refused the token.
 */
import {
  WEB_API_PATH,
  WEB_TOKEN_PARAM,
  WS_CLOSE_UNAUTHORIZED,
  type WireHello,
  createApiClient,
  fail,
  type KioskEventMessage,
  type KioskMethod,
  type Result,
} from '../../shared/api';
import type { ConnectionStatus, RendererBridge } from './types';

export interface WebSocketBridgeOptions {
  /** ws://host:port/api (without the token). */
  url: string;
  token: string | null;
  /** For tests outside a browser. */
  WebSocketImpl?: typeof WebSocket;
  reconnectDelayMs?: number;
}

/** The token of the printed URL: ?token=... or #...token=... */
export function tokenFromLocation(loc: Pick<Location, 'search' | 'hash'>): string | null {
  const fromQuery = new URLSearchParams(loc.search).get(WEB_TOKEN_PARAM);
  if (fromQuery) return fromQuery;
  const hash = loc.hash.replace(/^#/, '');
  const query = hash.includes('?') ? hash.slice(hash.indexOf('?') + 1) : hash;
  return new URLSearchParams(query).get(WEB_TOKEN_PARAM);
}

export function apiUrlFromLocation(loc: Pick<Location, 'protocol' | 'host'>): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}${WEB_API_PATH}`;
}

export function createWebSocketBridge(options: WebSocketBridgeOptions): RendererBridge {
  const WS = options.WebSocketImpl ?? WebSocket;
  const baseDelay = options.reconnectDelayMs ?? 500;
  const pending = new Map<number, (r: Result<unknown>) => void>();
  const queue: string[] = [];
  const eventListeners = new Set<(m: KioskEventMessage) => void>();
  const statusListeners = new Set<(s: ConnectionStatus) => void>();
  let status: ConnectionStatus = 'connecting';
  let socket: WebSocket | null = null;
  let nextId = 1;
  let attempt = 0;

  const setStatus = (s: ConnectionStatus) => {
    if (s === status) return;
    status = s;
    for (const l of statusListeners) l(s);
  };

  const connect = () => {
    setStatus('connecting');
    // The token goes in the first message rather than the URL, so a wrong one is answered
    // with close code 4401 (which the page can show) instead of a bare failed handshake.
    const ws = new WS(options.url);
    socket = ws;
    let welcomed = false;
    ws.onopen = () => {
      const hello: WireHello = { hello: { token: options.token ?? '' } };
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = (ev: MessageEvent) => {
      let msg: unknown;
      try {
        msg = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      if (!msg || typeof msg !== 'object') return;
      const m = msg as Record<string, unknown>;
      if (m.welcome === true && !welcomed) {
        welcomed = true;
        attempt = 0;
        setStatus('connected');
        for (const text of queue.splice(0)) ws.send(text);
      } else if (typeof m.id === 'number' && 'result' in m) {
        const resolve = pending.get(m.id);
        pending.delete(m.id);
        resolve?.(m.result as Result<unknown>);
      } else if (typeof m.event === 'string') {
        for (const l of eventListeners) l(m as unknown as KioskEventMessage);
      }
    };
    ws.onclose = (ev: CloseEvent) => {
      socket = null;
      for (const [id, resolve] of pending) {
        pending.delete(id);
        resolve(fail('HOST_DISCONNECTED'));
      }
      if (ev.code === WS_CLOSE_UNAUTHORIZED) {
        setStatus('unauthorized');
        queue.length = 0;
        return;
      }
      setStatus('disconnected');
      attempt += 1;
      setTimeout(connect, Math.min(baseDelay * 2 ** Math.min(attempt - 1, 4), 5000));
    };
  };

  const invoke = (method: KioskMethod, params: unknown): Promise<Result<unknown>> => {
    if (status === 'unauthorized') return Promise.resolve(fail('HOST_DISCONNECTED'));
    const id = nextId++;
    const text = JSON.stringify(params === undefined ? { id, method } : { id, method, params });
    return new Promise((resolve) => {
      pending.set(id, resolve);
      if (socket && status === 'connected' && socket.readyState === WS.OPEN) socket.send(text);
      else queue.push(text);
    });
  };

  connect();

  return {
    api: createApiClient(invoke),
    subscribe(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    signalReady() {
      // The web host needs no signal: tests wait on the document's data-ready attribute.
    },
    status: () => status,
    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
  };
}
