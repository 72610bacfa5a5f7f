/**
 * The web host: the built renderer and the KioskApi over a WebSocket, on loopback only.
 *
 * Access needs one of two random tokens made at each launch, each part of a printed URL
 * (http://127.0.0.1:PORT/?token=...): the bench's, and the customer display's, which lets a
 * screen do only what the customer's screen does (METHOD_ACCESS). The page is served only with a
 * token in its URL (HTTP 401 otherwise; its scripts and styles are not secret). The client sends
 * the token when it connects, either in the WebSocket URL (/api?token=...) or as its first
 * message {hello:{token}} (answered {welcome:true}). A wrong token in the URL is answered HTTP
 * 401; a wrong or missing hello closes the socket with code 4401. Requests before that are not
 * served. Each socket is its own connection to the backend: its own login, its own events.
 *
 * Wire format (JSON text frames): client -> {id, method, params}; host -> {id, result} where
 * result is a Result; host -> {event, payload} for every backend event.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
  WEB_API_PATH,
  WEB_TOKEN_PARAM,
  WS_CLOSE_UNAUTHORIZED,
  fail,
  type Capability,
  type KioskBackend,
  type KioskConnection,
  type KioskEventMessage,
  type WireResponse,
  type WireWelcome,
} from '../../../shared/api';
import { KioskError } from '../../../core/errors';
import { dispatchRequest, subscribeBackend, type DispatchOptions } from '../dispatch';
import { isLoopbackAddress } from '../security';
import { securityHeaders, serveStatic } from './static';

export interface WebHostOptions {
  backend: KioskBackend;
  /** Folder with the built renderer (index.html and assets). */
  rendererDir: string;
  /** Bind address; 127.0.0.1 unless an admin allowed otherwise. */
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Admin setting: allow a non-loopback bind address. */
  allowNonLoopback?: boolean;
  /** Fixed tokens (tests); default: 32 random bytes each, hex. */
  token?: string;
  customerToken?: string;
  /** Seconds a client may take to send {hello} when the token was not in its URL. */
  helloTimeoutMs?: number;
  dispatch?: DispatchOptions;
}

export interface WebHost {
  /** The bench's URL, its token included. */
  readonly url: string;
  /** The customer display's URL: its own token, the customer's screen. */
  readonly customerUrl: string;
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  readonly customerToken: string;
  /** Connected, authenticated clients. */
  clientCount(): number;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 1_000_000;
/** A client this far behind gets no more progress ticks until it catches up (they are superseded anyway). */
const PROGRESS_BACKLOG_BYTES = 512_000;

function sameToken(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopbackAddress(host) && !options.allowNonLoopback) {
    throw new KioskError('INVALID_REQUEST', {
      detail: `the web host listens on loopback only; ${host} needs the administrator setting "allowNonLoopback"`,
    });
  }
  const token = options.token ?? randomBytes(32).toString('hex');
  const customerToken = options.customerToken ?? randomBytes(32).toString('hex');
  /** Which screen a token opens, or undefined for none. */
  const capabilityOf = (given: unknown): Capability | undefined =>
    sameToken(token, given) ? 'bench' : sameToken(customerToken, given) ? 'customer' : undefined;
  const helloTimeoutMs = options.helloTimeoutMs ?? 5000;
  const clients = new Map<WebSocket, KioskConnection>();
  let port = 0;

  // DNS-rebinding guard: on loopback, only answer requests addressed to a loopback name.
  const hostAllowed = (req: IncomingMessage): boolean => {
    if (!isLoopbackAddress(host)) return true;
    const value = req.headers.host ?? '';
    const name = value.startsWith('[') ? value.slice(1, value.indexOf(']')) : (value.split(':')[0] ?? '');
    return isLoopbackAddress(name);
  };
  // A browser page from another origin must not open the API even if it guessed the port.
  const originAllowed = (req: IncomingMessage): boolean => {
    const origin = req.headers.origin;
    if (origin === undefined) return true; // not a browser; the token still decides
    try {
      const u = new URL(origin);
      return (
        u.port === String(port) &&
        (isLoopbackAddress(u.hostname.replace(/^\[|\]$/g, '')) || u.hostname === host)
      );
    } catch {
      return false;
    }
  };

  const server: Server = createServer((req, res) => {
    if (!hostAllowed(req)) {
      res.writeHead(421, securityHeaders()).end();
      return;
    }
    // The page itself only with a token in its URL; its scripts, styles and images are not secret.
    const url = new URL(req.url ?? '/', 'http://localhost');
    const isPage = url.pathname === '/' || url.pathname === '/index.html' || !url.pathname.slice(1).includes('.');
    if (isPage && capabilityOf(url.searchParams.get(WEB_TOKEN_PARAM)) === undefined) {
      res.writeHead(401, { ...securityHeaders(), 'Content-Type': 'text/plain; charset=utf-8' }).end('Open the address fumo-kiosk printed: it carries the access token.\n');
      return;
    }
    void serveStatic(options.rendererDir, req, res).catch(() => res.destroy());
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== WEB_API_PATH) return refuseUpgrade(socket, 404, 'Not Found');
    if (!hostAllowed(req) || !originAllowed(req)) return refuseUpgrade(socket, 403, 'Forbidden');
    const given = url.searchParams.get(WEB_TOKEN_PARAM);
    const capability = given === null ? undefined : capabilityOf(given);
    if (given !== null && capability === undefined) return refuseUpgrade(socket, 401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, capability));
  });

  const send = (ws: WebSocket, message: WireResponse | KioskEventMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };

  const unsubscribe = subscribeBackend(
    options.backend,
    (message) => {
      for (const [ws, connection] of clients) {
        if (!connection.sees(message)) continue;
        if (message.event === 'job:progress' && ws.bufferedAmount > PROGRESS_BACKLOG_BYTES) continue;
        send(ws, message);
      }
    },
    options.dispatch,
  );

  function accept(ws: WebSocket, fromUrl: Capability | undefined): void {
    let connection: KioskConnection | undefined;
    let helloTimer: NodeJS.Timeout | undefined;
    const admit = (capability: Capability): void => {
      connection = options.backend.connect(capability);
      clients.set(ws, connection);
    };
    if (fromUrl) admit(fromUrl);
    else {
      helloTimer = setTimeout(() => ws.close(WS_CLOSE_UNAUTHORIZED, 'token required'), helloTimeoutMs);
    }
    ws.on('close', () => {
      clearTimeout(helloTimer);
      clients.delete(ws);
      connection?.close();
    });
    ws.on('error', () => ws.terminate());
    ws.on('message', (data: RawData, isBinary: boolean) => {
      let message: unknown;
      try {
        if (isBinary) throw new Error('binary');
        message = JSON.parse(data.toString());
      } catch {
        if (!connection) ws.close(WS_CLOSE_UNAUTHORIZED, 'token required');
        else send(ws, { id: -1, result: fail('INVALID_REQUEST', { detail: 'a message must be JSON text' }) });
        return;
      }
      const m = (message && typeof message === 'object' ? message : {}) as Record<string, unknown>;
      if (!connection) {
        const hello = m.hello as Record<string, unknown> | undefined;
        const capability = hello ? capabilityOf(hello.token) : undefined;
        if (capability) {
          clearTimeout(helloTimer);
          admit(capability);
          const welcome: WireWelcome = { welcome: true };
          ws.send(JSON.stringify(welcome));
        } else {
          ws.close(WS_CLOSE_UNAUTHORIZED, 'token required');
        }
        return;
      }
      const id = typeof m.id === 'number' && Number.isSafeInteger(m.id) ? m.id : -1;
      void dispatchRequest(connection, m.method, m.params, options.dispatch).then((result) =>
        send(ws, { id, result }),
      );
    });
  }

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  port = (server.address() as AddressInfo).port;
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  const origin = `http://${hostForUrl}:${port}`;

  let closed: Promise<void> | undefined;
  return {
    url: `${origin}/?${WEB_TOKEN_PARAM}=${token}`,
    customerUrl: `${origin}/?${WEB_TOKEN_PARAM}=${customerToken}#/customer`,
    customerToken,
    origin,
    port,
    token,
    clientCount: () => clients.size,
    close() {
      closed ??= (async () => {
        unsubscribe();
        for (const ws of wss.clients) ws.terminate();
        await new Promise<void>((r) => wss.close(() => r()));
        const stopped = new Promise<void>((r) => server.close(() => r()));
        server.closeAllConnections();
        await stopped;
      })();
      return closed;
    },
  };
}
